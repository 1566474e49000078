"""Practice sheets: Markdown with YAML front matter, validated against one schema."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pycountry
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from ingest import vocab

Lang = Literal["en", "fr", "es"]

# The seven body sections, in order, as each language writes its headings.
SECTION_KEYS: tuple[str, ...] = (
    "what",
    "how",
    "why",
    "results",
    "where",
    "barriers",
    "references",
)
SECTION_HEADINGS: dict[str, tuple[str, ...]] = {
    "en": (
        "What it is",
        "How to do it",
        "Why it works",
        "Results",
        "Where it works and where it does not",
        "Barriers and how farmers overcame them",
        "References",
    ),
    "fr": (
        "En quoi cela consiste",
        "Comment faire",
        "Pourquoi cela marche",
        "Résultats",
        "Où cela marche et où non",
        "Obstacles et solutions trouvées par les agriculteurs",
        "Références",
    ),
    "es": (
        "En qué consiste",
        "Cómo hacerlo",
        "Por qué funciona",
        "Resultados",
        "Dónde funciona y dónde no",
        "Obstáculos y cómo los superaron los agricultores",
        "Referencias",
    ),
}

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


class FrontMatterError(ValueError):
    """The YAML front matter of a file cannot be read."""


class _PlainLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases (a few hundred bytes of aliases can expand to gigabytes), nested at
    most MAX_DEPTH deep (deeper, the composer recursed until Python's limit: about a second of work)."""

    MAX_DEPTH = 64
    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise FrontMatterError(
                f"YAML front matter uses anchors/aliases (&, *) at line {event.start_mark.line + 2}, "
                "which Humus does not read"
            )
        if self.depth >= self.MAX_DEPTH:
            raise FrontMatterError(f"invalid YAML front matter: nested too deeply (more than {self.MAX_DEPTH} levels)")
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def split_front_matter(text: str) -> tuple[dict | None, str]:
    """Return (front matter mapping or None, body). Raises FrontMatterError on broken YAML."""
    match = FRONT_MATTER.match(text)
    if not match:
        return None, text
    try:
        data = yaml.load(match.group(1), Loader=_PlainLoader)  # noqa: S506 - a SafeLoader, aliases refused
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FrontMatterError(f"invalid YAML front matter{where}: {problem}") from exc
    except RecursionError as exc:
        raise FrontMatterError("invalid YAML front matter: nested too deeply") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterError("invalid YAML front matter: expected a mapping of fields")
    return data, text[match.end() :]


class Range(BaseModel):
    model_config = ConfigDict(extra="forbid")
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.low > self.high:
            raise ValueError(f"low {self.low} is greater than high {self.high}")
        return self


class Figure(BaseModel):
    """A published number: a range of outcomes (`low`-`high`: what sites or studies found), a `mean` with its
    uncertainty (`se`, `sd` or the 95 % confidence interval `ci95`: how sure the mean is), or both."""

    model_config = ConfigDict(extra="forbid")
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    se: float | None = Field(None, gt=0, description="standard error of the mean")
    sd: float | None = Field(None, gt=0, description="standard deviation across sites or studies")
    ci95: Range | None = Field(None, description="95 % confidence interval of the mean")

    @model_validator(mode="after")
    def _consistent(self) -> Figure:
        if (self.low is None) != (self.high is None):
            raise ValueError("a range needs both low and high")
        if self.low is not None and self.high is not None:
            if self.low > self.high:
                raise ValueError(f"low {self.low} is greater than high {self.high}")
            if self.low == self.high:
                raise ValueError(f"low and high are both {self.low}: give a single value as mean")
        elif self.mean is None:
            raise ValueError("give a mean, a range (low and high), or both")
        uncertainties = [n for n in ("se", "sd", "ci95") if getattr(self, n) is not None]
        if len(uncertainties) > 1:
            raise ValueError(f"give one uncertainty of the mean, not {' and '.join(uncertainties)}")
        if uncertainties and self.mean is None:
            raise ValueError(f"{uncertainties[0]} is the uncertainty of a mean: give the mean too")
        if self.ci95 is not None and self.mean is not None and not self.ci95.low <= self.mean <= self.ci95.high:
            raise ValueError(f"mean {self.mean} lies outside its ci95")
        return self


def figure_sign(figure: Mapping[str, Any]) -> int:
    """+1 for a figure that is a gain, -1 for a loss, 0 for a range across zero."""
    if figure.get("mean") is not None:
        return (figure["mean"] > 0) - (figure["mean"] < 0)
    low, high = figure.get("low"), figure.get("high")
    return 1 if low is not None and low > 0 else -1 if high is not None and high < 0 else 0


