"""Derived document tags: what a document is about, for filters, groups and the gap map.

Practice sheets carry their own zones and soils. Other documents get:
- the practices, climate zones, soil classes, land uses and countries their text names (glossary and country
  names matched in every chunk, in the chunk's language; a practice also brings its sheet's category);
- WOCAT records, the climate zone of their coordinates in the zone raster where one is configured, else the
  IPCC zones usually found with their WOCAT agro-climatic zone (an approximation the basis says).
"""

from __future__ import annotations

from pathlib import Path

from index.lexicon import COUNTRY
from index.store import StoredDocument
from index.zones import ZoneError, zone_at, zones
from ingest.glossary import Concept

Tag = tuple[str, str, str]  # facet, value, basis
LINKED = ("practice", "climate_zone", "soil_class", "land_use")


def practice_of(doc: StoredDocument) -> str | None:
    return doc.id.split(":")[1] if doc.id.startswith("practice:") else None


def document_tags(
    doc: StoredDocument,
    mentions: dict[str, int],
    concepts: dict[str, Concept],
    categories: dict[str, list[str]],
    raster: Path | None,
) -> list[Tag]:
    own = practice_of(doc)
    if own:
        return [("practice", own, "sheet")]
    tags: dict[tuple[str, str], str] = {}
    if doc.doc_type == "wocat":
        for zone, basis in _wocat_zones(doc, raster):
            tags.setdefault(("climate_zone", zone), basis)
    for concept_id in mentions:
        if concept_id.startswith(COUNTRY):
            tags.setdefault(("country", concept_id[len(COUNTRY) :]), "mentioned")
            continue
        concept = concepts.get(concept_id)
        for link in concept.links if concept else []:
            facet, _, value = link.partition(":")
            if facet in LINKED:
                tags.setdefault((facet, value), "mentioned")
            if facet == "practice":
                for category in categories.get(value, []):
                    tags.setdefault(("category", category), "mentioned")
    return [(facet, value, basis) for (facet, value), basis in sorted(tags.items())]


def _wocat_zones(doc: StoredDocument, raster: Path | None) -> list[tuple[str, str]]:
    points = doc.metadata.get("coordinates") or []
    if points and raster is not None and raster.exists():
        found = []
        for lon, lat in points:
            try:
                zone, _ = zone_at(float(lat), float(lon), raster)
            except (ZoneError, TypeError, ValueError):
                continue
            if zone and zone not in found:
                found.append(zone)
        if found:
            return [(z, "coordinates") for z in found]
    z = zones()
    agro = [w for w in doc.metadata.get("wocat_agroclimatic_zone") or [] if w in z.wocat]
    related = [r for w in agro for r in z.wocat[w].ipcc_related]
    return [(r, "wocat agro-climatic zone (approximate)") for r in dict.fromkeys(related)]
