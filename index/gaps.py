"""The evidence map: evidence per practice (or practice category) × zone, soil class, land use or outcome,
from what the index holds.

A cell holds the practice sheets documented for the column (one per practice, whatever its translations),
the publications those sheets cite, by kind of evidence (meta-analysis … guideline; on the outcome axis, only
those reporting that outcome), WOCAT records located in it (documented case studies), other documents that
name both a practice of the row and the column, the sheets' soil-carbon figures, and the demand: questions
that the chat could not answer about it (`HUMUS_QUESTION_LOG`). Its class says what kind of gap it is: an
*absolute gap* (no evidence at all), *conflicting* (soil-carbon figures of opposite sign), *thin* (no
synthesis and at most two primary studies), a *synthesis gap* (studies but no meta-analysis or systematic
review), or *covered*. A gap is *plausible* where the row is documented in a comparable column (for climate
zones: the same temperature group or moisture regime) and no sheet marks it unsuited there.

Approximation: a sheet's publications count in every zone the sheet documents, unless a publication names
the zone it studied.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from index.catalog import Catalog
from index.zones import ZONE_DIR, zones
from ingest import vocab
from ingest.practice import EVIDENCE_KINDS, OUTCOMES, SOC_MEASURES, figure_sign

REGIONS = yaml.safe_load((ZONE_DIR / "world_regions.yaml").read_text(encoding="utf-8"))["regions"]
REGION_OF = {country: r["id"] for r in REGIONS for country in r["countries"]}  # ISO alpha-2 -> UN M49 region
REGION_NAMES = {"global": {"en": "Worldwide", "fr": "Monde", "es": "Mundial"}} | {r["id"]: r["names"] for r in REGIONS}
AXES: dict[str, tuple[str, ...]] = {
    "climate_zone": vocab.CLIMATE_ZONES,
    "soil_class": vocab.SOIL_CLASSES,
    "land_use": vocab.LAND_USES,
    "outcome": OUTCOMES,
    "region": tuple(REGION_NAMES),
}
ROWS = ("category", "practice")
KINDS = ("sheets", "wocat", "documents", "measurements")
SYNTHESES = ("meta-analysis", "systematic-review")
PRIMARY = ("field-experiment", "on-farm-trial", "case-study")
CLASSES = ("absolute_gap", "conflicting", "thin", "synthesis_gap", "covered")  # the order gaps are pursued in
THIN = 2  # at most this many primary studies (WOCAT records count as case studies) and no synthesis: thin


@dataclass(slots=True)
class Cell:
    sheets: list[str] = field(default_factory=list)  # practice ids
    wocat: list[str] = field(default_factory=list)  # document ids
    documents: list[str] = field(default_factory=list)
    measurements: int = 0
    sources: dict[str, dict] = field(default_factory=dict)  # a publication (its DOI, URL or key) -> its record
    figures: list[dict] = field(default_factory=list)  # soil-carbon figures: {practice, reference, measure, figure}
    demand: int = 0  # questions about the cell that the chat could not answer

    @property
    def evidence(self) -> int:
        return len(self.sheets) + len(self.wocat) + len(self.documents)

    def by_kind(self) -> dict[str, int]:
        """Publications by kind of evidence; WOCAT records are documented case studies."""
        counts = dict.fromkeys(EVIDENCE_KINDS, 0)
        for source in self.sources.values():
            if source.get("kind") in counts:  # a sheet read before publications had kinds has none
                counts[source["kind"]] += 1
        counts["case-study"] += len(self.wocat)
        return counts

    @property
    def conflicting(self) -> bool:
        signs = {figure_sign(f["figure"]) for f in self.figures}
        return {1, -1} <= signs

    @property
    def state(self) -> str:
        kinds = self.by_kind()
        if not self.evidence and not self.sources:
            return "absolute_gap"
        if self.conflicting:
            return "conflicting"
        if any(kinds[k] for k in SYNTHESES):
            return "covered"
        return "thin" if sum(kinds[k] for k in PRIMARY) <= THIN else "synthesis_gap"

    def effect(self) -> dict[str, dict]:
        """The soil-carbon figures' span per measure: lowest and highest value (of ranges, means and their
        confidence intervals) and how many figures."""
        out: dict[str, dict] = {}
        for f in self.figures:
            fig = f["figure"]
            values = [v for v in (fig.get("low"), fig.get("high"), fig.get("mean")) if v is not None]
            span = out.setdefault(f["measure"], {"low": min(values), "high": max(values), "figures": 0})
            span["low"], span["high"] = min(span["low"], *values), max(span["high"], *values)
            span["figures"] += 1
        return out

    def counts(self) -> dict:
        return {"sheets": len(self.sheets), "wocat": len(self.wocat), "documents": len(self.documents),
                "measurements": self.measurements, "evidence": self.evidence, "kinds": self.by_kind(),
                "class": self.state, "effect": self.effect(), "demand": self.demand}  # fmt: skip


@dataclass(slots=True)
class Gap:
    category: str  # the row: a practice category, or a practice
    column: str
    evidence: int
    plausible: bool
    why: str
    state: str = "absolute_gap"
    demand: int = 0


@dataclass(slots=True)
class GapMatrix:
    by: str
    categories: list[str]  # the rows
    columns: list[str]
    cells: dict[tuple[str, str], Cell]
    gaps: list[Gap]
    rows: str = "category"

    def cell(self, category: str, column: str) -> Cell:
        return self.cells[(category, column)]

    def to_dict(self) -> dict:
        return {
            "by": self.by,
            "rows": self.rows,
            "categories": self.categories,
            "category_names": {c: vocab.SLM_GROUPS.get(c, c) for c in self.categories},
            "columns": self.columns,
            "column_names": {c: REGION_NAMES.get(c) or zones().names(c) for c in self.columns},
            "cells": [
                {
                    "category": cat,
                    "column": col,
                    **self.cells[(cat, col)].counts(),
                    "practices": self.cells[(cat, col)].sheets,
                    "sources": [
                        {k: s.get(k) for k in ("practice", "kind", "key", "citation", "doi", "url")}
                        for s in self.cells[(cat, col)].sources.values()
                    ],
                    "figures": self.cells[(cat, col)].figures,  # each with its uncertainty, as the sheet gives it
                    "wocat_records": self.cells[(cat, col)].wocat,
                    "document_ids": self.cells[(cat, col)].documents,
                }
                for cat in self.categories
                for col in self.columns
            ],
            "gaps": [asdict(g) for g in self.gaps],
        }

    def to_csv(self) -> str:
        """One row per cell: counts by kind of evidence, class, soil-carbon span, demand, gap."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([self.rows, self.by, *KINDS, "evidence", *EVIDENCE_KINDS, "class", "soc_rate_low",
                         "soc_rate_high", "soc_pct_low", "soc_pct_high", "soc_stock_low", "soc_stock_high", "demand",
                         "gap", "plausible"])  # fmt: skip
        gaps = {(g.category, g.column): g for g in self.gaps}
        for cat in self.categories:
            for col in self.columns:
                cell, g = self.cells[(cat, col)], gaps.get((cat, col))
                c, effect = cell.counts(), cell.effect()
                rate, pct, stock = (effect.get(measure, {}) for measure in SOC_MEASURES)
                writer.writerow([cat, col, *(c[k] for k in KINDS), c["evidence"], *c["kinds"].values(), c["class"],
                                 rate.get("low", ""), rate.get("high", ""), pct.get("low", ""), pct.get("high", ""),
                                 stock.get("low", ""), stock.get("high", ""),
                                 cell.demand, int(g is not None), int(bool(g and g.plausible))])  # fmt: skip
        return out.getvalue()

    def source_table(self) -> list[dict]:
        """One row per publication and cell, for spreadsheets and evidence-map tools: row, column, practice,
        kind, outcomes, region, reference, DOI, URL."""
        table = []
        for (cat, col), cell in sorted(self.cells.items()):
            for source in cell.sources.values():
                row: dict[str, Any] = {self.rows: cat, self.by: col}
                row |= {k: source.get(k) for k in ("practice", "kind", "outcomes", "region", "key")}
                row |= {"reference": source["citation"], "doi": source.get("doi"), "url": source.get("url")}
                table.append(row)
        return table

    def sources_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        table = self.source_table()
        columns = [self.rows, self.by, "practice", "kind", "outcomes", "region", "key", "reference", "doi", "url"]
        writer.writerow(columns)
        for row in table:
            writer.writerow(["; ".join(v) if isinstance(v, list) else v or "" for v in (row[c] for c in columns)])
        return out.getvalue()


