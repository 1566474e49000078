"""What search needs to know about every document and chunk, held in memory: facets, families, languages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from index.store import Store, StoredDocument

if TYPE_CHECKING:
    from index.vectors import VectorIndex

# WOCAT's own questionnaire fields (see ingest/formats/wocat.py); other documents have none of them
WOCAT_FACETS = (
    "degradation", "purpose", "degradation_goal", "rainfall", "slope", "altitude", "land_ownership", "land_rights",
    "market",
)  # fmt: skip
FACETS = (
    "doc_type", "language", "country", "climate_zone", "soil_class", "land_use", "category", "practice", "year",
    *WOCAT_FACETS, "establishment_cost", "maintenance_cost",
)  # fmt: skip
COST_BANDS = ((100, "<100"), (1_000, "100-1000"), (10_000, "1000-10000"))  # USD; above the last: ">10000"
# Reference lists name every topic of a document: they rank below its text (but still find an author or a title).
REFERENCE_SECTION = re.compile(
    r"^(\d+[.)]?\s*)?(references?|références|referencias|bibliogra\w*|sources|fuentes)$", re.IGNORECASE
)
REFERENCE_WEIGHT = 0.6
FILTER_ALIASES = {"type": "doc_type", "lang": "language", "zone": "climate_zone", "soil": "soil_class"}


def _listed(value: object) -> list[str]:
    if value is None or value == "":
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def document_facets(doc: StoredDocument) -> dict[str, list[str]]:
    """Facet values of a document, from its record type's own metadata."""
    meta = doc.metadata
    return {
        "doc_type": [doc.doc_type],
        "language": list(doc.languages),
        "country": _listed(meta.get("country")) or _listed(meta.get("example_countries")),
        "climate_zone": _listed(meta.get("climate_zones")),
        "soil_class": _listed(meta.get("soil_classes")),
        "land_use": _listed(meta.get("land_use")),
        "category": _listed(meta.get("category")) or _listed(meta.get("slm_group")),
        "practice": [],
        "year": [doc.date[:4]] if doc.date else [],
        **{name: _listed(meta.get(name)) for name in WOCAT_FACETS},
        "establishment_cost": _cost_band(meta.get("costs"), "establishment"),
        "maintenance_cost": _cost_band(meta.get("costs"), "maintenance"),
    }


def _cost_band(costs: object, phase: str) -> list[str]:
    """The USD band of a WOCAT record's establishment or maintenance cost; none when its USD amount is unknown."""
    cost = costs.get(phase) if isinstance(costs, dict) else None
    usd = cost.get("usd") if isinstance(cost, dict) else None
    if not isinstance(usd, int | float):
        return []
    return [next((band for limit, band in COST_BANDS if usd < limit), ">10000")]


def with_tags(facets: dict[str, list[str]], tags: list[tuple[str, str, str]]) -> dict[str, list[str]]:
    """A document's own facets plus its derived tags (see index/tags.py)."""
    for facet, value, _ in tags:
        values = facets.setdefault(facet, [])
        if value not in values:
            values.append(value)
    return facets


def family_of(doc: StoredDocument) -> str:
    """Documents that are one thing for the reader: translations of a practice sheet, renderings of a file."""
    if doc.id.startswith("practice:"):
        return doc.id.rsplit(":", 1)[0]
    return doc.canonical_id or doc.id


