"""DOCX: paragraphs and tables with python-docx; headings give the section path."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
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
    marker = _list_markers(document)
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            level = _level(item)
            yield level, item.text if level else marker(item) + item.text
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


def _list_markers(document: DocxDocument) -> Callable[[Paragraph], str]:
    """The marker a list paragraph shows, as Word draws it from the list's level text ("3.", "c)", "1.2."): items
    counted per list and level from their start; "- " for a bullet; "" for a paragraph in no list. A heading numbered
    in a list ("3. Core Facility III") and the bullets under it then read as in the document."""
    levels: dict[tuple[str, int], tuple[str, str, int]] = {}  # (numId, ilvl) → (format, level text, start)
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError):  # no numbering part: no lists
        numbering = None
    if numbering is not None:
        abstract = {a.get(qn("w:abstractNumId")): a for a in numbering.findall(qn("w:abstractNum"))}
        for num in numbering.findall(qn("w:num")):
            definition = abstract.get(_val(num.find(qn("w:abstractNumId"))))
            overrides = num.findall(qn("w:lvlOverride"))
            starts = {o.get(qn("w:ilvl")): _val(o.find(qn("w:startOverride"))) for o in overrides}
            for lvl in definition.findall(qn("w:lvl")) if definition is not None else []:
                ilvl = lvl.get(qn("w:ilvl")) or "0"
                start = starts.get(ilvl) or _val(lvl.find(qn("w:start"))) or "1"
                kind, text = _val(lvl.find(qn("w:numFmt"))) or "", _val(lvl.find(qn("w:lvlText"))) or ""
                levels[(num.get(qn("w:numId")) or "", int(ilvl))] = (kind, text, int(start) if start.isdigit() else 1)
    counts: dict[tuple[str, int], int] = {}

    def marker(paragraph: Paragraph) -> str:
        numbered = _numbering(paragraph)
        if numbered is None:
            return ""
        num, ilvl = numbered
        kind, text, start = levels.get((num, ilvl), ("bullet", "", 1))
        if kind in ("bullet", "none", "") or "%" not in text:
            return "- "
        counts[(num, ilvl)] = counts.get((num, ilvl), start - 1) + 1
        for deeper in [key for key in counts if key[0] == num and key[1] > ilvl]:
            del counts[deeper]  # a sub-list starts again under each item
        for level in range(ilvl + 1):
            fmt = levels.get((num, level), ("decimal", "", 1))[0]
            text = text.replace(f"%{level + 1}", _numeral(counts.get((num, level), 1), fmt))
        return f"{text} "

    return marker


def _numbering(paragraph: Paragraph) -> tuple[str, int] | None:
    """(list id, level) of a paragraph in a list, set on the paragraph or by its style ("List Bullet"); None for a
    paragraph in no list (list id 0 takes a style's list away)."""
    found: list[Any] = [paragraph._p.pPr]  # python-docx's element properties are not typed
    style = paragraph.style
    while style is not None:
        found.append(style.element.pPr)
        style = style.base_style
    for props in found:
        numbered: Any = props.numPr if props is not None else None
        if numbered is not None and numbered.numId is not None:
            ilvl = numbered.ilvl.val if numbered.ilvl is not None else 0
            return (str(numbered.numId.val), int(ilvl)) if numbered.numId.val else None
    return None


def _numeral(n: int, fmt: str) -> str:
    """An item's number in a list's format: 3 → "3", "c", "C", "iii", "III"."""
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        numerals = ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
        out = ""
        for value, symbol in numerals:
            while n >= value:
                out, n = out + symbol, n - value
        return out.upper() if fmt == "upperRoman" else out
    return str(n)


def _val(element: Any) -> str | None:
    return element.get(qn("w:val")) if element is not None else None
