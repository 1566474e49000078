"""`make bench`: measured figures, written to eval/RESULTS.md with the machine they come from."""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from eval.results import write_section
from index.kb import KnowledgeBase
from ingest.formats.pdf import parse_pdf
from ingest.pipeline import collect_files

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REPEATS = 5


def machine() -> dict[str, str]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def bench_pdf_parsing() -> dict[str, float]:
    pdfs = sorted((SHARED / "fixtures").glob("*.pdf"))
    data = [(p, p.read_bytes()) for p in pdfs]
    pages = sum(len(parse_pdf(b, p)[0].units) for p, b in data)
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for path, blob in data:
            parse_pdf(blob, path)
        times.append(time.perf_counter() - start)
    best = statistics.median(times)
    return {"files": len(pdfs), "pages": pages, "seconds": best, "pages_per_s": pages / best}


def bench_ingest() -> dict[str, float]:
    folders = [SHARED / "fixtures", SHARED / "seeds", SHARED / "wocat"]
    files = collect_files(folders).files
    mb = sum(f.stat().st_size for f in files) / 1e6
    warm = KnowledgeBase.open(Path(tempfile.mkdtemp()))
    warm.ingest([SHARED / "seeds"], index=False)  # load the tokenizer and language models once, outside the timing
    times, chunks = [], 0
    for _ in range(REPEATS):
        home = Path(tempfile.mkdtemp())
        kb = KnowledgeBase(home, warm.store.__class__.open(home), warm.config)
        kb._spec = warm.chunk_spec
        start = time.perf_counter()
        kb.ingest(folders, index=False)
        times.append(time.perf_counter() - start)
        chunks = kb.store.counts()["chunks"]
        kb.close()
        shutil.rmtree(home)
    best = statistics.median(times)
    warm.close()
    return {
        "files": len(files),
        "mb": mb,
        "chunks": chunks,
        "seconds": best,
        "files_per_s": len(files) / best,
        "chunks_per_s": chunks / best,
    }


def bench_search() -> dict[str, float]:
    """Latency of `KnowledgeBase.search` on the shipped corpus, query embedding included (in-process)."""
    from eval.harness import load_labelled
    from index import kb as kb_module

    kb = KnowledgeBase.open(ROOT / "eval" / ".cache" / "bench", glossary=ROOT / "corpus" / "glossary" / "glossary.csv")
    start = time.perf_counter()
    stats = kb.ingest([ROOT / "corpus" / "practices"], prune=True)
    ingest_s = time.perf_counter() - start
    queries = [q.text for q in load_labelled()[0]]
    for text in queries[:10]:  # load the model, the lexicon and the indexes
        kb.search(text)
    kb_module._embed_cached.cache_clear()
    kb._results.clear()
    cold, warm = [], []
    for text in queries:
        start = time.perf_counter()
        kb.search(text)
        cold.append(time.perf_counter() - start)
    for text in queries:
        start = time.perf_counter()
        kb.search(text)
        warm.append(time.perf_counter() - start)
    counts = kb.store.counts()
    kb.close()

    def pct(values: list[float], q: float) -> float:
        return 1000 * statistics.quantiles(values, n=100)[q - 1]

    return {
        "queries": len(queries),
        "chunks": counts["chunks"],
        "documents": counts["documents"],
        "p50_ms": pct(cold, 50),
        "p95_ms": pct(cold, 95),
        "repeat_p50_ms": pct(warm, 50),
        "repeat_p95_ms": pct(warm, 95),
        "ingest_s": ingest_s,
        "files": len(stats.files),
    }


def bench_http(clients: int = 20, seconds: float = 30) -> list[dict]:
    """The load run of the service issue: N clients on /api/search over loopback, repeated and distinct queries."""
    from eval.harness import load_labelled
    from eval.load import load_run, served

    queries = [q.text for q in load_labelled()[0]]
    with served(ROOT / "eval" / ".cache" / "bench") as base:
        load_run(base, queries[:10], 2, 3, distinct=True)  # warm-up: model, lexicon, indexes
        runs = [(distinct, load_run(base, queries, clients, seconds, distinct)) for distinct in (False, True)]
    return [{**run, "distinct": distinct} for distinct, run in runs]


def main() -> None:
    info = machine()
    pdf = bench_pdf_parsing()
    ing = bench_ingest()
    srch = bench_search()
    http = bench_http()
    libs = {
        name: version(name)
        for name in (
            "pypdf",
            "python-docx",
            "beautifulsoup4",
            "lingua-language-detector",
            "datasketch",
            "langchain-text-splitters",
            "tokenizers",
        )
    }
    lines = [
        "## Benchmarks (`make bench`)",
        "",
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Median of {REPEATS} runs.",
        "",
        "### Machine",
        "",
        "| | |",
        "| --- | --- |",
        *[f"| {k} | {v} |" for k, v in info.items()],
        "",
        "Libraries: " + ", ".join(f"{k} {v}" for k, v in libs.items()) + ".",
        "",
        "### Ingestion (parsing and storing, without embedding)",
        "",
        "| what | input | time | rate |",
        "| --- | --- | --- | --- |",
        f"| PDF parsing (pypdf, text per page) | {pdf['files']} PDFs of `../shared/fixtures`, {pdf['pages']} pages "
        f"| {pdf['seconds'] * 1000:.0f} ms | **{pdf['pages_per_s']:.0f} pages/s** |",
        f"| end-to-end ingest into a fresh store (parse, language, chunk, MinHash, SQLite) | {ing['files']} files "
        f"of fixtures + seeds + wocat ({ing['mb']:.1f} MB), {ing['chunks']} chunks | {ing['seconds']:.2f} s "
        f"| **{ing['files_per_s']:.1f} files/s**, {ing['chunks_per_s']:.0f} chunks/s |",
        "",
        "### Search latency (in-process, 2 cores, query embedding included)",
        "",
        f"{srch['queries']} labelled queries (EN/FR/ES) against the shipped corpus ({srch['documents']} documents, "
        f"{srch['chunks']} chunks), hybrid mode, k=10, after a warm-up of 10 other queries.",
        "",
        "| pass | p50 | p95 |",
        "| --- | ---: | ---: |",
        f"| first time each query (embeds the query) | **{srch['p50_ms']:.1f} ms** | **{srch['p95_ms']:.1f} ms** |",
        f"| repeated queries (result cache) | {srch['repeat_p50_ms']:.2f} ms | {srch['repeat_p95_ms']:.2f} ms |",
        "",
        "Targets: p50 ≤ 20 ms, p95 ≤ 50 ms.",
        "",
        "### HTTP load run (`humus serve` on loopback, `/api/search`, k=10)",
        "",
        f"{http[0]['clients']} concurrent clients (httpx, asyncio) for {http[0]['seconds']:.0f} s each, cycling "
        "through the 84 labelled queries: as typed (repeats hit the result cache after the first pass), then each "
        "made distinct by a counter (every request searched and its query embedded).",
        "",
        "| queries | requests | errors | throughput | p50 | p95 |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *[
            f"| {'distinct' if h['distinct'] else 'repeated'} | {h['requests']} | {h['errors']} | "
            f"**{h['rps']:.0f} req/s** | {h['p50_ms']:.0f} ms | {h['p95_ms']:.0f} ms |"
            for h in http
        ],
        "",
        "Reproduce: `make bench`.",
        "",
    ]
    write_section("bench", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
