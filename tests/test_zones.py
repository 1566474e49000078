"""Zones of a place: the IPCC climate rules at their boundaries, soil classes, the raster, WOCAT zones, the CLI."""

from __future__ import annotations

import json

import pytest
from conftest import RASTER
from typer.testing import CliRunner

from index.zones import Conditions, Raster, ZoneError, classify, classify_climate, classify_soil, match_tier, zones
from service.cli import app

needs_raster = pytest.mark.skipif(not RASTER.exists(), reason="shared zone raster not present")


def zone_of(**kw: float) -> str | None:
    return classify_climate(Conditions(**kw)).climate_zone


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        # tropical needs MAT > 18 °C: exactly 18 is warm temperate
        ({"mat": 18.0, "map": 1500, "aridity": 1.5}, "warm_temperate_moist"),
        ({"mat": 18.01, "map": 1500, "elevation": 200}, "tropical_moist"),
        # and at most 7 frost days
        ({"mat": 25, "map": 1500, "elevation": 200, "frost_days": 7}, "tropical_moist"),
        ({"mat": 25, "map": 1500, "elevation": 200, "frost_days": 8, "aridity": 0.8}, "warm_temperate_dry"),
        # montane above 1000 m: exactly 1000 m is lowland
        ({"mat": 20, "map": 900, "elevation": 1000}, "tropical_dry"),
        ({"mat": 20, "map": 900, "elevation": 1000.5}, "tropical_montane"),
        # wet above 2000 mm, moist above 1000 mm, dry otherwise
        ({"mat": 26, "map": 2000, "elevation": 10}, "tropical_moist"),
        ({"mat": 26, "map": 2000.1, "elevation": 10}, "tropical_wet"),
        ({"mat": 26, "map": 1000, "elevation": 10}, "tropical_dry"),
        ({"mat": 26, "map": 1000.1, "elevation": 10}, "tropical_moist"),
        # warm temperate above 10 °C, cool temperate above 0 °C
        ({"mat": 10, "aridity": 1.2}, "cool_temperate_moist"),
        ({"mat": 10.1, "aridity": 1.2}, "warm_temperate_moist"),
        ({"mat": 0, "aridity": 1.2, "warmest_month": 15}, "boreal_moist"),
        ({"mat": 0.1, "aridity": 1.2}, "cool_temperate_moist"),
        # moist only when MAP/PET > 1: exactly 1 is dry; PET or the ratio both work
        ({"mat": 12, "aridity": 1.0}, "warm_temperate_dry"),
        ({"mat": 12, "map": 800, "pet": 799}, "warm_temperate_moist"),
        ({"mat": 12, "map": 800, "pet": 800}, "warm_temperate_dry"),
        # boreal when some month reaches 10 °C (exactly 10 counts), polar otherwise
        ({"mat": -5, "aridity": 0.5, "warmest_month": 10}, "boreal_dry"),
        ({"mat": -5, "aridity": 0.5, "warmest_month": 9.9}, "polar_dry"),
        ({"mat": -12, "aridity": 1.5, "warmest_month": 5}, "polar_moist"),
    ],
)
def test_climate_rule_boundaries(conditions: dict, expected: str) -> None:
    assert zone_of(**conditions) == expected


def test_missing_pet_is_reported_not_guessed() -> None:
    result = classify_climate(Conditions(mat=15, map=800))
    assert result.climate_zone is None
    assert result.candidates == ["warm_temperate_moist", "warm_temperate_dry"]
    assert any("--pet" in m for m in result.missing)
    # boreal vs polar needs the warmest month
    result = classify_climate(Conditions(mat=-5, aridity=0.5))
    assert result.candidates == ["boreal_dry", "polar_dry"] and any("warmest" in m for m in result.missing)


def test_assumed_inputs_are_said_in_the_trace() -> None:
    result = classify_climate(Conditions(mat=27, map=600))
    assert result.climate_zone == "tropical_dry"
    assert any("elevation not given" in line for line in result.trace)
    assert result.trace[-1].startswith("tropical_dry:") and result.trace[-1].endswith("→ yes")


def test_mat_is_required() -> None:
    with pytest.raises(ZoneError, match="--mat"):
        classify_climate(Conditions(map=500))


