"""`make bench` runs for a quarter of an hour and writes its results at the end: its parts that need no eval
store are run here at a small size, so that a change that breaks one fails in CI rather than at minute 15."""

from __future__ import annotations

from eval.bench import bench_query_embedding
from eval.scale import catalog_scale


def test_catalog_scale_runs_at_a_small_size() -> None:
    catalog = catalog_scale(2_000)
    assert catalog["n"] == 2_000 and 50 < catalog["bytes"] < 5_000


def test_query_embedding_benchmark_times_both_encoders() -> None:
    times = bench_query_embedding(repeats=1)
    assert set(times) == {"model", "int8"} and all(ms > 0 for ms in times.values())
