"""DOCX: paragraphs and tables with python-docx; headings give the section path."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph

from ingest.formats.sections import blocks_to_units, first_line
from ingest.limits import limits
from ingest.records import ParsedDocument, ParseError


def parse_docx(data: bytes, path: Path) -> list[ParsedDocument]:
    if not data.startswith(b"PK"):
        raise ParseError("not a DOCX file (not a zip archive)")
    try:
        _check_inflated_size(data)
        document = docx.Document(io.BytesIO(data))
    except ParseError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ParseError(f"unreadable DOCX (damaged or not a Word document): {exc}") from exc
    units, first_heading = blocks_to_units(_blocks(document))
    if not units:
        raise ParseError("DOCX has no text")
    title = (document.core_properties.title or "").strip() or first_heading or first_line(units[0].text) or path.stem
    return [
        ParsedDocument(
            key="",
            title=title,
            doc_type=None,
            units=units,
            source=path.name,
            metadata={"format": "docx"},
        )
    ]


def _check_inflated_size(data: bytes) -> None:
    """Refuse a DOCX whose parts would inflate past the file size limit (a zip bomb), before reading any."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        inflated = sum(info.file_size for info in archive.infolist())
    limit = limits().max_bytes
    if inflated > limit:
        raise ParseError(
            f"DOCX parts inflate to {inflated / 1e6:,.1f} MB, over the {limit / 1e6:g} MB limit (HUMUS_MAX_FILE_MB)"
        )


def _blocks(document: DocxDocument):  # noqa: ANN202 - generator of (level, text)
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            yield _level(item), item.text
        elif isinstance(item, Table):
            for row in item.rows:
                cells: list[str] = []
                for cell in row.cells:
                    text = cell.text.strip()
                    if text and (not cells or cells[-1] != text):
                        cells.append(text)
                yield 0, " | ".join(cells)


def _level(paragraph: Paragraph) -> int:
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    if name == "Title":
        return 1
    match = re.match(r"Heading (\d)", name)
    return int(match.group(1)) if match else 0
