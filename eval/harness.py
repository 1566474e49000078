"""`humus eval`: the labelled set (corpus + seeds) and XQuAD (en→en, es→es, es→en), per language, mode and half.

Each task builds its own knowledge base under eval/.cache (embeddings are cached there between runs) as `make run`
builds one: the project's glossary and, where installed, FreeDict, but no AGROVOC (Humus does not ship it). A
further row imports the shared AGROVOC CSV into the same store (as `humus glossary import` would) for comparison.

Queries are split in two halves fixed before any tuning: XQuAD by article (even articles tune, odd are held out),
the labelled set by query group (odd groups tune, even are held out). Weights are tuned on the first half only
(eval/tune.py); the targets are checked on the held-out half.
"""

from __future__ import annotations

import csv
import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

from eval.metrics import evaluate, overlap
from index.kb import IndexConfig, KnowledgeBase
from index.search import MODES
from index.vectors import IndexMismatchError
from ingest.pipeline import build_document
from ingest.records import ParsedDocument, Unit

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
LABELLED = ROOT / "eval" / "labelled"
CACHE = ROOT / "eval" / ".cache"
AGROVOC = SHARED / "agrovoc" / "agrovoc_en_fr_es.csv"
K = 10
HALVES = ("tune", "held-out")
LANGS = ("en", "fr", "es")
XQUAD_SLICES = (("en→en", "en", "en"), ("es→es", "es", "es"), ("es→en", "es", "en"))

# Checked on the held-out half, out of the box (no AGROVOC).
TARGETS = {
    "xquad es→en ndcg@10 (hybrid)": 0.93,
    "xquad es→es ndcg@10 (hybrid)": 0.965,
    "xquad en→en ndcg@10 (hybrid)": 0.978,
    "labelled en ndcg@10 (hybrid)": 0.88,
    "labelled fr ndcg@10 (hybrid)": 0.88,
    "labelled es ndcg@10 (hybrid)": 0.88,
    "labelled parallel top-10 overlap (hybrid)": 0.85,
}


@dataclass(slots=True)
class Query:
    id: str
    text: str
    lang: str
    group: str


def _open(name: str, config: IndexConfig) -> KnowledgeBase:
    kb = KnowledgeBase.open(CACHE / name, config)
    kb.forget_thesaurus("agrovoc")  # measured as a user gets it; `with_agrovoc` adds it for one row
    try:
        kb.sync()
    except IndexMismatchError:  # a store of an earlier run with another model or index format: rebuilt
        kb.reindex()
    return kb


def with_agrovoc(kb: KnowledgeBase) -> bool:
    """Import the shared AGROVOC CSV into the store (False where ../shared does not have it)."""
    if not AGROVOC.exists():
        return False
    kb.import_thesaurus(AGROVOC)
    return True


def run_queries(kb: KnowledgeBase, queries: list[Query], mode: str, key: Callable, filters: list[str]) -> dict:
    runs = {}
    for q in queries:
        result = kb.search(q.text, k=K, lang=q.lang, mode=mode, filters=filters)
        runs[q.id] = [key(hit) for hit in result.hits]
    return runs


# --- the labelled set --------------------------------------------------------------------------


def load_queries(path: Path) -> list[Query]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Query(row["id"], row["text"], row["lang"], row["group"]) for row in rows]


