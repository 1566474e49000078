"""The question log (`HUMUS_QUESTION_LOG`, off by default): what people asked, so that the evidence map can show
what they could not get answered, per practice × zone.

One JSON line per question or search in `HOME/questions.jsonl`, with exactly these fields: the day, whether it
was a question or a search, the text, its language, the practices and the zones (climate zone, soil class,
land use) and outcomes it names, and whether it was answered. No IP address, no user or session id, no time
of day. Serving processes append whole lines, so several can log at once.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections import Counter
from pathlib import Path

from ingest.glossary import Concept

LOG = "questions.jsonl"
FIELDS = ("day", "kind", "text", "language", "practices", "zones", "outcomes", "answered")
ZONE_FACETS = ("climate_zone", "soil_class", "land_use")
OUTCOME_WORDS = {  # what a question asks about, in EN/FR/ES, for the outcome axis of the map
    "soil_carbon": r"carbon|carbone|carbono|organic matter|mati[eè]re organique|materia org[aá]nica",
    "yield": r"yield|rendement|rendimiento|harvest|r[ée]colte|cosecha",
    "erosion": r"erosion|[ée]rosion|erosi[oó]n",
    "water": r"\bwater|\beau\b|\bagua|moisture|humidit|drought|s[ée]cheresse|sequ[ií]a",
    "greenhouse_gases": r"emission|[ée]mission|emisi[oó]n|m[ée]than|metano|nitrous|N2O|greenhouse|serre|invernadero",
    "income": r"income|revenu|ingreso|profit|b[ée]n[ée]fice|ganancia|cost|co[uû]t|costo|price|prix|precio",
    "nutrients": r"nitrogen|azote|nitr[oó]geno|phosph|f[oó]sforo|nutrient|nutriment",
    "biodiversity": r"biodivers",
}


def topics(text: str, mentions: list[str], concepts: dict[str, Concept]) -> dict[str, list[str]]:
    """The practices, zones and outcomes a text names (`mentions`: the glossary concepts found in it)."""
    found: dict[str, list[str]] = {"practices": [], "zones": [], "outcomes": []}
    for concept_id in mentions:
        for link in concepts[concept_id].links if concept_id in concepts else []:
            facet, _, value = link.partition(":")
            key = "practices" if facet == "practice" else "zones" if facet in ZONE_FACETS else None
            if key and value not in found[key]:
                found[key].append(value)
    found["outcomes"] = [o for o, words in OUTCOME_WORDS.items() if re.search(words, text, re.IGNORECASE)]
    return found


def log(home: Path, kind: str, text: str, language: str, named: dict[str, list[str]], answered: bool) -> None:
    entry = {"day": dt.date.today().isoformat(), "kind": kind, "text": text, "language": language,
             **{k: named.get(k, []) for k in ("practices", "zones", "outcomes")}, "answered": answered}  # fmt: skip
    line = (json.dumps(entry, ensure_ascii=False) + "\n").encode()
    fd = os.open(home / LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)  # one write per line: no interleaving
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def entries(home: Path) -> list[dict]:
    path = home / LOG
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue  # a line cut short by a crash
    return out


def demand(home: Path, by: str, zones_of: dict[str, set[str]]) -> Counter[tuple[str, str]]:
    """Unanswered questions and searches per (practice, column of `by`). `zones_of`: a column's values per
    axis, to place a zone the question names on the right axis."""
    counts: Counter[tuple[str, str]] = Counter()
    for entry in entries(home):
        if entry.get("answered"):
            continue
        columns = entry.get("outcomes", []) if by == "outcome" else [
            z for z in entry.get("zones", []) if z in zones_of.get(by, set())
        ]  # fmt: skip
        for practice in entry.get("practices", []):
            for column in columns:
                counts[(practice, column)] += 1
    return counts
