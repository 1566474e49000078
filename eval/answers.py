"""`humus eval --task answers`: the chat's answers to the questions of eval/answers, per language.

The store is the shipped corpus plus `../shared/seeds` and `../shared/fixtures` (the reports, roadmap and slides,
in every format). Each question is asked in English, French and Spanish, each in a new conversation. Measured:

- fact with source: the answer holds the expected fact (a number, compared as a number whatever the decimal
  separator; or a name) and cites a document it comes from (a practice sheet in any language; a report in any
  rendering);
- fact alone, citation alone;
- abstention: the questions whose answer is in no document are answered "no source answers this";
- latency per answer, and the in-process search p50 of the same run (these VMs vary by 2× from day to day).

The questions were written before the chat was tuned. Ids whose number is a multiple of 3 (p03, e06, n03, …) are
held out: weights were tuned on the other two thirds; the targets are checked on the held-out third.
"""

from __future__ import annotations

import json
import re
import statistics
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from eval.harness import LANGS, ROOT, SHARED, _open
from service.chat import Answer, Chat, Citation, Weights, choose, runner_up

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from index.kb import IndexConfig, KnowledgeBase

QUESTIONS = ROOT / "eval" / "answers"
FILES = ("practice.jsonl", "enquiries.jsonl", "unanswerable.jsonl")
SPLITS = ("tune", "held-out")
TARGETS = {"fact with source": 0.9, "abstention": 0.9}
LATENCY_TARGETS_MS = {"p50": 300.0, "p95": 1000.0}
NUMBER = re.compile(r"\d+(?:[.,  ]\d+)*")


@dataclass(slots=True)
class Item:
    id: str
    kind: str  # practice | enquiry | none
    question: dict[str, str]
    fact: dict[str, list[str]]
    source: list[str]

    @property
    def split(self) -> str:
        return SPLITS[int(re.sub(r"\D", "", self.id)) % 3 == 0]


def load_items(folder: Path = QUESTIONS) -> list[Item]:
    items = []
    for name in FILES:
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                items.append(Item(row["id"], row["kind"], row["question"], row["fact"], row["source"]))
    return items


def open_answers(config: IndexConfig) -> KnowledgeBase:
    kb = _open("answers", config)
    kb.ingest([ROOT / "corpus" / "practices", SHARED / "seeds", SHARED / "fixtures"], prune=True)
    return kb


def _values(token: str) -> set[float]:
    """The numbers a written number may be: '0,32' → 0.32; '970,000' → 970000 or 970.0; '1 000' → 1000."""
    token = token.replace("\u202f", " ").replace("\xa0", " ")
    out = {float(token.replace(" ", "").replace(",", "").replace(".", "", token.count(".") - 1))}
    if token.count(",") == 1 and " " not in token and "." not in token:
        out.add(float(token.replace(",", ".")))
    if token.count(".") == 1 and "," not in token:
        out.add(float(token.replace(" ", "")))
    return out


def _folded(text: str) -> str:
    """Lower case, accents off, any run of white space one space (a title broken over two lines is one title)."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return " ".join(bare.split())


def has_fact(text: str, facts: list[str]) -> bool:
    """Any expected fact in the text: numbers as numbers (not inside a longer number), names as words; a name
    ending in a number may be followed by an ordinal's ending ("October 27" in "October 27th")."""
    found = {v for token in NUMBER.findall(text) for v in _values(token.strip())}
    folded = _folded(text)
    for fact in facts:
        name = _folded(fact)
        ordinal = "(?:st|nd|rd|th)?" if name[-1:].isdigit() else ""
        if NUMBER.fullmatch(fact.strip()):
            if _values(fact.strip()) & found:
                return True
        elif re.search(rf"(?<!\w){re.escape(name)}{ordinal}(?!\w)", folded):
            return True
    return False


def cites(answer: Answer, sources: list[str]) -> bool:
    """A citation names one of the expected documents (a practice id, or a file's name without extension)."""
    return any(_from(c, sources) for c in answer.citations)


def _from(citation: Citation, sources: list[str]) -> bool:
    return citation.practice_id in sources or citation.source.rsplit(".", 1)[0] in sources