def gap_matrix(
    catalog: Catalog, by: str = "climate_zone", rows: str = "category", demand: dict[tuple[str, str], int] | None = None
) -> GapMatrix:
    """The evidence map. `demand`: unanswered questions per (practice, column), from the question log."""
    if by not in AXES:
        raise ValueError(f"--by must be one of {', '.join(AXES)}, not {by!r}")
    if rows not in ROWS:
        raise ValueError(f"--rows must be one of {', '.join(ROWS)}, not {rows!r}")
    cells: dict[tuple[str, str], Cell] = {}
    sheet_zones: dict[str, set[str]] = {}  # row -> columns where a sheet documents it
    unsuited: dict[tuple[str, str], str] = {}
    categories_of: dict[str, list[str]] = {}  # practice -> its categories
    seen_families: set[str] = set()
    for doc_id, doc in sorted(catalog.docs.items()):
        if not doc.is_canonical:
            continue
        facets = catalog.facets[doc_id]
        family = catalog.family[doc_id]
        practice = family.split(":", 1)[1] if doc.doc_type == "practice" else None
        if practice:
            if family in seen_families:
                continue
            seen_families.add(family)
            doc = catalog.docs.get(f"{family}:en", doc)  # one version's metadata (figures are the same in all)
            categories_of[practice] = list(facets.get("category", []))
        keys = [practice] if rows == "practice" and practice else facets.get(rows, [])
        for row in keys:
            for col in _columns(by, doc, facets):
                cell = cells.setdefault((row, col), Cell())
                if practice:
                    cell.sheets.append(practice)
                    _add_sources(cell, doc.metadata, practice, by, col)
                    sheet_zones.setdefault(row, set()).add(col)
                elif doc.doc_type == "wocat":
                    cell.wocat.append(doc_id)
                else:
                    cell.documents.append(doc_id)
            if practice:
                for entry in doc.metadata.get("unsuited") or []:
                    if entry.get(by):
                        unsuited[(row, entry[by])] = f"{practice}: {entry.get('reason', '')}"
    row_ids = sorted({row for row, _ in cells})
    columns = list(AXES[by])
    for row in row_ids:
        for col in columns:
            cells.setdefault((row, col), Cell())
    for (practice, col), count in (demand or {}).items():
        for row in [practice] if rows == "practice" else categories_of.get(practice, []):
            if (row, col) in cells:
                cells[(row, col)].demand += count
    gaps = _gaps(by, row_ids, columns, cells, sheet_zones, unsuited)
    return GapMatrix(by, row_ids, columns, cells, gaps, rows)


