"""WOCAT SLM database records in their three real formats.

- qcat API v2 list pages: ``{count, next, results: [{name, code, url, details}]}``
- qcat API v2 detail trees: ``section_* -> children -> ... -> {label, value: [...]}``
- current WOCAT database API records: flat fields under ``selected_version``
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
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
# The questionnaire answers WOCAT users filter by, one controlled vocabulary per field for both record formats:
# facet -> (qcat v2 key, current API key, {id: other slugs that mean it}). An answer matches an id when its slug is
# the id's (or one of the other slugs) or starts with it followed by more words, as WOCAT's v2 labels do ("flat
# (0-2%)", "communal/ village"); an answer that matches none is kept as its own slug, never dropped or guessed.
WOCAT_FIELDS: dict[str, tuple[str, str, dict[str, tuple[str, ...]]]] = {
    "degradation": ("tech_degradation", "degradation", {
        "erosion_water": (), "erosion_wind": (), "chemical": (), "physical": (), "biological": (), "water": (),
        "other": (),
    }),
    "purpose": ("tech_main_purpose", "main_purpose", {
        "production": ("improve_production",), "degradation": ("reduce_prevent_restore",),
        "ecosystem": ("conserve_ecosystem",), "watershed": ("protect_a_watershed",),
        "biodiversity": ("preserve_improve_biodiversity",), "disasters": ("reduce_risk_of_disasters",),
        "adaptation": ("adapt_to_climate_change", "adaption"), "mitigation": ("mitigate_climate_change",),
        "economic": ("create_beneficial_economic",), "social": ("create_beneficial_social",),
    }),
    "degradation_goal": ("tech_prevention", "prevention", {
        "prevent": (), "reduce": (), "restore": ("rehabilitate",), "adapt": (), "not_applicable": (),
    }),
    "rainfall": ("tech_rainfall", "rainfall", dict.fromkeys(
        ("<250", "251-500", "501-750", "751-1000", "1001-1500", "1501-2000", "2001-3000", "3001-4000", ">4000"), ()
    )),
    "slope": ("tech_slopes", "slopes", dict.fromkeys(
        ("flat", "gentle", "moderate", "rolling", "hilly", "steep", "very_steep"), ()
    )),
    # the current API names an altitude class by its lower bound rounded down ("100_500" is WOCAT's 101-500 m)
    "altitude": ("tech_altitudinalzone", "altitudinalzone", {
        "0-100": (), "101-500": ("100_500",), "501-1000": ("500_1000",), "1001-1500": ("1000_1500",),
        "1501-2000": ("1500_2000",), "2001-2500": ("2000_2500",), "2501-3000": ("2500_3000",),
        "3001-4000": ("3000_4000",), ">4000": (),
    }),
    "land_ownership": ("tech_ownership", "ownership", dict.fromkeys(
        ("state", "company", "communal", "group", "individual_not_titled", "individual_titled"), ()
    )),
    "land_rights": ("tech_landuserights", "landuserights", dict.fromkeys(
        ("open_access", "communal", "leased", "individual"), ()
    )),
    "market": ("tech_market_orientation", "market_orientation", dict.fromkeys(
        ("subsistence", "mixed", "commercial"), ()
    )),
}  # fmt: skip
CALCULATION_BASE = {"area": "per Technology area", "unit": "per Technology unit"}


def parse_json(data: bytes, path: Path) -> list[ParsedDocument]:
    text, _ = decode(data, path.name)
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    records: list[tuple[Any, Callable[[dict[str, Any]], ParsedDocument]]]
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
    inputs: dict[str, list[list[Any]]] = {}  # each group of a cost table's column, raw so that rows stay aligned
    som_comment = ""
    for key, value, siblings in _leaves(tree):
        plain = _plain(value)
        if key not in fields:
            fields[key] = plain
        if re.fullmatch(r"tech_input_(est|maint)_(quantity|costs)", key) and isinstance(value, list):
            inputs.setdefault(key, []).append([i.get("value") for i in value if isinstance(i, dict)])
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
        **_v2_wocat_fields(fields, inputs),
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
        **_current_wocat_fields(version, primary),
    }
    title = names.get(primary) or next(iter(names.values()))
    doc = _wocat_doc(f"technologies_{record_id}", title.strip(), units, meta)
    doc.languages = list(languages)
    doc.date = version.get("date_documentation")
    return doc


# --- WOCAT's own fields and costs -------------------------------------------------------


def _v2_wocat_fields(fields: dict[str, list[Any]], inputs: dict[str, list[list[Any]]]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for facet, (key, _, _) in WOCAT_FIELDS.items():
        # qcat codes its choices "<question>_<answer>" ("degradation_erosion_water")
        answers = [a["code"].removeprefix("degradation_") if isinstance(a, dict) else a for a in fields.get(key, [])]
        if ids := controlled(facet, answers):
            meta[facet] = ids
    if (rainfall := _num(_first(fields, "tech_rainfall_annual"))) is not None:
        meta["rainfall_mm"] = rainfall
    currency = "USD" if fields.get("tech_input_dollar") else _clean(_first(fields, "tech_input_national_currency"))
    rate = _num(_first(fields, "tech_input_exchange_rate"))
    costs: dict[str, Any] = {}
    for phase, part in (("establishment", "est"), ("maintenance", "maint")):
        total = _first(fields, f"tech_input_{part}_total_costs") or _first(
            fields, f"tech_input_{part}_total_estimation"
        )
        quantities = inputs.get(f"tech_input_{part}_quantity", [])
        per_unit = inputs.get(f"tech_input_{part}_costs", [])
        items = [row for q, c in zip(quantities, per_unit, strict=False) for row in zip(q, c, strict=False)]
        if cost := _cost(total, items, currency, rate):
            costs[phase] = cost
    basis = ", ".join(
        text
        for key in (
            "tech_cost_calculation_base",
            "tech_perarea_size",
            "tech_input_perunit_volume",
            "tech_input_perunit_unit",
        )
        if (text := _clean(_first(fields, key)))
    )
    if costs:
        meta["costs"] = {**costs, **({"basis": basis} if basis else {})}
    return meta


def _current_wocat_fields(version: dict[str, Any], lang: str) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for facet, (_, key, _) in WOCAT_FIELDS.items():
        answers = version.get(key)
        if isinstance(answers, dict):  # degradation: {value: [...], <type>: [subtypes]}
            answers = answers.get("value")
        if ids := controlled(facet, answers if isinstance(answers, list) else [answers]):
            meta[facet] = ids
    if (rainfall := _num(version.get("rainfall_annual"))) is not None:
        meta["rainfall_mm"] = rainfall
    money = version.get("cost_calculation_currency") or {}
    base = str(money.get("currency_base") or "").lower()
    currency = "USD" if base == "usd" else _in_lang(money.get("currency_other"), lang)
    rate = _num(money.get("exchange_rate"))
    costs: dict[str, Any] = {}
    for phase in ("establishment", "maintenance"):
        breakdown = version.get(f"{phase}_cost_breakdown") or {}
        rows = [
            row for group in breakdown.values() if isinstance(group, list) for row in group if isinstance(row, dict)
        ]
        items = [(row.get("quantity"), row.get("cost_per_unit")) for row in rows]
        if cost := _cost(version.get(f"{phase}_total_estimation"), items, currency, rate):
            costs[phase] = cost
    calc = version.get("cost_calculation") or {}
    how = str(calc.get("calculation_base") or "")
    details = {"area": ("size_and_area_unit",), "unit": ("unit", "volume")}.get(
        how, ("size_and_area_unit", "unit", "volume")
    )
    texts = [CALCULATION_BASE.get(how) or _clean(how), *(_in_lang(calc.get(k), lang) for k in details)]
    if costs:
        basis = ", ".join(t for t in texts if t)
        meta["costs"] = {**costs, **({"basis": basis} if basis else {})}
    return meta


def _cost(total: Any, items: Any, currency: str | None, rate: float | None) -> dict[str, Any] | None:
    """The record's total, else the sum of its inputs' quantity x cost per unit (how WOCAT totals them)."""
    amount, how = _num(total), "total given"
    if amount is None:
        products = [q * c for q, c in ((_num(q), _num(c)) for q, c in items) if q is not None and c is not None]
        if not products:
            return None
        amount, how = round(sum(products), 2), "sum of listed inputs"
    usd = amount if currency == "USD" else amount / rate if rate else None
    return {"amount": amount, "currency": currency, "usd": None if usd is None else round(usd, 2), "how": how}


def controlled(facet: str, answers: Any) -> list[str]:
    """A WOCAT field's answers as ids of its controlled vocabulary (see WOCAT_FIELDS); unknown ones as slugs."""
    out: list[str] = []
    for answer in answers or []:
        if not (slug := _slug(answer)):
            continue
        found = next((i for alias, i in _ALIASES[facet] if slug == alias or slug.startswith(alias + "_")), slug)
        if found not in out:
            out.append(found)
    return out


def _slug(value: Any) -> str:
    text = str(value) if value is not None else ""
    if "â€" in text or "Ã" in text:  # UTF-8 read as cp1252 in qcat's export ("â€“" for "–")
        with contextlib.suppress(UnicodeError):
            text = text.encode("cp1252").decode("utf-8")
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text).replace("<", " less ").replace(">", " more ")
    return re.sub(r"[\W_]+", "_", text.lower()).strip("_")


# longest first, so that "very_steep" is tried before "steep"
_ALIASES = {
    facet: sorted(((_slug(a), i) for i, more in vocab.items() for a in (i, *more)), key=lambda p: -len(p[0]))
    for facet, (_, _, vocab) in WOCAT_FIELDS.items()
}


# --- helpers -----------------------------------------------------------------------------


def _first(fields: dict[str, list[Any]], key: str) -> Any:
    return (fields.get(key) or [None])[0]


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _clean(value: Any) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None


def _in_lang(texts: Any, lang: str) -> str | None:
    """A {lang: text} field's text in the record's language, else in any."""
    if not isinstance(texts, dict):
        return _clean(texts)
    return next((t for t in map(_clean, [texts.get(lang), *texts.values()]) if t), None)


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
