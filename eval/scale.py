"""Scale: synthetic chunks at 10k, 100k and 1M; what the vector index (and BM25) cost as the corpus grows.

Vectors: each synthetic vector is a random convex mix of three real chunk embeddings of the eval stores plus
noise, renormalised. Neighbourhoods are then spread the way real ones are (a mix around a single real vector
makes tight clusters and a falsely perfect recall). Queries are drawn the same way. Text (for BM25): chunk
lengths and words sampled from the shipped corpus' own distributions.
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from index.catalog import Catalog
from index.lexical import LexicalIndex
from index.models import DEFAULT_MODEL
from index.store import StoredDocument
from index.vectors import INDEX_FILE, VectorIndex

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "eval" / ".cache"
QUERIES = 200


def real_vectors(model: str = DEFAULT_MODEL) -> np.ndarray:
    """The chunk vectors of `model` in the eval stores (a store may cache several models' vectors)."""
    found = []
    for name in ("labelled", "xquad", "bench"):
        db = CACHE / name / "humus.db"
        if db.exists():
            with sqlite3.connect(db) as con:
                rows = con.execute("SELECT vector FROM embeddings WHERE model=?", (model,))
                found += [np.frombuffer(r[0], dtype=np.float32) for r in rows]
    if not found:
        raise RuntimeError("no embedded store under eval/.cache: run `make eval` (or `make bench`) first")
    return np.unique(np.stack(found), axis=0)


def synthetic_vectors(base: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Random convex mixes of three real vectors plus noise as large as the real vectors' own spread (their mean
    per-dimension standard deviation: 0.05 for MiniLM, whose vectors spread over the whole sphere; 0.023 for
    multilingual-e5-small, whose vectors sit in a narrow cone). Fixed noise of 0.05 drowned e5's neighbourhoods and
    made IVF look broken (recall@10 0.58 at 100k)."""
    rng = np.random.default_rng(seed)
    spread = float(base.std(axis=0).mean())
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):  # in slices: 1M × 3 × 384 floats at once would need 4.6 GB
        m = min(100_000, n - start)
        picks = rng.integers(0, len(base), (m, 3))
        weights = rng.dirichlet((1.0, 1.0, 1.0), m).astype(np.float32)
        x = (weights[:, :, None] * base[picks]).sum(axis=1)
        x += spread * rng.standard_normal(x.shape).astype(np.float32)
        out[start : start + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def synthetic_terms(n: int, seed: int) -> list[list[str]]:
    """Analysed-term lists with the shipped corpus' chunk lengths and term frequencies."""
    with sqlite3.connect(CACHE / "bench" / "humus.db") as con:
        docs = [r[0].split() for r in con.execute("SELECT terms FROM chunk_terms")]
    vocab, counts = np.unique(np.concatenate([np.array(d) for d in docs if d]), return_counts=True)
    rng = np.random.default_rng(seed)
    lengths = rng.choice([len(d) for d in docs if d], n)
    words = rng.choice(len(vocab), int(lengths.sum()), p=counts / counts.sum()).tolist()
    names = vocab.tolist()  # shared str objects: 1M chunks of terms fit in a few GB
    out, at = [], 0
    for length in lengths.tolist():
        out.append([names[w] for w in words[at : at + length]])
        at += length
    return out


def _timed_search(index: VectorIndex, queries: np.ndarray) -> tuple[list[float], list[np.ndarray]]:
    times, found = [], []
    for q in queries:
        start = time.perf_counter()
        ids, _ = index.search(q[None], 10)
        times.append(time.perf_counter() - start)
        found.append(ids[0])
    return times, found


def _pct(values: list[float], q: int) -> float:
    return 1000 * statistics.quantiles(values, n=100)[q - 1]


def vector_scale(n: int, base: np.ndarray, nprobe: int) -> dict:
    vectors = synthetic_vectors(base, n, seed=n)
    queries = synthetic_vectors(base, QUERIES, seed=7)
    ids = np.arange(n, dtype=np.int64)
    exact = VectorIndex("synthetic", base.shape[1], kind="exact")
    start = time.perf_counter()
    exact.add(ids, vectors)
    exact_build = time.perf_counter() - start
    ann = VectorIndex("synthetic", base.shape[1], kind="ivf", nprobe=nprobe)
    start = time.perf_counter()
    ann.add(ids, vectors)
    ann.rebuild("ivf")
    ann_build = time.perf_counter() - start
    del vectors
    exact_times, truth = _timed_search(exact, queries)
    ann_times, found = _timed_search(ann, queries)
    recall = float(np.mean([len(set(a) & set(t)) / 10 for a, t in zip(found, truth, strict=True)]))
    with tempfile.TemporaryDirectory() as tmp:
        ann.save(Path(tmp))
        disk = (Path(tmp) / INDEX_FILE).stat().st_size
        exact.save(Path(tmp))
        exact_disk = (Path(tmp) / INDEX_FILE).stat().st_size
    return {
        "n": n,
        "exact_build_s": exact_build,
        "ann_build_s": ann_build,
        "nlist": ann.index.nlist,
        "nprobe": nprobe,
        # a FAISS index holds in RAM what it serialises (codes, ids, id map, centroids)
        "exact_bytes": exact_disk / n,
        "ann_bytes": disk / n,
        "exact_p50": _pct(exact_times, 50),
        "exact_p95": _pct(exact_times, 95),
        "ann_p50": _pct(ann_times, 50),
        "ann_p95": _pct(ann_times, 95),
        "recall": recall,
    }


def lexical_scale(n: int) -> dict:
    terms = synthetic_terms(n, seed=n)
    start = time.perf_counter()
    index = LexicalIndex(np.arange(n, dtype=np.int64), terms)
    build = time.perf_counter() - start
    matrix = index._bm25.scores if index._bm25 is not None else {}  # its score matrix: measuring its size
    size = sum(v.nbytes for v in matrix.values() if hasattr(v, "nbytes"))
    rng = np.random.default_rng(3)
    times = []
    for _ in range(QUERIES):
        query = list(rng.choice(terms[int(rng.integers(0, n))], 4))
        start = time.perf_counter()
        index.scores(query)
        times.append(time.perf_counter() - start)
    return {"n": n, "build_s": build, "bytes": size / n, "p50": _pct(times, 50), "p95": _pct(times, 95)}


class _Documents:
    """The part of a store that `Catalog.load` asks for besides the chunk rows: the documents, no tags."""

    def __init__(self, docs: list[StoredDocument]) -> None:
        self.docs = docs

    def generation(self) -> int:
        return 0

    def documents(self) -> list[StoredDocument]:
        return self.docs

    def doc_tags(self) -> dict:
        return {}


def catalog_scale(n: int, chunks_per_doc: int = 17) -> dict:
    """RAM per chunk of the catalog (Catalog.load on n synthetic chunk rows), by tracemalloc.

    17 chunks per document is the shipped corpus' ratio; the documents' records are the store's and are not
    counted, what the catalog derives from them (facets, families) is.
    """
    langs = ["en", "fr", "es"]
    docs = [
        StoredDocument(f"file:{i:016x}", f"doc{i}.md", f"Document {i}", "other", [langs[i % 3]], None, "", {}, "", None)
        for i in range(n // chunks_per_doc + 1)
    ]
    rows = [{"id": 3 * i + 1, "doc_id": docs[i // chunks_per_doc].id, "lang": langs[i % 3], "section": None}
            for i in range(n)]  # fmt: skip
    tracemalloc.start()
    start = time.perf_counter()
    catalog = Catalog.load(_Documents(docs), rows)  # type: ignore[arg-type]
    build = time.perf_counter() - start
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del catalog
    return {"n": n, "build_s": build, "bytes": size / n}


def run(sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000), lexical: tuple[int, ...] = (10_000, 100_000, 1_000_000),
        nprobe: int = 128) -> dict:  # fmt: skip
    base = real_vectors()
    return {
        "real_vectors": len(base),
        "vectors": [vector_scale(n, base, nprobe) for n in sizes],
        "lexical": [lexical_scale(n) for n in lexical],
        "catalog": [catalog_scale(n) for n in sizes],
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
