"""HTML: the main content only, with headings as sections."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, ProcessingInstruction, Tag

from ingest.formats.sections import blocks_to_units
from ingest.limits import limits
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
# Elements that never hold others, and those a sibling of the same name closes (<p>a<p>b are two paragraphs).
VOID_TAGS = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr")
)
SELF_CLOSING_SIBLINGS = frozenset(("p", "li", "dt", "dd", "tr", "td", "th", "option"))
BLOCK_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "td", "th", "dt", "dd", "figcaption")


def parse_html(data: bytes, path: Path) -> list[ParsedDocument]:
    text, warning = decode(data, path.name)
    limit = limits().max_depth
    if too_deep(text, limit):
        raise ParseError(f"HTML elements are nested more than {limit} deep, too deep to read")
    soup = BeautifulSoup(text, "html.parser")
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    lang = (soup.html.get("lang") if soup.html else None) or None
    for tag in soup(DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(_is_boilerplate):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.find(None, {"role": "main"}) or soup.body or soup
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
    attrs = " ".join([str(tag.get("id") or ""), " ".join(tag.get("class") or []), str(tag.get("role") or "")])
    return bool(attrs.strip()) and bool(BOILERPLATE.search(attrs))


class _TooDeepError(Exception):
    pass


class _DepthScan(HTMLParser):
    """Follows which elements are open, without building a tree; stops as soon as they nest deeper than `limit`."""

    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=False)
        self.limit = limit
        self.open: list[str] = []
        self.count: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in VOID_TAGS:
            return
        if tag in SELF_CLOSING_SIBLINGS and self.open and self.open[-1] == tag:
            self.open.pop()
            self.count[tag] -= 1
        self.open.append(tag)
        self.count[tag] += 1
        if len(self.open) > self.limit:
            raise _TooDeepError

    def handle_endtag(self, tag: str) -> None:
        if self.count[tag] > 0:  # close it and whatever was left open inside it
            while (name := self.open.pop()) != tag:
                self.count[name] -= 1
            self.count[tag] -= 1


def too_deep(text: str, limit: int) -> bool:
    """Whether the HTML's elements nest deeper than `limit` (void elements and implied end tags as HTML has them)."""
    try:
        _DepthScan(limit).feed(text)
    except _TooDeepError:
        return True
    return False


def _blocks(root: Tag) -> Iterator[tuple[int, str]]:
    """(level, text) blocks in document order: containers of block elements are entered, other elements read whole.

    Iterative and linear in the size of the tree, however deep it nests.
    """
    containers = _containers(root)
    stack = [iter(root.contents)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        if isinstance(child, Comment | Doctype | ProcessingInstruction):
            continue
        if isinstance(child, NavigableString):
            if child.strip():
                yield 0, child.strip()
            continue
        if not isinstance(child, Tag):
            continue
        if id(child) in containers:  # a container (or a list item holding paragraphs): go inside
            stack.append(iter(child.contents))
            continue
        text = child.get_text(" ", strip=True)
        if text:
            yield (int(child.name[1]) if re.fullmatch(r"h[1-6]", child.name) else 0), text


def _containers(root: Tag) -> set[int]:
    """Ids of the elements under `root` that hold a block element somewhere inside them."""
    found: set[int] = set()
    for tag in root.find_all(BLOCK_TAGS):
        parent = tag.parent
        while parent is not None and id(parent) not in found and parent is not root:
            found.add(id(parent))
            parent = parent.parent
    return found