def points_to(answer: Answer, facts: list[str], sources: list[str]) -> bool:
    """A refusal whose nearest passages (`Answer.closest`, shown under it) include one that holds the fact and
    comes from an expected document: the asker is not told, but can read it there."""
    return not answer.found and any(has_fact(c.quote, facts) and _from(c, sources) for c in answer.closest)


def score_answers(kb: KnowledgeBase, llm: BaseChatModel | None = None) -> dict:
    """Per split (tune, held-out, all) and language: the accuracies and latencies; every answer in `answers`."""
    items = load_items()
    chat = Chat(kb, llm)
    chat.ask("warm-up: how much carbon does compost add?", lang="en")  # the encoders load once per process
    rows = []
    for item in items:
        for lang in LANGS:
            question = item.question[lang]
            kb.forget_queries()
            start = time.perf_counter()
            answer = chat.ask(question, lang=lang)
            ms = (time.perf_counter() - start) * 1000
            kb.forget_queries()
            start = time.perf_counter()
            kb.search(question, k=10, lang=lang)
            search_ms = (time.perf_counter() - start) * 1000
            fact = answer.found and has_fact(answer.answer, item.fact[lang])
            source = answer.found and cites(answer, item.source)
            rows.append({
                "id": item.id, "kind": item.kind, "split": item.split, "lang": lang, "question": question,
                "found": answer.found, "fact": fact, "source": source, "ms": ms, "search_ms": search_ms,
                "nearest": points_to(answer, item.fact[lang], item.source),
                "answer": answer.answer, "cited": [c.source for c in answer.citations],
            })  # fmt: skip
    out: dict = {"answers": rows}
    for split in (*SPLITS, "all"):
        part = [r for r in rows if split in ("all", r["split"])]
        out[split] = {lang: _summary([r for r in part if r["lang"] == lang]) for lang in LANGS}
        out[split]["all"] = _summary(part)
    return out


def _summary(rows: list[dict]) -> dict:
    answerable = [r for r in rows if r["kind"] != "none"]
    unanswerable = [r for r in rows if r["kind"] == "none"]

    def share(values: list[bool]) -> float:
        return sum(values) / len(values) if values else 0.0

    ms = sorted(r["ms"] for r in rows)
    return {
        "questions": len(answerable),
        "unanswerable": len(unanswerable),
        "fact with source": share([r["fact"] and r["source"] for r in answerable]),
        "fact": share([r["fact"] for r in answerable]),
        "source": share([r["source"] for r in answerable]),
        "practice": share([r["fact"] and r["source"] for r in answerable if r["kind"] == "practice"]),
        "enquiry": share([r["fact"] and r["source"] for r in answerable if r["kind"] == "enquiry"]),
        "nearest": share([r["nearest"] for r in answerable]),
        "abstention": share([not r["found"] for r in unanswerable]),
        "answered anyway": sum(r["found"] for r in unanswerable),
        "p50 ms": statistics.median(ms) if ms else 0.0,
        "p95 ms": ms[min(len(ms) - 1, int(0.95 * len(ms)))] if ms else 0.0,
        "search p50 ms": statistics.median(r["search_ms"] for r in rows) if rows else 0.0,
    }


