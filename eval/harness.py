"""`humus eval`: the labelled set (corpus + seeds) and XQuAD (en→en, es→es, es→en), per language and mode.

Each task builds its own knowledge base under eval/.cache (embeddings are cached there between runs), imports
the shared AGROVOC CSV when it is present (as a user would with `humus glossary import`), and scores every mode.
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

from eval.metrics import evaluate, overlap
from index.kb import IndexConfig, KnowledgeBase
from index.search import MODES
from ingest.pipeline import build_document
from ingest.records import ParsedDocument, Unit

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
LABELLED = ROOT / "eval" / "labelled"
CACHE = ROOT / "eval" / ".cache"
AGROVOC = SHARED / "agrovoc" / "agrovoc_en_fr_es.csv"
K = 10

TARGETS = {
    "xquad es→en ndcg@10 (hybrid)": 0.80,
    "xquad es→es ndcg@10 (hybrid)": 0.96,
    "labelled fr/en ndcg@10 ratio (hybrid)": 0.90,
    "labelled es/en ndcg@10 ratio (hybrid)": 0.90,
    "labelled parallel top-10 overlap (hybrid)": 0.70,
}


@dataclass(slots=True)
class Query:
    id: str
    text: str
    lang: str
    group: str


def _open(name: str, config: IndexConfig) -> KnowledgeBase:
    kb = KnowledgeBase.open(CACHE / name, config)
    if AGROVOC.exists() and "agrovoc" not in kb.store.thesaurus_sizes():
        kb.import_thesaurus(AGROVOC)
    return kb


def _run(kb: KnowledgeBase, queries: list[Query], mode: str, key: Callable, filters: list[str]) -> dict:
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


def labelled_task(config: IndexConfig, modes: tuple[str, ...] = MODES, home: str = "labelled") -> dict:
    kb = _open(home, config)
    kb.ingest([ROOT / "corpus" / "practices", SHARED / "seeds"], prune=True)
    queries, qrels = load_labelled()
    unjudged = load_queries(LABELLED / "parallel.jsonl")
    key = labelled_key(kb)
    out: dict = {}
    for mode in modes:
        runs = _run(kb, queries, mode, key, [])
        per_lang = {
            lang: evaluate({q.id: runs[q.id] for q in queries if q.lang == lang}, qrels, K)
            for lang in ("en", "fr", "es")
        }
        per_lang["all"] = evaluate(runs, qrels, K)
        per_lang["overlap"] = {
            "top10_overlap": parallel_overlap(queries, runs),
            # further parallel queries without judgments: overlap needs none (eval/labelled/README.md)
            "unjudged_top10_overlap": parallel_overlap(unjudged, _run(kb, unjudged, mode, key, [])),
        }
        out[mode] = per_lang
    kb.close()
    return out


# --- XQuAD ---------------------------------------------------------------------------------------


def xquad_documents(lang: str, path: Path) -> tuple[list, list[tuple[str, str, int]]]:
    """Paragraphs as documents (metadata `xquad` = paragraph number) and (question id, question, paragraph)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    docs, questions = [], []
    for article in data["data"]:
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
            questions.extend((qa["id"], qa["question"], number) for qa in paragraph["qas"])
    return docs, questions


def xquad_task(config: IndexConfig, modes: tuple[str, ...] = MODES, limit: int | None = None) -> dict:
    folder = SHARED / "eval" / "xquad"
    kb = _open("xquad", config)
    questions: dict[str, list] = {}
    for lang in ("en", "es"):
        path = folder / f"xquad.{lang}.json"
        parsed, questions[lang] = xquad_documents(lang, path)
        kb.add(f"xquad-{lang}", [build_document(path, p, kb.chunk_spec, "other") for p in parsed], index=False)
    kb.sync()
    docs = kb.catalog().docs
    key = lambda hit: str(docs[hit.doc_id].metadata["xquad"])  # noqa: E731
    out: dict = {}
    for name, q_lang, doc_lang in (("en→en", "en", "en"), ("es→es", "es", "es"), ("es→en", "es", "en")):
        items = questions[q_lang][:limit]
        queries = [Query(qid, text, q_lang, qid) for qid, text, _ in items]
        qrels = {qid: {str(number): 1} for qid, _, number in items}
        out[name] = {mode: evaluate(_run(kb, queries, mode, key, [f"language={doc_lang}"]), qrels, K) for mode in modes}
    kb.close()
    return out


# --- report --------------------------------------------------------------------------------------


def checks(results: dict) -> dict[str, tuple[float, float, bool]]:
    """Each target: (measured, target, met); plus 'hybrid ≥ each single mode' per task."""
    found: dict[str, float] = {}
    if "xquad" in results:
        x = results["xquad"]
        found["xquad es→en ndcg@10 (hybrid)"] = x["es→en"]["hybrid"]["ndcg@10"]
        found["xquad es→es ndcg@10 (hybrid)"] = x["es→es"]["hybrid"]["ndcg@10"]
    if "labelled" in results:
        hybrid = results["labelled"]["hybrid"]
        en = hybrid["en"]["ndcg@10"] or 1e-9
        found["labelled fr/en ndcg@10 ratio (hybrid)"] = hybrid["fr"]["ndcg@10"] / en
        found["labelled es/en ndcg@10 ratio (hybrid)"] = hybrid["es"]["ndcg@10"] / en
        found["labelled parallel top-10 overlap (hybrid)"] = hybrid["overlap"]["top10_overlap"]
    out = {name: (value, TARGETS[name], value >= TARGETS[name]) for name, value in found.items()}
    for task, slices in _slices(results):
        best_single = max(slices["lexical"], slices["dense"])
        out[f"{task}: hybrid ≥ lexical, dense"] = (
            slices["hybrid"],
            best_single,
            slices["hybrid"] >= best_single - 1e-9,
        )
    return out


def _slices(results: dict) -> list[tuple[str, dict[str, float]]]:
    rows = []
    for task, by_mode in results.get("xquad", {}).items():
        if all(m in by_mode for m in MODES):
            rows.append((f"xquad {task}", {m: by_mode[m]["ndcg@10"] for m in MODES}))
    labelled = results.get("labelled", {})
    if all(m in labelled for m in MODES):
        for lang in ("en", "fr", "es"):
            rows.append((f"labelled {lang}", {m: labelled[m][lang]["ndcg@10"] for m in MODES}))
    return rows


def _row(task: str, part: str, mode: str, m: dict) -> str:
    return f"| {task} | {part} | {mode} | {m['ndcg@10']:.3f} | {m['recall@10']:.3f} | {m['mrr']:.3f} | {m['queries']} |"


def table(results: dict) -> list[str]:
    lines = [
        "| task | slice | mode | nDCG@10 | Recall@10 | MRR | queries |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for task, by_mode in results.get("xquad", {}).items():
        lines += [_row("xquad", task, mode, m) for mode, m in by_mode.items()]
    for mode, per_lang in results.get("labelled", {}).items():
        lines += [_row("labelled", lang, mode, per_lang[lang]) for lang in ("en", "fr", "es", "all")]
    return lines


def run_all(config: IndexConfig, tasks: tuple[str, ...] = ("labelled", "xquad"), limit: int | None = None) -> dict:
    results: dict = {"config": {"model": config.model}}
    started = time.perf_counter()
    if "labelled" in tasks:
        results["labelled"] = labelled_task(config)
    if "xquad" in tasks:
        results["xquad"] = xquad_task(config, limit=limit)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["checks"] = {name: {"measured": v, "target": t, "met": ok} for name, (v, t, ok) in checks(results).items()}
    return results