def _regions(values: list[str]) -> set[str]:
    """World regions of a publication's or a document's countries ("global" stays; zone ids have none)."""
    return {"global" if v == "global" else REGION_OF.get(v.upper(), "") for v in values} - {""}


def _columns(by: str, doc, facets: dict[str, list[str]]) -> list[str]:  # noqa: ANN001 - a StoredDocument
    """The columns a document counts in: its facet values; on the outcome axis what its sources report on; on the
    region axis where its sources' data (a sheet) or its country (a record, a document) are."""
    if by == "region":
        if doc.doc_type == "practice":
            found = set().union(*(_regions(r.get("region") or []) for r in doc.metadata.get("references") or []))
        else:
            found = _regions(facets.get("country", []))
        return [c for c in AXES[by] if c in found]
    if by != "outcome":
        return [c for c in facets.get(by, []) if c in AXES[by]]
    if doc.doc_type == "practice":
        found = {o for r in doc.metadata.get("references") or [] for o in r.get("outcomes") or []}
        if doc.metadata.get("soc_effect"):
            found.add("soil_carbon")
        return [o for o in OUTCOMES if o in found]
    if doc.doc_type == "wocat" and doc.metadata.get("soc_impact") is not None:
        return ["soil_carbon"]  # a record's questionnaire says what it did to soil organic matter
    return []  # other documents: what they report on is not known


