"""Search results as a table for spreadsheets and other tools: CSV, JSON or JSON Lines, one row per hit."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

from index.search import Hit, SearchResult
from service.chat import source_name, web_url

FORMATS = ("csv", "json", "jsonl")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json", "jsonl": "application/x-ndjson"}
COLUMNS = (
    "rank", "title", "doc_type", "language", "country", "climate_zones", "soil_classes", "land_use", "practice",
    "score", "citation", "source", "page", "section", "url", "doc_id", "snippet",
)  # fmt: skip
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell as a formula


def citation(hit: Hit) -> str:
    """Where the hit is: the source, then its page (of the paged rendering when this one has none) or section."""
    where = source_name(hit.source, hit.path)
    if hit.page:
        paged = f" of {hit.paged_in}" if hit.paged_in else ""
        return f"{where}, p. {hit.page}{paged}"
    return f"{where}, § {hit.section}" if hit.section else where


def doc_url(doc_id: str, metadata: dict, base_url: str | None = None) -> str | None:
    """A document's own web address; else, given this Humus' address, the document (or sheet) in its API."""
    own = web_url(metadata.get("url"))
    if own or not base_url:
        return own
    base = base_url.rstrip("/")
    if doc_id.startswith("practice:"):
        _, practice, lang = doc_id.split(":")
        return f"{base}/api/practices/{quote(practice)}?lang={lang}"
    return f"{base}/api/documents/{quote(doc_id, safe=':')}"


def rows(result: SearchResult, base_url: str | None = None) -> list[dict]:
    """One row per hit (of every group when the result is grouped), multi-valued cells as lists."""
    hits = [h for g in result.groups for h in g.hits] if result.groups is not None else result.hits
    out = []
    for rank, hit in enumerate(hits, 1):
        practice = [hit.doc_id.split(":")[1]] if hit.doc_id.startswith("practice:") else hit.facets.get("practice", [])
        out.append({
            "rank": rank,
            "title": hit.title,
            "doc_type": hit.doc_type,
            "language": hit.lang,
            "country": hit.facets.get("country", []),
            "climate_zones": hit.facets.get("climate_zone", []),
            "soil_classes": hit.facets.get("soil_class", []),
            "land_use": hit.facets.get("land_use", []),
            "practice": practice,
            "score": round(hit.score, 4),
            "citation": citation(hit),
            "source": source_name(hit.source, hit.path),
            "page": hit.page,
            "section": hit.section,
            "url": doc_url(hit.doc_id, hit.metadata, base_url),
            "doc_id": hit.doc_id,
            "snippet": " ".join(hit.snippet.split()),
        })  # fmt: skip
    return out


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if isinstance(value, str) and text.startswith(FORMULA_START) else text


def export(result: SearchResult, fmt: str, base_url: str | None = None) -> str:
    """The result in `fmt` (csv, json or jsonl); ValueError for another format."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    table = rows(result, base_url)
    if fmt == "json":
        return json.dumps(table, ensure_ascii=False, indent=2) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in table)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # the byte-order mark by which spreadsheet programs recognise UTF-8
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows([_cell(row[c]) for c in COLUMNS] for row in table)
    return buffer.getvalue()
