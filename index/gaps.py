"""The research-gap map: evidence per practice category × zone, from what the index holds.

A cell counts four kinds of evidence: practice sheets documented for the zone (one per practice, whatever
its translations), WOCAT records located in it, other documents that name both a practice of the category
and the zone, and the cited SOC measurements (`soc_effect` entries) of those sheets. Empty and thin cells
are the gaps; a gap is *plausible* where the category is documented in a comparable zone (same temperature
group or moisture regime) and no sheet marks it unsuited there.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO

from index.catalog import Catalog
from index.zones import zones
from ingest import vocab

AXES: dict[str, tuple[str, ...]] = {
    "climate_zone": vocab.CLIMATE_ZONES,
    "soil_class": vocab.SOIL_CLASSES,
    "land_use": vocab.LAND_USES,
}
KINDS = ("sheets", "wocat", "documents", "measurements")
THIN = 1  # a cell with at most this many sheets + records + documents is thin


@dataclass(slots=True)
class Cell:
    sheets: list[str] = field(default_factory=list)  # practice ids
    wocat: list[str] = field(default_factory=list)  # document ids
    documents: list[str] = field(default_factory=list)
    measurements: int = 0

    @property
    def evidence(self) -> int:
        return len(self.sheets) + len(self.wocat) + len(self.documents)

    def counts(self) -> dict[str, int]:
        return {"sheets": len(self.sheets), "wocat": len(self.wocat), "documents": len(self.documents),
                "measurements": self.measurements, "evidence": self.evidence}  # fmt: skip


@dataclass(slots=True)
class Gap:
    category: str
    column: str
    evidence: int
    plausible: bool
    why: str


@dataclass(slots=True)
class GapMatrix:
    by: str
    categories: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], Cell]
    gaps: list[Gap]

    def cell(self, category: str, column: str) -> Cell:
        return self.cells[(category, column)]

    def to_dict(self) -> dict:
        return {
            "by": self.by,
            "categories": self.categories,
            "category_names": {c: vocab.SLM_GROUPS.get(c, c) for c in self.categories},
            "columns": self.columns,
            "column_names": {c: zones().names(c) for c in self.columns},
            "cells": [
                {
                    "category": cat,
                    "column": col,
                    **self.cells[(cat, col)].counts(),
                    "practices": self.cells[(cat, col)].sheets,
                }
                for cat in self.categories
                for col in self.columns
            ],
            "gaps": [asdict(g) for g in self.gaps],
        }

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["category", self.by, *KINDS, "evidence", "gap", "plausible"])
        gaps = {(g.category, g.column): g for g in self.gaps}
        for cat in self.categories:
            for col in self.columns:
                c, g = self.cells[(cat, col)].counts(), gaps.get((cat, col))
                writer.writerow([cat, col, *(c[k] for k in KINDS), c["evidence"], int(g is not None),
                                 int(bool(g and g.plausible))])  # fmt: skip
        return out.getvalue()


def gap_matrix(catalog: Catalog, by: str = "climate_zone") -> GapMatrix:
    if by not in AXES:
        raise ValueError(f"--by must be one of {', '.join(AXES)}, not {by!r}")
    cells: dict[tuple[str, str], Cell] = {}
    sheet_zones: dict[str, set[str]] = {}  # category -> columns where a sheet documents it
    unsuited: dict[tuple[str, str], str] = {}
    seen_families: set[str] = set()
    for doc_id, doc in sorted(catalog.docs.items()):
        if not doc.is_canonical:
            continue
        facets = catalog.facets[doc_id]
        family = catalog.family[doc_id]
        if doc.doc_type == "practice":
            if family in seen_families:
                continue
            seen_families.add(family)
        for cat in facets.get("category", []):
            for col in facets.get(by, []):
                if col not in AXES[by]:
                    continue
                cell = cells.setdefault((cat, col), Cell())
                if doc.doc_type == "practice":
                    cell.sheets.append(family.split(":", 1)[1])
                    cell.measurements += len(doc.metadata.get("soc_effect") or [])
                    sheet_zones.setdefault(cat, set()).add(col)
                elif doc.doc_type == "wocat":
                    cell.wocat.append(doc_id)
                else:
                    cell.documents.append(doc_id)
            if doc.doc_type == "practice":
                for entry in doc.metadata.get("unsuited") or []:
                    if entry.get(by):
                        unsuited[(cat, entry[by])] = f"{family.split(':', 1)[1]}: {entry.get('reason', '')}"
    categories = sorted({cat for cat, _ in cells})
    columns = list(AXES[by])
    for cat in categories:
        for col in columns:
            cells.setdefault((cat, col), Cell())
    gaps = _gaps(by, categories, columns, cells, sheet_zones, unsuited)
    return GapMatrix(by, categories, columns, cells, gaps)


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
            if cell.evidence > THIN:
                continue
            near = [c for c in comparable(by, col, columns) if c in documented.get(cat, set())]
            support = sorted(near, key=lambda c: -cells[(cat, c)].evidence)
            if (cat, col) in unsuited:
                plausible, why = False, f"marked unsuited ({unsuited[(cat, col)]})"
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
            gaps.append(Gap(cat, col, cell.evidence, plausible, why))
    # plausible first; then the emptiest; then where comparable zones hold the most evidence
    gaps.sort(key=lambda g: (not g.plausible, g.evidence, -ranking[(g.category, g.column)], g.category))
    return gaps


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


def draw_heatmap(matrix: GapMatrix, path: Path | BinaryIO, lang: str = "en") -> None:
    """A slide-ready heatmap: evidence counts per cell, gaps hatched, plausible gaps outlined."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.patches import Rectangle

    z = zones()
    rows, cols = matrix.categories, matrix.columns
    values = np.array([[matrix.cell(r, c).evidence for c in cols] for r in rows], dtype=float)
    fig, ax = plt.subplots(figsize=(2.2 + 0.95 * len(cols), 1.6 + 0.48 * len(rows)), dpi=150)
    cmap = matplotlib.colormaps["YlGn"].with_extremes(bad="white")
    shown = np.ma.masked_equal(np.log1p(values), 0)
    image = ax.imshow(shown, cmap=cmap, aspect="auto", vmin=0, vmax=max(float(np.log1p(values).max()), 1.0))
    plausible = {(g.category, g.column) for g in matrix.gaps if g.plausible and g.evidence == 0}
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            cell = matrix.cell(r, c)
            if cell.evidence == 0:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", edgecolor="#dddddd", lw=0))
            if (r, c) in plausible:
                ax.add_patch(Rectangle((j - 0.46, i - 0.46), 0.92, 0.92, fill=False, edgecolor="#d9480f", lw=1.8))
            label = str(cell.evidence) if cell.evidence else ""
            if cell.measurements:
                label += f"\n{cell.measurements} SOC"
            dark = values[i, j] > 0 and np.log1p(values[i, j]) > 0.6 * image.get_clim()[1]
            ax.text(j, i, label, ha="center", va="center", fontsize=7.5, color="white" if dark else "#222")
    ax.set_xticks(range(len(cols)), [z.names(c).get(lang, c) for c in cols], rotation=35, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), [_short(vocab.SLM_GROUPS.get(r, r)) for r in rows], fontsize=8)
    ax.set_xlabel({"climate_zone": "IPCC climate zone", "soil_class": "IPCC soil class", "land_use": "land use"}[
        matrix.by], fontsize=9)  # fmt: skip
    ax.set_ylabel("practice category (WOCAT SLM group)", fontsize=9)
    ax.set_title("Soil-carbon evidence in Humus: sheets + WOCAT records + documents per cell", fontsize=10, pad=10)
    ax.tick_params(length=0)
    ax.set_xticks(np.arange(-0.5, len(cols)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(rows)), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    fig.text(
        0.01, 0.005,
        "Top number: practice sheets + WOCAT records + documents; 'SOC': cited soil-carbon measurements in those "
        "sheets. Hatched: no evidence. Orange frame: a gap where the category is documented in a comparable zone.",
        fontsize=7, color="#444",
    )  # fmt: skip
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, format="png")
    plt.close(fig)


def _short(text: str, width: int = 38) -> str:
    text = text[0].upper() + text[1:]
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
