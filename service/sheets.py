"""A practice sheet's structured fields written out as sentences in the sheet's language: its soil-carbon figures
with depth, duration and reference, its how-to quantities, costs, safety notes, drawbacks, barriers, other benefits
and the places it does not suit; and which side of a practice (results, how, cost, risk…) each part speaks to."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from index.zones import zones
from ingest.practice import SECTION_HEADINGS, SECTION_KEYS, SOC_MEASURES, figure_sign, unit_text
from service.question import ASKS_ABOUT

if TYPE_CHECKING:
    from index.store import StoredDocument

# The aspects each part of a sheet speaks to: its body sections (ingest.practice.SECTION_KEYS) and its fields.
SECTION_ASPECTS = {
    "what": {"what"}, "how": {"how"}, "why": {"why", "benefit"},
    "results": {"results", "benefit"}, "where": {"where", "risk"}, "barriers": {"risk"},
}  # fmt: skip
FIELD_ASPECTS = {
    "soc_effect": {"results"}, "inputs": {"how"}, "labour": {"how", "cost"}, "costs": {"cost"},
    "safety": {"risk", "how"}, "unsuited": {"where", "risk"}, "trade_offs": {"risk"}, "barriers": {"risk"},
    "co_benefits": {"benefit"}, "cost_level": {"cost"},
}  # fmt: skip
# a step that warns, as the sheets word it: "Do not clear…", "never work in a closed space", "Ne pas laisser…",
# "No talar…" (an infinitive after "no")
WARNING = re.compile(
    r"\b(?:never|do\s+not|don['’]t|avoid\w*|beware|careful|caution|ne\s+pas|ne\s+jamais|jamais|[ée]vite[rz]|"
    r"attention|prudence|no\s+\w+(?:ar|er|ir)|nunca|evit(?:e|ar)\w*|cuidado|precauci[oó]n)\b",
    re.IGNORECASE,
)
LISTED_FOR = {"trade_offs": {"risk"}, "barriers": {"risk", "cost"}, "co_benefits": {"benefit"}}  # only for these
# How a practice sheet's fields read, in the sheet's language.
SOIL_CARBON = {"en": "soil organic carbon", "fr": "carbone organique du sol", "es": "carbono orgánico del suelo"}
RATE_UNIT = {
    "en": "t C/ha/yr (tonnes of carbon per hectare per year)",
    "fr": "t C/ha/an (tonnes de carbone par hectare et par an)",
    "es": "t C/ha/año (toneladas de carbono por hectárea y año)",
}
STOCK_UNIT = {
    "en": "t C/ha (a difference in soil carbon stock against the comparison, in all, not per year)",
    "fr": "t C/ha (un écart de stock de carbone du sol par rapport à la comparaison, au total, pas par an)",
    "es": "t C/ha (una diferencia de existencias de carbono del suelo frente a la comparación, en total, no por año)",
}
DEPTH = {"en": "{} cm deep", "fr": "sur {} cm", "es": "en {} cm"}
YEARS = {"en": "{} years", "fr": "{} ans", "es": "{} años"}
NOT_FOR = {  # a climate zone, a soil class
    "climate_zone": {
        "en": "Not recommended in a {} climate",
        "fr": "Déconseillé en climat {}",
        "es": "No recomendado en clima {}",
    },
    "soil_class": {"en": "Not recommended on {}", "fr": "Déconseillé sur {}", "es": "No recomendado en {}"},
}
UNCERTAINTY = {  # how a mean's uncertainty reads: "0.32 ± 0.08 (standard error)"
    "se": {"en": "standard error", "fr": "erreur type", "es": "error estándar"},
    "sd": {"en": "standard deviation", "fr": "écart type", "es": "desviación estándar"},
    "ci95": {
        "en": "95% confidence interval",
        "fr": "intervalle de confiance à 95 %",
        "es": "intervalo de confianza del 95 %",
    },
}
RANGE_OF = {"en": "results from {} to {}", "fr": "résultats de {} à {}", "es": "resultados de {} a {}"}
CASE_STUDY = {"en": "one farm or site", "fr": "une seule exploitation ou un seul site", "es": "una sola finca o sitio"}
HOW_TO = {  # a sheet's structured how-to fields, as the sentences of an answer
    "inputs": {"en": "How to do it", "fr": "Comment faire", "es": "Cómo hacerlo"},
    "labour": {"en": "Labour", "fr": "Travail", "es": "Mano de obra"},
    "costs": {"en": "Cost", "fr": "Coût", "es": "Costo"},
    "safety": {"en": "Safety", "fr": "Sécurité", "es": "Seguridad"},
    "trade_offs": {"en": "Drawbacks", "fr": "Inconvénients", "es": "Desventajas"},
    "barriers": {"en": "Barriers", "fr": "Obstacles", "es": "Obstáculos"},
    "co_benefits": {"en": "Other benefits", "fr": "Autres bienfaits", "es": "Otros beneficios"},
    "cost_level": {"en": "Cost (low, medium or high)", "fr": "Coût (faible, moyen ou élevé)",
                   "es": "Costo (bajo, medio o alto)"},
}  # fmt: skip
COST_LEVELS = {
    "en": {"low": "low", "medium": "medium", "high": "high"},
    "fr": {"low": "faible", "medium": "moyen", "high": "élevé"},
    "es": {"low": "bajo", "medium": "medio", "high": "alto"},
}


def _cited(doc: StoredDocument, text: str, key: str | None) -> tuple[str, str | None]:
    """A sentence with the short citation of the sheet's reference `key`, and that reference in full."""
    reference = {r["key"]: r for r in doc.metadata.get("references") or []}.get(key or "", {})
    short = short_reference(reference.get("citation", ""))
    return text.rstrip(". ") + (f" ({short})." if short else "."), _reference_line(reference)


