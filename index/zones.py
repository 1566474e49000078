"""Agro-pedo-climatic zones: the IPCC 2019 climate zones and soil classes of a place, and how they compare.

The definitions and every threshold come from `corpus/zones/*.yaml` (which cite their sources); this module
only evaluates them. A climate rule is a conjunction of conditions such as `mat_gt: 18`; each is true, false
or unknown (the input was not given), and the first zone whose rule holds wins. Where an unknown input
decides between zones (PET for moist vs dry, say) the answer lists the candidates and what to give, rather
than guessing.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import ClassVar

import numpy as np
import yaml

from index.analysis import fold
from ingest.vocab import LAND_USES

ZONE_DIR = Path(__file__).resolve().parent.parent / "corpus" / "zones"
RASTER_URL = "https://raw.githubusercontent.com/colinahill/ipcc_climate_zones/main/data/ipcc_climate_zones.tif"

# condition key -> (input, comparison, label)
CONDITIONS = {
    "mat_gt": ("mat", ">", "mean annual temperature"),
    "mat_le": ("mat", "≤", "mean annual temperature"),
    "frost_days_le": ("frost_days", "≤", "frost days a year"),
    "elevation_gt": ("elevation", ">", "elevation"),
    "elevation_le": ("elevation", "≤", "elevation"),
    "map_gt": ("map", ">", "mean annual precipitation"),
    "map_le": ("map", "≤", "mean annual precipitation"),
    "map_pet_gt": ("aridity", ">", "MAP/PET"),
    "map_pet_le": ("aridity", "≤", "MAP/PET"),
    "warmest_month_ge": ("warmest_month", "≥", "warmest month mean temperature"),
    "warmest_month_lt": ("warmest_month", "<", "warmest month mean temperature"),
}
UNITS = {"mat": " °C", "warmest_month": " °C", "map": " mm", "elevation": " m", "frost_days": "", "aridity": ""}
# Inputs that rarely change the answer: when missing they are assumed, and the trace says so.
ASSUMED = {"frost_days": 0.0, "elevation": 0.0}
ASSUMPTION_NOTE = {
    "frost_days": "frost days not given: assumed at most 7 (give --frost-days where frost is common)",
    "elevation": "elevation not given: assumed 1000 m or lower (give --elevation for highlands)",
}
INPUT_FLAG = {"aridity": "--pet (mm) or --aridity (MAP/PET)", "warmest_month": "--warmest-month (°C)",
              "mat": "--mat (°C)", "map": "--map (mm)"}  # fmt: skip


class ZoneError(ValueError):
    """Bad conditions or a missing raster; the message says what to give or where to put what."""


@dataclass(frozen=True, slots=True)
class ClimateZone:
    id: str
    value: int  # raster value
    names: dict[str, str]
    temperature_group: str
    moisture: str
    rule: dict[str, float]
    wocat: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SoilClass:
    id: str
    names: dict[str, str]
    wrb: tuple[str, ...]
    usda: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WocatZone:
    id: str
    names: dict[str, str]
    codes: tuple[str, ...]
    ipcc_related: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClimateWords:
    """Everyday climate words and the zones each allows (`climate_words` in climate_zones.yaml)."""

    allows: tuple[tuple[str, frozenset[str], frozenset[str]], ...]  # (kind: temperature or moisture, words, zone ids)
    not_before: frozenset[str]
    not_after: frozenset[str]
    order: tuple[str, ...]  # the zones in raster order

    @classmethod
    def of(cls, data: dict, climate: dict[str, ClimateZone]) -> ClimateWords:
        allows = []
        for key, field_ in (("temperature", "groups"), ("moisture", "regimes")):
            for entry in data.get(key) or []:
                wanted = set(entry[field_])
                ids = frozenset(z.id for z in climate.values()
                                if (z.temperature_group if key == "temperature" else z.moisture) in wanted)  # fmt: skip
                allows.append((key, frozenset(fold(w) for w in entry["words"]), ids))
        return cls(tuple(allows), frozenset(data.get("not_before") or ()), frozenset(data.get("not_after") or ()),
                   tuple(climate))  # fmt: skip

    def read(self, text: str) -> list[str]:
        """The climate zones a text describes in everyday words, or [] when it describes none."""
        words = re.findall(r"\w+", fold(text).replace("-", ""))
        padded = ["", *words, ""]
        used = {w for before, w, after in zip(padded, words, padded[2:], strict=False)
                if after not in self.not_before and before not in self.not_after}  # fmt: skip
        found: frozenset[str] | None = None
        for kind in ("temperature", "moisture"):
            said: frozenset[str] | None = None  # what the words of one kind allow together
            for of_kind, named, ids in self.allows:
                if of_kind == kind and named & used:  # "warm temperate": both; "boreal and temperate": either
                    said = ids if said is None else (said & ids) or (said | ids)
            if said is not None:  # a kind that would leave no zone is passed over ("cold mountain")
                found = said if found is None else (found & said) or found
        return [z for z in self.order if z in (found or ())]


@dataclass(slots=True)
class Zones:
    climate: dict[str, ClimateZone]
    soils: dict[str, SoilClass]
    wocat: dict[str, WocatZone]
    sandy_rule: dict[str, float]
    aridity_classes: list[dict]
    words: ClimateWords
    land_words: dict[str, frozenset[str]]  # land use -> everyday words for it (land_uses.yaml)

    @classmethod
    def load(cls, folder: Path = ZONE_DIR) -> Zones:
        data = _yaml(folder / "climate_zones.yaml")
        soils = _yaml(folder / "soil_classes.yaml")
        wocat = _yaml(folder / "wocat_zones.yaml")
        land = _yaml(folder / "land_uses.yaml").get("words") or {}
        if unknown := set(land) - set(LAND_USES):
            raise ZoneError(f"{folder / 'land_uses.yaml'}: unknown land uses {sorted(unknown)} (known: {LAND_USES})")
        climate = {
            z["id"]: ClimateZone(
                z["id"],
                z["raster_value"],
                z["names"],
                z["temperature_group"],
                z["moisture"],
                z["rule"],
                tuple(z.get("wocat_equivalent") or ()),
            )
            for z in data["zones"]
        }
        return cls(
            climate=climate,
            soils={
                c["id"]: SoilClass(c["id"], c["names"], tuple(c.get("wrb") or ()), tuple(c.get("usda") or ()))
                for c in soils["classes"]
            },
            wocat={
                z["id"]: WocatZone(z["id"], z["names"], tuple(z.get("wocat_codes") or ()), tuple(z["ipcc_related"]))
                for z in wocat["zones"]
            },
            sandy_rule=soils["sandy_rule"],
            aridity_classes=wocat.get("aridity_index_classes", {}).get("classes", []),
            words=ClimateWords.of(data.get("climate_words") or {}, climate),
            land_words={use: frozenset(fold(w) for w in words) for use, words in land.items()},
        )  # fmt: skip

    def by_value(self, value: int) -> ClimateZone | None:
        return next((z for z in self.climate.values() if z.value == value), None)

    def land_uses(self, text: str) -> list[str]:
        """The land uses a text names in everyday words ("I grow maize", "nos brebis"), in LAND_USES order; not a
        word it negates ("we grow no crops", "nous ne cultivons rien", "no tenemos ganado", "sin cultivos")."""
        words = set(re.findall(r"\w+", fold(affirmed(text))))
        return [use for use in LAND_USES if self.land_words.get(use, frozenset()) & words]

    def names(self, zone_id: str) -> dict[str, str]:
        item = self.climate.get(zone_id) or self.soils.get(zone_id) or self.wocat.get(zone_id)
        return dict(item.names) if item else {}


# A negation up to three words before a word, in the same clause, negates it ("we don't have any fields"); the "no"
# of "no-till maize" and the "sans" of "sans labour" name practices.
ENGLISH_NEGATIONS = {"no", "not", "never", "without", "nor"}
FRENCH_NEGATIONS = {"ne", "n", "pas", "sans", "jamais", "aucun", "aucune", "ni"}
NEGATIONS = frozenset(ENGLISH_NEGATIONS | FRENCH_NEGATIONS | {"sin", "nunca", "ningun", "ninguna", "ninguno"})
NOT_NEGATING = frozenset({"till", "tillage", "labour", "labor", "labranza"})
CLAUSE = re.compile(r"[^.,;:!?()\n]+")
WORD_OR_N_T = re.compile(r"(?<=n)[’']t\b|(\w+)")  # the "'t" of "don't", or a word ("5 t of lime": a tonne)


def affirmed(text: str) -> str:
    """`text` with the words it negates blanked out: what a question says the asker farms or has, not what it says
    they do not ("We grow no crops", "Nous ne cultivons rien", "no tenemos pastizales", "sin cultivos")."""
    out = list(text)
    for clause in CLAUSE.finditer(text):
        spans = list(WORD_OR_N_T.finditer(text, clause.start(), clause.end()))
        words = ["not" if m.group(1) is None else fold(m.group(1)) for m in spans]  # "don't": "don", "not"
        for i, m in enumerate(spans):
            if any(words[j] in NEGATIONS and words[j + 1] not in NOT_NEGATING for j in range(max(0, i - 3), i)):
                out[m.start() : m.end()] = " " * (m.end() - m.start())
    return "".join(out)


def _yaml(path: Path) -> dict:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ZoneError(f"{path}: cannot read the zone definitions ({exc})") from exc


@cache
def zones() -> Zones:
    return Zones.load()


# --- conditions ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Conditions:
    """What a user knows about a place; every field optional."""

    mat: float | None = None  # mean annual temperature, °C
    map: float | None = None  # mean annual precipitation, mm
    elevation: float | None = None  # m
    pet: float | None = None  # potential evapotranspiration, mm
    aridity: float | None = None  # MAP/PET
    frost_days: float | None = None
    warmest_month: float | None = None  # °C
    lat: float | None = None
    lon: float | None = None
    soil: str | None = None  # a WRB group, USDA order or IPCC soil class id
    sand: float | None = None  # %
    clay: float | None = None  # %
    zone: str | None = None  # an IPCC climate zone id given outright, or several as "id|id" (any of them)

    NUMBERS: ClassVar[tuple[str, ...]] = (
        "mat", "map", "elevation", "pet", "aridity", "frost_days", "warmest_month", "lat", "lon", "sand", "clay",
    )  # fmt: skip
    ALIASES: ClassVar[dict[str, str]] = {
        "temperature": "mat", "rain": "map", "rainfall": "map", "precipitation": "map", "alt": "elevation",
        "ai": "aridity", "frost": "frost_days", "warmest": "warmest_month", "latitude": "lat", "longitude": "lon",
        "climate_zone": "zone", "soil_class": "soil",
    }  # fmt: skip

    @classmethod
    def parse(cls, text: str) -> Conditions:
        """`mat=27,map=600,soil=Arenosols` (also `;` or spaces between pairs); raises ZoneError on a bad pair."""
        values: dict[str, object] = {}
        for pair in filter(None, re.split(r"[,;\s]+", text.strip())):
            key, sep, value = pair.partition("=")
            key = key.strip().lower().replace("-", "_")
            key = cls.ALIASES.get(key, key)
            if not sep or not value:
                raise ZoneError(f"condition {pair!r}: expected key=value")
            if key in cls.NUMBERS:
                try:
                    values[key] = float(value)
                except ValueError:
                    raise ZoneError(f"condition {key}: {value!r} is not a number") from None
            elif key in ("soil", "zone"):
                values[key] = value
            else:
                known = ", ".join((*cls.NUMBERS, "soil", "zone"))
                raise ZoneError(f"unknown condition {key!r}; known: {known}")
        return cls(**values)  # type: ignore[arg-type]

    @classmethod
    def of(cls, text: str | None, **given: object) -> Conditions:
        """`parse(text)` with the fields given on their own (`zone=`, `soil=`, `lat=`, `lon=`) on top."""
        conditions = cls.parse(text or "")
        for name, value in given.items():
            if value is not None:
                setattr(conditions, name, value)
        return conditions

    def __bool__(self) -> bool:
        return any(v is not None for v in asdict(self).values())

    def ratio(self) -> float | None:
        if self.aridity is not None:
            return self.aridity
        if self.map is not None and self.pet:
            return self.map / self.pet
        return None


@dataclass(slots=True)
class Classification:
    climate_zone: str | None
    soil_class: str | None
    candidates: list[str] = field(default_factory=list)  # undecided between these climate zones
    missing: list[str] = field(default_factory=list)  # what would decide it
    wocat: list[str] = field(default_factory=list)  # WOCAT agro-climatic zone(s)
    wocat_basis: str = ""
    trace: list[str] = field(default_factory=list)
    soil_trace: list[str] = field(default_factory=list)
    source: str = ""  # rules | raster | given

    def to_dict(self) -> dict:
        z = zones()
        out = asdict(self)
        out["names"] = {key: z.names(key) for key in [self.climate_zone, self.soil_class, *self.candidates, *self.wocat]
                        if key}  # fmt: skip
        return out


def _check(key: str, limit: float, inputs: dict[str, float | None]) -> bool | None:
    name, op, _ = CONDITIONS[key]
    value = inputs.get(name)
    if value is None:
        return None
    return {">": value > limit, "≤": value <= limit, "≥": value >= limit, "<": value < limit}[op]


def _describe(key: str, limit: float, inputs: dict[str, float | None], assumed: set[str]) -> str:
    name, op, label = CONDITIONS[key]
    value = inputs.get(name)
    unit = UNITS.get(name, "")
    if value is None:
        return f"{label} {op} {limit:g}{unit}? unknown"
    shown = "(not given)" if name in assumed else f"{value:g}{unit}"
    verdict = "yes" if _check(key, limit, inputs) else "no"
    return f"{label} {shown} {op} {limit:g}{unit}? {verdict}" + (" (assumed)" if name in assumed else "")


def classify_climate(c: Conditions, z: Zones | None = None) -> Classification:
    """The IPCC climate zone from climate figures, with the trace of every rule tried."""
    z = z or zones()
    result = Classification(None, None, source="rules")
    inputs: dict[str, float | None] = {
        "mat": c.mat, "map": c.map, "elevation": c.elevation, "frost_days": c.frost_days,
        "warmest_month": c.warmest_month, "aridity": c.ratio(),
    }  # fmt: skip
    if c.mat is None:
        raise ZoneError("give at least the mean annual temperature (--mat, °C) to classify a climate")
    assumed: set[str] = set()
    for zone in z.climate.values():
        parts, unknown, failed = [], [], False
        for key, limit in zone.rule.items():
            name = CONDITIONS[key][0]
            if inputs[name] is None and name in ASSUMED:
                inputs[name] = ASSUMED[name]
                assumed.add(name)
                result.trace.append(ASSUMPTION_NOTE[name])
            state = _check(key, float(limit), inputs)
            parts.append(_describe(key, float(limit), inputs, assumed))
            if state is False:
                failed = True
                break  # the rest of the rule cannot change the answer
            if state is None:
                unknown.append(INPUT_FLAG.get(name, name))
        verdict = "no" if failed else "undecided" if unknown else "yes"
        result.trace.append(f"{zone.id}: {'; '.join(parts)} → {verdict}")
        if failed:
            continue
        result.candidates.append(zone.id)
        result.missing += [flag for flag in unknown if flag not in result.missing]
        if not unknown:
            break
    if len(result.candidates) == 1 and not result.missing:
        result.climate_zone = result.candidates.pop()
    elif not result.candidates:
        result.trace.append("no zone rule holds")
    return result


# --- soil ---------------------------------------------------------------------------------------


def _singular(name: str) -> str:
    name = fold(name.strip())
    for suffix in ("oles", "ols", "ol", "s"):  # Arenosoles (es), Arenosols, Arenosol; Oxisols, Histosol
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def classify_soil(c: Conditions, z: Zones | None = None) -> tuple[str | None, list[str]]:
    """The IPCC soil class from texture (the sandy rule comes first), a class id, a WRB group or a USDA order."""
    z = z or zones()
    trace: list[str] = []
    rule = z.sandy_rule
    if c.sand is not None and c.clay is not None:
        sandy = c.sand > rule["sand_pct_gt"] and c.clay < rule["clay_pct_lt"]
        trace.append(
            f"sand {c.sand:g} % > {rule['sand_pct_gt']:g} % and clay {c.clay:g} % < {rule['clay_pct_lt']:g} %: "
            + ("yes → sandy, whatever the soil's name" if sandy else "no")
        )
        if sandy:
            return "sandy", trace
    elif c.sand is not None or c.clay is not None:
        trace.append("the sandy rule needs both --sand and --clay")
    if not c.soil:
        return None, trace
    text = c.soil.strip()
    key = fold(text).replace(" ", "_").replace("-", "_")
    if key in z.soils:
        trace.append(f"{text}: an IPCC soil class")
        return key, trace
    wanted = _singular(text)
    for system, field_ in (("WRB reference soil group", "wrb"), ("USDA soil order", "usda")):
        found = [s.id for s in z.soils.values() if any(_singular(n) == wanted for n in getattr(s, field_))]
        if found:
            also = f" (also listed under {', '.join(found[1:])})" if len(found) > 1 else ""
            trace.append(f"{text}: {system} → {found[0]}{also}")
            return found[0], trace
    raise ZoneError(
        f"soil {text!r} is not an IPCC soil class, a WRB reference soil group or a USDA order; "
        f"classes: {', '.join(z.soils)}"
    )


# --- the raster ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Raster:
    """A GeoTIFF of zone values 1-12 on a regular lon/lat grid (north-up or south-up)."""

    data: np.ndarray
    origin: tuple[float, float]  # lon, lat of the first cell's outer corner
    step: tuple[float, float]  # degrees per column, per row (negative for north-up)

    @classmethod
    def open(cls, path: Path) -> Raster:
        import tifffile

        if not path.exists():
            raise ZoneError(
                f"no climate-zone raster at {path}. Place a GeoTIFF of IPCC climate zones 1-12 there "
                f"(e.g. {RASTER_URL}) or set HUMUS_ZONE_RASTER to one; `make zones` downloads it where the "
                "network allows."
            )
        try:
            with tifffile.TiffFile(path) as tif:
                page = tif.pages[0]
                data = page.asarray()
                tags = {t.code: t.value for t in page.tags.values()}  # type: ignore[union-attr]
        except Exception as exc:
            raise ZoneError(f"{path}: not a readable GeoTIFF ({exc})") from exc
        if 34264 in tags:  # ModelTransformationTag: x = a*col + b*row + d, y = e*col + f*row + h
            m = tags[34264]
            return cls(data, (m[3], m[7]), (m[0], m[5]))
        if 33550 in tags and 33922 in tags:  # ModelPixelScale + ModelTiepoint (north-up)
            scale, tie = tags[33550], tags[33922]
            return cls(data, (tie[3] - tie[0] * scale[0], tie[4] + tie[1] * scale[1]), (scale[0], -scale[1]))
        raise ZoneError(f"{path}: no georeferencing tags (ModelTransformation or PixelScale + Tiepoint)")

    def value(self, lat: float, lon: float) -> int:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ZoneError(f"coordinates out of range: lat {lat}, lon {lon}")
        col = int((lon - self.origin[0]) // self.step[0])
        row = int((lat - self.origin[1]) // self.step[1])
        rows, cols = self.data.shape[:2]
        if not (0 <= row < rows and 0 <= col < cols):
            return 0
        return int(self.data[row, col])


@cache
def _raster(path: Path) -> Raster:
    return Raster.open(path)


def zone_at(lat: float, lon: float, raster: Path) -> tuple[str | None, str]:
    """The climate zone of the raster cell holding a point, and a trace line."""
    r = _raster(raster)
    value = r.value(lat, lon)
    zone = zones().by_value(value)
    if zone is None:
        return None, f"raster {raster.name}: cell at {lat:g}, {lon:g} has no zone (sea, ice or no data)"
    return zone.id, f"raster {raster.name}: cell at {lat:g}, {lon:g} holds value {value} → {zone.id}"


# --- the whole classification ---------------------------------------------------------------------


def wocat_for(c: Conditions, climate_zone: str | None, z: Zones) -> tuple[list[str], str]:
    """WOCAT agro-climatic zone(s): from the aridity index where known, else those usual for the IPCC zone."""
    ratio = c.ratio()
    if ratio is not None and z.aridity_classes:
        for cls_ in z.aridity_classes:
            if ratio < cls_["below"]:
                return [cls_["wocat"]], f"MAP/PET {ratio:.2f}: {cls_['unep']} in UNEP's aridity classes (1992)"
    if climate_zone and climate_zone in z.climate:
        return list(z.climate[climate_zone].wocat), f"usual for {climate_zone} (Humus' correspondence, approximate)"
    return [], ""


def classify(c: Conditions, raster: Path | None = None) -> Classification:
    """Zone and soil class of a place from whatever is known: a zone id, coordinates, or climate figures."""
    z = zones()
    if c.zone:
        ids = [fold(part.strip()).replace(" ", "_").replace("-", "_") for part in c.zone.split("|")]
        unknown = [i for i in ids if i not in z.climate]
        if unknown:
            raise ZoneError(f"unknown climate zone {unknown[0]!r}; zones: {', '.join(z.climate)}")
        if len(ids) == 1:
            result = Classification(ids[0], None, trace=[f"climate zone given: {ids[0]}"], source="given")
        else:  # "humid temperate": warm or cool temperate moist; search ranks by the closer of them
            result = Classification(None, None, ids, trace=[f"climate zones given: {', '.join(ids)}"], source="given")
    elif c.lat is not None or c.lon is not None:
        if c.lat is None or c.lon is None:
            raise ZoneError("give both --lat and --lon")
        if raster is None:
            raise ZoneError("no climate-zone raster configured (HUMUS_ZONE_RASTER)")
        zone_id, line = zone_at(c.lat, c.lon, raster)
        result = Classification(zone_id, None, trace=[line], source="raster")
    elif c.mat is not None:
        result = classify_climate(c, z)
    else:
        result = Classification(None, None)
    result.soil_class, result.soil_trace = classify_soil(c, z)
    result.wocat, result.wocat_basis = wocat_for(c, result.climate_zone, z)
    return result


# --- comparable zones ---------------------------------------------------------------------------

MATCH_LABELS = {
    "documented": "documented for your climate zone and soil",
    "same_zone": "documented for your climate zone",
    "same_soil": "documented for your soil class",
    "same_temperature": "documented in a zone of the same temperature group",
    "same_moisture": "documented in a zone of the same moisture regime",
}
MATCH_ORDER = tuple(MATCH_LABELS)


def match_tier(zone: str | None, soil: str | None, zones_: list[str], soils: list[str]) -> str | None:
    """How something documented for `zones_` × `soils` fits a place: the closest tier of MATCH_ORDER, or None."""
    if zone is None:
        return "same_soil" if soil and soil in soils else None
    if zone in zones_:
        return "documented" if soil is not None and (not soils or soil in soils) else "same_zone"
    z = zones()
    mine = z.climate.get(zone)
    others = [z.climate[x] for x in zones_ if x in z.climate]
    if mine is None or not others:
        return None
    if any(o.temperature_group == mine.temperature_group for o in others):
        return "same_temperature"
    if mine.moisture != "montane" and any(_moisture(o.moisture) == _moisture(mine.moisture) for o in others):
        return "same_moisture"
    return None


def _moisture(value: str) -> str:
    return {"wet": "moist"}.get(value, value)


def unsuited_reason(zone: str | None, soil: str | None, unsuited: list[dict]) -> str | None:
    """The reason a practice sheet gives for not suiting this zone or soil, if it gives one."""
    for entry in unsuited:
        want_zone, want_soil = entry.get("climate_zone"), entry.get("soil_class")
        fits = (want_zone is None or want_zone == zone) and (want_soil is None or want_soil == soil)
        if fits and (want_zone or want_soil):
            return str(entry.get("reason") or "marked unsuited")
    return None


@dataclass(slots=True)
class Place:
    """A classified place, as search ranks by it."""

    classification: Classification

    @classmethod
    def of(cls, conditions: Conditions, raster: Path | None) -> Place:
        result = classify(conditions, raster)
        if not (result.climate_zone or result.candidates or result.soil_class):
            raise ZoneError("the conditions give neither a climate zone nor a soil class: " + "; ".join(result.trace))
        return cls(result)

    @property
    def zones(self) -> list[str]:
        c = self.classification
        return [c.climate_zone] if c.climate_zone else list(c.candidates)

    def fit(self, facets: dict[str, list[str]], metadata: dict) -> tuple[str | None, str | None]:
        """How a document's zones fit the place (a MATCH_ORDER tier), and why it is unsuited, if it is."""
        soil = self.classification.soil_class
        zone_list, soils = facets.get("climate_zone", []), facets.get("soil_class", [])
        place: list[str | None] = [*self.zones] or [None]
        tiers = [match_tier(z, soil, zone_list, soils) for z in place]
        tier = min(tiers, key=self.rank)
        reasons = [r for z in place if (r := unsuited_reason(z, soil, metadata.get("unsuited") or []))]
        return tier, reasons[0] if reasons else None

    @staticmethod
    def rank(tier: str | None) -> int:
        return MATCH_ORDER.index(tier) if tier in MATCH_ORDER else len(MATCH_ORDER)

    def describe(self) -> dict:
        return {**self.classification.to_dict(), "match_labels": MATCH_LABELS}
