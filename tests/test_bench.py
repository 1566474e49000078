"""`make bench` runs for a quarter of an hour and writes its results at the end: its parts that need no eval
store are run here at a small size, so that a change that breaks one fails in CI rather than at minute 15."""

from __future__ import annotations

import os

from eval.bench import COMPARED, bench_home, bench_query_embedding, versus_section
from eval.load import Server, rss_mb
from eval.scale import catalog_scale


def test_catalog_scale_runs_at_a_small_size() -> None:
    catalog = catalog_scale(2_000)
    assert catalog["n"] == 2_000 and 50 < catalog["bytes"] < 5_000


def test_query_embedding_benchmark_times_both_encoders() -> None:
    times = bench_query_embedding(repeats=1)
    assert set(times) == {"model", "int8"} and all(ms > 0 for ms in times.values())


def _model_figures(doc_cps: float, query_ms: float, vocab: int) -> dict:
    return {
        "texts": 256, "texts_from": COMPARED[1], "mean_chars": 435.0, "rounds": 3, "threads": 2, "precision": "bf16",
        "doc_cps": doc_cps, "query_ms": query_ms, "vocab": vocab, "dim": 384, "table_mb": vocab * 384 * 2 / 1e6,
        "onnx_table_mb": vocab * 384 / 1e6, "onnx_mb": 113.0, "rows_used": vocab // 8,
    }  # fmt: skip


def _run(model: str, rps: float, workers: int = 2, peer: bool = False) -> dict:
    return {"model": model, "clients": 16, "rps": rps, "distinct": True, "workers": workers, "peer": peer}


def test_the_comparison_section_states_ratios_targets_and_whether_each_is_met() -> None:
    e5, minilm = COMPARED
    models = {e5: _model_figures(40.0, 5.0, 250_037), minilm: _model_figures(120.0, 2.0, 30_522)}
    search = {m: {"p50_ms": p50, "queries": 84, "passes": 2, "chunks": n} for m, p50, n in ((e5, 12.0, 1097),
              (minilm, 10.5, 2117))}  # fmt: skip
    runs = [_run(e5, 180.0), _run(minilm, 200.0), _run(e5, 60.0, 1), _run(e5, 50.0, 0, peer=True)]
    http = {"runs": runs, "rss_mb": {e5: [1400.0, 1404.0], minilm: [840.0, 846.0]}, "workers": 2}
    lines = versus_section(models, search, http)
    text = "\n".join(lines)
    assert lines[0] == "### Default model against MiniLM (same run)"
    assert f"| measure | {e5} | {minilm} | ratio | target | met |" in lines
    rows = {line.split(" | ")[0]: line for line in lines if line.startswith("| ") and "---" not in line}
    doc, query, search_row, http_row, ram, peer = (r for k, r in rows.items() if k != "| measure")
    assert "| 40.0 | 120.0 | 0.33× | ≥ 0.4× | **no** |" in doc
    assert "| 5.00 | 2.00 | 2.50× | ≤ 2× | **no** |" in query
    assert "| 12.0 | 10.5 | 1.14× | ≤ 1.2× | yes |" in search_row
    assert "| 180 | 200 | 0.90× | ≥ 0.8× | yes |" in http_row  # the default processes, not the 1-process run
    assert "| 1402 | 843 | 1.66× | stated | – |" in ram
    assert "| 180 | – | 3.60× | ≥ 2.5× | yes |" in peer
    assert "250,037 × 384" in text and "96 MB in the int8 ONNX graph (113 MB file) of 1402 MB" in text
    assert "would add 192 MB for the table (bf16)" in text
    assert "uses 31,254 of its rows, 12 MB in int8" in text  # what English, French and Spanish text needs


def test_each_model_has_its_own_bench_store() -> None:
    assert bench_home(COMPARED[0]).name == "bench"  # eval/scale.py reads the default model's
    assert bench_home(COMPARED[1]).name == "bench-all-MiniLM-L6-v2"
    assert bench_home("/models/my e5/").name == "bench-models-my-e5"


def test_rss_of_a_server_in_one_process_is_its_own() -> None:
    me = os.getpid()
    found = Server("http://127.0.0.1:1", me).serving_rss_mb()
    assert len(found) == 1 and abs(found[0] - rss_mb(me)) < 50 and found[0] > 10
