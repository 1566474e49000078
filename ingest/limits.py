"""How much one file may cost to read: the budgets every parser and the chunker respect.

Cheap limits are checked where the cost arises (inflated DOCX parts, HTML nesting, YAML aliases, pages, chunks);
the time and memory budgets are enforced around the whole parse by the worker process (ingest/worker.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = 50_000_000  # a file, and the inflated parts of a DOCX (HUMUS_MAX_FILE_MB)
    max_pages: int = 2_000  # PDF pages (HUMUS_MAX_PAGES)
    max_chunks: int = 2_000  # chunks of one file (HUMUS_MAX_CHUNKS)
    max_depth: int = 256  # nesting of HTML elements
    parse_seconds: float = 60.0  # wall time to parse one file (HUMUS_PARSE_SECONDS)
    parse_memory_mb: int = 1_024  # resident memory of the parse worker (HUMUS_PARSE_MEMORY_MB)


_current = Limits()


def limits() -> Limits:
    """The limits in force in this process."""
    return _current


def set_limits(value: Limits) -> None:
    global _current
    _current = value
