"""The knowledge base: the one object the CLI, the API and eval/ use."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from index.models import resolve_model_dir
from index.store import Store
from ingest.chunking import ChunkSpec, spec_for_model
from ingest.pipeline import collect_files, file_hash, parse_file, read_file
from ingest.records import ParseError


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


class KnowledgeBase:
    """Documents and chunks under a home directory."""

    def __init__(self, home: Path, store: Store, model: str, max_file_bytes: int, chunk_overlap: int) -> None:
        self.home = home
        self.store = store
        self.model = model
        self.max_file_bytes = max_file_bytes
        self.chunk_overlap = chunk_overlap
        self._spec: ChunkSpec | None = None

    @classmethod
    def open(
        cls, home: Path, model: str = "all-MiniLM-L6-v2", max_file_bytes: int = 50_000_000, chunk_overlap: int = 32
    ) -> KnowledgeBase:
        return cls(home, Store.open(home), model, max_file_bytes, chunk_overlap)

    def close(self) -> None:
        self.store.close()

    @property
    def chunk_spec(self) -> ChunkSpec:
        if self._spec is None:
            self._spec = spec_for_model(str(resolve_model_dir(self.model)), self.chunk_overlap)
        return self._spec

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        prune: bool = False,
        doc_type: str | None = None,
        on_file: Callable[[FileResult], None] | None = None,
        progress: Callable[[Iterable[Path]], Iterable[Path]] = lambda files: files,
    ) -> IngestReport:
        """Read files and folders into the store, incrementally by content hash."""
        report = IngestReport(run_id=uuid.uuid4().hex[:12])
        found = collect_files(paths)
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
                if not Path(stored).exists():
                    report.pruned += self.store.remove_file(stored)
                    self.store.log(report.run_id, stored, "pruned")
        return report

    def _ingest_one(self, path: Path, doc_type: str | None) -> FileResult:
        key = str(path.resolve())
        try:
            data = read_file(path, self.max_file_bytes)
            digest = file_hash(data)
            if self.store.file_hash(key) == digest and doc_type is None:
                return FileResult(str(path), "unchanged")
            documents = parse_file(path, data, self.chunk_spec, doc_type)
        except ParseError as exc:
            return FileResult(str(path), "failed", str(exc))
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the run
            return FileResult(str(path), "failed", f"unexpected error: {type(exc).__name__}: {exc}")
        written = self.store.replace_file(key, digest, len(data), documents)
        warnings = sorted({w for d in documents for w in d.metadata.get("warnings", [])})
        return FileResult(str(path), "ingested", documents=written, warnings=warnings)