# a sheet's soil-carbon figures: a yearly rate (t C/ha/yr), a relative change (%), a difference in stock (t C/ha)
SOC_MEASURES = ("rate_t_c_ha_yr", "relative_change_pct", "stock_change_t_c_ha")
UNCERTAINTY_TEXT = re.compile(r"±|\+/-|\bSE\b|\bSD\b|standard (error|deviation)|confidence interval|\bCI\b", re.I)


class SocEffect(BaseModel):
    """One published soil-organic-carbon figure for the practice."""

    model_config = ConfigDict(extra="forbid")
    rate_t_c_ha_yr: Figure | None = None
    relative_change_pct: Figure | None = None
    # a difference in stock between the practice and its comparison over `depth_cm`, as syntheses of long-term
    # trials often report it: tonnes of carbon per hectare in all, not per year
    stock_change_t_c_ha: Figure | None = None
    depth_cm: float | None = None
    duration_years: float | None = None
    case_study: bool = Field(False, description="one farm or one site, not a synthesis: a rate to read with care")
    context: str = ""
    reference: str

    @model_validator(mode="after")
    def _has_figure(self) -> SocEffect:
        figures = [f for f in (getattr(self, m) for m in SOC_MEASURES) if f is not None]
        if not figures:
            raise ValueError("give rate_t_c_ha_yr, relative_change_pct or stock_change_t_c_ha")
        if UNCERTAINTY_TEXT.search(self.context) and any(f.mean is None for f in figures):
            raise ValueError(
                "the context reports a mean with its uncertainty: store it as mean with se, sd or ci95, "
                "not as a range (low/high reads as the outcomes farmers can expect)"
            )
        return self


class Quantity(BaseModel):
    """An amount a farmer needs to know to do the practice (an input, a spacing, labour), from a publication."""

    model_config = ConfigDict(extra="forbid")
    what: str = Field(min_length=3)
    amount: Figure
    unit: str = Field(min_length=1, description="e.g. kg/ha, t/ha, trees/ha, m, person-days/ha")
    when: str = ""
    reference: str


class Cost(Quantity):
    """A published cost, with its currency, the year of its prices and the country it was found in."""

    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")
    year: int = Field(ge=1950, le=2030)
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2 code")


class Unsuited(BaseModel):
    model_config = ConfigDict(extra="forbid")
    climate_zone: str | None = None
    soil_class: str | None = None
    reason: str

    @model_validator(mode="after")
    def _one_target(self) -> Unsuited:
        if (self.climate_zone is None) == (self.soil_class is None):
            raise ValueError("name exactly one of climate_zone or soil_class")
        if self.climate_zone is not None and self.climate_zone not in vocab.CLIMATE_ZONES:
            raise ValueError(f"unknown climate zone {self.climate_zone!r}")
        if self.soil_class is not None and self.soil_class not in vocab.SOIL_CLASSES:
            raise ValueError(f"unknown soil class {self.soil_class!r}")
        return self


EVIDENCE_KINDS = (
    "meta-analysis", "systematic-review", "review", "field-experiment", "on-farm-trial", "case-study", "model",
    "guideline",
)  # fmt: skip
OUTCOMES = ("soil_carbon", "yield", "erosion", "water", "greenhouse_gases", "income", "nutrients", "biodiversity")


class Reference(BaseModel):
    """A publication the sheet cites: what kind of evidence it is, where its data come from, what it reports on."""

    model_config = ConfigDict(extra="forbid")
    key: str
    citation: str
    kind: Literal[EVIDENCE_KINDS]  # type: ignore[valid-type]
    region: list[str] = Field(min_length=1, description="ISO alpha-2 countries, IPCC or WOCAT zones, or global")
    outcomes: list[Literal[OUTCOMES]] = Field(min_length=1)  # type: ignore[valid-type]
    doi: str | None = None
    url: str | None = None

    @model_validator(mode="after")
    def _locator(self) -> Reference:
        if not (self.doi or self.url):
            raise ValueError(f"reference {self.key!r} needs a doi or a url")
        zones = ("global", *vocab.CLIMATE_ZONES, *vocab.WOCAT_AGROCLIMATIC_ZONES)
        unknown = [r for r in self.region if r not in zones and pycountry.countries.get(alpha_2=r) is None]
        if unknown:
            raise ValueError(f"reference {self.key!r}: unknown region {', '.join(unknown)} (ISO alpha-2, zone, global)")
        return self


def _check_all(values: list[str], allowed: tuple[str, ...] | dict, what: str) -> list[str]:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValueError(f"unknown {what}: {', '.join(map(str, unknown))}")
    return values


