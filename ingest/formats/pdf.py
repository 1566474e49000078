"""PDF: text per page with pypdf, page numbers kept for citation."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError

from ingest.formats.sections import first_line
from ingest.limits import limits
from ingest.records import ParsedDocument, ParseError, Unit

logging.getLogger("pypdf").setLevel(logging.ERROR)


def parse_pdf(data: bytes, path: Path) -> list[ParsedDocument]:
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise ParseError("not a PDF (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ParseError("password-protected PDF: cannot read it without the password")
        _check_pages(reader)
        pages = [page.extract_text() or "" for page in reader.pages]
    except (FileNotDecryptedError, NotImplementedError) as exc:
        raise ParseError(f"password-protected PDF: {exc}") from exc
    except ParseError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError) as exc:
        raise ParseError(f"unreadable PDF (truncated or damaged): {exc}") from exc
    warnings = []
    if not data.rstrip().endswith(b"%%EOF"):
        warnings.append("PDF does not end with %%EOF: the file may be truncated")
    units = [Unit(text=_clean(text), page=n) for n, text in enumerate(pages, start=1)]
    units = [u for u in units if u.text]
    if not units:
        raise ParseError("PDF has no extractable text (scanned pages?)")
    meta_title = ""
    try:
        meta_title = (reader.metadata.title or "").strip() if reader.metadata else ""
    except Exception:  # noqa: BLE001 - a broken info dictionary must not lose the text
        meta_title = ""
    title = meta_title or first_line(units[0].text) or path.stem
    return [
        ParsedDocument(
            key="",
            title=title,
            doc_type=None,
            units=units,
            source=path.name,
            metadata={"format": "pdf", "pages": len(pages)},
            warnings=warnings,
        )
    ]


def _check_pages(reader: PdfReader) -> None:
    """Refuse more pages than the limit before extracting any text: the declared count first, then the real one."""
    limit = limits().max_pages
    try:
        declared = int(reader.root_object["/Pages"]["/Count"])  # type: ignore[index]
    except Exception:  # noqa: BLE001 - a broken page tree is judged by counting its pages below
        declared = 0
    count = declared if declared > limit else len(reader.pages)
    if count > limit:
        raise ParseError(f"{count:,} pages, over the limit of {limit:,} (HUMUS_MAX_PAGES)")


def _clean(text: str) -> str:
    text = text.replace("\x00", "")
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