class SheetFact(NamedTuple):
    text: str
    reference: str | None  # the publication it cites, in full
    field: str  # the sheet field it states ("soc_effect")
    zone: str | None = None  # the climate zone or soil class of an `unsuited` entry
    climates: frozenset[str] = frozenset()  # the climate zones a soil-carbon figure's context names ("tropics")
    sign: int = 0  # a soil-carbon figure's: +1 a gain, -1 a loss, 0 a range across zero


def effect_facts(doc: StoredDocument, lang: str) -> list[SheetFact]:
    """A practice sheet's soil-carbon figures as sentences in its language, each with the publication it cites
    and the climate zones its context names in everyday words ("in the tropics", "moist cool climates")."""
    out = []
    for effect in doc.metadata.get("soc_effect") or []:
        units = {"rate_t_c_ha_yr": RATE_UNIT[lang], "relative_change_pct": "%", "stock_change_t_c_ha": STOCK_UNIT[lang]}
        parts = [figure_text(effect[m], lang, units[m]) for m in SOC_MEASURES if effect.get(m)]
        where = [DEPTH[lang].format(_number(effect["depth_cm"], lang))] if effect.get("depth_cm") else []
        where += [YEARS[lang].format(_number(effect["duration_years"], lang))] if effect.get("duration_years") else []
        where += [CASE_STUDY[lang]] if effect.get("case_study") else []
        text = f"{doc.title} — {SOIL_CARBON[lang]}: {', '.join(parts)}" + (f" ({', '.join(where)})" if where else "")
        context = (effect.get("context") or "").rstrip(". ")
        cited = _cited(doc, text + (f". {context}" if context else ""), effect.get("reference"))
        sign = figure_sign(next(effect[m] for m in SOC_MEASURES if effect.get(m)))
        out.append(SheetFact(*cited, "soc_effect", climates=frozenset(zones().words.read(context)), sign=sign))
    return out


def fitting_effect(effects: list[SheetFact], climates: set[str]) -> SheetFact:
    """The figure to show for a place: the sheet's first (its broadest) that was not measured in another climate
    than the place's ("moist warm climates" for a cool, wet farm); the first when all were."""
    return next((e for e in effects if not e.climates or e.climates & climates), effects[0])


