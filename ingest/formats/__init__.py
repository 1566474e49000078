"""One parser per format: bytes + path in, parsed documents out. A new format is one line here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.formats.docx import parse_docx
from ingest.formats.html import parse_html
from ingest.formats.markdown import parse_markdown, parse_text
from ingest.formats.pdf import parse_pdf
from ingest.formats.wocat import parse_json
from ingest.records import ParsedDocument

Parser = Callable[[bytes, Path], list[ParsedDocument]]

PARSERS: dict[str, Parser] = {
    ".pdf": parse_pdf,
    ".docx": parse_docx,
    ".html": parse_html,
    ".htm": parse_html,
    ".md": parse_markdown,
    ".markdown": parse_markdown,
    ".txt": parse_text,
    ".text": parse_text,
    ".json": parse_json,
}


def parser_for(path: Path) -> Parser | None:
    return PARSERS.get(path.suffix.lower())
