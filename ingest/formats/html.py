"""HTML: the main content only, with headings as sections."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, ProcessingInstruction, Tag

from ingest.formats.sections import blocks_to_units
from ingest.records import ParsedDocument, ParseError
from ingest.text import decode

DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "iframe",
    "form",
    "button",
    "nav",
    "header",
    "footer",
    "aside",
    "dialog",
)
BOILERPLATE = re.compile(
    r"cookie|consent|gdpr|banner|navbar|nav-|menu|breadcrumb|sidebar|footer|header|share|social|"
    r"newsletter|subscribe|popup|modal|advert|promo",
    re.I,
)
BLOCK_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "td", "th", "dt", "dd", "figcaption")


def parse_html(data: bytes, path: Path) -> list[ParsedDocument]:
    text, warning = decode(data, path.name)
    soup = BeautifulSoup(text, "html.parser")
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    lang = (soup.html.get("lang") if soup.html else None) or None
    for tag in soup(DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(_is_boilerplate):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.find(attrs={"role": "main"}) or soup.body or soup
    units, first_heading = blocks_to_units(_blocks(root))
    if not units:
        raise ParseError("HTML page has no text content (only scripts, styles or navigation)")
    h1 = root.find("h1")
    title = (h1.get_text(" ", strip=True) if h1 else "") or first_heading or page_title or path.stem
    return [
        ParsedDocument(
            key="",
            title=title,
            doc_type="web_page",
            units=units,
            source=path.name,
            metadata={"format": "html", "page_title": page_title, "declared_lang": lang},
            warnings=[warning] if warning else [],
        )
    ]


def _is_boilerplate(tag: Tag) -> bool:
    if not isinstance(tag, Tag) or tag.name in ("html", "body", "main", "article"):
        return False
    attrs = " ".join([tag.get("id") or "", " ".join(tag.get("class") or []), tag.get("role") or ""])
    return bool(attrs.strip()) and bool(BOILERPLATE.search(attrs))


def _blocks(node: Tag):  # noqa: ANN202 - generator of (level, text), in document order
    for child in node.children:
        if isinstance(child, Comment | Doctype | ProcessingInstruction):
            continue
        if isinstance(child, NavigableString):
            if child.strip():
                yield 0, child.strip()
            continue
        if not isinstance(child, Tag):
            continue
        if child.find(BLOCK_TAGS):  # a container (or a list item holding paragraphs): go inside
            yield from _blocks(child)
            continue
        text = child.get_text(" ", strip=True)
        if text:
            yield (int(child.name[1]) if re.fullmatch(r"h[1-6]", child.name) else 0), text