@dataclass(slots=True)
class Catalog:
    generation: int
    docs: dict[str, StoredDocument]
    facets: dict[str, dict[str, list[str]]]
    family: dict[str, str]
    members: dict[str, list[str]]  # family -> its documents
    chunk_ids: np.ndarray  # every chunk id, ascending
    chunk_doc: list[str]  # document of each chunk (same order)
    chunk_lang: list[str | None]
    chunk_weight: np.ndarray  # 1, or REFERENCE_WEIGHT for a chunk of a reference list
    chunk_doc_no: np.ndarray  # number of each chunk's document in `doc_names`
    doc_names: list[str]
    chunk_family_no: np.ndarray  # number of each chunk's family in `families`
    families: list[str]
    position: dict[int, int] = field(default_factory=dict)  # chunk id -> row
    doc_rows: dict[str, list[int]] = field(default_factory=dict)  # document -> its rows
    title_terms: dict[str, set[str]] = field(default_factory=dict)  # index terms of titles, filled by search
    family_vectors: dict[str, np.ndarray] = field(default_factory=dict)  # filled by search (feedback)
    _directions: dict[str, np.ndarray] | None = None  # filled by `language_directions`

    @classmethod
    def load(cls, store: Store, rows: list | None = None) -> Catalog:
        """From the store; `rows` is its chunk table when the caller has already read it."""
        generation = store.generation()
        docs = {d.id: d for d in store.documents()}
        family = {d.id: family_of(d) for d in docs.values()}
        members: dict[str, list[str]] = {}
        for doc_id, fam in family.items():
            members.setdefault(fam, []).append(doc_id)
        rows = store.chunk_table() if rows is None else rows
        ids = np.array([r["id"] for r in rows], dtype=np.int64)
        tags = store.doc_tags()
        doc_rows: dict[str, list[int]] = {}
        for i, r in enumerate(rows):
            doc_rows.setdefault(r["doc_id"], []).append(i)
        doc_no = {doc_id: n for n, doc_id in enumerate(docs)}
        families = list(members)
        family_no = {fam: n for n, fam in enumerate(families)}
        return cls(
            generation=generation,
            docs=docs,
            facets={d.id: with_tags(document_facets(d), tags.get(d.id, [])) for d in docs.values()},
            family=family,
            members=members,
            chunk_ids=ids,
            chunk_doc=[r["doc_id"] for r in rows],
            chunk_lang=[r["lang"] for r in rows],
            chunk_weight=np.array(
                [REFERENCE_WEIGHT if REFERENCE_SECTION.match((r["section"] or "").strip()) else 1.0 for r in rows],
                dtype=np.float32,
            ),
            chunk_doc_no=np.array([doc_no[r["doc_id"]] for r in rows], dtype=np.int32),
            doc_names=list(docs),
            chunk_family_no=np.array([family_no[family[r["doc_id"]]] for r in rows], dtype=np.int32),
            families=families,
            position={int(cid): i for i, cid in enumerate(ids)},
            doc_rows=doc_rows,
        )

    def language_directions(self, vectors: VectorIndex) -> dict[str, np.ndarray]:
        """What each language adds to an embedding, measured on the documents that exist in several languages
        (the practice sheets): for each such family, the mean chunk vector of each language version less the
        mean over its versions, averaged over families. Parallel versions say the same thing, so what differs
        is the language, not the topic. Empty when the store holds no document in two languages."""
        if self._directions is None:
            shifts: dict[str, list[np.ndarray]] = {}
            for members in self.members.values():
                by_lang = {
                    self.docs[m].languages[0]: m for m in members if self.docs[m].languages and m in self.doc_rows
                }
                if len(by_lang) < 2:
                    continue
                means = {
                    lang: vectors.vectors(self.chunk_ids[self.doc_rows[m]]).mean(axis=0) for lang, m in by_lang.items()
                }
                centre = np.mean(list(means.values()), axis=0)
                for lang, mean in means.items():
                    shifts.setdefault(lang, []).append(mean - centre)
            self._directions = {lang: np.mean(s, axis=0) for lang, s in shifts.items()}
        return self._directions

    def matches(self, doc_id: str, filters: dict[str, set[str]]) -> bool:
        """Same key: any value; different keys: all of them."""
        facets = self.facets[doc_id]
        return all({v.lower() for v in facets.get(key, [])} & values for key, values in filters.items())

    def passing(self, filters: dict[str, set[str]]) -> set[str] | None:
        """Documents that pass the filters, or None when there are none."""
        return {doc_id for doc_id in self.docs if self.matches(doc_id, filters)} if filters else None

    def allowed_rows(self, passing: set[str] | None) -> np.ndarray | None:
        """Boolean mask over chunks of the passing documents (None: every chunk)."""
        if passing is None:
            return None
        return np.fromiter((d in passing for d in self.chunk_doc), dtype=bool, count=len(self.chunk_doc))


class QueryError(ValueError):
    """A search request that cannot be run as asked (a bad filter, mode or grouping); the message says why."""


def parse_filters(pairs: list[str] | dict[str, list[str]]) -> dict[str, set[str]]:
    """`key=value` strings (or a mapping) to lower-cased sets per facet; QueryError names a bad key."""
    items = (
        [(k, v) for k, vs in pairs.items() for v in vs]
        if isinstance(pairs, dict)
        else [tuple(p.split("=", 1)) if "=" in p else (p, "") for p in pairs]
    )
    out: dict[str, set[str]] = {}
    for key, value in items:
        name = FILTER_ALIASES.get(key.strip(), key.strip())
        if name not in FACETS:
            raise QueryError(f"unknown filter {key!r}: use one of {', '.join(FACETS)}")
        if not value.strip():
            raise QueryError(f"filter {key!r} needs a value, as in {key}=...")
        out.setdefault(name, set()).update(v.strip().lower() for v in value.split(","))
    return out
