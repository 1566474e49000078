"""The document store: one SQLite database (WAL) under the home directory.

Each file is written in one transaction, so a crash or SIGKILL mid-ingest leaves the
previous state intact: the file being written is simply absent from the store.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ingest.dedup import NUM_PERM
from ingest.records import Chunk, Document

SCHEMA_VERSION = 1
DB_NAME = "humus.db"
DUPLICATE_JACCARD = 0.5  # measured: renderings of one talk score 0.61-1.0, distinct documents <= 0.05

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    ingested_at TEXT NOT NULL,
    doc_type TEXT  -- the type it was read as when one was forced (`--type`), so that reading it again keeps it
);
-- every document id a file yields, whether the store keeps that file's copy or another file's (the same practice
-- sheet or WOCAT record in two files): what to read again when the kept copy goes
CREATE TABLE IF NOT EXISTS file_docs (
    path TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    PRIMARY KEY (path, doc_id)
);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    languages TEXT NOT NULL,
    date TEXT,
    source TEXT NOT NULL,
    metadata TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    text TEXT NOT NULL,
    minhash BLOB NOT NULL,
    format_rank INTEGER NOT NULL,
    canonical_id TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_path ON documents(path);
CREATE INDEX IF NOT EXISTS documents_canonical ON documents(canonical_id);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    page INTEGER,
    section TEXT,
    lang TEXT,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    content_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS chunk_terms (
    chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
    terms TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS doc_tags (
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    facet TEXT NOT NULL,
    value TEXT NOT NULL,
    basis TEXT NOT NULL,
    PRIMARY KEY (doc_id, facet, value)
);
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, content_hash)
);
CREATE TABLE IF NOT EXISTS thesaurus (
    source TEXT NOT NULL,
    code TEXT NOT NULL,
    labels TEXT NOT NULL,
    PRIMARY KEY (source, code)
);
CREATE TABLE IF NOT EXISTS ingest_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    at TEXT NOT NULL,
    path TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT
);
"""