@pytest.mark.parametrize(
    ("soil", "sand", "clay", "expected"),
    [
        ("Arenosols", None, None, "sandy"),
        ("Arenosol", None, None, "sandy"),
        ("arenosoles", None, None, "sandy"),  # the Spanish plural
        ("Ferralsols", None, None, "low_activity_clay"),
        ("Oxisols", None, None, "low_activity_clay"),
        ("Andisols", None, None, "volcanic"),
        ("Podzols", None, None, "spodic"),
        ("Histosols", None, None, "organic"),
        ("Gleysols", None, None, "wetland"),
        ("Chernozems", None, None, "high_activity_clay"),
        ("sandy", None, None, "sandy"),
        # the sandy rule wins over the soil's name: > 70 % sand and < 8 % clay
        ("Luvisols", 71, 7.9, "sandy"),
        ("Luvisols", 70, 5, "high_activity_clay"),
        ("Luvisols", 80, 8, "high_activity_clay"),
        (None, 85, 3, "sandy"),
    ],
)
def test_soil_classes(soil: str | None, sand: float | None, clay: float | None, expected: str) -> None:
    assert classify_soil(Conditions(soil=soil, sand=sand, clay=clay))[0] == expected


def test_unknown_soil_names_the_value() -> None:
    with pytest.raises(ZoneError, match="Moonrock"):
        classify_soil(Conditions(soil="Moonrock"))


@needs_raster
@pytest.mark.parametrize(
    ("place", "lat", "lon", "expected"),
    [
        ("Manaus", -3.12, -60.02, "tropical_wet"),
        ("Nairobi", -1.29, 36.82, "tropical_montane"),
        ("Niamey", 13.51, 2.11, "tropical_dry"),
        ("Dakar", 14.72, -17.47, "tropical_dry"),
        ("Yakutsk", 62.03, 129.73, "boreal_dry"),
        ("Quito", -0.18, -78.47, "warm_temperate_moist"),
        ("Madrid", 40.42, -3.70, "warm_temperate_dry"),
        ("Helsinki", 60.17, 24.94, "cool_temperate_moist"),
    ],
)
def test_places_from_the_raster(place: str, lat: float, lon: float, expected: str) -> None:
    result = classify(Conditions(lat=lat, lon=lon), RASTER)
    assert result.climate_zone == expected, place
    assert result.source == "raster" and str(RASTER.name) in result.trace[0]


@needs_raster
def test_sea_has_no_zone() -> None:
    assert classify(Conditions(lat=0, lon=-30), RASTER).climate_zone is None


def test_missing_raster_says_where_to_put_it(tmp_path) -> None:
    with pytest.raises(ZoneError, match=str(tmp_path / "none.tif")):
        Raster.open(tmp_path / "none.tif")
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"not a tiff")
    with pytest.raises(ZoneError, match=r"bad\.tif"):
        Raster.open(bad)


def test_wocat_zone_from_aridity_or_from_the_climate_zone() -> None:
    assert classify(Conditions(mat=27, map=500, pet=2000)).wocat == ["semi-arid"]  # 0.25
    assert classify(Conditions(mat=27, map=100, pet=2000)).wocat == ["arid"]  # 0.05
    assert classify(Conditions(mat=27, map=600)).wocat == list(zones().climate["tropical_dry"].wocat)


