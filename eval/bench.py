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
QUERY_COUNT = 200


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

    kb = KnowledgeBase.open(ROOT / "eval" / ".cache" / "bench", glossary=ROOT / "corpus" / "glossary" / "glossary.csv")
    start = time.perf_counter()
    stats = kb.ingest([ROOT / "corpus" / "practices"], prune=True)
    ingest_s = time.perf_counter() - start
    queries = [q.text for q in load_labelled()[0]]
    for text in queries[:10]:  # load the model, the lexicon and the indexes
        kb.search(text)
    kb.forget_queries()
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


def bench_embedding(sample: int = 600) -> dict:
    """Humus' embedder against plain `SentenceTransformer.encode` on the same chunks, and the quality cost.

    Quality: the labelled set (hybrid and dense nDCG@10) on two fresh stores, one embedded in fp32, one with
    the default precision; the vector cache is per store, so nothing is shared between them.
    """
    from sentence_transformers import SentenceTransformer

    from eval.harness import CACHE, labelled_task
    from index.embedder import load_embedder
    from index.kb import IndexConfig
    from index.models import resolve_model_dir
    from index.store import Store

    store = Store.open(ROOT / "eval" / ".cache" / "bench")
    texts = [r[0] for r in store.conn.execute("SELECT text FROM chunks ORDER BY id LIMIT ?", (sample,))]
    store.close()
    plain = SentenceTransformer(str(resolve_model_dir("all-MiniLM-L6-v2")), device="cpu", local_files_only=True)
    humus = load_embedder("all-MiniLM-L6-v2")
    plain.encode(texts[:32])
    humus.embed_batch(texts[:32])
    start = time.perf_counter()
    base = plain.encode(texts, batch_size=32, normalize_embeddings=True)
    plain_s = time.perf_counter() - start
    start = time.perf_counter()
    fast = humus.embed_batch(texts)
    humus_s = time.perf_counter() - start
    # nDCG@10 of the unoptimised model (fp32 documents and queries) and of each faster path on its own; the
    # vector cache is per store, so each precision gets a fresh store and nothing is shared between them
    quality = {}
    for label, precision, queries in (("fp32", "fp32", "model"), (humus.precision, humus.precision, "model"),
                                      ("int8 queries", humus.precision, "int8")):  # fmt: skip
        name = f"embed-{precision}"
        if label == precision:
            shutil.rmtree(CACHE / name, ignore_errors=True)
        config = IndexConfig(
            glossary=ROOT / "corpus" / "glossary" / "glossary.csv", embed_precision=precision, query_encoder=queries
        )
        result = labelled_task(config, modes=("hybrid", "dense"), home=name)
        quality[label] = {m: result[m]["all"]["ndcg@10"] for m in ("hybrid", "dense")}
    return {
        "chunks": len(texts),
        "plain_cps": len(texts) / plain_s,
        "humus_cps": len(texts) / humus_s,
        "precision": humus.precision,
        "device": humus.device,
        "cosine_min": float((base * fast).sum(axis=1).min()),
        "quality": quality,
        "query_ms": bench_query_embedding(),
    }


def bench_query_embedding(repeats: int = 3) -> dict[str, float]:
    """Mean time to embed one labelled query on one thread (as a serving process does): model vs int8 graph."""
    import torch

    from eval.harness import load_labelled
    from index.embedder import SentenceTransformerEmbedder

    texts = [q.text for q in load_labelled()[0]]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    out = {}
    try:
        for encoder in ("model", "int8"):
            embedder = SentenceTransformerEmbedder("all-MiniLM-L6-v2", query_encoder=encoder)
            for text in texts:  # first runs of each token length build their kernels
                embedder.embed_batch([text], query=True)
            start = time.perf_counter()
            for _ in range(repeats):
                for text in texts:
                    embedder.embed_batch([text], query=True)
            out[encoder] = 1000 * (time.perf_counter() - start) / (repeats * len(texts))
    finally:
        torch.set_num_threads(threads)
    return out


