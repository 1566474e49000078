"""The knowledge base: the one object the CLI, the API and eval/ use."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import numpy as np

from index import questions
from index.analysis import CONCEPT, TERMS_VERSION, analyze, tagged
from index.catalog import Catalog, QueryError, parse_filters
from index.embedder import Embedder, load_embedder
from index.gaps import AXES, GapMatrix, gap_matrix
from index.lexical import LexicalIndex
from index.lexicon import Lexicon, build_lexicon, read_thesaurus_csv
from index.models import DEFAULT_MODEL, resolve_model_dir
from index.search import Indexes, Plan, Searcher, SearchResult
from index.store import Store, WriteLock
from index.tags import document_tags, practice_of
from index.vectors import VectorIndex
from index.zones import Conditions, Place, ZoneError
from ingest.chunking import ChunkSpec, spec_for_model
from ingest.glossary import Concept, load_glossary
from ingest.limits import Limits
from ingest.pipeline import collect_files, file_hash, read_file
from ingest.records import Document, ParseError
from ingest.worker import parse_worker


@dataclass(slots=True)
class FileResult:
    path: str
    status: str  # ingested | unchanged | failed | skipped
    message: str = ""
    documents: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class IngestReport:
    run_id: str
    files: list[FileResult] = field(default_factory=list)
    pruned: int = 0

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def ok(self) -> bool:
        """Anything ingested or unchanged; False only when every file failed."""
        return any(f.status in ("ingested", "unchanged") for f in self.files)

    def summary(self) -> dict:
        return {
            "run_id": self.run_id,
            "ingested": self.count("ingested"),
            "unchanged": self.count("unchanged"),
            "failed": self.count("failed"),
            "skipped": self.count("skipped"),
            "pruned": self.pruned,
            "files": [asdict(f) for f in self.files],
        }


@dataclass(frozen=True, slots=True)
class IndexConfig:
    """How a knowledge base embeds, indexes and translates; the service fills it from its settings."""

    model: str = DEFAULT_MODEL
    query_prompt: str | None = None
    document_prompt: str | None = None
    max_file_bytes: int = 50_000_000
    max_pages: int = 2_000
    max_chunks: int = 2_000
    parse_seconds: float = 60.0
    parse_memory_mb: int = 1_024
    chunk_overlap: int = 32
    vector_index: str = "auto"  # auto | exact | ivf
    ann_threshold: int = 50_000
    nprobe: int = 128
    glossary: Path | None = None
    words: Path | None = None  # the word list (common words in each query language)
    freedict_dir: Path | None = Path("/usr/share/dictd")
    embed_precision: str = "auto"  # auto | fp32 | bf16 | fp16
    embed_device: str = "auto"  # auto | cpu | cuda
    query_encoder: str = "auto"  # auto | model | int8 (index.quantized)
    zone_raster: Path | None = None  # GeoTIFF of IPCC climate zones, for documents and places with coordinates
    query_cache: int = 512  # repeated queries: results and query vectors kept (0: none)

    @property
    def limits(self) -> Limits:
        """What reading one file may cost (see ingest/limits.py)."""
        return Limits(
            max_bytes=self.max_file_bytes,
            max_pages=self.max_pages,
            max_chunks=self.max_chunks,
            parse_seconds=self.parse_seconds,
            parse_memory_mb=self.parse_memory_mb,
        )


VECTOR_DIR = "vectors"
LOCK_NAME = "write.lock"
INDEXED = "indexed"  # store meta: the generation whose vectors the last writer saved
NOT_ALNUM = re.compile(r"[\W_]+")  # what is neither a letter nor a digit

Progress = Callable[[Iterable], Iterable]


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """One search, as `KnowledgeBase.search` takes it (for `search_many`)."""

    query: str
    k: int = 10
    lang: str | None = None
    mode: str = "hybrid"
    filters: list[str] | dict[str, list[str]] | None = None
    group_by: str | None = None
    conditions: Conditions | None = None

    def key(self, generation: int, filters: dict[str, set[str]]) -> tuple:
        """What makes two requests the same search of one catalog state (the result cache's key)."""
        frozen = tuple(sorted((f, tuple(sorted(v))) for f, v in filters.items()))
        return (generation, self.query, self.k, self.lang, self.mode, frozen, self.group_by, repr(self.conditions))


class KnowledgeBase:
    """Documents, chunks and their search indexes under a home directory."""

    def __init__(self, home: Path, store: Store, config: IndexConfig, *, writer: bool = True) -> None:
        self.home = home
        self.store = store
        self.config = config
        self.writer = writer  # a reader (a serving process) never embeds nor writes: it serves what a writer indexed
        self._lock = WriteLock(home / LOCK_NAME)
        self._indexed: str | None = None  # the writer's `indexed` mark that a reader's snapshot was read at
        self._spec: ChunkSpec | None = None
        self._embedder: Embedder | None = None
        self._vectors: VectorIndex | None = None
        self._lexical: tuple[int, LexicalIndex] | None = None
        self._lexicon: Lexicon | None = None
        self._tagger: Lexicon | None = None
        self._catalog: Catalog | None = None
        self._results: OrderedDict[tuple, SearchResult] = OrderedDict()  # repeated queries
        self._qvecs: OrderedDict[str, np.ndarray] = OrderedDict()  # their embeddings

    @classmethod
    def open(
        cls, home: Path, config: IndexConfig | None = None, *, writer: bool = True, **fields: Any
    ) -> KnowledgeBase:
        """Open (or create) the knowledge base in `home`; keyword arguments override `config` fields.

        A `writer=False` knowledge base (what `humus serve` opens) searches the state the last writer indexed and
        never embeds or writes; writers (`humus ingest`, upload jobs) take turns through a lock file in `home`.
        """
        return cls(home, Store.open(home), replace(config or IndexConfig(), **fields), writer=writer)

    def close(self) -> None:
        self.store.close()

    @property
    def model(self) -> str:
        return self.config.model

    @property
    def chunk_spec(self) -> ChunkSpec:
        if self._spec is None:
            self._spec = spec_for_model(str(resolve_model_dir(self.model)), self.config.chunk_overlap)
        return self._spec

    # --- adding documents ------------------------------------------------------------------

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        prune: bool = False,
        doc_type: str | None = None,
        index: bool = True,
        on_file: Callable[[FileResult], None] | None = None,
        progress: Progress = lambda items: items,
    ) -> IngestReport:
        """Read files and folders into the store, incrementally by content hash, then index what changed."""
        with self._lock:
            return self._ingest(paths, prune, doc_type, index, on_file, progress)

    def _ingest(
        self,
        paths: Iterable[Path],
        prune: bool,
        doc_type: str | None,
        index: bool,
        on_file: Callable[[FileResult], None] | None,
        progress: Progress,
    ) -> IngestReport:
        report = IngestReport(run_id=uuid.uuid4().hex[:12])
        found = collect_files(paths)
        for shown, message in found.failed:  # a name that cannot even be printed as it is
            report.files.append(FileResult(shown, "failed", message))
        for link, message in found.skipped_links:
            report.files.append(FileResult(str(link), "skipped", message))
        for path in found.skipped:
            report.files.append(FileResult(str(path), "skipped", f"unsupported file type '{path.suffix}'"))
        for path in progress(found.files):
            result = self._ingest_one(path, doc_type)
            self.store.log(report.run_id, result.path, result.status, result.message or None)
            report.files.append(result)
            if on_file is not None:
                on_file(result)
        if prune:
            for stored in self.store.file_paths():
                if not Path(stored).exists() and not stored.startswith("memory:"):
                    report.pruned += self.store.remove_file(stored)
                    self.store.log(report.run_id, stored, "pruned")
        read = {os.path.realpath(f.path): i for i, f in enumerate(report.files) if f.status != "failed"}
        for result in self._read_again(report.run_id):
            i = read.get(result.path)
            if i is None:
                report.files.append(result)
            else:  # read in this run before another file took its documents away: this reading replaces it
                report.files[i] = result
            if on_file is not None:
                on_file(result)
        if index:
            self.sync(progress)
        return report

    def _read_again(self, run_id: str) -> list[FileResult]:
        """Read again the files whose documents went with another file's copy of them.

        The same practice sheet or WOCAT record in two files is stored once, from the file read last; when that
        file is pruned, deleted or changed, the other file's copy comes back, although that file did not change.
        A file no longer on disk is left to `prune`."""
        results = []
        for stored in self.store.files_missing_documents():
            path = Path(stored)
            if stored.startswith("memory:") or not path.exists():
                continue
            result = self._ingest_one(path, self.store.file_doc_type(stored), again=True)  # read as it was
            if result.status == "ingested":
                result.message = "read again: its documents had gone with another file's copy"
            self.store.log(run_id, result.path, result.status, result.message or None)
            results.append(result)
        return results

    def add(self, name: str, documents: list[Document], *, index: bool = True) -> list[str]:
        """Store documents built in code (not read from a file) under a name; replaces that name's previous set."""
        digest = file_hash("\n".join(d.content_hash for d in documents).encode())
        with self._lock:
            written = self.store.replace_file(f"memory:{name}", digest, sum(len(d.text) for d in documents), documents)
            if index:
                self.sync()
        return written

    def delete(self, path: str, *, index: bool = True) -> int:
        """Forget a file (or an `add` name as `memory:NAME`) and its documents."""
        with self._lock:
            removed = self.store.remove_file(path)
            self._read_again(uuid.uuid4().hex[:12])
            if index:
                self.sync()
        return removed

    def _ingest_one(self, path: Path, doc_type: str | None, again: bool = False) -> FileResult:
        try:
            data = read_file(path, self.config.max_file_bytes)
            key = str(path.resolve())
            digest = file_hash(data)
            if self.store.file_hash(key) == digest and doc_type is None and not again:
                return FileResult(str(path), "unchanged")
            model_dir = str(resolve_model_dir(self.model))
            c = self.config
            documents = parse_worker().parse(path, data, model_dir, c.chunk_overlap, doc_type, c.limits)
        except ParseError as exc:
            return FileResult(str(path), "failed", str(exc))
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the run
            return FileResult(str(path), "failed", f"unexpected error: {type(exc).__name__}: {exc}")
        held = self.store.document_paths([d.id for d in documents])  # a copy read from another file
        written = self.store.replace_file(key, digest, len(data), documents, doc_type)
        warnings = sorted({w for d in documents for w in d.metadata.get("warnings", [])})
        warnings += [
            f"{i} is also in {held[i]}: the store keeps one copy, this file's"
            for i in written
            if held.get(i, key) != key
        ]
        return FileResult(str(path), "ingested", documents=written, warnings=warnings)

    # --- indexes ---------------------------------------------------------------------------

    def embedder(self) -> Embedder:
        if self._embedder is None:
            c = self.config
            self._embedder = load_embedder(
                c.model,
                c.query_prompt,
                c.document_prompt,
                c.embed_precision,
                c.embed_device,
                c.query_encoder,
            )
        return self._embedder

    def vector_index(self) -> VectorIndex:
        if self._vectors is None:
            self.sync() if self.writer else self.catalog()
        assert self._vectors is not None
        return self._vectors

    def _load_vectors(self) -> tuple[VectorIndex, dict]:
        c = self.config
        return VectorIndex.load(
            self.home / VECTOR_DIR,
            c.model,
            self.embedder().dim,
            kind=c.vector_index,
            ann_threshold=c.ann_threshold,
            nprobe=c.nprobe,
        )

    def catalog(self) -> Catalog:
        """Facets and chunk table, reloaded (by a writer: indexes brought up to date) when the store has changed."""
        if not self.writer:
            if self._catalog is None or self._indexed != self.store.meta(INDEXED):
                self._read_snapshot()
        elif self._catalog is None or self._catalog.generation != self.store.generation():
            self.sync()
        assert self._catalog is not None
        return self._catalog

    def _read_snapshot(self) -> None:
        """A reader's state: the vector index the last writer saved, and the chunks that are both in it and in the
        store (read in one transaction), so that the catalog, the lexical index and the vectors always agree."""
        indexed = self.store.meta(INDEXED)
        vectors, _ = self._load_vectors()
        present = set(vectors.ids().tolist())
        with self.store.snapshot():
            rows = [r for r in self.store.chunk_table() if r["id"] in present]
            catalog = Catalog.load(self.store, rows)
        vectors.remove(np.array(sorted(present - {int(r["id"]) for r in rows}), dtype=np.int64))
        self._vectors, self._catalog, self._indexed, self._lexical = vectors, catalog, indexed, None

    def catch_up(self) -> bool:
        """A reader whose store holds content no writer has indexed yet indexes it itself, once, when no writer is
        at work (a store built with `index=False`, or a writer that was killed). Returns whether it did."""
        if self.store.meta(INDEXED) == str(self.store.generation()) or not self._lock.acquire(blocking=False):
            return False
        try:
            self._vectors = None
            self.sync()
            self._indexed = self.store.meta(INDEXED)
        finally:
            self._lock.release()
        return True

    def lexical_index(self, cat: Catalog) -> LexicalIndex:
        """BM25 over `cat`'s chunks, in its order (rebuilt when the catalog has changed)."""
        if self._lexical is None or self._lexical[0] != cat.generation:
            terms = self.store.chunk_terms()
            self._lexical = (
                cat.generation,
                LexicalIndex(cat.chunk_ids, [terms.get(int(i), []) for i in cat.chunk_ids]),
            )
        return self._lexical[1]

    def indexes(self) -> Indexes:
        """The catalog with the lexical and vector indexes of the same store state: what a search reads."""
        cat = self.catalog()
        lexical = self.lexical_index(cat)
        vectors = self.vector_index()
        return Indexes(cat, lexical, vectors, self.lexicon(), self.terms_of, self.store.chunk_texts)

    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            self._lexicon = build_lexicon(
                self.config.glossary, self.store.thesaurus(), self.config.freedict_dir, self.config.words
            )
        return self._lexicon

    def tagger(self) -> Lexicon:
        """The glossary alone: which concepts a text names (the lexicon adds AGROVOC and FreeDict for queries)."""
        if self._tagger is None:
            # the word list only tells apart words that share a stem with a concept's ("terre", "terrasses")
            self._tagger = build_lexicon(self.config.glossary, [], None, self.config.words)
        return self._tagger

    def terms_of(self, text: str, lang: str | None) -> list[str]:
        """Index terms of a chunk: its words, tagged with its language, and the glossary concepts it names."""
        return tagged(analyze(text, lang), lang) + [CONCEPT + c for c in self.tagger().mentions(text, lang)]

    def _terms_version(self) -> str:
        """Analysis version plus the glossary's and word list's digests: editing either re-tags every chunk."""
        digests = [
            hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path and path.exists() else "-"
            for path in (self.config.glossary, self.config.words)
        ]
        return f"{TERMS_VERSION}:{':'.join(digests)}"

    def sync(self, progress: Progress = lambda items: items) -> dict[str, int]:
        """Bring the lexical terms and the vector index in line with the store; embeds only new content."""
        with self._lock:
            return self._sync(progress)

    def _sync(self, progress: Progress) -> dict[str, int]:
        rows = self.store.chunk_table()
        catalog = Catalog.load(self.store, rows)
        version = self._terms_version()
        if self.store.meta("terms_version") != version:
            self.store.reset_chunk_terms(version)
        new_terms = self.store.chunks_without_terms()
        if new_terms:
            texts = self.store.chunk_texts(new_terms)
            self.store.put_chunk_terms([(i, self.terms_of(texts[i]["text"], texts[i]["lang"])) for i in new_terms])
            self._lexical = None
        tagged_docs = self._sync_tags()
        if tagged_docs:
            catalog = Catalog.load(self.store, rows)
        vectors, manifest = self._vectors, dict[str, Any]()
        if vectors is None:
            vectors, manifest = self._load_vectors()
        stats = {"terms": len(new_terms), "embedded": 0, "reused": 0, "removed": 0}
        if manifest.get("generation") != catalog.generation or self._vectors is not None:
            stats.update(self._sync_vectors(vectors, rows, progress))
            if vectors.wanted_kind() != vectors.kind:
                vectors.rebuild(vectors.wanted_kind())
            if any(stats[k] for k in ("embedded", "reused", "removed")) or not manifest:
                vectors.save(self.home / VECTOR_DIR, generation=catalog.generation)
        if self.store.meta(INDEXED) != str(catalog.generation):
            self.store.set_meta(INDEXED, str(catalog.generation))  # readers load this state now
        self._vectors, self._catalog = vectors, catalog
        return stats

    def _sync_tags(self) -> int:
        """Tag documents not tagged yet (all of them when the glossary, the analysis or the raster changed)."""
        raster = self.config.zone_raster
        version = f"{self._terms_version()}:{int(bool(raster and raster.exists()))}"
        if self.store.meta("tags_version") != version:
            self.store.reset_doc_tags(version)
        todo = self.store.documents_without_tags()
        if not todo:
            return 0
        docs = {d.id: d for d in self.store.documents()}
        categories: dict[str, list[str]] = {}
        for d in docs.values():
            if (pid := practice_of(d)) and pid not in categories:
                value = d.metadata.get("category") or []
                categories[pid] = [str(c) for c in (value if isinstance(value, list) else [value])]
        concepts = {c.id: c for c in self.glossary_concepts()}
        mentions = self.store.concept_mentions(todo)
        self.store.put_doc_tags(
            {d: document_tags(docs[d], mentions[d], concepts, categories, raster) for d in todo if d in docs}
        )
        return len(todo)

    def gaps(self, by: str = "climate_zone", rows: str = "category") -> GapMatrix:
        """Evidence per practice category (or practice) × zone, soil class, land use or outcome, the gaps in it,
        and the demand: what the question log holds that was not answered."""
        return gap_matrix(self.catalog(), by, rows, self.demand(by))

    def demand(self, by: str = "climate_zone") -> Counter[tuple[str, str]]:
        """Unanswered questions and searches per (practice, column), from the question log (empty without one)."""
        return questions.demand(self.home, by, {axis: set(values) for axis, values in AXES.items()})

    def log_question(self, kind: str, text: str, lang: str, answered: bool) -> None:
        """Append a question or a search to the question log, with the practices, zones and outcomes it names."""
        concepts = {c.id: c for c in self.glossary_concepts()}
        named = questions.topics(text, self.tagger().mentions(text, lang), concepts)
        questions.log(self.home, kind, text, lang, named, answered)

    def glossary_concepts(self) -> list[Concept]:
        glossary = self.config.glossary
        return load_glossary(glossary) if glossary and glossary.exists() else []

    def _sync_vectors(self, vectors: VectorIndex, rows: list, progress: Progress) -> dict[str, int]:
        wanted = {int(r["id"]): r["content_hash"] for r in rows}
        present = set(vectors.ids().tolist())
        gone = np.array(sorted(present - wanted.keys()), dtype=np.int64)
        vectors.remove(gone)
        todo = sorted(wanted.keys() - present)
        hashes = sorted({wanted[i] for i in todo})
        cached = self.store.cached_vectors(self.model, hashes, self.embedder().dim)
        missing = [h for h in hashes if h not in cached]
        if missing:
            by_hash: dict[str, str] = {}
            unknown = set(missing)
            texts = self.store.chunk_texts([i for i in todo if wanted[i] in unknown])
            for row in texts.values():
                by_hash.setdefault(row["content_hash"], row["text"])
            batches = [missing[i : i + 256] for i in range(0, len(missing), 256)]
            for batch in progress(batches):
                matrix = self.embedder().embed_batch([by_hash[h] for h in batch])
                self.store.put_vectors(self.model, batch, matrix)
                cached.update(zip(batch, matrix, strict=True))
        if todo:
            vectors.add(np.array(todo, dtype=np.int64), np.stack([cached[wanted[i]] for i in todo]))
        return {"embedded": len(missing), "reused": len(hashes) - len(missing), "removed": len(gone)}

    def reindex(self, progress: Progress = lambda items: items) -> dict[str, int]:
        """Drop the saved vector index and rebuild it (after changing the model, say); the cache is kept."""
        with self._lock:
            shutil.rmtree(self.home / VECTOR_DIR, ignore_errors=True)
            self._vectors = None
            return self.sync(progress)

    def import_thesaurus(self, path: Path, source: str = "agrovoc") -> int:
        """Load an AGROVOC-style CSV into the store, replacing an earlier import of the same source."""
        rows = list(read_thesaurus_csv(path))
        self._set_thesaurus(source, rows)
        return len(rows)

    def forget_thesaurus(self, source: str = "agrovoc") -> None:
        """Remove an imported thesaurus."""
        self._set_thesaurus(source, [])

    def _set_thesaurus(self, source: str, rows: list[tuple[str, dict[str, list[str]]]]) -> None:
        self.store.replace_thesaurus(source, rows)
        self._lexicon = None
        self._results.clear()

    # --- searching -------------------------------------------------------------------------

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_queries([text])[0]

    def embed_queries(self, queries: list[str]) -> list[np.ndarray]:
        """The embeddings of several queries; those not cached are computed in one call."""
        missing = list(dict.fromkeys(q for q in queries if q not in self._qvecs))
        computed = dict(zip(missing, self.embedder().embed_batch(missing, query=True), strict=True)) if missing else {}
        found = {q: computed[q] if q in computed else self._qvecs[q] for q in queries}  # before any eviction
        return [self._remember(self._qvecs, q, found[q]) for q in queries]

    def forget_queries(self) -> None:
        """Empty the caches of repeated queries (benchmarks measure searches computed in full)."""
        self._results.clear()
        self._qvecs.clear()

    def _remember(self, cache: OrderedDict, key: Any, value: Any) -> Any:
        """Keep `value` under `key` in a least-recently-used cache of `config.query_cache` entries."""
        if self.config.query_cache:
            cache[key] = value
            cache.move_to_end(key)
            while len(cache) > self.config.query_cache:
                cache.popitem(last=False)
        return value

    def search(
        self,
        query: str,
        *,
        k: int = 10,
        lang: str | None = None,
        mode: str = "hybrid",
        filters: list[str] | dict[str, list[str]] | None = None,
        group_by: str | None = None,
        conditions: Conditions | None = None,
    ) -> SearchResult:
        """Search the knowledge base; filters are `key=value` strings or a mapping of lists.

        With `conditions` (a place: climate figures, a zone, a soil or coordinates) the most relevant results
        are ordered by how well their documented zones fit the place; unsuited practices are set apart.
        Raises ValueError (ZoneError) for bad filters or conditions.
        """
        request = SearchRequest(query, k, lang, mode, filters, group_by, conditions)
        result = self.search_many([request])[0]
        if isinstance(result, ValueError):
            raise result
        return result

    def search_many(self, requests: list[SearchRequest]) -> list[SearchResult | ValueError]:
        """Several searches, their query embeddings computed in one call (one forward pass with the model itself).

        The service batches the requests that arrive while a search runs. A request with bad filters or
        conditions gets its ValueError in its place; the others are answered.
        """
        indexes = self.indexes()
        catalog = indexes.catalog
        results: list[SearchResult | ValueError | None] = [None] * len(requests)
        pending: list[tuple[int, tuple, Searcher, Plan]] = []
        for i, r in enumerate(requests):
            try:
                parsed = parse_filters(r.filters or [])
                key = r.key(catalog.generation, parsed)
                if (cached := self._results.get(key)) is not None:
                    results[i] = self._remember(self._results, key, cached)
                    continue
                place = Place.of(r.conditions, self.config.zone_raster) if r.conditions else None
                searcher = Searcher(indexes)
                plan = searcher.prepare(
                    r.query, k=r.k, lang=r.lang, mode=r.mode, filters=parsed, group_by=r.group_by, place=place
                )
                pending.append((i, key, searcher, plan))
            except (QueryError, ZoneError) as exc:  # this request's fault; anything else is the server's
                results[i] = exc
        embedded = iter(self.embed_queries([plan.query.text for *_, plan in pending if plan.embed]))
        for i, key, searcher, plan in pending:
            qvec = next(embedded) if plan.embed else None
            result = searcher.finish(plan, qvec)
            for hit in (h for h in result.hits if h.page is None and _paged_members(catalog, h.family)):
                text = indexes.chunk_texts([hit.chunk_id]).get(hit.chunk_id)
                if text is not None and (found := self.page_in_family(hit.family, text["text"], catalog)) is not None:
                    hit.page, hit.paged_in = found[1], found[0]
            results[i] = self._remember(self._results, key, result)
        return cast(list[SearchResult | ValueError], results)  # every slot is filled above

    def page_in_family(self, family: str, text: str, catalog: Catalog | None = None) -> tuple[str, int] | None:
        """The paged rendering (a PDF) of a document read from another format, and its page that holds the start
        of `text`; None when the document has no paged rendering or the text is not found in it."""
        catalog = catalog or self.catalog()
        members = _paged_members(catalog, family)
        needle = _letters(text)[:60] if members else ""
        if len(needle) < 12:
            return None
        for member in members:
            for row in self.store.doc_chunks(member):
                if row["page"] is not None and needle in _letters(row["text"]):
                    return member, int(row["page"])
        return None


def _paged_members(catalog: Catalog, family: str) -> list[str]:
    """The members of a family of near-duplicates that are read from a paged format (PDF)."""
    members = catalog.members.get(family, ())
    return [m for m in members if len(members) > 1 and catalog.docs[m].metadata.get("format") == "pdf"]


def _letters(text: str) -> str:
    """Letters and digits only, lower case: the same text from a PDF and a DOCX compares equal."""
    return NOT_ALNUM.sub("", text.lower())
