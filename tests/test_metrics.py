"""The metric code against numbers worked out by hand."""

import math

import pytest

from eval.metrics import evaluate, mrr, ndcg_at_k, overlap, recall_at_k


def test_ndcg_graded_by_hand():
    judged = {"a": 3, "b": 1}
    # ranking c, a, b: DCG = 0 + 7/log2(3) + 1/log2(4) = 4.4165 + 0.5; ideal = 7/1 + 1/log2(3) = 7.6309
    expected = (7 / math.log2(3) + 1 / 2) / (7 + 1 / math.log2(3))
    assert ndcg_at_k(["c", "a", "b"], judged) == pytest.approx(expected)
    assert ndcg_at_k(["c", "a", "b"], judged) == pytest.approx(0.6443, abs=1e-4)
    assert ndcg_at_k(["a", "b"], judged) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "y"], judged) == 0.0


def test_ndcg_cuts_at_k():
    judged = {"a": 1}
    # relevant document at rank 3 of a top-2 cut counts nothing
    assert ndcg_at_k(["x", "y", "a"], judged, k=2) == 0.0
    assert ndcg_at_k(["x", "y", "a"], judged, k=3) == pytest.approx(1 / math.log2(4))  # 0.5


def test_recall_mrr_overlap():
    judged = {"a": 2, "b": 1, "c": 1, "d": 0}
    assert recall_at_k(["a", "x", "c"], judged) == pytest.approx(2 / 3)
    assert mrr(["x", "y", "b"], judged) == pytest.approx(1 / 3)
    assert mrr(["d", "x"], judged) == 0.0  # grade 0 is not relevant
    assert overlap(["a", "b", "c", "d"], ["d", "c", "x", "y"]) == pytest.approx(0.5)


def test_evaluate_means_over_judged_queries():
    runs = {"q1": ["a"], "q2": ["x", "b"], "q3": ["z"]}
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}}
    result = evaluate(runs, qrels)
    assert result["queries"] == 2
    assert result["mrr"] == pytest.approx((1 + 0.5) / 2)
    assert result["ndcg@10"] == pytest.approx((1 + 1 / math.log2(3)) / 2)


def test_parallel_overlap_averages_the_language_pairs_of_each_group() -> None:
    from eval.harness import Query, parallel_overlap

    queries = [Query(f"g-{lang}", "", lang, "g") for lang in ("en", "fr", "es")]
    runs = {"g-en": ["a", "b"], "g-fr": ["a", "c"], "g-es": ["a", "b"]}
    # en/es share both, en/fr and es/fr share one of two: (1 + 0.5 + 0.5) / 3
    assert parallel_overlap(queries, runs) == pytest.approx(2 / 3)


def test_every_query_group_has_an_english_french_and_spanish_version() -> None:
    from collections import Counter

    from eval.harness import LABELLED, load_queries

    labelled, parallel = load_queries(LABELLED / "queries.jsonl"), load_queries(LABELLED / "parallel.jsonl")
    for queries in (labelled, parallel):
        langs: dict[str, list[str]] = {}
        for q in queries:
            langs.setdefault(q.group, []).append(q.lang)
        assert all(sorted(v) == ["en", "es", "fr"] for v in langs.values())
    everything = [*labelled, *parallel]
    assert max(Counter(q.id for q in everything).values()) == 1
    assert not {q.text for q in labelled} & {q.text for q in parallel}
