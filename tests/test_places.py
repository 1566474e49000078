"""Zones in search: practices for my conditions, document tags, grouping and the research-gap map."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import RASTER, ROOT
from typer.testing import CliRunner

from index import questions
from index.kb import KnowledgeBase
from index.zones import Conditions, Place, ZoneError
from service.cli import app

PRACTICES = ROOT / "corpus" / "practices"
needs_raster = pytest.mark.skipif(not RASTER.exists(), reason="shared zone raster not present")
SAHEL = Conditions(mat=27, map=600, soil="Arenosols")


def test_documented_practices_come_first_then_comparable_ones(corpus_kb: KnowledgeBase) -> None:
    result = corpus_kb.search("what raises soil carbon on sandy soil in a semi-arid climate?", k=10, conditions=SAHEL)
    assert result.conditions["climate_zone"] == "tropical_dry" and result.conditions["soil_class"] == "sandy"
    ranks = [Place.rank(hit.match) for hit in result.hits]
    assert ranks == sorted(ranks), [(h.family, h.match) for h in result.hits]
    assert result.hits[0].match == "documented"
    for hit in result.hits:
        if hit.match == "documented":
            assert "tropical_dry" in hit.facets["climate_zone"]
            assert not hit.facets["soil_class"] or "sandy" in hit.facets["soil_class"]
    # without the place the order is by relevance alone, and nothing is labelled
    plain = corpus_kb.search("what raises soil carbon on sandy soil in a semi-arid climate?", k=10)
    assert all(hit.match is None for hit in plain.hits)


def test_unsuited_practices_are_set_apart_with_the_reason(corpus_kb: KnowledgeBase) -> None:
    wet = corpus_kb.search("zaï planting pits with manure", k=10, conditions=Conditions(zone="tropical_moist"))
    assert "practice:zai-planting-pits" not in [h.family for h in wet.hits]
    rejected = {h.family: h.unsuited for h in wet.not_recommended}
    assert "waterlogged" in rejected["practice:zai-planting-pits"]
    dry = corpus_kb.search("zaï planting pits with manure", k=10, conditions=Conditions(zone="tropical_dry"))
    assert dry.hits[0].family == "practice:zai-planting-pits" and dry.hits[0].match == "same_zone"


def test_relaxed_matches_are_labelled(corpus_kb: KnowledgeBase) -> None:
    # no sheet documents polar zones: boreal evidence is the closest (same moisture regime, next group)
    result = corpus_kb.search("soil organic carbon", k=10, conditions=Conditions(zone="boreal_moist"))
    labels = {h.match for h in result.hits}
    assert labels <= {"same_zone", "same_temperature", "same_moisture", None}
    assert labels & {"same_temperature", "same_moisture"}


def test_conditions_that_decide_nothing_are_refused(corpus_kb: KnowledgeBase) -> None:
    with pytest.raises(ZoneError, match="neither"):
        corpus_kb.search("compost", conditions=Conditions(map=600))


@needs_raster
def test_place_from_coordinates(corpus_kb: KnowledgeBase) -> None:
    result = corpus_kb.search("planting pits", k=5, conditions=Conditions(lat=13.51, lon=2.11))  # Niamey
    assert result.conditions["climate_zone"] == "tropical_dry" and result.conditions["source"] == "raster"


@needs_raster
def test_wocat_records_get_the_zone_of_their_coordinates(corpus_kb: KnowledgeBase) -> None:
    tags = corpus_kb.store.doc_tags()
    assert ("climate_zone", "tropical_dry", "coordinates") in tags["wocat:technologies_7810"]
    result = corpus_kb.search("terraces", k=20, filters=["doc_type=wocat", "climate_zone=cool_temperate_dry"])
    assert result.hits and {h.doc_id for h in result.hits} <= {"wocat:technologies_1724", "wocat:technologies_4092"}


def test_documents_are_tagged_with_what_they_mention(corpus_kb: KnowledgeBase) -> None:
    tags = corpus_kb.store.doc_tags()
    reports = [d for d in corpus_kb.store.documents() if d.doc_type not in ("practice", "wocat")]
    mentioned = {(f, v) for d in reports for f, v, basis in tags.get(d.id, []) if basis == "mentioned"}
    facets = {f for f, _ in mentioned}
    assert {"practice", "country", "land_use"} <= facets, facets
    practice = next(v for f, v in sorted(mentioned) if f == "practice")
    result = corpus_kb.search(
        "soil carbon",
        k=50,
        filters=[f"practice={practice}", "doc_type=meeting_report,position_paper,presentation,web_page,other"],
    )
    assert result.hits
    for hit in result.hits:
        assert practice in hit.facets["practice"]


def test_group_by_zone_facets(corpus_kb: KnowledgeBase) -> None:
    result = corpus_kb.search("cover crops", k=5, group_by="climate_zone")
    assert result.groups
    for group in result.groups:
        assert group.count >= len(group.hits) > 0
        assert all(group.key in h.facets["climate_zone"] for h in group.hits)


# --- the gap map ---------------------------------------------------------------------------------


def _sheet(src: Path, dest: Path, **changes: object) -> None:
    text = src.read_text(encoding="utf-8")
    _, front, body = text.split("---", 2)
    meta = yaml.safe_load(front) | changes
    dest.write_text("---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---" + body, "utf-8")


@pytest.fixture
def small_kb(tmp_path: Path) -> KnowledgeBase:
    folder = tmp_path / "sheets"
    folder.mkdir()
    for name in ("zai-planting-pits.en.md", "cover-crops.en.md", "cover-crops.fr.md"):
        shutil.copy(PRACTICES / name, folder / name)
    kb = KnowledgeBase.open(tmp_path / "home")
    assert kb.ingest([folder], index=False).count("failed") == 0
    kb.folder = folder  # type: ignore[attr-defined]
    yield kb
    kb.close()


def test_gap_counts_are_what_the_index_holds(small_kb: KnowledgeBase) -> None:
    matrix = small_kb.gaps()
    zai = yaml.safe_load((PRACTICES / "zai-planting-pits.en.md").read_text("utf-8").split("---")[1])
    for category in zai["category"]:
        cell = matrix.cell(category, "tropical_dry")
        assert "zai-planting-pits" in cell.sheets
        assert cell.measurements >= len(zai["soc_effect"])
    # the French translation of the cover-crop sheet is not a second sheet
    covers = [c for c in matrix.cells.values() if "cover-crops" in c.sheets]
    assert covers and all(c.sheets.count("cover-crops") == 1 for c in covers)
    assert matrix.cell("water_harvesting", "boreal_dry").evidence == 0
    assert ("water_harvesting", "boreal_dry") in {(g.category, g.column) for g in matrix.gaps}

    _sheet(
        PRACTICES / "zai-planting-pits.en.md",
        small_kb.folder / "boreal-pits.en.md",
        id="boreal-pits",
        climate_zones=["boreal_dry"],
        unsuited=[],
    )
    small_kb.ingest([small_kb.folder], index=False)
    filled = small_kb.gaps()
    assert filled.cell("water_harvesting", "boreal_dry").sheets == ["boreal-pits"]
    assert ("water_harvesting", "boreal_dry") not in {(g.category, g.column) for g in filled.gaps if g.evidence == 0}


def test_unsuited_gaps_are_not_plausible(small_kb: KnowledgeBase) -> None:
    gaps = {(g.category, g.column): g for g in small_kb.gaps().gaps}
    gap = gaps[("water_harvesting", "tropical_moist")]
    assert not gap.plausible and "unsuited" in gap.why
    # plausible gaps come first
    flags = [g.plausible for g in small_kb.gaps().gaps]
    assert flags == sorted(flags, reverse=True)


def test_gaps_by_other_axes(small_kb: KnowledgeBase) -> None:
    assert small_kb.gaps("soil_class").cell("water_harvesting", "sandy").sheets == ["zai-planting-pits"]
    assert small_kb.gaps("land_use").cell("water_harvesting", "cropland").sheets == ["zai-planting-pits"]
    with pytest.raises(ValueError, match="--by"):
        small_kb.gaps("country")


def test_gaps_cli_json_csv_png(small_kb: KnowledgeBase, tmp_path: Path) -> None:
    home = str(small_kb.home)
    small_kb.close()
    png, table = tmp_path / "gaps.png", tmp_path / "gaps.csv"
    out = CliRunner().invoke(app, ["gaps", "--home", home, "--json", "--png", str(png), "--csv", str(table)])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert len(data["cells"]) == len(data["categories"]) * len(data["columns"]) == 12 * len(data["categories"])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    rows = list(csv.DictReader(io.StringIO(table.read_text("utf-8"))))
    assert len(rows) == len(data["cells"])
    assert {r["climate_zone"] for r in rows if r["category"] == "water_harvesting" and r["sheets"] == "1"} == {
        "tropical_dry"
    }
    out = CliRunner().invoke(app, ["gaps", "--home", home])
    assert out.exit_code == 0 and "plausible" in out.output


def _study(key: str, kind: str, doi: str) -> dict:
    return {"key": key, "citation": f"Author, A. (2020). A {kind}.", "kind": kind, "region": ["FI"],
            "outcomes": ["soil_carbon"], "doi": doi}  # fmt: skip


def _boreal_pits(kb: KnowledgeBase, references: list[dict], soc_effect: list[dict] | None = None) -> None:
    """A practice sheet documented only in the boreal dry zone, with the publications given."""
    _sheet(PRACTICES / "zai-planting-pits.en.md", kb.folder / "boreal-pits.en.md", id="boreal-pits",
           climate_zones=["boreal_dry"], unsuited=[], references=references, soc_effect=soc_effect or [], inputs=[],
           labour=[], costs=[])  # fmt: skip
    assert kb.ingest([kb.folder], index=False).count("failed") == 0


def test_a_meta_analysis_turns_a_synthesis_gap_into_covered(small_kb: KnowledgeBase) -> None:
    assert small_kb.gaps().cell("water_harvesting", "boreal_dry").state == "absolute_gap"
    trials = [_study(f"trial-{n}", "field-experiment", f"10.1/t{n}") for n in range(3)]
    _boreal_pits(small_kb, trials)
    cell = small_kb.gaps().cell("water_harvesting", "boreal_dry")
    assert cell.state == "synthesis_gap" and cell.by_kind()["field-experiment"] == 3
    _boreal_pits(small_kb, trials[:1])
    assert small_kb.gaps().cell("water_harvesting", "boreal_dry").state == "thin"
    _boreal_pits(small_kb, [*trials, _study("synthesis", "meta-analysis", "10.1/m")])
    matrix = small_kb.gaps()
    assert matrix.cell("water_harvesting", "boreal_dry").state == "covered"
    assert ("water_harvesting", "boreal_dry") not in {(g.category, g.column) for g in matrix.gaps}
    sources = [r for r in matrix.source_table() if r["climate_zone"] == "boreal_dry"]
    assert {r["kind"] for r in sources} == {"field-experiment", "meta-analysis"} and sources[0]["doi"]


def test_studies_are_placed_in_the_world_region_of_their_data(small_kb: KnowledgeBase) -> None:
    finnish = _study("trial", "field-experiment", "10.1/t")  # region [FI]
    worldwide = {**_study("synthesis", "meta-analysis", "10.1/m"), "region": ["global"]}
    _boreal_pits(small_kb, [finnish, worldwide])
    matrix = small_kb.gaps("region", rows="practice")
    assert matrix.cell("boreal-pits", "europe").state == "thin"  # one field experiment, no synthesis there
    assert matrix.cell("boreal-pits", "global").state == "covered"
    assert matrix.cell("boreal-pits", "africa").state == "absolute_gap"
    assert matrix.to_dict()["column_names"]["latin_america"]["es"] == "América Latina y el Caribe"


def test_figures_of_opposite_sign_are_conflicting(small_kb: KnowledgeBase) -> None:
    studies = [_study("gain", "meta-analysis", "10.1/g"), _study("loss", "field-experiment", "10.1/l")]
    effects = [{"rate_t_c_ha_yr": {"mean": 0.3}, "reference": "gain"},
               {"relative_change_pct": {"low": -12, "high": -4}, "reference": "loss"}]  # fmt: skip
    _boreal_pits(small_kb, studies, effects)
    cell = small_kb.gaps().cell("water_harvesting", "boreal_dry")
    assert cell.state == "conflicting" and cell.effect()["rate_t_c_ha_yr"] == {"low": 0.3, "high": 0.3, "figures": 1}
    by_outcome = small_kb.gaps("outcome", rows="practice")
    assert by_outcome.cell("boreal-pits", "soil_carbon").state == "conflicting"
    assert by_outcome.cell("boreal-pits", "yield").state == "absolute_gap"
    # figures whose context names the climate they were measured in count in that climate only: a gain in the
    # tropics and a loss in cold, dry climates do not conflict in either
    _sheet(PRACTICES / "zai-planting-pits.en.md", small_kb.folder / "boreal-pits.en.md", id="boreal-pits",
           climate_zones=["boreal_dry", "tropical_dry"], unsuited=[], references=studies, inputs=[], labour=[],
           costs=[], soc_effect=[{**effects[0], "context": "Meta-analysis of tropical studies"},
                                 {**effects[1], "context": "Field trials in cold, dry climates"}])  # fmt: skip
    assert small_kb.ingest([small_kb.folder], index=False).count("failed") == 0
    by_zone = small_kb.gaps(rows="practice")
    tropical, boreal = by_zone.cell("boreal-pits", "tropical_dry"), by_zone.cell("boreal-pits", "boreal_dry")
    assert tropical.state != "conflicting" and [f["figure"] for f in tropical.figures] == [{"mean": 0.3}]
    assert boreal.state != "conflicting" and [f["figure"] for f in boreal.figures] == [{"low": -12, "high": -4}]
    assert small_kb.gaps("outcome", rows="practice").cell("boreal-pits", "soil_carbon").state == "conflicting"


def test_a_difference_in_stock_counts_as_a_soil_carbon_figure(small_kb: KnowledgeBase) -> None:
    """A sheet whose only soil-carbon figure is a difference in stock is no gap for soil carbon: the figure is
    counted, spanned in its own measure and written in its own CSV columns."""
    studies = [_study("stock", "meta-analysis", "10.1/s")]
    _boreal_pits(small_kb, studies, [{"stock_change_t_c_ha": {"mean": 3.22}, "depth_cm": 30, "reference": "stock"}])
    matrix = small_kb.gaps()
    cell = matrix.cell("water_harvesting", "boreal_dry")
    assert cell.measurements == 1
    assert cell.effect() == {"stock_change_t_c_ha": {"low": 3.22, "high": 3.22, "figures": 1}}
    assert small_kb.gaps("outcome", rows="practice").cell("boreal-pits", "soil_carbon").state != "absolute_gap"
    row = next(r for r in csv.DictReader(io.StringIO(matrix.to_csv()))
               if (r["category"], r["climate_zone"]) == ("water_harvesting", "boreal_dry"))  # fmt: skip
    assert (row["soc_stock_low"], row["soc_stock_high"], row["soc_rate_low"]) == ("3.22", "3.22", "")


def test_unanswered_questions_are_the_demand_layer(tmp_path: Path) -> None:
    kb = KnowledgeBase.open(tmp_path / "home", glossary=ROOT / "corpus" / "glossary" / "glossary.csv")
    kb.ingest([PRACTICES / "zai-planting-pits.en.md"], index=False)
    kb.log_question("question", "How much carbon do zaï pits add in a tropical dry climate?", "en", answered=False)
    kb.log_question("question", "How deep are zaï pits in a tropical dry climate?", "en", answered=True)
    kb.log_question("search", "¿Los hoyos zaï reducen la erosión en clima tropical seco?", "es", answered=False)
    assert kb.demand()[("zai-planting-pits", "tropical_dry")] == 2
    matrix = kb.gaps()
    assert all(matrix.cell(c, "tropical_dry").demand == 2 for c in ("water_harvesting", "integrated_soil_fertility")
               if c in matrix.categories)  # fmt: skip
    assert kb.gaps("outcome").cell("water_harvesting", "erosion").demand == 1
    out = CliRunner().invoke(app, ["gaps", "--home", str(kb.home), "--demand"])
    assert "2  zai-planting-pits × tropical_dry" in out.output


def test_the_question_log_keeps_only_what_the_readme_says(tmp_path: Path) -> None:
    kb = KnowledgeBase.open(tmp_path / "home", glossary=ROOT / "corpus" / "glossary" / "glossary.csv")
    kb.log_question("question", "What raises soil carbon under no-till?", "en", answered=True)
    (entry,) = questions.entries(kb.home)
    assert tuple(entry) == questions.FIELDS and entry["practices"] == ["no-till"]
    assert not {"ip", "client", "user", "session", "session_id", "time"} & set(entry)
    assert entry["day"] == dt.date.today().isoformat()  # the day, not the time of day
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "no IP address, no user or session id, no time of day" in readme
