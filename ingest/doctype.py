"""Infer a document's type from its text when neither the file nor the user says it."""

from __future__ import annotations

import re
import statistics

from ingest.records import ParsedDocument

MEETING = re.compile(
    r"report of the .{0,40}meeting|meeting report|minutes of|consortium meeting|compte[- ]rendu|"
    r"procès-verbal|rapport de la réunion|acta de la reuni[oó]n|informe de la reuni[oó]n",
    re.I,
)
POSITION = re.compile(
    r"position paper|policy brief|white paper|roadmap|strategic plan|note de position|"
    r"feuille de route|plan stratégique|documento de posici[oó]n|hoja de ruta|plan estratégico",
    re.I,
)
PRESENTATION = re.compile(r"slides?|diapositives?|diapositivas?|presentation|welcome note", re.I)


def infer_doc_type(doc: ParsedDocument, filename: str) -> str:
    """meeting_report, position_paper, presentation or other, from the opening of the text."""
    head = doc.title + "\n" + doc.text[:3000]
    if MEETING.search(head):
        return "meeting_report"
    if PRESENTATION.search(filename) or PRESENTATION.search(head[:600]) or _looks_like_slides(doc):
        return "presentation"
    if POSITION.search(head):
        return "position_paper"
    return "other"


def _looks_like_slides(doc: ParsedDocument) -> bool:
    """Slides: short lines, bullets, few words per page."""
    lines = [line.strip() for line in doc.text.splitlines() if line.strip()]
    if len(lines) < 10:
        return False
    short = statistics.median(len(line) for line in lines) < 40
    bullets = sum(line[:1] in "•-–▪✓*" for line in lines) / len(lines) > 0.2
    pages = [u for u in doc.units if u.page is not None]
    sparse = bool(pages) and statistics.mean(len(u.text) for u in pages) < 1500
    return short and (bullets or sparse)
