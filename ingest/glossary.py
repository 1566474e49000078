"""The multilingual glossary: concepts with labels and synonyms in EN/FR/ES (PT/SW where known)."""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

LANGS = ("en", "fr", "es", "pt", "sw")
COLUMNS = ("concept_id", "category", "en", "fr", "es", "pt", "sw", "en_alt", "fr_alt", "es_alt", "agrovoc", "links")
CATEGORIES = (
    "practice",
    "soil_property",
    "soil_process",
    "soil_class",
    "soil_type",
    "climate",
    "water",
    "land_use",
    "carbon_accounting",
    "crop",
    "vegetation",
    "livestock",
    "degradation",
    "policy",
    "measurement",
    "input",
)


@dataclass(slots=True)
class Concept:
    id: str
    category: str
    labels: dict[str, str]
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    agrovoc: str | None = None
    links: list[str] = field(default_factory=list)  # "practice:cover-crops", "climate_zone:tropical_dry", ...

    def terms(self, lang: str) -> list[str]:
        """Preferred label and synonyms in one language."""
        label = self.labels.get(lang)
        return ([label] if label else []) + self.synonyms.get(lang, [])


def load_glossary(path: Path) -> list[Concept]:
    """Read the glossary CSV; raises ValueError naming the line of a malformed row."""
    concepts = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{path.name}: columns must be {', '.join(COLUMNS)}")
        for line, row in enumerate(reader, start=2):
            missing = [lang for lang in ("en", "fr", "es") if not (row[lang] or "").strip()]
            if missing or not row["concept_id"]:
                raise ValueError(f"{path.name} line {line}: missing {', '.join(missing) or 'concept_id'}")
            concepts.append(
                Concept(
                    id=row["concept_id"].strip(),
                    category=row["category"].strip(),
                    labels={lang: row[lang].strip() for lang in LANGS if (row[lang] or "").strip()},
                    synonyms={
                        lang: [s.strip() for s in (row[f"{lang}_alt"] or "").split("|") if s.strip()]
                        for lang in ("en", "fr", "es")
                    },
                    agrovoc=(row["agrovoc"] or "").strip() or None,
                    links=(row["links"] or "").split(),
                )
            )
    return concepts


def _fold(text: str) -> str:
    """Case, accents, hyphens, a bracketed qualifier and plural -s set aside: 'Bananas' and 'banana', 'bulk density
    (soil)' and 'bulk density', 'Plantes fourragères' and 'plante fourragère' match."""
    text = unicodedata.normalize("NFKD", re.sub(r"\s*\([^)]*\)", "", text).strip().lower().replace("-", " "))
    words = "".join(c for c in text if not unicodedata.combining(c)).split()
    return " ".join(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words)


def agrovoc_problems(concepts: list[Concept], agrovoc_csv: Path) -> list[str]:
    """Glossary AGROVOC codes that do not name their concept, checked against an AGROVOC label file (columns code,
    label_en, alt_en, label_fr, alt_fr, label_es, alt_es): an unknown code; a code none of whose labels matches
    one of the concept's labels or synonyms in any language; a code whose preferred label differs from the
    concept's own English label where another AGROVOC concept bears that label (a neighbouring concept chosen,
    such as "humid zones" for "humid climate")."""
    with agrovoc_csv.open(newline="", encoding="utf-8") as fh:
        rows = {row["code"]: row for row in csv.DictReader(fh)}
    by_label: dict[str, list[str]] = {}
    for code, entry in rows.items():
        by_label.setdefault(_fold(entry["label_en"] or ""), []).append(code)
    problems = []
    for concept in concepts:
        row = rows.get(concept.agrovoc or "")
        if concept.agrovoc is None:
            continue
        if row is None:
            problems.append(f"{concept.id}: {concept.agrovoc} is not an AGROVOC code")
            continue
        ours = {lang: {_fold(t) for t in concept.terms(lang)} for lang in ("en", "fr", "es")}
        theirs = {
            lang: {_fold(t) for t in [row[f"label_{lang}"] or "", *(row[f"alt_{lang}"] or "").split("|")] if t}
            for lang in ("en", "fr", "es")
        }
        if not any(theirs[lang] & ours[lang] for lang in ours):
            problems.append(
                f"{concept.id}: {concept.agrovoc} is labelled {row['label_en']!r} / {row['label_fr']!r} / "
                f"{row['label_es']!r}, none of the concept's labels or synonyms"
            )
            continue
        own = _fold(concept.labels["en"])
        exact = [c for c in by_label.get(own, []) if c != concept.agrovoc]
        if _fold(row["label_en"] or "") != own and exact:
            problems.append(
                f"{concept.id}: {concept.agrovoc} is labelled {row['label_en']!r}, but {exact[0]} is labelled "
                f"{rows[exact[0]]['label_en']!r}, the concept's own label"
            )
    return problems
