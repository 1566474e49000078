"""The record model that parsers produce and the store keeps."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


class ParseError(ValueError):
    """A file cannot be turned into documents; the message says why, in plain words."""


@dataclass(slots=True)
class Unit:
    """A stretch of text that chunks never cross: a PDF page, a Markdown section, a WOCAT field group."""

    text: str
    page: int | None = None
    section: str | None = None
    lang: str | None = None


@dataclass(slots=True)
class ParsedDocument:
    """What a parser returns for one document found in a file."""

    key: str  # stable within the file: "" for one-document files, the record code otherwise
    title: str
    doc_type: str | None  # None = let the pipeline infer it
    units: list[Unit]
    source: str
    metadata: dict[str, Any] = field(default_factory=dict)
    languages: list[str] = field(default_factory=list)
    date: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return UNIT_SEPARATOR.join(u.text for u in self.units)


UNIT_SEPARATOR = "\n\n"


@dataclass(slots=True)
class Chunk:
    text: str
    doc_id: str
    ordinal: int
    start: int  # character offsets into the document text
    end: int
    page: int | None = None
    section: str | None = None
    lang: str | None = None
    title: str = ""

    @property
    def content_hash(self) -> str:
        return sha256_text(self.text)


@dataclass(slots=True)
class Document:
    id: str
    title: str
    doc_type: str
    languages: list[str]
    date: str | None
    source: str
    path: str
    metadata: dict[str, Any]
    content_hash: str
    text: str
    chunks: list[Chunk]
    minhash: bytes = b""
    format_rank: int = 0  # which rendering of a duplicated document is kept as canonical
    canonical_id: str | None = None


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