def bench_peers() -> list[dict]:
    """Humus hybrid vs bm25s alone vs LangChain's FAISS store (same model), on XQuAD and the labelled set."""
    from eval import harness as h
    from eval.peers import PlainEmbeddings, peers_for, score, units_of
    from service.settings import Settings

    config = Settings().index_config()
    embeddings = PlainEmbeddings()
    rows: list[dict] = []

    def compare(task: str, kb: KnowledgeBase, key, units, lang: str, q_lang, queries, qrels, filters) -> None:  # noqa: ANN001
        kb.forget_queries()

        def humus(text: str) -> list[str]:
            hits = kb.search(text, k=10, lang=q_lang, filters=filters).hits
            return list(dict.fromkeys(key(hit) for hit in hits))

        rows.append({"task": task, "system": "Humus hybrid", **score(humus, queries, qrels)})
        for peer in peers_for(units, lang, embeddings):
            rows.append({"task": task, "system": peer.name, **score(peer.search, queries, qrels)})

    h.xquad_task(config, modes=())  # builds (or brings up to date) the XQuAD store
    kb = h._open("xquad", config)
    docs = kb.catalog().docs
    folder = h.SHARED / "eval" / "xquad"
    questions = {lang: h.xquad_documents(lang, folder / f"xquad.{lang}.json")[1] for lang in ("en", "es")}
    for name, q_lang, d_lang in (("en→en", "en", "en"), ("es→es", "es", "es"), ("es→en", "es", "en")):
        units = units_of(kb, lambda d: str(docs[d].metadata["xquad"]), d_lang)
        queries = [(qid, text) for qid, text, _ in questions[q_lang]]
        qrels = {qid: {str(n): 1} for qid, _, n in questions[q_lang]}
        hit_key = lambda hit: str(docs[hit.doc_id].metadata["xquad"])  # noqa: E731
        compare(f"XQuAD {name}", kb, hit_key, units, d_lang, q_lang, queries, qrels, [f"language={d_lang}"])
    kb.close()

    kb = h._open("labelled", config)
    kb.ingest([ROOT / "corpus" / "practices", SHARED / "seeds"], prune=True)
    catalog = kb.catalog()
    hit_key = h.labelled_key(kb)

    def doc_key(doc_id: str) -> str:
        family = catalog.family[doc_id]
        if family.startswith("practice:"):
            return family
        names = sorted(Path(catalog.docs[m].path).name for m in catalog.members[family])
        return f"seed:{names[0]}"

    labelled, qrels = h.load_labelled()
    compare("labelled (EN/FR/ES)", kb, hit_key, units_of(kb, doc_key), "en", None,
            [(q.id, q.text) for q in labelled], qrels, [])  # fmt: skip
    kb.close()
    return rows


def bench_http(clients: int = 20, seconds: float = 30) -> list[dict]:
    """The load run of the service issue: N clients on /api/search over loopback.

    Uncached (`HUMUS_QUERY_CACHE=0`: every request searched in full, its query embedded) with 1, 4 and 16 clients,
    and `clients` for `seconds`; with the default number of serving processes (HUMUS_WORKERS), one process as a
    baseline, and the LangChain FAISS peer. Then repeated queries with the cache on.
    """
    from eval.harness import load_labelled
    from eval.load import load_run, served
    from service.settings import Settings

    queries = [q.text for q in load_labelled()[0]]
    home = ROOT / "eval" / ".cache" / "bench"
    default = Settings().serving_processes
    rows: list[dict] = []
    for workers, peer, cached in dict.fromkeys(((default, False, False), (1, False, False), (0, True, False),
                                                (default, False, True))):  # fmt: skip
        with served(home, workers or None, peer=peer, cached=cached) as base:
            load_run(base, queries[:10], 2, 3)  # warm-up: model, lexicon, indexes
            if cached:
                runs = [load_run(base, queries, clients, seconds)]
            else:
                runs = [load_run(base, queries, n, 10) for n in (1, 4, 16)]
                runs += [load_run(base, queries, clients, seconds)] if workers == default else []
        rows += [{**run, "distinct": not cached, "workers": workers} for run in runs]
    return rows


def _http_ratio(run: dict, runs: list[dict]) -> str:
    """Throughput over that of the LangChain FAISS app with as many clients."""
    peer = [r for r in runs if r["workers"] == 0 and r["clients"] == run["clients"]]
    return f"{run['rps'] / peer[0]['rps']:.2f}×" if peer and run["distinct"] and run["workers"] else "–"


