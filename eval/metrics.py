"""Ranking metrics with graded relevance: nDCG@k, Recall@k, MRR (as in sentence-transformers' IR evaluator)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def dcg(gains: Sequence[float]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at_k(ranked: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    """Exponential-gain nDCG: (2^grade - 1) / log2(rank + 1), normalised by the ideal ranking."""
    ideal = dcg(sorted(judged.values(), reverse=True)[:k])
    return dcg([judged.get(doc, 0) for doc in ranked[:k]]) / ideal if ideal > 0 else 0.0


def recall_at_k(ranked: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    relevant = {doc for doc, grade in judged.items() if grade > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def mrr(ranked: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    """Reciprocal rank of the first relevant document within the top k."""
    for i, doc in enumerate(ranked[:k]):
        if judged.get(doc, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def overlap(a: Sequence[str], b: Sequence[str], k: int = 10) -> float:
    """Share of the top k that two rankings have in common."""
    top_a, top_b = set(a[:k]), set(b[:k])
    size = max(len(top_a), len(top_b))
    return len(top_a & top_b) / size if size else 1.0


def evaluate(
    runs: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, int]], k: int = 10
) -> dict[str, float]:
    """Mean metrics over the queries that have judgments."""
    queries = [q for q in runs if qrels.get(q)]
    if not queries:
        return {f"ndcg@{k}": 0.0, f"recall@{k}": 0.0, "mrr": 0.0, "queries": 0}
    mean = lambda f: sum(f(runs[q], qrels[q], k) for q in queries) / len(queries)  # noqa: E731
    return {f"ndcg@{k}": mean(ndcg_at_k), f"recall@{k}": mean(recall_at_k), "mrr": mean(mrr), "queries": len(queries)}
