"""Markdown and plain text; Markdown practice sheets carry validated YAML front matter."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ingest.formats.sections import blocks_to_units, first_line
from ingest.practice import (
    FrontMatterError,
    PracticeSheet,
    check_sections,
    format_validation_error,
    is_practice_front_matter,
    split_front_matter,
)
from ingest.records import ParsedDocument, ParseError, Unit
from ingest.text import decode

ATX = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
FENCE = re.compile(r"^(```|~~~)")
INLINE = (
    (re.compile(r"<[^>\n]+>"), ""),  # html tags such as <sup>
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links -> their text
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),
    (re.compile(r"^\s*\\\s*$", re.M), ""),
)


def strip_inline(text: str) -> str:
    for pattern, repl in INLINE:
        text = pattern.sub(repl, text)
    text = re.sub(r"[ \t]+\\?\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def markdown_blocks(body: str) -> list[tuple[int, str]]:
    """(level, text) blocks: headings with their level, paragraphs with level 0."""
    blocks: list[tuple[int, str]] = []
    para: list[str] = []
    in_fence = False

    def flush() -> None:
        if para:
            blocks.append((0, strip_inline("\n".join(para))))
            para.clear()

    for line in body.splitlines():
        if FENCE.match(line.strip()):
            in_fence = not in_fence
            para.append(line)
            continue
        heading = None if in_fence else ATX.match(line)
        if heading:
            flush()
            blocks.append((len(heading.group(1)), strip_inline(heading.group(2))))
        elif not line.strip() and not in_fence:
            flush()
        else:
            para.append(line)
    flush()
    return blocks


def parse_markdown(data: bytes, path: Path) -> list[ParsedDocument]:
    text, warning = decode(data, path.name)
    try:
        front, body = split_front_matter(text)
    except FrontMatterError as exc:
        raise ParseError(str(exc)) from exc
    if is_practice_front_matter(front):
        return [_practice(front or {}, body, path)]
    units, first_heading = blocks_to_units(markdown_blocks(body))
    if not units:
        raise ParseError("no text")
    front = front or {}
    doc = ParsedDocument(
        key="",
        title=str(front.get("title") or _lead_title(units, first_heading) or path.stem),
        doc_type=front.get("type"),
        units=units,
        source=path.name,
        metadata={"format": "markdown", **{k: _jsonable(v) for k, v in front.items() if k not in ("title", "type")}},
        date=str(front["date"]) if front.get("date") else None,
        warnings=[warning] if warning else [],
    )
    if front.get("lang"):
        doc.languages = [str(front["lang"])]
    return [doc]


def parse_text(data: bytes, path: Path) -> list[ParsedDocument]:
    text, warning = decode(data, path.name)
    if re.search(r"^#{1,3}[ \t]+\S", text, re.M):  # plain text written as Markdown
        units, first_heading = blocks_to_units(markdown_blocks(text))
    else:
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
        units, first_heading = ([Unit(text="\n\n".join(paragraphs))] if paragraphs else []), ""
    if not units:
        raise ParseError("no text")
    return [
        ParsedDocument(
            key="",
            title=_lead_title(units, first_heading) or path.stem,
            doc_type=None,
            units=units,
            source=path.name,
            metadata={"format": "text"},
            warnings=[warning] if warning else [],
        )
    ]


def _practice(front: dict[str, Any], body: str, path: Path) -> ParsedDocument:
    try:
        sheet = PracticeSheet.model_validate(front)
    except ValidationError as exc:
        raise ParseError(f"practice sheet front matter: {format_validation_error(exc)}") from exc
    warnings = check_sections(sheet.lang, body)
    units, _ = blocks_to_units(markdown_blocks(body))
    for unit in units:
        unit.lang = sheet.lang
    summary = Unit(text=f"{sheet.title}. {sheet.summary}", section=sheet.title, lang=sheet.lang)
    meta = sheet.model_dump(mode="json", exclude={"id", "lang", "title"}, exclude_none=True)
    meta.update({"format": "practice", "practice_id": sheet.id})
    return ParsedDocument(
        key="",
        title=sheet.title,
        doc_type="practice",
        units=[summary, *units],
        source=path.name,
        metadata=meta,
        languages=[sheet.lang],
        date=sheet.updated.isoformat(),
        warnings=warnings,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _lead_title(units: list[Unit], first_heading: str) -> str:
    """Text before the first heading names the document (a cover page); else the first heading."""
    if units and units[0].section is None:
        return first_line(units[0].text) or first_heading
    return first_heading or first_line(units[0].text)