def _add_sources(cell: Cell, meta: dict, practice: str, by: str, col: str) -> None:
    """A sheet's publications that count in the cell, and its soil-carbon figures."""
    for ref in meta.get("references") or []:
        if by == "outcome" and col not in (ref.get("outcomes") or []):
            continue
        if by == "region" and col not in _regions(ref.get("region") or []):
            continue
        named = [r for r in ref.get("region") or [] if r in AXES.get(by, ())]
        if named and col not in named:  # the publication says which zone it studied, and it is another
            continue
        identity = ref.get("doi") or ref.get("url") or f"{practice}:{ref['key']}"
        cell.sources.setdefault(identity, {**ref, "practice": practice, "outcomes": ref.get("outcomes") or [],
                                           "region": ref.get("region") or []})  # fmt: skip
    if (by == "outcome" and col != "soil_carbon") or by == "region":
        return  # a sheet's soil-carbon figures are not placed by outcome other than soil carbon, nor by region
    for effect in meta.get("soc_effect") or []:
        measured_in = zones().words.read(effect.get("context") or "")  # "in moist warm climates", "tropical studies"
        if by == "climate_zone" and measured_in and col not in measured_in:
            continue  # a figure whose context names its climate counts in that climate's columns only
        cell.measurements += 1
        for measure in SOC_MEASURES:
            if effect.get(measure):
                figure = {"measure": measure, "figure": effect[measure], "case_study": bool(effect.get("case_study"))}
                cell.figures.append({"practice": practice, "reference": effect.get("reference"), **figure})


def _gaps(
    by: str,
    categories: list[str],
    columns: list[str],
    cells: dict[tuple[str, str], Cell],
    documented: dict[str, set[str]],
    unsuited: dict[tuple[str, str], str],
) -> list[Gap]:
    gaps = []
    ranking: dict[tuple[str, str], int] = {}
    for cat in categories:
        for col in columns:
            cell = cells[(cat, col)]
            state = cell.state
            if state == "covered":
                continue
            near = [c for c in comparable(by, col, columns) if c in documented.get(cat, set())]
            support = sorted(near, key=lambda c: -cells[(cat, c)].evidence)
            if (cat, col) in unsuited:
                plausible, why = False, f"marked unsuited ({unsuited[(cat, col)]})"
            elif cell.evidence and state != "absolute_gap":
                plausible, why = True, _state_why(cell)
            elif support:
                plausible = True
                why = (
                    "documented in comparable "
                    + ("zones" if by == "climate_zone" else "columns")
                    + ": "
                    + ", ".join(f"{c} ({cells[(cat, c)].evidence})" for c in support[:3])
                )
            else:
                plausible, why = False, "not documented in a comparable zone"
            ranking[(cat, col)] = sum(cells[(cat, c)].evidence for c in support)
            gaps.append(Gap(cat, col, cell.evidence, plausible, why, state, cell.demand))
    # plausible first; then the most asked about; then by class (absolute gaps first); then the emptiest; then
    # where comparable zones hold the most evidence
    gaps.sort(key=lambda g: (not g.plausible, -g.demand, CLASSES.index(g.state), g.evidence,
                             -ranking[(g.category, g.column)], g.category))  # fmt: skip
    return gaps


def _state_why(cell: Cell) -> str:
    kinds = {k: n for k, n in cell.by_kind().items() if n}
    listed = ", ".join(f"{n} {k}" for k, n in kinds.items()) or "no publication"
    if cell.state == "conflicting":
        return f"soil-carbon figures of opposite sign ({listed})"
    if cell.state == "thin":
        return f"no synthesis and at most {THIN} primary studies ({listed})"
    return f"studies but no meta-analysis or systematic review ({listed})"


TEMPERATURE_ORDER = ("tropical", "warm_temperate", "cool_temperate", "boreal", "polar")


def comparable(by: str, column: str, columns: list[str]) -> list[str]:
    """Columns whose evidence makes a practice plausible in `column`.

    Climate zones: the same temperature group, or the next warmer/colder group with the same moisture regime.
    Soil classes and land uses have no such order: every other column counts.
    """
    if by != "climate_zone":
        return [c for c in columns if c != column]
    z = zones().climate
    mine = z[column]
    rank = TEMPERATURE_ORDER.index(mine.temperature_group)
    out = []
    for other in columns:
        o = z[other]
        if other == column:
            continue
        step = abs(TEMPERATURE_ORDER.index(o.temperature_group) - rank)
        if step == 0 or (step == 1 and _regime(o.moisture) == _regime(mine.moisture)):
            out.append(other)
    return out


