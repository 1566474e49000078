"""From paths on disk to complete documents (parsed, typed, dated, language-tagged, chunked)."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunking import ChunkSpec, chunk_document
from ingest.dedup import signature, to_bytes
from ingest.doctype import infer_doc_type
from ingest.formats import PARSERS, parser_for
from ingest.records import Document, ParsedDocument, ParseError, sha256_text
from ingest.text import detect_language, document_languages, find_date
from ingest.vocab import DOC_TYPES

# Which rendering of a duplicated document is kept: the original publication (pages to cite) first.
FORMAT_RANK = {"pdf": 5, "docx": 4, "practice": 4, "wocat": 4, "html": 3, "markdown": 3, "text": 1}


@dataclass(slots=True)
class FileSet:
    files: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # in folders, formats Humus does not read
    skipped_links: list[tuple[Path, str]] = field(default_factory=list)  # (link, why it was not followed)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (printable path, why): bad names, unreadable folders


def collect_files(paths: Iterable[Path]) -> FileSet:
    """Files named directly, and the supported files inside folders (hidden entries skipped).

    Inside folders, symbolic links to folders are not followed and links to files outside the folder are skipped.
    """
    found = FileSet()
    for path in paths:
        if not _printable_name(path, found):
            continue
        if not path.is_dir():
            found.files.append(path)
            continue
        files: list[Path] = []
        for child in _walk(path, found):
            if not _printable_name(child, found):
                continue
            if child.is_symlink() and child.exists() and not _inside(child, path):
                found.skipped_links.append((child, f"symbolic link leads outside {path}: skipped"))
            elif child.suffix.lower() in PARSERS:
                files.append(child)
            else:
                found.skipped.append(child)
        found.files.extend(files)
    return found


def _walk(folder: Path, found: FileSet) -> list[Path]:
    """Non-hidden entries below `folder` that are not folders, without following links to folders (no loops)."""
    entries: list[Path] = []
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as listing:
                children = [entry for entry in listing if not entry.name.startswith(".")]
        except OSError as exc:
            found.failed.append((_shown(current), f"cannot read folder: {exc.strerror or exc}"))
            continue
        for entry in children:
            child = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                pending.append(child)
            elif entry.is_symlink() and child.is_dir():  # is_dir is False for a link loop
                found.skipped_links.append((child, "symbolic link to a folder: not followed"))
            else:
                entries.append(child)
    return sorted(entries)


def _inside(link: Path, folder: Path) -> bool:
    return link.resolve().is_relative_to(folder.resolve())


def _shown(path: Path) -> str:
    """The path as text that can always be printed: bytes that are not UTF-8 written as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _printable_name(path: Path, found: FileSet) -> bool:
    """False (and the path recorded as failed) when its name is not valid UTF-8."""
    try:
        os.fsencode(path).decode("utf-8")
    except UnicodeDecodeError:
        found.failed.append((_shown(path), "file name is not valid UTF-8: rename the file"))
        return False
    return True


def read_file(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, or a ParseError that says plainly why not."""
    try:
        if not path.exists():
            if path.is_symlink():
                loop = _is_link_loop(path)
                raise ParseError(
                    "cannot read: " + ("symbolic link loop" if loop else "file not found (broken symbolic link)")
                )
            raise ParseError("cannot read: file not found")
        if not path.is_file():
            raise ParseError("cannot read: not a regular file")
        size = path.stat().st_size
        if size > max_bytes:
            raise ParseError(f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB limit (HUMUS_MAX_FILE_MB)")
        return path.read_bytes()
    except PermissionError as exc:
        raise ParseError("cannot read: permission denied") from exc
    except OSError as exc:
        raise ParseError(f"cannot read: {exc.strerror or exc}") from exc


def _is_link_loop(path: Path) -> bool:
    try:
        path.stat()
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


# What the readers extract: bump it when a reader extracts more or differently (as the WOCAT fields of
# version 2), or when the store records more of what a file yields (version 3: every document id of a file,
# see `Store.files_missing_documents`; version 4: a DOCX list item keeps its marker, "- " or "3."), so that a store
# re-reads every file once on its next ingest instead of keeping what an older reader made of it. Chunks whose text
# did not change keep their vectors (cached by content).
READERS_VERSION = 4


def file_hash(data: bytes) -> str:
    """A file's identity for incremental ingest: its bytes and the readers' version."""
    return f"{hashlib.sha256(data).hexdigest()}:r{READERS_VERSION}"


def doc_id_for(path: Path, parsed: ParsedDocument) -> str:
    """Stable ids: practice id + language, WOCAT code, or the file's name plus a hash of its path."""
    if parsed.doc_type == "practice":
        return f"practice:{parsed.metadata['practice_id']}:{parsed.languages[0]}"
    if parsed.doc_type == "wocat":
        return f"wocat:{parsed.key}"
    stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "doc"
    digest = hashlib.sha1(str(path.resolve()).encode(), usedforsecurity=False).hexdigest()[:8]
    suffix = f"-{parsed.key}" if parsed.key else ""
    return f"file:{stem}-{digest}{suffix}"


def parse_file(path: Path, data: bytes, spec: ChunkSpec, doc_type: str | None = None) -> list[Document]:
    """Parse one file into documents. Raises ParseError with the reason when it cannot."""
    parser = parser_for(path)
    if parser is None:
        raise ParseError(f"unsupported file type '{path.suffix or path.name}'")
    if doc_type is not None and doc_type not in DOC_TYPES:
        raise ParseError(f"unknown document type {doc_type!r} (one of {', '.join(DOC_TYPES)})")
    return [build_document(path, parsed, spec, doc_type) for parsed in parser(data, path)]


def build_document(path: Path, parsed: ParsedDocument, spec: ChunkSpec, doc_type: str | None) -> Document:
    for unit in parsed.units:
        if unit.lang is None:
            unit.lang = detect_language(unit.text)
    languages = parsed.languages or document_languages([(u.lang, len(u.text)) for u in parsed.units])
    parsed.languages = languages
    kind = doc_type or parsed.doc_type or infer_doc_type(parsed, path.name)
    doc_id = doc_id_for(path, parsed)
    text = parsed.text
    fmt = str(parsed.metadata.get("format", ""))
    metadata = {
        **parsed.metadata,
        "doc_type_source": "override" if doc_type else ("explicit" if parsed.doc_type else "inferred"),
    }
    if parsed.warnings:
        metadata["warnings"] = parsed.warnings
    return Document(
        id=doc_id,
        title=parsed.title,
        doc_type=kind,
        languages=languages,
        date=parsed.date or find_date(text),
        source=parsed.source,
        path=str(path.resolve()),
        metadata=metadata,
        content_hash=sha256_text(json.dumps([[u.page, u.section, u.text] for u in parsed.units], ensure_ascii=False)),
        text=text,
        chunks=chunk_document(parsed, doc_id, spec),
        minhash=to_bytes(signature(text)),
        format_rank=FORMAT_RANK.get(fmt, 0),
    )
