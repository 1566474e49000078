"""Chunk vectors in FAISS under stable 64-bit ids (the store's chunk ids).

Exact inner-product search below `ann_threshold` vectors, an IVF index above it (both support deletes).
On disk: a folder with `vectors.faiss` and `manifest.json`, each written to a temporary file, fsynced and
renamed, so a crash leaves the previous version whole.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np

VECTOR_SCHEMA = 1
INDEX_FILE = "vectors.faiss"
MANIFEST = "manifest.json"
PARALLEL_QUERIES = 8  # below this many query vectors, FAISS searches on one thread (see _threads)


class IndexMismatchError(RuntimeError):
    """The saved index does not match the configured model or this version; the message says what to run."""


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class VectorIndex:
    def __init__(
        self, model: str, dim: int, kind: str = "auto", ann_threshold: int = 50_000, nprobe: int = 128
    ) -> None:
        if kind not in ("auto", "exact", "ivf"):
            raise ValueError(f"vector index kind must be auto, exact or ivf, not {kind!r}")
        self.model, self.dim, self.kind_setting = model, dim, kind
        self.ann_threshold, self.nprobe = ann_threshold, nprobe
        self.index: faiss.Index = self._flat()
        self.kind = "exact"

    def _flat(self) -> faiss.Index:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def ids(self) -> np.ndarray:
        if self.kind == "exact":
            return faiss.vector_to_array(self.index.id_map).astype(np.int64)
        invlists = self.index.invlists
        parts = [
            faiss.rev_swig_ptr(invlists.get_ids(i), invlists.list_size(i)).copy()
            for i in range(self.index.nlist)
            if invlists.list_size(i)
        ]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))

    def remove(self, ids: np.ndarray) -> None:
        if len(ids):
            ids = np.ascontiguousarray(ids, dtype=np.int64)
            self.index.remove_ids(faiss.IDSelectorArray(len(ids), faiss.swig_ptr(ids)))

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        return self.index.reconstruct_batch(ids.astype(np.int64))

    def wanted_kind(self) -> str:
        if self.kind_setting != "auto":
            return self.kind_setting
        return "ivf" if len(self) >= self.ann_threshold else "exact"

    def rebuild(self, kind: str) -> None:
        """Re-create the index as `kind` from its own vectors (IVF is trained on them)."""
        ids = self.ids()
        vectors = self.vectors(ids) if len(ids) else np.zeros((0, self.dim), dtype=np.float32)
        if kind == "ivf" and len(ids) >= 64:
            # 4·sqrt(n) lists (FAISS wants >= 39 training points per list); vectors stored as float16 (768 bytes
            # for 384 dimensions): half the RAM of float32 for a recall loss measured in eval/RESULTS.md
            nlist = max(1, min(4 * int(math.sqrt(len(ids))), len(ids) // 39))
            index = faiss.IndexIVFScalarQuantizer(
                faiss.IndexFlatIP(self.dim), self.dim, nlist, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
            )
            sample = vectors[np.random.default_rng(0).permutation(len(vectors))[: 64 * nlist]]
            index.train(sample)
            index.set_direct_map_type(faiss.DirectMap.Hashtable)
            self.index, self.kind = index, "ivf"
        else:
            self.index, self.kind = self._flat(), "exact"
        self.add(ids, vectors)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Best `k` ids and scores per query row, only among `allowed` ids when given.

        With a filter the search runs inside FAISS (an ID selector), not after it, so a selective filter
        still returns k hits; IVF widens to every list when the probed ones held too few.
        """
        k = min(k, len(self) if allowed is None else min(len(self), len(allowed)))
        if k <= 0:
            return np.zeros((len(query), 0), dtype=np.int64), np.zeros((len(query), 0), dtype=np.float32)
        with _threads(1 if len(query) < PARALLEL_QUERIES else faiss.omp_get_max_threads()):
            return self._search(query, k, allowed)

    def _search(self, query: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        selector = faiss.IDSelectorBatch(allowed.astype(np.int64)) if allowed is not None else None
        if self.kind == "ivf":
            params = faiss.SearchParametersIVF(sel=selector, nprobe=self.nprobe)
            scores, ids = self.index.search(query, k, params=params)
            if (ids < 0).any():
                params = faiss.SearchParametersIVF(sel=selector, nprobe=self.index.nlist)
                scores, ids = self.index.search(query, k, params=params)
        else:
            params = faiss.SearchParameters(sel=selector) if selector is not None else None
            scores, ids = self.index.search(query, k, params=params)
        return ids, scores

    # --- disk ----------------------------------------------------------------------------

    def manifest(self, **extra: object) -> dict:
        return {
            "schema_version": VECTOR_SCHEMA,
            "model": self.model,
            "dim": self.dim,
            "kind": self.kind,
            "count": len(self),
            "faiss_version": faiss.__version__,
            **extra,
        }

    def save(self, folder: Path, **extra: object) -> None:
        """Index first, manifest last: the manifest names what the folder holds."""
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / INDEX_FILE, faiss.serialize_index(self.index).tobytes())
        write_atomic(folder / MANIFEST, json.dumps(self.manifest(**extra), indent=2).encode())

    @classmethod
    def load(cls, folder: Path, model: str, dim: int, **settings: object) -> tuple[VectorIndex, dict]:
        """The saved index, or an empty one when none is saved; refuses another model or schema."""
        index = cls(model, dim, **settings)  # type: ignore[arg-type]
        manifest_path = folder / MANIFEST
        if not manifest_path.exists():
            return index, {}
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("schema_version") != VECTOR_SCHEMA:
            raise IndexMismatchError(
                f"the vector index in {folder} has schema version {manifest.get('schema_version')}, this Humus "
                f"reads {VECTOR_SCHEMA}: run `humus reindex` to rebuild it from the store"
            )
        if manifest.get("model") != model or manifest.get("dim") != dim:
            raise IndexMismatchError(
                f"the vector index in {folder} was built with model {manifest.get('model')!r} "
                f"(dimension {manifest.get('dim')}), but HUMUS_EMBED_MODEL is {model!r} (dimension {dim}): "
                f"run `humus reindex` to re-embed the store with {model!r}, "
                f"or set HUMUS_EMBED_MODEL={manifest.get('model')}"
            )
        data = np.frombuffer((folder / INDEX_FILE).read_bytes(), dtype=np.uint8)
        index.index = faiss.deserialize_index(data)
        index.kind = manifest.get("kind", "exact")
        if index.kind == "ivf":
            index.index.set_direct_map_type(faiss.DirectMap.Hashtable)
        return index, manifest


@contextmanager
def _threads(n: int) -> Iterator[None]:
    """FAISS's OpenMP threads for a block.

    FAISS splits a search by query, so one or two queries gain nothing from more threads; and right after the
    embedder (PyTorch has its own OpenMP pool, still spinning) a FAISS thread team waits for a free core:
    in-process search p50 went from 17 to 13 ms on 2 cores with one thread.
    """
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)