def answers_table(results: dict) -> list[str]:
    lines = [
        "| split | language | questions | fact with source | fact | source | practice | enquiry | refused, fact in "
        "nearest passages | abstention (answered anyway) | p50 ms | p95 ms | search p50 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for split in (*SPLITS, "all"):
        for lang in (*LANGS, "all"):
            s = results[split][lang]
            lines.append(
                f"| {split} | {lang} | {s['questions']} + {s['unanswerable']} | {s['fact with source']:.2f} "
                f"| {s['fact']:.2f} | {s['source']:.2f} | {s['practice']:.2f} | {s['enquiry']:.2f} "
                f"| {s['nearest']:.2f} | {s['abstention']:.2f} ({s['answered anyway']}) | {s['p50 ms']:.0f} "
                f"| {s['p95 ms']:.0f} | {s['search p50 ms']:.1f} |"
            )
    return lines


def answer_checks(results: dict) -> dict[str, tuple[float, float, bool]]:
    """The targets on the held-out third, per language; latency over every answer of the run."""
    out = {}
    for lang in LANGS:
        held_out = results["held-out"][lang]
        for name, target in TARGETS.items():
            out[f"answers {lang} {name} (held-out)"] = (held_out[name], target, held_out[name] >= target)
    every = results["all"]["all"]
    for name, bound in LATENCY_TARGETS_MS.items():
        out[f"answers latency {name} ms (≤)"] = (every[f"{name} ms"], bound, every[f"{name} ms"] <= bound)
    return out


# --- tuning (the first two thirds only) -----------------------------------------------------------


def _candidate_source(kb: KnowledgeBase, doc_id: str) -> set[str]:
    doc = kb.catalog().docs[doc_id]
    names = {Path(doc.path).name.rsplit(".", 1)[0]}
    if doc_id.startswith("practice:"):
        names.add(doc_id.split(":")[1])
    return names


def tuning_cases(kb: KnowledgeBase) -> list[tuple[Item, list, list[bool]]]:
    """Each tuning question in each language: its scored candidates and which of them hold the fact and source
    (None for a question the place route answers: no weight changes its answer)."""
    from index.search import query_language
    from service.chat import PASSAGES

    chat = Chat(kb)
    cases = []
    for item in (i for i in load_items() if i.split == "tune"):
        for lang in LANGS:
            question = item.question[lang]
            asked = query_language(question, default=lang, lexicon=kb.lexicon())
            if chat._for_place(question, asked, None)[0]:  # the place route answers it
                continue
            hits = kb.search(question, k=PASSAGES, lang=asked).hits
            candidates = chat.scored(question, asked, hits)
            right = [
                has_fact(c.text, item.fact[lang]) and bool(_candidate_source(kb, c.doc_id) & set(item.source))
                for c in candidates
            ]
            cases.append((item, candidates, right))
    return cases


def tune(kb: KnowledgeBase) -> list[tuple[float, float, Weights]]:
    """Grid search of the answer weights on the tuning two thirds: (answered right, abstained right, weights), the
    most answered right first among those refusing at least 0.9 of the unanswerable questions. Questions the place
    route answers are left out (no weight changes them)."""
    from dataclasses import replace
    from itertools import product

    cases = tuning_cases(kb)
    asks = np.array([item.kind != "none" for item, _, _ in cases], dtype=bool)  # answerable
    answerable, unanswerable = int(asks.sum()) or 1, int((~asks).sum()) or 1
    floors = np.arange(0.2, 0.9, 0.0125)
    out = []
    grid = product((0.2, 0.3, 0.4, 0.5, 0.6), (0.1, 0.2, 0.3, 0.4), (0.5, 0.7, 0.85, 1.0), (0.6, 0.8, 1.0),
                   (0.06, 0.12), (0.0, 0.01, 0.02, 0.03, 0.04))  # fmt: skip
    for sim, cov, missing, other, margin, cross in grid:
        w = Weights(sim, cov, max(0.0, 1.0 - sim - cov), missing, -1.0, margin, off_topic=other,
                    cross_language=cross)  # fmt: skip
        best, hit = [], []  # per case: the best and runner-up scores, and whether a right candidate is quoted
        for _item, candidates, correct in cases:
            chosen = {id(c) for c in choose(candidates, w)}
            ranked = sorted(candidates, key=lambda c: -c.score)
            best.append((ranked[0].score, runner_up(ranked)) if ranked else (-1.0, -1.0))
            hit.append(any(id(c) in chosen for c, ok in zip(candidates, correct, strict=True) if ok))
        hits = np.array(hit, dtype=bool)
        top, runner = np.array(best).T
        for floor, gap in product(floors, (0.04, 0.08, 0.15)):
            at = replace(w, min_score=round(float(floor), 4), standout_gap=gap)
            # `confident`, for every case at once
            answered = (top >= at.min_score) | ((top >= at.standout_floor) & (top - runner >= at.standout_gap))
            right = int((answered & hits & asks).sum())
            abstained = int((~answered & ~asks).sum())
            out.append((right / answerable, abstained / unanswerable, at))
    return sorted(out, key=lambda r: (r[1] < 0.9, -r[0], -r[1]))


if __name__ == "__main__":
    import sys

    from service.settings import get_settings

    if "--tune" in sys.argv:
        for right, abstained, w in tune(open_answers(get_settings().index_config()))[:15]:
            print(f"answered right {right:.3f}  abstained right {abstained:.3f}  {w}")
