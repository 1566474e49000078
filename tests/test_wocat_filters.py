"""WOCAT's own questionnaire fields (degradation, purpose, rainfall, slope, tenure, costs...) as facets and filters.

Expected values were read from the records in ../shared/wocat by hand.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import WOCAT

from index.catalog import FACETS, WOCAT_FACETS, QueryError, document_facets, parse_filters
from index.kb import KnowledgeBase
from index.store import StoredDocument
from ingest.formats.wocat import parse_json
from ingest.records import ParsedDocument

pytestmark = pytest.mark.skipif(not WOCAT.exists(), reason="../shared/wocat is not present")

WOCAT_KEYS = (*WOCAT_FACETS, "rainfall_mm", "costs")


def parsed(name: str) -> dict[str, ParsedDocument]:
    path = WOCAT / name
    return {d.key: d for d in parse_json(path.read_bytes(), path)}


def wocat_fields(doc: ParsedDocument) -> dict[str, Any]:
    return {k: doc.metadata[k] for k in WOCAT_KEYS if k in doc.metadata}


def facets_of(doc: ParsedDocument) -> dict[str, list[str]]:
    stored = StoredDocument(
        id=f"wocat:{doc.key}", path="x.json", title=doc.title, doc_type="wocat", languages=doc.languages,
        date=doc.date, source=doc.source, metadata=doc.metadata, content_hash="-", canonical_id=None,
    )  # fmt: skip
    return document_facets(stored)


def test_v2_detail_contour_trench_bund() -> None:
    doc = parsed("api_v2_detail_technologies_1724.json")["technologies_1724"]
    assert wocat_fields(doc) == {
        "degradation": ["erosion_water"],
        # "protect a watershed/ downstream areas â€“ in combination ..." (mojibake in the file)
        "purpose": ["watershed", "disasters"],
        "degradation_goal": ["reduce"],
        "rainfall": ["251-500"],  # no annual figure in the record: no rainfall_mm
        "slope": ["rolling", "hilly"],
        "altitude": ["1501-2000", "2501-3000"],
        "land_ownership": ["communal"],
        "land_rights": ["communal"],
        "market": ["mixed"],
        # no maintenance costs and no calculation basis in the record: none here
        "costs": {"establishment": {"amount": 939.0, "currency": "USD", "usd": 939.0, "how": "total given"}},
    }
    facets = facets_of(doc)
    assert facets["establishment_cost"] == ["100-1000"]
    assert facets["maintenance_cost"] == []


def test_v2_detail_armenia() -> None:
    doc = parsed("api_v2_detail_armenia.json")["technologies_4092"]
    assert wocat_fields(doc) == {
        "degradation": ["erosion_water", "erosion_wind", "physical", "biological"],
        "purpose": ["production", "degradation", "biodiversity", "disasters"],
        "degradation_goal": ["reduce", "restore"],
        "rainfall": ["501-750"],
        "rainfall_mm": 521.0,
        "slope": ["hilly", "steep"],
        "altitude": ["1501-2000", "2001-2500"],
        "land_ownership": ["state", "communal"],
        "land_rights": ["open_access", "leased"],
        "market": ["mixed"],
        "costs": {
            "establishment": {"amount": 6160.6, "currency": "USD", "usd": 6160.6, "how": "total given"},
            "maintenance": {"amount": 420.0, "currency": "USD", "usd": 420.0, "how": "total given"},
            "basis": "per Technology area, 0.15 ha",
        },
    }
    facets = facets_of(doc)
    assert facets["establishment_cost"] == ["1000-10000"] and facets["maintenance_cost"] == ["100-1000"]


def test_current_api_records() -> None:
    docs = parsed("api_current_sample_records.json")
    assert wocat_fields(docs["technologies_7809"]) == {
        "degradation": ["biological", "erosion_wind"],
        "purpose": ["degradation", "ecosystem", "biodiversity", "mitigation"],
        "degradation_goal": ["reduce", "restore"],  # REHABILITATE
        "rainfall": ["<250"],
        "rainfall_mm": 71.0,
        "slope": ["flat"],
        "altitude": ["0-100"],
        "land_ownership": ["state"],
        "land_rights": ["communal"],
        # market_orientation is empty in the record: missing, not guessed
        "costs": {
            # no totals in the record: WOCAT's own total, the sum of quantity x cost per unit, in SAR at 3.75 a USD
            "establishment": {"amount": 7781.0, "currency": "SAR", "usd": 2074.93, "how": "sum of listed inputs"},
            "maintenance": {"amount": 303.5, "currency": "SAR", "usd": 80.93, "how": "sum of listed inputs"},
            "basis": "per Technology area, 0.46 ha",
        },
    }
    assert facets_of(docs["technologies_7809"])["market"] == []
    # "100_500" is how the current API writes WOCAT's 101-500 m class
    assert docs["technologies_7815"].metadata["altitude"] == ["101-500"]
    assert docs["technologies_7815"].metadata["market"] == ["commercial"]
    assert docs["technologies_7810"].metadata["degradation"] == ["other", "chemical", "biological"]
    costs = docs["technologies_7810"].metadata["costs"]
    # a maintenance total given in the record wins over its breakdown; the record's own rate (375) is used as it is
    assert costs["maintenance"] == {"amount": 32.0, "currency": "ريال سعودي", "usd": 0.09, "how": "total given"}
    assert costs["establishment"]["amount"] == 66200.0 and costs["establishment"]["how"] == "sum of listed inputs"


def test_list_page_records_have_none_of_these_fields() -> None:
    docs = parsed("api_v2_list_page1.json")
    assert len(docs) > 20
    for doc in docs.values():
        assert wocat_fields(doc) == {}, doc.key
        assert all(facets_of(doc)[name] == [] for name in (*WOCAT_FACETS, "establishment_cost", "maintenance_cost"))


def current_record(**changes: Any) -> bytes:
    record = copy.deepcopy(json.loads((WOCAT / "api_current_sample_records.json").read_text(encoding="utf-8"))[2])
    record["selected_version"].update(changes)
    return json.dumps(record, ensure_ascii=False).encode()


def test_unknown_answers_keep_their_slug_and_aliases_map_to_the_class() -> None:
    data = current_record(
        main_purpose=["PRODUCTION", "SOIL_CARBON"], slopes=["VERY_STEEP", "Terraced Hillside"],
        altitudinalzone=["3000_4000"], market_orientation="MIXED",
    )  # fmt: skip
    (doc,) = parse_json(data, Path("record.json"))
    assert doc.metadata["purpose"] == ["production", "soil_carbon"]
    assert doc.metadata["slope"] == ["very_steep", "terraced_hillside"]
    assert doc.metadata["altitude"] == ["3001-4000"]
    assert doc.metadata["market"] == ["mixed"]


def test_costs_summed_from_the_breakdown_and_converted_at_the_records_rate() -> None:
    breakdown = {
        "labour": [{"quantity": 10, "cost_per_unit": 25}, {"quantity": None, "cost_per_unit": 100}],
        "equipment": [{"quantity": 2, "cost_per_unit": 500.5}],
        "other": [],
    }
    data = current_record(
        cost_calculation_currency={"currency_base": "other", "currency_other": {"en": "KES"}, "exchange_rate": 130},
        establishment_total_estimation=None, establishment_cost_breakdown=breakdown,
        maintenance_total_estimation=13000, maintenance_cost_breakdown={},
        cost_calculation={"calculation_base": "unit", "unit": {"ar": "حفرة"}, "volume": {}},
    )  # fmt: skip
    (doc,) = parse_json(data, Path("record.json"))
    assert doc.metadata["costs"] == {
        "establishment": {"amount": 1251.0, "currency": "KES", "usd": 9.62, "how": "sum of listed inputs"},
        "maintenance": {"amount": 13000.0, "currency": "KES", "usd": 100.0, "how": "total given"},
        "basis": "per Technology unit, حفرة",
    }
    facets = facets_of(doc)
    assert facets["establishment_cost"] == ["<100"] and facets["maintenance_cost"] == ["100-1000"]
    # no rate and not USD: the amount stays, its USD value and band are unknown
    (doc,) = parse_json(
        current_record(
            cost_calculation_currency={"currency_base": "other", "currency_other": {"ar": "SAR"}},
            establishment_cost_breakdown=breakdown,
            maintenance_cost_breakdown={},
            maintenance_total_estimation=None,
        ),
        Path("record.json"),
    )
    assert doc.metadata["costs"]["establishment"]["usd"] is None and "maintenance" not in doc.metadata["costs"]
    assert facets_of(doc)["establishment_cost"] == []


def set_leaf(node: Any, key: str, value: Any) -> None:
    """Every answer of a v2 detail field set to `value` (None: blank)."""
    if isinstance(node, dict):
        for k, child in node.items():
            if k == key and isinstance(child, dict) and "value" in child:
                child["value"] = [{"value": value}] if value is not None else []
            else:
                set_leaf(child, key, value)


def test_v2_detail_without_a_total_sums_its_aligned_inputs() -> None:
    tree = json.loads((WOCAT / "api_v2_detail_armenia.json").read_text(encoding="utf-8"))
    set_leaf(tree, "tech_input_est_total_costs", None)
    set_leaf(tree, "tech_input_dollar", None)
    set_leaf(tree, "tech_input_national_currency", "AMD")
    set_leaf(tree, "tech_input_exchange_rate", 400)
    (doc,) = parse_json(json.dumps(tree).encode(), Path("technologies_4092.json"))
    # 18 rows in 4 tables, one of them blank: the same 6160.6 the record gives as its total
    assert doc.metadata["costs"]["establishment"] == {
        "amount": 6160.6, "currency": "AMD", "usd": 15.4, "how": "sum of listed inputs",
    }  # fmt: skip


def test_parse_filters_knows_the_wocat_facets() -> None:
    assert parse_filters(["degradation=erosion_water"]) == {"degradation": {"erosion_water"}}
    assert parse_filters(["rainfall=<250,251-500", "slope=Rolling"]) == {
        "rainfall": {"<250", "251-500"},
        "slope": {"rolling"},
    }
    with pytest.raises(QueryError) as err:
        parse_filters(["tenure=leased"])
    assert "degradation" in str(err.value) and "maintenance_cost" in str(err.value)
    assert {"land_rights", "establishment_cost"} <= set(FACETS)


def test_filter_through_a_real_store(shared_kb: KnowledgeBase) -> None:
    result = shared_kb.search("soil erosion control on slopes", k=20, filters=["degradation=erosion_water"])
    found = {h.doc_id for h in result.hits}
    assert found == {"wocat:technologies_1724", "wocat:technologies_4092", "wocat:technologies_7815"}
    assert result.facets["degradation"]["erosion_water"] == 3
    assert result.facets["slope"] == {"hilly": 2, "gentle": 1, "moderate": 1, "rolling": 1, "steep": 1}
    # same key: any value; different keys: all of them
    result = shared_kb.search("soil erosion", k=20, filters=["slope=rolling,flat", "rainfall=<250"])
    assert {h.doc_id for h in result.hits} == {"wocat:technologies_7809", "wocat:technologies_7810"}
    result = shared_kb.search("afforestation", k=20, filters=["establishment_cost=>10000"])
    assert [h.doc_id for h in result.hits] == ["wocat:technologies_7815"]
    # results without a WOCAT record carry none of its facets, not empty ones
    result = shared_kb.search("budget", k=5, filters=["doc_type=meeting_report"])
    assert result.hits and not set(result.facets) & {*WOCAT_FACETS, "establishment_cost", "maintenance_cost"}