# Front-matter fields whose values must come from a vocabulary, and how errors name them.
CODED_FIELDS: dict[str, tuple[tuple[str, ...] | dict[str, str], str]] = {
    "category": (vocab.SLM_GROUPS, "category (WOCAT SLM group)"),
    "measures": (vocab.MEASURES, "measure"),
    "land_use": (vocab.LAND_USES, "land use"),
    "climate_zones": (vocab.CLIMATE_ZONES, "climate zone"),
    "soil_classes": (vocab.SOIL_CLASSES, "soil class"),
    "wocat_agroclimatic_zones": (vocab.WOCAT_AGROCLIMATIC_ZONES, "WOCAT agro-climatic zone"),
}


class PracticeSheet(BaseModel):
    """Front matter of a practice sheet."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    lang: Lang
    title: str = Field(min_length=3)
    summary: str = Field(min_length=20)
    category: list[str] = Field(min_length=1)
    measures: list[str] = Field(min_length=1)
    land_use: list[str] = Field(min_length=1)
    climate_zones: list[str] = Field(min_length=1)
    soil_classes: list[str] = Field(default_factory=list)
    unsuited: list[Unsuited] = Field(default_factory=list)
    wocat_agroclimatic_zones: list[str] = Field(min_length=1)
    example_countries: list[str] = Field(min_length=1)
    soc_effect: list[SocEffect] = Field(default_factory=list)
    inputs: list[Quantity] = Field(default_factory=list)
    labour: list[Quantity] = Field(default_factory=list)
    costs: list[Cost] = Field(default_factory=list)
    safety: list[str] = Field(default_factory=list)
    co_benefits: list[str] = Field(default_factory=list)
    trade_offs: list[str] = Field(default_factory=list)
    barriers: list[str] = Field(default_factory=list)
    cost_level: Literal["low", "medium", "high"]
    evidence: Literal["scientific", "field_experience", "both"]
    references: list[Reference] = Field(min_length=1)
    updated: dt.date

    @field_validator(*CODED_FIELDS)
    @classmethod
    def _known_codes(cls, v: list[str], info: ValidationInfo) -> list[str]:
        allowed, what = CODED_FIELDS[info.field_name or ""]
        return _check_all(v, allowed, what)

    @field_validator("example_countries")
    @classmethod
    def _countries(cls, v: list[str]) -> list[str]:
        unknown = [c for c in v if pycountry.countries.get(alpha_2=c) is None]
        if unknown:
            raise ValueError(f"unknown ISO 3166 alpha-2 country code: {', '.join(unknown)}")
        return v

    @model_validator(mode="after")
    def _references_resolve(self) -> PracticeSheet:
        keys = {r.key for r in self.references}
        if len(keys) != len(self.references):
            raise ValueError("reference keys must be unique")
        for name in ("soc_effect", "inputs", "labour", "costs"):
            missing = [e.reference for e in getattr(self, name) if e.reference not in keys]
            if missing:
                raise ValueError(f"{name} cites unknown reference key: {', '.join(missing)}")
        return self


QUANTITIES = ("inputs", "labour", "costs")


# Units are written in English in every sheet (identical in the three languages, so that figures compare); this
# table says how they read in French and Spanish. A unit made only of symbols, codes and indices needs no row.
UNITS = Path(__file__).resolve().parent.parent / "corpus" / "glossary" / "units.csv"
UNIT_SYMBOLS = frozenset(
    {"%", "cm", "m", "m²", "t", "ha", "kg", "g", "N", "Mg", "pH", "STIR", "lb", "acre", "EUR", "USD", "BRL", "GBP"}
)


@cache
def unit_names() -> dict[str, dict[str, str]]:
    """Each unit of units.csv: its French and Spanish wording."""
    with UNITS.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != ["en", "fr", "es"]:
            raise ValueError(f"{UNITS}: columns must be en, fr, es")
        return {row["en"]: {"fr": row["fr"], "es": row["es"]} for row in reader}


def unit_text(unit: str, lang: str) -> str:
    """A sheet's unit as it reads in `lang` ("years" → "ans"); as written when the table has no wording for it."""
    return unit_names().get(unit, {}).get(lang) or unit


def needs_unit_name(unit: str) -> bool:
    """A unit with a word in it ("trees/acre", "% of soil surface") reads differently in each language."""
    if unit in unit_names():
        return False
    return any(word not in UNIT_SYMBOLS for word in re.findall(r"[^\s/0-9().,-]+", unit))


def with_unit_text(metadata: dict, languages: list[str]) -> dict:
    """A sheet's metadata with `unit_text`, the unit in the sheet's language, beside each quantity's `unit`."""
    lang = (languages or ["en"])[0]

    def said(item: object) -> object:
        if isinstance(item, dict) and "unit" in item:
            return {**item, "unit_text": unit_text(item["unit"], lang)}
        return item

    return {**metadata, **{name: [said(i) for i in metadata[name]] for name in QUANTITIES if metadata.get(name)}}


def format_validation_error(exc: ValidationError) -> str:
    """One line per problem, naming the field."""
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "front matter"
        parts.append(f"{field}: {err['msg']}")
    return "; ".join(parts)


