"""WOCAT SLM database records in their three real formats.

- qcat API v2 list pages: ``{count, next, results: [{name, code, url, details}]}``
- qcat API v2 detail trees: ``section_* -> children -> ... -> {label, value: [...]}``
- current WOCAT database API records: flat fields under ``selected_version``
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pycountry

from ingest.records import ParsedDocument, ParseError, Unit
from ingest.text import decode
from ingest.vocab import slm_group_id

QCAT = "https://qcat.wocat.net"
CODE = re.compile(r"(?<![a-z])technologies_\d+")
LAND_USE = {
    "cropland": "cropland",
    "grazingland": "grazing_land",
    "forest": "forest",
    "mixed": "mixed",
    "waterways": "wetland",
}
AGROCLIMATIC = {"arid": "arid", "semiarid": "semi-arid", "subhumid": "sub-humid", "humid": "humid"}


def parse_json(data: bytes, path: Path) -> list[ParsedDocument]:
    text, _ = decode(data, path.name)
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    if isinstance(payload, dict) and isinstance(payload.get("results"), list) and "count" in payload:
        records, kind = [(r, _from_list_entry) for r in payload["results"]], "qcat v2 list page"
    elif isinstance(payload, dict) and any(k.startswith("section_") for k in payload):
        records, kind = [(payload, lambda r: _from_v2_detail(r, path))], "qcat v2 detail"
    elif isinstance(payload, dict) and "selected_version" in payload:
        records, kind = [(payload, _from_current)], "WOCAT API record"
    elif (
        isinstance(payload, list) and payload and all(isinstance(r, dict) and "selected_version" in r for r in payload)
    ):
        records, kind = [(r, _from_current) for r in payload], "WOCAT API records"
    else:
        raise ParseError("JSON is not a WOCAT record (qcat v2 list page, v2 detail or current API record)")
    docs: list[ParsedDocument] = []
    problems: list[str] = []
    for n, (record, build) in enumerate(records, start=1):
        try:
            docs.append(build(record))
        except ParseError as exc:
            problems.append(f"{kind} #{n}: {exc}")
    if not docs:
        raise ParseError("; ".join(problems) or f"{kind} holds no records")
    for doc in docs:
        doc.warnings.extend(problems)
    return docs


def _require(value: Any, field: str) -> Any:
    if value in (None, "", [], {}):
        raise ParseError(f"WOCAT record is missing field '{field}'")
    return value


def _wocat_doc(code: str, title: str, units: list[Unit], meta: dict[str, Any]) -> ParsedDocument:
    url = f"{QCAT}/en/wocat/{code.split('_')[0]}/view/{code}/"
    meta = {"format": "wocat", "wocat_code": code, "url": url, **meta}
    return ParsedDocument(key=code, title=title, doc_type="wocat", units=units, source=url, metadata=meta)


# --- qcat API v2 list page ---------------------------------------------------------------


def _from_list_entry(entry: dict[str, Any]) -> ParsedDocument:
    code = _require(entry.get("code"), "code")
    name = _require(entry.get("name"), "name")
    doc = _wocat_doc(code, name, [Unit(text=name, section="Name")], {"stub": True, "updated": entry.get("updated")})
    if entry.get("url"):
        doc.metadata["url"] = doc.source = QCAT + entry["url"] if entry["url"].startswith("/") else entry["url"]
    return doc


# --- qcat API v2 detail tree -------------------------------------------------------------


def _leaves(node: dict[str, Any], parent: dict[str, Any] | None = None) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    for key, child in node.items():
        if not isinstance(child, dict):
            continue
        if isinstance(child.get("children"), dict):
            yield from _leaves(child["children"], child["children"])
        elif "value" in child:
            yield key, child["value"], parent or node


def _plain(values: Any) -> list[Any]:
    """The answers of a v2 field: strings, or the label of [label, icon, _, code] choices."""
    out: list[Any] = []
    for item in values if isinstance(values, list) else []:
        if not isinstance(item, dict):
            continue
        raw = item.get("value", item.get("values"))
        for v in raw if isinstance(raw, list) else [raw]:
            if isinstance(v, list) and v and isinstance(v[0], str) and len(v) == 4:
                out.append({"label": v[0], "code": v[3]})
            elif v not in (None, "", []):
                out.append(v)
    return out


def _from_v2_detail(tree: dict[str, Any], path: Path) -> ParsedDocument:
    fields: dict[str, list[Any]] = {}
    som_comment = ""
    for key, value, siblings in _leaves(tree):
        plain = _plain(value)
        if key not in fields:
            fields[key] = plain
        if key == "tech_impacts_soilorganicmatter" and plain:
            specify = siblings.get("tech_impacts_specify", {}).get("value")
            som_comment = next((str(v) for v in _plain(specify)), "")
    code_match = CODE.search(path.name) or CODE.search(json.dumps(tree))
    code = code_match.group(0) if code_match else f"technologies_{path.stem}"
    name = str(_require((fields.get("name") or [None])[0], "name"))
    country_name = (fields.get("country") or [None])[0]
    som = (fields.get("tech_impacts_soilorganicmatter") or [None])[0]
    units = [
        Unit(text=str(v), section=section)
        for section, key in (
            ("Definition", "tech_definition"),
            ("Description", "tech_description"),
            ("Technical specifications", "tech_specifications"),
        )
        for v in fields.get(key, [])[:1]
    ]
    if som_comment:
        units.append(Unit(text=som_comment, section="Impact on soil organic matter"))
    if not units:
        raise ParseError("WOCAT record is missing field 'tech_definition' and 'tech_description'")
    meta = {
        "country": _country_code(country_name),
        "country_name": country_name,
        "land_use": _land_uses(
            c["code"].removeprefix("tech_lu_") for c in fields.get("tech_landuse", []) if isinstance(c, dict)
        ),
        "slm_group": [slm_group_id(g) for g in _flat(fields.get("tech_slm_group", []))],
        "measures": [
            c["code"].removeprefix("tech_measures_") for c in fields.get("tech_measures", []) if isinstance(c, dict)
        ],
        "wocat_agroclimatic_zone": _zones(_flat(fields.get("tech_agroclimatic_zone", []))),
        "soc_impact": _int(som),
        "soc_impact_comment": som_comment or None,
        "name_local": (fields.get("name_local") or [None])[0],
        "coordinates": points(fields.get("location_map")),
        "titles": {"en": name},
    }
    doc = _wocat_doc(code, name, units, meta)
    doc.languages = ["en"]
    compiled = re.fullmatch(r"(\d\d)/(\d\d)/(\d{4})", str((fields.get("date_documentation") or [""])[0]))
    if compiled:  # qcat writes dd/mm/yyyy
        doc.date = f"{compiled.group(3)}-{compiled.group(2)}-{compiled.group(1)}"
    return doc


# --- current WOCAT database API ---------------------------------------------------------


def _from_current(record: dict[str, Any]) -> ParsedDocument:
    version = record.get("selected_version")
    if not isinstance(version, dict):
        raise ParseError("WOCAT record is missing field 'selected_version'")
    record_id = _require(record.get("id") or version.get("technology"), "id")
    names = _require(version.get("name"), "name")
    if not isinstance(names, dict):
        raise ParseError("WOCAT record field 'name' is not a per-language mapping")
    languages = version.get("languages") or list(names)
    primary = version.get("primary_language") or languages[0]
    units: list[Unit] = []
    for lang in languages:
        for section, key in (("Definition", "definition"), ("Description", "description")):
            text = (version.get(key) or {}).get(lang)
            if text and text.strip():
                units.append(Unit(text=text.strip(), section=section, lang=lang))
        strengths = [s.get(lang) for s in version.get("strengths_landuser") or [] if isinstance(s, dict)]
        if any(strengths):
            units.append(Unit(text="\n".join(s for s in strengths if s), section="Strengths", lang=lang))
    soil = version.get("impacts_ecological_soil") or {}
    som = soil.get("soil_organic_matter_below_ground_C") or {}
    som_comment = som.get("comment") or {}
    for lang, text in som_comment.items():
        if text and text.strip():
            units.append(Unit(text=text.strip(), section="Impact on soil organic matter", lang=lang))
    if not units:
        raise ParseError("WOCAT record is missing field 'definition' and 'description'")
    landuse = version.get("landuse") or {}
    measures = version.get("slm_measures") or {}
    meta = {
        "country": _require(version.get("country"), "country"),
        "land_use": _land_uses(v.lower() for v in landuse.get("value") or []),
        "slm_group": [slm_group_id(g) for g in version.get("slm_group") or []],
        "measures": [m.lower() for m in measures.get("value") or []],
        "wocat_agroclimatic_zone": _zones(version.get("agroclimatic_zone") or []),
        "soc_impact": _int(som.get("value")),
        "soc_impact_comment": som_comment or None,
        "titles": names,
        "primary_language": primary,
        "coordinates": points(version.get("location_geometry")),
    }
    title = names.get(primary) or next(iter(names.values()))
    doc = _wocat_doc(f"technologies_{record_id}", title.strip(), units, meta)
    doc.languages = list(languages)
    doc.date = version.get("date_documentation")
    return doc


# --- helpers -----------------------------------------------------------------------------


def _flat(values: list[Any]) -> list[str]:
    out: list[str] = []
    for v in values:
        out.extend(str(x) for x in (v if isinstance(v, list) else [v]))
    return out


def _land_uses(codes: Any) -> list[str]:
    return sorted({LAND_USE.get(c, c) for c in codes})


def _zones(values: list[str]) -> list[str]:
    return [AGROCLIMATIC.get(re.sub(r"[^a-z]", "", v.lower()), v.lower()) for v in values]


def points(geo: object) -> list[list[float]]:
    """[lon, lat] pairs of a GeoJSON point, multipoint, feature or collection (also as a JSON string or a list)."""
    if isinstance(geo, str):
        try:
            geo = json.loads(geo)
        except ValueError:
            return []
    if isinstance(geo, list):
        return [p for g in geo for p in points(g)]
    if not isinstance(geo, dict):
        return []
    kind = geo.get("type")
    if kind == "FeatureCollection":
        return points(geo.get("features") or [])
    if kind == "Feature":
        return points(geo.get("geometry"))
    coords = geo.get("coordinates")
    if kind == "Point" and isinstance(coords, list) and len(coords) >= 2:
        return [[float(coords[0]), float(coords[1])]]
    if kind == "MultiPoint" and isinstance(coords, list):
        return [[float(c[0]), float(c[1])] for c in coords if isinstance(c, list) and len(c) >= 2]
    return []


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _country_code(name: Any) -> str | None:
    if not name:
        return None
    try:
        return pycountry.countries.lookup(str(name)).alpha_2
    except LookupError:
        return None
