"""Tuning the fusion on the tuning half of eval/ only: `python -m eval.tune` prints one row per setting.

The held-out half (eval/harness.py: even XQuAD articles tune, odd ones are held out; odd labelled groups tune,
even ones are held out) is never looked at here; `humus eval` reports it.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import replace

import index.search as search
from eval.harness import (
    LANGS,
    XQUAD_SLICES,
    K,
    Query,
    group_half,
    labelled_key,
    load_labelled,
    open_labelled,
    open_xquad,
    open_xquad_beside_corpus,
    parallel_overlap,
    run_queries,
)
from eval.metrics import evaluate
from index.kb import KnowledgeBase
from index.lexicon import ExpandedQuery, build_lexicon
from service.settings import get_settings

GRID = {  # docs/search.md gives the grids run while tuning; this one covers their main axes
    "TRANSLATION": ("full", "glossary", "none"),
    "DENSE_WEIGHT": (1.0, 2.0, 3.0, 4.0),
    "FEEDBACK_WEIGHT": (0.0, 1.0, 2.0, 3.0),
    "FEEDBACK_DOCS": (1, 3),
}


def use_translation(kb: KnowledgeBase, how: str) -> None:
    """full: glossary, word list, countries and FreeDict (as shipped); glossary: without the word list and FreeDict;
    none: no translated alternatives at all (the glossary's concepts stay as language-neutral terms)."""
    c = kb.config
    full = how == "full"
    lexicon = build_lexicon(c.glossary, [], c.freedict_dir if full else None, c.words if full else None)
    if how == "none":
        expand = lexicon.expand

        def untranslated(text: str, lang: str) -> ExpandedQuery:
            query = expand(text, lang)
            for group in query.groups:
                group.alternatives = group.alternatives[:1]
            return query

        lexicon.expand = untranslated  # type: ignore[method-assign]
    kb._lexicon = lexicon


def tune_labelled(kb: KnowledgeBase) -> dict[str, float]:
    queries, qrels = load_labelled()
    part = [q for q in queries if group_half(q.group) == "tune"]
    runs = run_queries(kb, part, "hybrid", labelled_key(kb), [])
    out = {lang: evaluate({q.id: runs[q.id] for q in part if q.lang == lang}, qrels, K)["ndcg@10"] for lang in LANGS}
    out["overlap"] = parallel_overlap(part, runs)
    return out


def tune_xquad(kb: KnowledgeBase, questions: dict[str, list]) -> dict[str, float]:
    docs = kb.catalog().docs
    key = lambda hit: str(docs[hit.doc_id].metadata["xquad"])  # noqa: E731
    out = {}
    for name, q_lang, doc_lang in XQUAD_SLICES:
        items = [item for item in questions[q_lang] if item[3] == "tune"]
        queries = [Query(i[0], i[1], q_lang, i[0]) for i in items]
        runs = run_queries(kb, queries, "hybrid", key, [f"language={doc_lang}"])
        out[name] = evaluate(runs, {i[0]: {str(i[2]): 1} for i in items}, K)["ndcg@10"]
    return out


def tune_beside_corpus(kb: KnowledgeBase, questions: dict[str, list]) -> float:
    """XQuAD es→en beside corpus/practices, as `/api/search` gets it (no language, no filter): tuning half."""
    docs = kb.catalog().docs
    items = [item for item in questions["es"] if item[3] == "tune"]
    runs = {
        qid: [str(docs[h.doc_id].metadata.get("xquad", h.doc_id)) for h in kb.search(text, k=K).hits]
        for qid, text, _, _ in items
    }
    return evaluate(runs, {i[0]: {str(i[2]): 1} for i in items}, K)["ndcg@10"]


def main() -> None:
    grid = dict(GRID)  # `python -m eval.tune DENSE_WEIGHT=3 FEEDBACK_WEIGHT=2`: one setting instead of the grid
    for arg in sys.argv[1:]:
        setting, text = arg.split("=", 1)
        grid[setting] = (type(GRID[setting][0])(text),)
    config = replace(get_settings().index_config(), query_cache=100_000)
    labelled = open_labelled(config)
    xquad, questions = open_xquad(config)
    beside, _ = open_xquad_beside_corpus(config, "en")
    names = list(grid)
    print("| " + " | ".join(names) + " | en | fr | es | overlap | xq en→en | xq es→es | xq es→en | es→en beside |")
    for values in itertools.product(*grid.values()):
        for name, value in zip(names, values, strict=True):
            if name != "TRANSLATION":
                setattr(search, name, value)
        for kb in (labelled, xquad, beside):
            use_translation(kb, str(values[0]))
            kb._results.clear()  # results depend on the weights; query vectors do not
        lab, xq = tune_labelled(labelled), tune_xquad(xquad, questions)
        cells = [*values, *(lab[x] for x in (*LANGS, "overlap")), *xq.values(), tune_beside_corpus(beside, questions)]
        print("| " + " | ".join(f"{c:.3f}" if isinstance(c, float) else str(c) for c in cells) + " |", flush=True)


if __name__ == "__main__":
    main()