def test_conditions_parse() -> None:
    c = Conditions.parse("mat=27, map=600; soil=Arenosols")
    assert (c.mat, c.map, c.soil) == (27.0, 600.0, "Arenosols")
    with pytest.raises(ZoneError, match="unknown condition 'colour'"):
        Conditions.parse("colour=red")
    with pytest.raises(ZoneError, match="mat"):
        Conditions.parse("mat=warm")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in a Mediterranean climate", ["warm_temperate_dry"]),
        ("a humid temperate climate", ["warm_temperate_moist", "cool_temperate_moist"]),
        ("clima templado y húmedo", ["warm_temperate_moist", "cool_temperate_moist"]),
        ("un climat froid et sec", ["cool_temperate_dry", "boreal_dry"]),
        ("zona alta de montaña del trópico", ["tropical_montane"]),
        ("the humid tropics", ["tropical_wet", "tropical_moist"]),
        ("semi-arid", ["tropical_dry", "warm_temperate_dry", "cool_temperate_dry", "boreal_dry", "polar_dry"]),
        # two temperatures that exclude each other are either one
        (
            "on boreal and temperate organic soils",
            [
                "warm_temperate_moist",
                "warm_temperate_dry",
                "cool_temperate_moist",
                "cool_temperate_dry",
                "boreal_moist",
                "boreal_dry",
            ],
        ),
        # a word that would leave no zone is passed over: only the tropics have a montane zone
        ("a cold mountain climate", ["cool_temperate_moist", "cool_temperate_dry", "boreal_moist", "boreal_dry"]),
        # seasons, dry matter, a field drying out and fresh manure describe no climate
        ("What can I do in the dry season?", []),
        ("la saison sèche", []),
        ("tonnes of dry matter", []),
        ("60 kg C per tonne of compost dry solids", []),
        ("If we let the field dry out between irrigations", []),
        ("du fumier frais", []),
        ("How much carbon does no-till add?", []),
    ],
)
def test_climate_in_everyday_words(text: str, expected: list[str]) -> None:
    assert zones().words.read(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I grow maize and beans in a tropical dry climate", ["cropland"]),
        ("que puis-je faire sur mes champs cultivés ?", ["cropland"]),
        ("Nuestras ovejas pastan en praderas de ladera", ["grazing_land"]),
        ("We have wheat fields and keep cattle", ["cropland", "grazing_land"]),
        ("Mais que faire en climat méditerranéen ?", []),  # "mais", not "maïs"
        ("What raises soil carbon in a humid temperate climate?", []),
        # a negated land use is not the asker's: the sheep farm that grows no crops is grazing land only
        ("We run sheep on open rangeland. We grow no crops. What could we do?", ["grazing_land"]),
        ("We don't have any fields, only goats", ["grazing_land"]),
        ("Nous élevons des brebis sur des parcours. Nous ne cultivons rien.", ["grazing_land"]),
        ("No tenemos ganado, sin pastos: solo cultivos de trigo", ["cropland"]),
        ("no-till maize on our fields", ["cropland"]),
        ("semis direct sans labour dans mes champs", ["cropland"]),
        ("We spread 5 t of lime on our fields", ["cropland"]),  # a tonne, not the end of "don't"
    ],
)
def test_land_use_in_everyday_words(text: str, expected: list[str]) -> None:
    assert zones().land_uses(text) == expected


def test_an_unknown_land_use_names_its_file(tmp_path) -> None:
    import shutil

    from index.zones import ZONE_DIR, Zones

    shutil.copytree(ZONE_DIR, tmp_path / "zones", ignore=shutil.ignore_patterns("*.tif"))
    (tmp_path / "zones" / "land_uses.yaml").write_text("words:\n  orchards: [apples]\n", encoding="utf-8")
    with pytest.raises(ZoneError, match=r"land_uses\.yaml: unknown land uses \['orchards'\]"):
        Zones.load(tmp_path / "zones")


def test_several_zones_given_are_candidates() -> None:
    result = classify(Conditions(zone="warm_temperate_moist|cool_temperate_moist"))
    assert result.climate_zone is None and result.candidates == ["warm_temperate_moist", "cool_temperate_moist"]
    with pytest.raises(ZoneError, match="'humid'"):
        classify(Conditions(zone="warm_temperate_moist|humid"))


def test_match_tiers() -> None:
    assert match_tier("tropical_dry", "sandy", ["tropical_dry"], ["sandy", "low_activity_clay"]) == "documented"
    assert match_tier("tropical_dry", "sandy", ["tropical_dry"], ["volcanic"]) == "same_zone"
    assert match_tier("tropical_dry", None, ["tropical_moist"], []) == "same_temperature"
    assert match_tier("warm_temperate_dry", None, ["tropical_dry"], []) == "same_moisture"
    assert match_tier("polar_moist", None, ["tropical_dry"], []) is None


def test_zone_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["zone", "--mat", "27", "--map", "600", "--soil", "Arenosols", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["climate_zone"] == "tropical_dry" and data["soil_class"] == "sandy"
    assert data["names"]["tropical_dry"] == {"en": "Tropical dry", "fr": "Tropical sec", "es": "Tropical seco"}
    out = runner.invoke(app, ["zone", "--mat", "15", "--map", "800", "--lang", "es"])
    assert out.exit_code == 0 and "Templado cálido húmedo" in out.output and "--pet" in out.output
    monkeypatch.setenv("HUMUS_ZONE_RASTER", "/nowhere/zones.tif")
    from service.settings import get_settings

    get_settings.cache_clear()
    out = runner.invoke(app, ["zone", "--lat", "13.5", "--lon", "2.1"])
    get_settings.cache_clear()
    assert out.exit_code == 2 and "/nowhere/zones.tif" in out.output