class WriteLock:
    """One writer at a time per home: an advisory lock on a file (released by the kernel if the process dies).
    Re-entrant within one object."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._depth = 0

    def acquire(self, blocking: bool = True) -> bool:
        if self._depth == 0:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                os.close(fd)
                return False
            self._fd = fd
        self._depth += 1
        return True

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None

    def __enter__(self) -> WriteLock:
        self.acquire()
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


class StoreError(RuntimeError):
    """The store cannot be opened as it is; the message says what to run."""


@dataclass(frozen=True, slots=True)
class StoredDocument:
    id: str
    path: str
    title: str
    doc_type: str
    languages: list[str]
    date: str | None
    source: str
    metadata: dict[str, Any]
    content_hash: str
    canonical_id: str | None

    @property
    def is_canonical(self) -> bool:
        return self.canonical_id is None


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """Documents, chunks, file hashes and the ingestion log."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, home: Path) -> Store:
        home.mkdir(parents=True, exist_ok=True)
        path = home / DB_NAME
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=10000")
        conn.executescript(SCHEMA)
        if "doc_type" not in {r["name"] for r in conn.execute("PRAGMA table_info(files)")}:  # a store made before it
            conn.execute("ALTER TABLE files ADD COLUMN doc_type TEXT")
        row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is None:
            conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row["value"]) != SCHEMA_VERSION:
            conn.close()
            raise StoreError(
                f"{path} has schema version {row['value']}, this Humus reads version {SCHEMA_VERSION}: "
                f"move it aside and run `humus ingest` again to rebuild it"
            )
        return cls(conn, path)

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self, content: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction; `content` writes move the generation that derived indexes compare with."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
            if content:
                self.conn.execute(
                    "INSERT INTO meta VALUES ('generation', '1') "
                    "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
                )
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads inside see one state of the store, whatever a writer commits meanwhile (WAL)."""
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            self.conn.execute("COMMIT")

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction(content=False) as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def generation(self) -> int:
        row = self.conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row["value"]) if row else 0

    # --- files ---------------------------------------------------------------------------

    def file_hash(self, path: str) -> str | None:
        row = self.conn.execute("SELECT content_hash FROM files WHERE path=?", (path,)).fetchone()
        return row["content_hash"] if row else None

    def file_paths(self) -> list[str]:
        return [r["path"] for r in self.conn.execute("SELECT path FROM files ORDER BY path")]

    def file_doc_type(self, path: str) -> str | None:
        """The document type a file was last read as by force (`--type`); None when it was inferred."""
        row = self.conn.execute("SELECT doc_type FROM files WHERE path=?", (path,)).fetchone()
        return row["doc_type"] if row else None

    def replace_file(
        self, path: str, content_hash: str, size: int, documents: list[Document], doc_type: str | None = None
    ) -> list[str]:
        """Swap a file's documents for new ones in one transaction; returns the ids written. `doc_type` is the type
        forced on the file, if any."""
        with self.transaction() as db:
            self._delete_path(db, path)
            written = []
            for doc in documents:
                if self._insert(db, doc):
                    written.append(doc.id)
            db.execute(
                "INSERT OR REPLACE INTO files (path, content_hash, size, ingested_at, doc_type) VALUES (?, ?, ?, ?, ?)",
                (path, content_hash, size, now(), doc_type),
            )
            db.executemany("INSERT OR IGNORE INTO file_docs VALUES (?, ?)", [(path, d.id) for d in documents])
        return written

    def remove_file(self, path: str) -> int:
        """Forget a file and its documents; returns how many documents went."""
        with self.transaction() as db:
            n = self._delete_path(db, path)
            db.execute("DELETE FROM files WHERE path=?", (path,))
        return n

    def document_paths(self, ids: list[str]) -> dict[str, str]:
        """The file each of these documents was read from, for those the store holds in full (not a WOCAT list
        page's stub of a record)."""
        rows = self._rows_in("SELECT id, path, metadata FROM documents WHERE id IN ({marks})", ids)
        return {r["id"]: r["path"] for r in rows if not json.loads(r["metadata"]).get("stub")}

    def files_missing_documents(self) -> list[str]:
        """Stored files that yield a document the store no longer holds: its copy came from another file, which
        has since been removed or changed."""
        rows = self.conn.execute(
            "SELECT DISTINCT path FROM file_docs f WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = f.doc_id)"
            " ORDER BY path"
        )
        return [r["path"] for r in rows]

    # --- documents -----------------------------------------------------------------------

    def _insert(self, db: sqlite3.Connection, doc: Document) -> bool:
        existing = db.execute("SELECT path, metadata FROM documents WHERE id=?", (doc.id,)).fetchone()
        if existing is not None:
            # the same record from another file (a WOCAT list page and its detail): the full record wins
            if doc.metadata.get("stub") and not json.loads(existing["metadata"]).get("stub"):
                return False
            self._delete_ids(db, [doc.id])
        db.execute(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,NULL,?)",
            (
                doc.id,
                doc.path,
                doc.title,
                doc.doc_type,
                json.dumps(doc.languages),
                doc.date,
                doc.source,
                json.dumps(doc.metadata, ensure_ascii=False),
                doc.content_hash,
                doc.text,
                doc.minhash,
                doc.format_rank,
                now(),
            ),
        )
        db.executemany(
            "INSERT INTO chunks (doc_id, ordinal, text, page, section, lang, char_start, char_end, content_hash)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (c.doc_id, c.ordinal, c.text, c.page, c.section, c.lang, c.start, c.end, c.content_hash)
                for c in doc.chunks
            ],
        )
        self._link_duplicates(db, doc.id, doc.minhash)
        return True

    def _delete_path(self, db: sqlite3.Connection, path: str) -> int:
        db.execute("DELETE FROM file_docs WHERE path=?", (path,))
        ids = [r["id"] for r in db.execute("SELECT id FROM documents WHERE path=?", (path,))]
        self._delete_ids(db, ids)
        return len(ids)

    def _delete_ids(self, db: sqlite3.Connection, ids: list[str]) -> None:
        for doc_id in ids:
            orphans = [r["id"] for r in db.execute("SELECT id FROM documents WHERE canonical_id=?", (doc_id,))]
            db.execute("DELETE FROM documents WHERE id=?", (doc_id,))
            if orphans:  # a canonical document went: the best of its alternates takes over
                self._set_cluster(db, orphans)

    # --- near-duplicates -----------------------------------------------------------------

    def _link_duplicates(self, db: sqlite3.Connection, doc_id: str, minhash: bytes) -> None:
        rows = db.execute(
            "SELECT id, canonical_id, minhash FROM documents WHERE id != ? AND length(minhash) = ?",
            (doc_id, len(minhash)),
        ).fetchall()
        if not rows or not minhash:
            return
        mine = np.frombuffer(minhash, dtype=np.uint64)
        others = np.frombuffer(b"".join(r["minhash"] for r in rows), dtype=np.uint64).reshape(len(rows), NUM_PERM)
        similar = np.flatnonzero((others == mine).mean(axis=1) >= DUPLICATE_JACCARD)
        if not len(similar):
            return
        roots = {rows[i]["canonical_id"] or rows[i]["id"] for i in similar}
        members = {doc_id, *roots}
        for root in roots:
            members.update(r["id"] for r in db.execute("SELECT id FROM documents WHERE canonical_id=?", (root,)))
        self._set_cluster(db, sorted(members))

    def _set_cluster(self, db: sqlite3.Connection, ids: list[str]) -> None:
        """The richest rendering (best format, then longest text) is canonical; the others are alternates."""
        marks = ",".join("?" * len(ids))
        rows = db.execute(
            f"SELECT id FROM documents WHERE id IN ({marks}) ORDER BY format_rank DESC, length(text) DESC, id",  # noqa: S608
            ids,
        ).fetchall()
        if not rows:
            return
        canonical = rows[0]["id"]
        db.execute(f"UPDATE documents SET canonical_id=? WHERE id IN ({marks})", [canonical, *ids])  # noqa: S608
        db.execute("UPDATE documents SET canonical_id=NULL WHERE id=?", (canonical,))

    # --- reading -------------------------------------------------------------------------

    def documents(self, canonical_only: bool = False) -> list[StoredDocument]:
        where = " WHERE canonical_id IS NULL" if canonical_only else ""
        rows = self.conn.execute(f"SELECT * FROM documents{where} ORDER BY id")  # noqa: S608
        return [_stored(r) for r in rows]

    def document(self, doc_id: str) -> StoredDocument | None:
        row = self.conn.execute("SELECT * FROM documents WHERE id=?", (doc_id,)).fetchone()
        return _stored(row) if row else None

    def document_text(self, doc_id: str) -> str:
        row = self.conn.execute("SELECT text FROM documents WHERE id=?", (doc_id,)).fetchone()
        return row["text"] if row else ""

    def alternates(self, doc_id: str) -> list[str]:
        rows = self.conn.execute("SELECT id FROM documents WHERE canonical_id=? ORDER BY id", (doc_id,))
        return [r["id"] for r in rows]

    def chunks(self, doc_id: str) -> list[Chunk]:
        rows = self.conn.execute(
            "SELECT c.*, d.title FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE doc_id=? ORDER BY ordinal",
            (doc_id,),
        )
        return [
            Chunk(
                text=r["text"],
                doc_id=r["doc_id"],
                ordinal=r["ordinal"],
                start=r["char_start"],
                end=r["char_end"],
                page=r["page"],
                section=r["section"],
                lang=r["lang"],
                title=r["title"],
            )
            for r in rows
        ]

    def counts(self) -> dict[str, int]:
        one = self.conn.execute
        return {
            "files": one("SELECT count(*) FROM files").fetchone()[0],
            "documents": one("SELECT count(*) FROM documents").fetchone()[0],
            "canonical_documents": one("SELECT count(*) FROM documents WHERE canonical_id IS NULL").fetchone()[0],
            "chunks": one("SELECT count(*) FROM chunks").fetchone()[0],
        }

    # --- what the search indexes are built from -------------------------------------------

    def chunk_table(self) -> list[sqlite3.Row]:
        """id, doc_id, lang, section and content hash of every chunk, in id order."""
        return self.conn.execute("SELECT id, doc_id, lang, section, content_hash FROM chunks ORDER BY id").fetchall()

    def _rows_in(self, sql: str, values: list, *params: object) -> Iterator[sqlite3.Row]:
        """Run `sql` (with `{marks}` for an IN list) over `values` in slices SQLite accepts."""
        for start in range(0, len(values), 500):
            part = values[start : start + 500]
            yield from self.conn.execute(sql.format(marks=",".join("?" * len(part))), [*params, *part])

    def chunk_texts(self, ids: list[int]) -> dict[int, sqlite3.Row]:
        return {row["id"]: row for row in self._rows_in("SELECT * FROM chunks WHERE id IN ({marks})", ids)}

    def doc_chunks(self, doc_id: str) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM chunks WHERE doc_id=? ORDER BY ordinal", (doc_id,)).fetchall()

    def chunks_without_terms(self) -> list[int]:
        sql = "SELECT id FROM chunks WHERE id NOT IN (SELECT chunk_id FROM chunk_terms) ORDER BY id"
        return [r[0] for r in self.conn.execute(sql)]

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row["value"] if row else None

    def reset_chunk_terms(self, version: str) -> None:
        """Forget all analysed terms (the analysis changed); they are recomputed from the chunks."""
        with self.transaction(content=False) as db:
            db.execute("DELETE FROM chunk_terms")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('terms_version', ?)", (version,))

    def reset_doc_tags(self, version: str) -> None:
        """Forget derived document tags (the tagging changed); they are recomputed."""
        with self.transaction(content=False) as db:
            db.execute("DELETE FROM doc_tags")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('tags_version', ?)", (version,))

    def documents_without_tags(self) -> list[str]:
        sql = "SELECT id FROM documents WHERE id NOT IN (SELECT doc_id FROM doc_tags) ORDER BY id"
        return [r[0] for r in self.conn.execute(sql)]

    def put_doc_tags(self, tags: dict[str, list[tuple[str, str, str]]]) -> None:
        """(facet, value, basis) per document; a document with no tag gets a `-` row so it is not redone."""
        rows = [(d, f, v, b) for d, items in tags.items() for f, v, b in (items or [("-", "-", "-")])]
        with self.transaction(content=False) as db:
            db.executemany(
                "INSERT OR REPLACE INTO doc_tags SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM documents WHERE id=?)",
                [(*r, r[0]) for r in rows],
            )

    def doc_tags(self) -> dict[str, list[tuple[str, str, str]]]:
        out: dict[str, list[tuple[str, str, str]]] = {}
        for r in self.conn.execute("SELECT doc_id, facet, value, basis FROM doc_tags WHERE facet != '-'"):
            out.setdefault(r[0], []).append((r[1], r[2], r[3]))
        return out

    def concept_mentions(self, doc_ids: list[str]) -> dict[str, dict[str, int]]:
        """How often each glossary concept (`@id` terms) occurs in each document's chunks."""
        out: dict[str, dict[str, int]] = {d: {} for d in doc_ids}
        sql = (
            "SELECT c.doc_id, t.terms FROM chunks c JOIN chunk_terms t ON t.chunk_id = c.id WHERE c.doc_id IN ({marks})"
        )
        for row in self._rows_in(sql, doc_ids):
            counts = out[row[0]]
            for t in row[1].split():
                if t.startswith("@"):
                    counts[t[1:]] = counts.get(t[1:], 0) + 1
        return out

    def terms_of_chunks(self, chunk_ids: list[int]) -> dict[int, set[str]]:
        """The stored index terms of some chunks."""
        sql = "SELECT chunk_id, terms FROM chunk_terms WHERE chunk_id IN ({marks})"
        return {r[0]: set(r[1].split()) for r in self._rows_in(sql, chunk_ids)}

    def chunk_terms(self) -> dict[int, list[str]]:
        return {r[0]: r[1].split() for r in self.conn.execute("SELECT chunk_id, terms FROM chunk_terms")}

    def put_chunk_terms(self, rows: list[tuple[int, list[str]]]) -> None:
        with self.transaction(content=False) as db:
            db.executemany(
                "INSERT OR REPLACE INTO chunk_terms SELECT ?, ? WHERE EXISTS (SELECT 1 FROM chunks WHERE id=?)",
                [(cid, " ".join(terms), cid) for cid, terms in rows],
            )

    def cached_vectors(self, model: str, hashes: list[str], dim: int) -> dict[str, np.ndarray]:
        sql = "SELECT content_hash, vector FROM embeddings WHERE model=? AND content_hash IN ({marks})"
        vectors = {h: np.frombuffer(blob, dtype=np.float32) for h, blob in self._rows_in(sql, hashes, model)}
        return {h: v for h, v in vectors.items() if v.size == dim}

    def put_vectors(self, model: str, hashes: list[str], vectors: np.ndarray) -> None:
        with self.transaction(content=False) as db:
            db.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                [(model, h, v.astype(np.float32).tobytes()) for h, v in zip(hashes, vectors, strict=True)],
            )

    # --- thesauri (AGROVOC and the like, imported by the user) -----------------------------

    def replace_thesaurus(self, source: str, rows: list[tuple[str, dict[str, list[str]]]]) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM thesaurus WHERE source=?", (source,))
            db.executemany(
                "INSERT OR REPLACE INTO thesaurus VALUES (?, ?, ?)",
                [(source, code, json.dumps(labels, ensure_ascii=False)) for code, labels in rows],
            )

    def thesaurus(self) -> Iterator[dict[str, list[str]]]:
        for row in self.conn.execute("SELECT labels FROM thesaurus ORDER BY source, code"):
            yield json.loads(row[0])

    # --- log -----------------------------------------------------------------------------

    def log(self, run_id: str, path: str, status: str, message: str | None = None) -> None:
        self.conn.execute(
            "INSERT INTO ingest_log (run_id, at, path, status, message) VALUES (?,?,?,?,?)",
            (run_id, now(), path, status, message),
        )


def _stored(row: sqlite3.Row) -> StoredDocument:
    return StoredDocument(
        id=row["id"],
        path=row["path"],
        title=row["title"],
        doc_type=row["doc_type"],
        languages=json.loads(row["languages"]),
        date=row["date"],
        source=row["source"],
        metadata=json.loads(row["metadata"]),
        content_hash=row["content_hash"],
        canonical_id=row["canonical_id"],
    )