def _regime(moisture: str) -> str:
    return {"wet": "moist", "montane": "moist"}.get(moisture, moisture)


# Okabe & Ito's palette, which readers with the common colour-vision deficiencies tell apart; the classes also
# differ by hatching and by the label in each cell, so the map reads in black and white too.
CLASS_STYLE = {
    "absolute_gap": ("#ffffff", "///", "no evidence"),
    "thin": ("#E69F00", "", "thin: ≤2 primary studies"),
    "synthesis_gap": ("#F0E442", "", "synthesis gap: no meta-analysis"),
    "conflicting": ("#CC79A7", "xx", "conflicting figures"),
    "covered": ("#56B4E9", "", "covered by a synthesis"),
}
AXIS_NAMES = {"climate_zone": "IPCC climate zone", "soil_class": "IPCC soil class", "land_use": "land use",
              "outcome": "outcome", "region": "where the studies were made (UN M49 region)"}  # fmt: skip


def draw_heatmap(matrix: GapMatrix, path: Path | BinaryIO, lang: str = "en") -> None:
    """A slide-ready map: each cell coloured by its class of gap, with its evidence count; plausible gaps
    outlined; a legend of the classes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Rectangle

    z = zones()
    rows, cols = matrix.categories, matrix.columns
    fig, ax = plt.subplots(figsize=(3.2 + 0.95 * len(cols), 2.0 + 0.42 * len(rows)), dpi=150)
    ax.set_xlim(-0.5, len(cols) - 0.5)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    plausible = {(g.category, g.column) for g in matrix.gaps if g.plausible}
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            cell = matrix.cell(r, c)
            colour, hatch, _ = CLASS_STYLE[cell.state]
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=colour, hatch=hatch, edgecolor="#bbbbbb",
                                   lw=0.6))  # fmt: skip
            if (r, c) in plausible and cell.state != "covered":
                ax.add_patch(Rectangle((j - 0.44, i - 0.44), 0.88, 0.88, fill=False, edgecolor="#000000", lw=1.6))
            kinds = cell.by_kind()
            found = len(cell.sources) + len(cell.wocat) + len(cell.documents)
            label = str(found) if found else ""
            if kinds["meta-analysis"] + kinds["systematic-review"]:
                label += f"\n{kinds['meta-analysis'] + kinds['systematic-review']} MA/SR"
            if cell.demand:
                label += f"\n{cell.demand} asked"
            ax.text(j, i, label, ha="center", va="center", fontsize=7, color="#111")
    names = [(REGION_NAMES.get(c) or z.names(c)).get(lang, c.replace("_", " ")) for c in cols]
    ax.set_xticks(range(len(cols)), names, rotation=35, ha="right", fontsize=8)
    labels = [_short(vocab.SLM_GROUPS.get(r, r)) if matrix.rows == "category" else r for r in rows]
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.set_xlabel(AXIS_NAMES[matrix.by], fontsize=9)
    ax.set_ylabel("practice category (WOCAT SLM group)" if matrix.rows == "category" else "practice", fontsize=9)
    ax.set_title("Soil-carbon evidence map (Humus): what kind of gap each cell is", fontsize=10, pad=10)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    legend = [Patch(facecolor=c, hatch=h, edgecolor="#888888", label=text) for c, h, text in CLASS_STYLE.values()]
    legend.append(Patch(facecolor="none", edgecolor="#000000", lw=1.6, label="plausible gap"))
    ax.legend(handles=legend, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7.5, frameon=False)
    fig.text(
        0.01, 0.005,
        "Number: publications cited by the practice sheets + WOCAT records + documents; MA/SR: meta-analyses "
        "and systematic reviews; asked: unanswered questions logged.",
        fontsize=7, color="#444",
    )  # fmt: skip
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, format="png")
    plt.close(fig)


def _short(text: str, width: int = 38) -> str:
    text = text[0].upper() + text[1:]
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