def load_labelled(folder: Path = LABELLED) -> tuple[list[Query], dict[str, dict[str, int]]]:
    queries = load_queries(folder / "queries.jsonl")
    by_group: dict[str, dict[str, int]] = defaultdict(dict)
    with (folder / "qrels.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            by_group[row["group"]][row["doc"]] = int(row["grade"])
    return queries, {q.id: by_group[q.group] for q in queries}


def group_half(group: str) -> str:
    """Odd query groups (g01, g03, …) tune; even ones are held out."""
    return HALVES[int("".join(c for c in group if c.isdigit())) % 2 == 0]


def labelled_key(kb: KnowledgeBase) -> Callable:
    """A hit as the judgments name it: `practice:<id>` or `seed:<file name>` (any rendering of a seed)."""
    docs = kb.catalog().docs

    def key(hit) -> str:  # noqa: ANN001 - Hit
        if hit.family.startswith("practice:"):
            return hit.family
        names = sorted(Path(docs[d].path).name for d in [hit.doc_id, *hit.also_in] if d in docs)
        return f"seed:{names[0]}" if names else hit.doc_id

    return key


def parallel_overlap(queries: list[Query], runs: dict[str, list[str]]) -> float:
    """Mean top-K overlap between the rankings of the language versions of each query group."""
    groups: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for q in queries:
        groups[q.group][q.lang] = runs[q.id]
    pairs = [overlap(g[a], g[b], K) for g in groups.values() for a, b in combinations(sorted(g), 2)]
    return sum(pairs) / len(pairs) if pairs else 0.0


def open_labelled(config: IndexConfig, home: str = "labelled") -> KnowledgeBase:
    kb = _open(home, config)
    kb.ingest([ROOT / "corpus" / "practices", SHARED / "seeds"], prune=True)
    return kb


def score_labelled(kb: KnowledgeBase, modes: tuple[str, ...] = MODES) -> dict:
    """Per mode: per half, nDCG/recall/MRR per language and overall, and the parallel overlap; plus the overlap of
    the unjudged parallel queries (never tuned on)."""
    queries, qrels = load_labelled()
    unjudged = load_queries(LABELLED / "parallel.jsonl")
    key = labelled_key(kb)
    out: dict = {}
    for mode in modes:
        runs = run_queries(kb, queries, mode, key, [])
        out[mode] = {"unjudged_overlap": parallel_overlap(unjudged, run_queries(kb, unjudged, mode, key, []))}
        for half in (*HALVES, "all"):
            part = [q for q in queries if half in ("all", group_half(q.group))]
            scores: dict[str, Any] = {
                lang: evaluate({q.id: runs[q.id] for q in part if q.lang == lang}, qrels, K) for lang in LANGS
            }
            scores["all"] = evaluate({q.id: runs[q.id] for q in part}, qrels, K)
            scores["overlap"] = parallel_overlap(part, runs)
            out[mode][half] = scores
    return out


# --- XQuAD ---------------------------------------------------------------------------------------


def xquad_documents(lang: str, path: Path) -> tuple[list, list[tuple[str, str, int, str]]]:
    """Paragraphs as documents (metadata `xquad` = paragraph number) and (question id, question, paragraph, half)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    docs: list[ParsedDocument] = []
    questions: list[tuple[str, str, int, str]] = []
    for number_of_article, article in enumerate(data["data"]):
        half = HALVES[number_of_article % 2]
        for paragraph in article["paragraphs"]:
            number = len(docs)
            parsed = ParsedDocument(
                key=str(number),
                title=f"{article['title']} ¶{number}",
                doc_type="other",
                units=[Unit(paragraph["context"], lang=lang)],
                source=f"XQuAD {lang}",
                metadata={"xquad": number, "format": "text"},
                languages=[lang],
            )
            docs.append(parsed)
            questions.extend((qa["id"], qa["question"], number, half) for qa in paragraph["qas"])
    return docs, questions


def open_xquad(config: IndexConfig) -> tuple[KnowledgeBase, dict[str, list]]:
    folder = SHARED / "eval" / "xquad"
    kb = _open("xquad", config)
    questions: dict[str, list] = {}
    for lang in ("en", "es"):
        path = folder / f"xquad.{lang}.json"
        parsed, questions[lang] = xquad_documents(lang, path)
        kb.add(f"xquad-{lang}", [build_document(path, p, kb.chunk_spec, "other") for p in parsed], index=False)
    kb.sync()
    return kb, questions


def open_xquad_beside_corpus(config: IndexConfig, lang: str) -> tuple[KnowledgeBase, dict[str, list]]:
    """XQuAD's paragraphs in one language ingested into a store that also holds corpus/practices (the store
    `make run` builds), as a user who adds their own documents has them: 42 practice sheets in three languages
    beside the paragraphs."""
    path = SHARED / "eval" / "xquad" / f"xquad.{lang}.json"
    kb = _open(f"xquad-corpus-{lang}", config)
    kb.ingest([ROOT / "corpus" / "practices"], index=False)
    parsed, _ = xquad_documents(lang, path)
    kb.add(f"xquad-{lang}", [build_document(path, p, kb.chunk_spec, "other") for p in parsed], index=False)
    kb.sync()
    questions = {q: xquad_documents(q, SHARED / "eval" / "xquad" / f"xquad.{q}.json")[1] for q in ("en", "es")}
    return kb, questions


def score_xquad_beside_corpus(config: IndexConfig, limit: int | None = None) -> dict:
    """Hybrid search per slice, the questions sent as `/api/search` gets them by default: no language, no filter;
    a practice sheet found above the paragraph counts as a miss."""
    out: dict = {}
    for doc_lang in ("en", "es"):
        kb, questions = open_xquad_beside_corpus(config, doc_lang)
        docs = kb.catalog().docs
        for name, q_lang, slice_lang in XQUAD_SLICES:
            if slice_lang != doc_lang:
                continue
            items = questions[q_lang][:limit]
            runs = {}
            for qid, text, _, _ in items:
                hits = kb.search(text, k=K).hits
                runs[qid] = [str(docs[h.doc_id].metadata.get("xquad", h.doc_id)) for h in hits]
            qrels = {qid: {str(number): 1} for qid, _, number, _ in items}
            out[name] = {"hybrid": {
                half: evaluate({qid: runs[qid] for qid, _, _, h in items if half in ("all", h)}, qrels, K)
                for half in (*HALVES, "all")
            }}  # fmt: skip
        kb.close()
    return out


def score_xquad(
    kb: KnowledgeBase, questions: dict[str, list], modes: tuple[str, ...] = MODES, limit: int | None = None
) -> dict:
    """Per slice and mode: metrics per half and overall."""
    docs = kb.catalog().docs
    key = lambda hit: str(docs[hit.doc_id].metadata["xquad"])  # noqa: E731
    out: dict = {}
    for name, q_lang, doc_lang in XQUAD_SLICES:
        items = questions[q_lang][:limit]
        queries = [Query(qid, text, q_lang, qid) for qid, text, _, _ in items]
        qrels = {qid: {str(number): 1} for qid, _, number, _ in items}
        out[name] = {}
        for mode in modes:
            runs = run_queries(kb, queries, mode, key, [f"language={doc_lang}"])
            out[name][mode] = {
                half: evaluate({qid: runs[qid] for qid, _, _, h in items if half in ("all", h)}, qrels, K)
                for half in (*HALVES, "all")
            }
    return out


# --- report --------------------------------------------------------------------------------------


def checks(results: dict) -> dict[str, tuple[float, float, bool]]:
    """Each target on the held-out half: (measured, target, met); plus 'hybrid ≥ each single mode' per slice."""
    found: dict[str, float] = {}
    for name, _, _ in XQUAD_SLICES if "xquad" in results else ():
        found[f"xquad {name} ndcg@10 (hybrid)"] = results["xquad"][name]["hybrid"]["held-out"]["ndcg@10"]
    if "labelled" in results:
        held_out = results["labelled"]["hybrid"]["held-out"]
        for lang in LANGS:
            found[f"labelled {lang} ndcg@10 (hybrid)"] = held_out[lang]["ndcg@10"]
        found["labelled parallel top-10 overlap (hybrid)"] = held_out["overlap"]
    out = {name: (value, TARGETS[name], value >= TARGETS[name]) for name, value in found.items()}
    for name, by_mode in results.get("xquad_corpus", {}).items():  # the same targets, beside the practice sheets
        value, target = by_mode["hybrid"]["held-out"]["ndcg@10"], TARGETS[f"xquad {name} ndcg@10 (hybrid)"]
        out[f"xquad {name} ndcg@10 (hybrid), beside corpus/practices"] = (value, target, value >= target)
    for task, slices in _slices(results, "held-out"):
        best_single = max(slices["lexical"], slices["dense"])
        hybrid = slices["hybrid"]
        out[f"{task}: hybrid ≥ lexical, dense"] = (hybrid, best_single, hybrid >= best_single - 1e-9)
    return out


def _slices(results: dict, half: str) -> list[tuple[str, dict[str, float]]]:
    rows = []
    for task, by_mode in results.get("xquad", {}).items():
        if all(m in by_mode for m in MODES):
            rows.append((f"xquad {task}", {m: by_mode[m][half]["ndcg@10"] for m in MODES}))
    labelled = results.get("labelled", {})
    if all(m in labelled for m in MODES):
        for lang in LANGS:
            rows.append((f"labelled {lang}", {m: labelled[m][half][lang]["ndcg@10"] for m in MODES}))
    return rows


def table(results: dict) -> list[str]:
    """nDCG@10 per slice and mode: held-out half, tuning half, all queries (and Recall@10, MRR on held-out)."""
    lines = [
        "| task | slice | mode | nDCG@10 held-out | nDCG@10 tune | nDCG@10 all | Recall@10 held-out | MRR held-out |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]

    def row(task: str, part: str, mode: str, by_half: dict) -> str:
        h, t, a = (by_half[x] for x in ("held-out", "tune", "all"))
        return (
            f"| {task} | {part} | {mode} | {h['ndcg@10']:.3f} | {t['ndcg@10']:.3f} | {a['ndcg@10']:.3f} "
            f"| {h['recall@10']:.3f} | {h['mrr']:.3f} |"
        )

    for source, label in (("xquad", "xquad"), ("agrovoc_xquad", "xquad + AGROVOC"),
                          ("xquad_corpus", "xquad beside corpus/practices")):  # fmt: skip
        for task, by_mode in results.get(source, {}).items():
            lines += [row(label, task, mode, by_half) for mode, by_half in by_mode.items()]
    for source, label in (("labelled", "labelled"), ("agrovoc_labelled", "labelled + AGROVOC")):
        for mode, by_half in results.get(source, {}).items():
            for lang in (*LANGS, "all"):
                lines.append(row(label, lang, mode, {h: by_half[h][lang] for h in (*HALVES, "all")}))
    return lines


def overlaps(results: dict) -> list[str]:
    lines = ["| store | mode | overlap held-out | overlap tune | overlap all | unjudged parallel queries |"]
    lines.append("| --- | --- | ---: | ---: | ---: | ---: |")
    for source, label in (("labelled", "as shipped"), ("agrovoc_labelled", "+ AGROVOC")):
        for mode, r in results.get(source, {}).items():
            lines.append(
                f"| {label} | {mode} | {r['held-out']['overlap']:.3f} | {r['tune']['overlap']:.3f} "
                f"| {r['all']['overlap']:.3f} | {r['unjudged_overlap']:.3f} |"
            )
    return lines


def run_all(config: IndexConfig, tasks: tuple[str, ...] = ("labelled", "xquad"), limit: int | None = None) -> dict:
    results: dict = {"config": {"model": config.model}}
    started = time.perf_counter()
    if "labelled" in tasks:
        kb = open_labelled(config)
        results["labelled"] = score_labelled(kb)
        if with_agrovoc(kb):
            results["agrovoc_labelled"] = score_labelled(kb, ("hybrid",))
        kb.close()
    if "xquad" in tasks:
        kb, questions = open_xquad(config)
        results["xquad"] = score_xquad(kb, questions, limit=limit)
        if with_agrovoc(kb):
            results["agrovoc_xquad"] = score_xquad(kb, questions, ("hybrid",), limit)
        kb.close()
        results["xquad_corpus"] = score_xquad_beside_corpus(config, limit)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["checks"] = {name: {"measured": v, "target": t, "met": ok} for name, (v, t, ok) in checks(results).items()}
    return results