def body_sections(body: str) -> list[str]:
    """The level-2 headings of a sheet body, in order."""
    return [m.group(1).strip() for m in re.finditer(r"^##[ \t]+(.+?)[ \t]*$", body, re.M)]


def check_sections(lang: str, body: str) -> list[str]:
    """Problems with the body's section structure (empty list when it matches the template)."""
    expected = list(SECTION_HEADINGS.get(lang, ()))
    found = body_sections(body)
    if found == expected:
        return []
    return [f"sections should be {expected} but are {found}"]


def load_sheet(path: Path) -> tuple[PracticeSheet, str]:
    """Parse and validate a practice sheet file; raises ValueError naming the problem."""
    front, body = split_front_matter(path.read_text(encoding="utf-8"))
    if front is None:
        raise ValueError("no YAML front matter")
    try:
        sheet = PracticeSheet.model_validate(front)
    except ValidationError as exc:
        raise ValueError(format_validation_error(exc)) from exc
    problems = check_sections(sheet.lang, body)
    if problems:
        raise ValueError("; ".join(problems))
    return sheet, body


def is_practice_front_matter(front: dict | None) -> bool:
    """A Markdown file is a practice sheet when its front matter says so."""
    return bool(front) and front is not None and front.get("type", "practice") == "practice" and "soc_effect" in front


def validate_dir(folder: Path) -> list[str]:
    """Validate every sheet in a folder and their cross-language consistency."""
    problems: list[str] = []
    by_id: dict[str, dict[str, PracticeSheet]] = {}
    for path in sorted(folder.glob("*.md")):
        try:
            sheet, _ = load_sheet(path)
        except (ValueError, OSError) as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        expected_name = f"{sheet.id}.{sheet.lang}.md"
        if path.name != expected_name:
            problems.append(f"{path.name}: file name should be {expected_name}")
        by_id.setdefault(sheet.id, {})[sheet.lang] = sheet
        for unit in sorted({item.unit for name in QUANTITIES for item in getattr(sheet, name)}):
            if sheet.lang == "en" and needs_unit_name(unit):
                problems.append(f"{path.name}: unit {unit!r} has no French and Spanish wording in {UNITS.name}")
    for pid, sheets in sorted(by_id.items()):
        missing = sorted({"en", "fr", "es"} - sheets.keys())
        if missing:
            problems.append(f"{pid}: missing language(s) {', '.join(missing)}")
        shared = (
            "category",
            "measures",
            "land_use",
            "climate_zones",
            "soil_classes",
            "wocat_agroclimatic_zones",
            "example_countries",
            "cost_level",
            "evidence",
        )
        en = sheets.get("en")
        for lang, sheet in sheets.items():
            if en is None or lang == "en":
                continue
            for name in shared:
                if getattr(sheet, name) != getattr(en, name):
                    problems.append(f"{pid}.{lang}: {name} differs from the English sheet")
            if sheet.references != en.references:
                problems.append(f"{pid}.{lang}: references differ from the English sheet")
            for name, words in (("soc_effect", {"context"}), *((n, {"what", "when"}) for n in QUANTITIES)):
                figures = [e.model_dump(exclude=words) for e in getattr(sheet, name)]
                if figures != [e.model_dump(exclude=words) for e in getattr(en, name)]:
                    problems.append(f"{pid}.{lang}: {name} figures differ from the English sheet")
    return problems


def load_sheets(folder: Path, lang: str = "en") -> list[PracticeSheet]:
    """The valid sheets of one language in a folder (invalid ones are validate_dir's business)."""
    sheets = []
    for path in sorted(folder.glob(f"*.{lang}.md")):
        try:
            sheets.append(load_sheet(path)[0])
        except (ValueError, OSError):
            continue
    return sheets


def coverage(sheets: list[PracticeSheet]) -> dict:
    """Practice category x climate zone counts, and the zones and land uses the sheets cover."""
    matrix = {cat: dict.fromkeys(vocab.CLIMATE_ZONES, 0) for cat in sorted({c for s in sheets for c in s.category})}
    for sheet in sheets:
        for cat in sheet.category:
            for zone in sheet.climate_zones:
                matrix[cat][zone] += 1
    zones = sorted({z for s in sheets for z in s.climate_zones}, key=vocab.CLIMATE_ZONES.index)
    land_uses = sorted({lu for s in sheets for lu in s.land_use}, key=vocab.LAND_USES.index)
    return {"practices": len(sheets), "matrix": matrix, "climate_zones": zones, "land_uses": land_uses}


if __name__ == "__main__":  # pragma: no cover - convenience for corpus writers
    import sys

    issues = validate_dir(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus/practices"))
    print("\n".join(issues) or "all sheets valid")
    sys.exit(1 if issues else 0)