def main() -> None:
    info = machine()
    pdf = bench_pdf_parsing()
    ing = bench_ingest()
    srch = bench_search()
    http = bench_http()
    emb = bench_embedding()
    peers = bench_peers()
    from eval.scale import run as scale_run

    scale = scale_run()
    humus_rows = {r["task"]: r for r in peers if r["system"] == "Humus hybrid"}
    ref, new, int8 = emb["quality"]["fp32"], emb["quality"][emb["precision"]], emb["quality"]["int8 queries"]
    qms = emb["query_ms"]
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
            "torch",
            "sentence-transformers",
            "faiss-cpu",
            "bm25s",
            "fastapi",
            "uvicorn",
            "langchain-community",
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
        "### Quality and latency against peers (same chunks, same model)",
        "",
        "bm25s alone (Snowball stemming and stop words of the documents' language) and LangChain's `FAISS` vector "
        "store over plain fp32 `SentenceTransformer.encode` index the very chunks Humus stores; a document counts at "
        "its best chunk. Latency is per query, in-process, query embedding included; the ratio is Humus' p50 over "
        "the peer's.",
        "",
        "| task | system | nDCG@10 | Recall@10 | MRR | p50 | p95 | p50 ratio |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        *[
            f"| {r['task']} | {r['system']} | {'**' if r['system'] == 'Humus hybrid' else ''}{r['ndcg@10']:.3f}"
            f"{'**' if r['system'] == 'Humus hybrid' else ''} | {r['recall@10']:.3f} | {r['mrr']:.3f} | "
            f"{r['p50_ms']:.1f} ms | {r['p95_ms']:.1f} ms | {humus_rows[r['task']]['p50_ms'] / r['p50_ms']:.1f}× |"
            for r in peers
        ],
        "",
        "### Embedding throughput (the ingestion bottleneck)",
        "",
        f"{emb['chunks']} chunks of the shipped corpus, batches of 32, {emb['device']}. Humus embeds in "
        f"**{emb['precision']}** by default here (`HUMUS_EMBED_PRECISION=auto`: bf16 where the CPU has native "
        "bfloat16, fp16 on a GPU, else fp32).",
        "",
        "| embedder | chunks/s | ratio |",
        "| --- | ---: | ---: |",
        f"| plain `SentenceTransformer.encode` (fp32) | {emb['plain_cps']:.1f} | 1.00 |",
        f"| Humus embedder ({emb['precision']}) | **{emb['humus_cps']:.1f}** | "
        f"**{emb['humus_cps'] / emb['plain_cps']:.2f}×** |",
        "",
        f"Lowest cosine between the two vectors of a chunk: {emb['cosine_min']:.5f}. Labelled set, all 84 "
        f"queries, nDCG@10 with a store embedded in fp32 vs {emb['precision']}: hybrid {ref['hybrid']:.3f} vs "
        f"{new['hybrid']:.3f}, dense {ref['dense']:.3f} vs {new['dense']:.3f} (bar: within 0.01).",
        "",
        "Queries (`HUMUS_QUERY_ENCODER=auto`: int8 on a CPU) are embedded by the model exported to ONNX with int8 "
        "matrix products (`index/quantized.py`); documents keep the model's own vectors. Per query, one thread, "
        "mean over the 84 labelled queries:",
        "",
        "| query encoder | ms per query | ratio | labelled hybrid nDCG@10 | dense nDCG@10 |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| model ({emb['precision']}) | {qms['model']:.2f} | 1.00 | {new['hybrid']:.3f} | {new['dense']:.3f} |",
        f"| int8 ONNX (default) | **{qms['int8']:.2f}** | **{qms['model'] / qms['int8']:.2f}×** | "
        f"{int8['hybrid']:.3f} | {int8['dense']:.3f} |",
        "",
        f"Against the unoptimised model (fp32 documents and queries): hybrid {int8['hybrid'] - ref['hybrid']:+.3f}, "
        f"dense {int8['dense'] - ref['dense']:+.3f} (bar: within 0.01).",
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
        "Concurrent clients (`eval/load.py`: each holds one kept-alive connection and sends its next request when "
        "the answer is in; plain asyncio streams, lean because they share the 2 cores with the server) cycling "
        "through the 84 labelled queries as typed. *Uncached*: the server keeps no repeated query "
        "(`HUMUS_QUERY_CACHE=0`), so every request is searched in full and its query embedded; *repeated*: the "
        "default cache answers the repeats after the first pass. `humus serve` runs one process per core "
        "(`HUMUS_WORKERS`), each searching on one core with int8 query embedding; the requests that arrive while "
        "a search runs are answered together next (`service/batching.py`); the parent process hands the "
        "connections to the processes in turn (`service/serving.py`). "
        "The peer (`eval/peer_server.py`) is what a user might stand up instead: LangChain's "
        "FAISS store over the same chunks and vectors, plain fp32 query embedding, a minimal FastAPI app in one "
        "uvicorn process (dense search only: no translation, lexical side, facets or snippets). The ratio is "
        "Humus' throughput over the peer's with as many clients, in the same run. Targets: 20 clients for 30 s "
        "with no error; ≥ 100 req/s with p95 ≤ 100 ms.",
        "",
        "| processes | clients | queries | time | requests | errors | throughput | ratio | p50 | p95 |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *[
            f"| {h['workers'] or 'LangChain FAISS app'} | {h['clients']} | "
            f"{'uncached' if h['distinct'] else 'repeated'} | "
            f"{h['seconds']:.0f} s | {h['requests']} | {h['errors']} | **{h['rps']:.0f} req/s** | "
            f"{_http_ratio(h, http)} | {h['p50_ms']:.0f} ms | {h['p95_ms']:.0f} ms |"
            for h in http
        ],
        "",
        "### Scale (synthetic chunks; `eval/scale.py`)",
        "",
        f"Vectors: random convex mixes of three of the {scale['real_vectors']} real chunk embeddings of the eval "
        "stores plus noise (spread neighbourhoods, as real ones; a mix around one real vector makes tight clusters "
        f"and a falsely perfect recall); {QUERY_COUNT} queries drawn the same way. Exact is FAISS `IndexFlatIP`; "
        "ANN is what Humus switches to from `HUMUS_ANN_THRESHOLD` chunks: IVF with 4·√n lists, vectors stored "
        "as float16, `HUMUS_NPROBE` lists searched. RAM per chunk is the index's serialised size (what FAISS "
        "holds in memory); disk is the saved file. Recall@10 is ANN against exact. The p50 ratio is ANN over "
        "exact, measured in the same run.",
        "",
        "| chunks | exact build | ANN build | exact RAM/chunk | ANN RAM/chunk | exact p50 / p95 | ANN p50 / p95 "
        "| p50 ratio | recall@10 |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *[
            f"| {v['n']:,} | {v['exact_build_s']:.2f} s | {v['ann_build_s']:.1f} s | {v['exact_bytes']:.0f} B | "
            f"**{v['ann_bytes']:.0f} B** | {v['exact_p50']:.2f} / {v['exact_p95']:.2f} ms | "
            f"**{v['ann_p50']:.2f}** / {v['ann_p95']:.2f} ms | {v['ann_p50'] / v['exact_p50']:.2f}× | "
            f"**{v['recall']:.3f}** |"
            for v in scale["vectors"]
        ],
        "",
        "Targets at 1M chunks: ANN p50 ≤ 5 ms, recall@10 ≥ 0.95, RAM ≤ 2 KB per chunk.",
        "",
        "BM25 (bm25s sparse matrix) over synthetic analysed chunks with the shipped corpus' lengths and term "
        "frequencies, 4-term queries:",
        "",
        "| chunks | build | RAM/chunk | score all chunks p50 / p95 |",
        "| ---: | ---: | ---: | ---: |",
        *[
            f"| {x['n']:,} | {x['build_s']:.1f} s | {x['bytes']:.0f} B | {x['p50']:.2f} / {x['p95']:.2f} ms |"
            for x in scale["lexical"]
        ],
        "",
        "Catalog (the Python side of search: each chunk's document, family, language, weight and row, and each "
        "document's facets and family), built by `Catalog.load` from synthetic chunk rows, 17 chunks per document "
        "as in the shipped corpus, measured with tracemalloc (the document records themselves are the store's):",
        "",
        "| chunks | build | RAM/chunk |",
        "| ---: | ---: | ---: |",
        *[f"| {x['n']:,} | {x['build_s']:.1f} s | {x['bytes']:.0f} B |" for x in scale["catalog"]],
        "",
        "In RAM per chunk at 1M, then: ANN index + BM25 + catalog = "
        f"**{scale['vectors'][-1]['ann_bytes'] + scale['lexical'][-1]['bytes'] + scale['catalog'][-1]['bytes']:.0f}"
        " B** per serving process (the chunk text stays in SQLite, on disk).",
        "",
        "Reproduce: `make bench`.",
        "",
    ]
    write_section("bench", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