def sheet_facts(doc: StoredDocument, lang: str, aspects: frozenset[str] = frozenset()) -> list[SheetFact]:
    """A practice sheet's figures, limits and how-to quantities as sentences in its language, each with the
    publication it cites and the field it comes from; its drawbacks and barriers only for a question about its
    risks or costs (`aspects`), which they answer and other questions do not need."""
    meta = doc.metadata
    out = effect_facts(doc, lang)
    for name in ("inputs", "labour", "costs"):
        for item in meta.get(name) or []:
            amount = figure_text(item["amount"], lang, unit_text(item.get("unit", ""), lang))
            extra = [item["when"]] if item.get("when") else []
            if name == "costs":
                extra.append(f"{item.get('country', '')} {item.get('year', '')}".strip())
            text = f"{doc.title} — {HOW_TO[name][lang]}: {item['what']}: {amount}" + (
                f" ({', '.join(extra)})" if extra else ""
            )
            out.append(SheetFact(*_cited(doc, text, item.get("reference")), name))
    listed = ["safety"] + [name for name, asking in LISTED_FOR.items() if aspects & asking]
    for name in listed:
        for text in meta.get(name) or []:
            out.append(SheetFact(f"{doc.title} — {HOW_TO[name][lang]}: {text.rstrip('. ')}.", None, name))
    if "cost" in aspects and not meta.get("costs") and meta.get("cost_level") in COST_LEVELS[lang]:
        level = COST_LEVELS[lang][meta["cost_level"]]
        out.append(SheetFact(f"{doc.title} — {HOW_TO['cost_level'][lang]}: {level}.", None, "cost_level"))
    for entry in meta.get("unsuited") or []:
        kind = "climate_zone" if entry.get("climate_zone") else "soil_class"
        zone = entry.get(kind) or ""
        name = zones().names(zone).get(lang) or zone.replace("_", " ")
        lead = NOT_FOR[kind][lang].format(name.lower())
        out.append(SheetFact(f"{lead}: {entry.get('reason', '')}", None, "unsuited", zone))
    return out


def part_aspects(aspects: set[str], text: str) -> frozenset[str]:
    """What a sentence of a practice sheet speaks to: the aspects of its section or field (SECTION_ASPECTS,
    FIELD_ASPECTS), and costs wherever it names them ("Barriers: Cost and labour of building")."""
    return frozenset(
        aspects
        | ({"cost"} if ASKS_ABOUT["cost"].search(text) else set())
        | ({"risk"} if ASKS_ABOUT["risk"].search(text) or WARNING.search(text) else set())
    )


def sheet_section(heading: str | None) -> str | None:
    """The key of a practice sheet's body section ("how") from its heading in any language ("Comment faire")."""
    for headings in SECTION_HEADINGS.values():
        if heading in headings:
            return SECTION_KEYS[headings.index(heading)]
    return None


def _number(x: float, lang: str) -> str:
    text = f"{x:g}"
    return text.replace(".", ",") if lang in ("fr", "es") else text


def figure_text(figure: dict, lang: str, unit: str = "") -> str:
    """'0.32 ± 0.08 t C/ha/yr (standard error)', '0.24–0.40 t C/ha/yr', '0.3 t C/ha/yr (95% confidence interval
    0.1–0.5; results from -0.1 to 1)': a mean with its uncertainty, and a range of outcomes, never confused."""
    unit = f" {unit}" if unit else ""
    low, high, mean = figure.get("low"), figure.get("high"), figure.get("mean")
    if mean is None:
        return f"{_number(figure['low'], lang)}–{_number(figure['high'], lang)}{unit}"
    notes = []
    text = _number(mean, lang)
    if figure.get("se") or figure.get("sd"):
        kind = "se" if figure.get("se") else "sd"
        text += f" ± {_number(figure[kind], lang)}"
        notes.append(UNCERTAINTY[kind][lang])
    elif ci := figure.get("ci95"):
        notes.append(f"{UNCERTAINTY['ci95'][lang]} {_number(ci['low'], lang)}–{_number(ci['high'], lang)}")
    if low is not None and high is not None:
        notes.append(RANGE_OF[lang].format(_number(low, lang), _number(high, lang)))
    return text + unit + (f" ({'; '.join(notes)})" if notes else "")


def short_reference(citation: str) -> str:
    """'Poeplau, C., Don, A. (2015). …' → 'Poeplau & Don, 2015'; 'IPCC (2019). …' → 'IPCC, 2019'."""
    match = re.match(r"(.*?)\((\d{4})[a-z]?\)", citation)
    if not match:
        return ""
    authors, year = match.group(1), match.group(2)
    names = re.findall(r"([A-ZÀ-Ý][\w'’ -]*?),\s*(?:[A-ZÀ-Ý]\.[\s-]?)+", authors)
    if not names:
        return f"{authors.strip(' .,')}, {year}"
    if len(names) == 1:
        return f"{names[0].strip()}, {year}"
    if len(names) == 2:
        return f"{names[0].strip()} & {names[1].strip()}, {year}"
    return f"{names[0].strip()} et al., {year}"


def _reference_line(reference: dict) -> str | None:
    if not reference:
        return None
    locator = f"https://doi.org/{reference['doi']}" if reference.get("doi") else reference.get("url")
    return f"{reference.get('citation', '')} {locator or ''}".strip()
