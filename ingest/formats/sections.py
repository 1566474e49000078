"""Turn a flat list of (heading level, text) blocks into section units with heading paths."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ingest.records import Unit

SECTION_SEPARATOR = " > "


def blocks_to_units(blocks: Iterable[tuple[int, str]]) -> tuple[list[Unit], str]:
    """Blocks are (level, text): level 1-6 for headings, 0 for body text.

    Returns the units (one per section with body text) and the first top-level heading.
    """
    path: list[tuple[int, str]] = []
    units: list[Unit] = []
    body: list[str] = []
    first_heading = ""

    def flush() -> None:
        text = "\n\n".join(b for b in body if b.strip()).strip()
        if text:
            section = SECTION_SEPARATOR.join(h for _, h in path) or None
            units.append(Unit(text=text, section=section))
        body.clear()

    for level, text in blocks:
        text = text.strip()
        if not text:
            continue
        if level == 0:
            body.append(text)
            continue
        flush()
        if not first_heading:
            first_heading = text
        path = [(lvl, h) for lvl, h in path if lvl < level]
        path.append((level, text))
    flush()
    return units, first_heading


DOC_TITLE = re.compile(
    r"^(document|report|roadmap|minutes|position paper|policy brief|rapport|compte rendu|feuille de route"
    r"|informe|acta|hoja de ruta)\b",
    re.I,
)


def first_line(text: str, limit: int = 200) -> str:
    """A title guessed from the opening of a text.

    Among its first lines, one that names the document ("Document Consortium 8-1 – Report of ...")
    wins; otherwise the first line longer than three characters.
    """
    lines = [re.sub(r"\s+", " ", line.strip(" \t#*_|")) for line in text.splitlines()]
    lines = [line for line in lines if len(line) > 3][:8]
    named = next((line for line in lines if DOC_TITLE.match(line)), None)
    return (named or (lines[0] if lines else ""))[:limit].rstrip(" –-:,")
