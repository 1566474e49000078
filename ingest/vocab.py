"""Controlled vocabularies shared by practice sheets, WOCAT records and zones."""

from __future__ import annotations

CLIMATE_ZONES: tuple[str, ...] = (
    "tropical_montane",
    "tropical_wet",
    "tropical_moist",
    "tropical_dry",
    "warm_temperate_moist",
    "warm_temperate_dry",
    "cool_temperate_moist",
    "cool_temperate_dry",
    "boreal_moist",
    "boreal_dry",
    "polar_moist",
    "polar_dry",
)

SOIL_CLASSES: tuple[str, ...] = (
    "high_activity_clay",
    "low_activity_clay",
    "sandy",
    "spodic",
    "volcanic",
    "wetland",
    "organic",
)

LAND_USES: tuple[str, ...] = ("cropland", "grazing_land", "forest", "mixed", "wetland")

MEASURES: tuple[str, ...] = ("agronomic", "vegetative", "structural", "management")

WOCAT_AGROCLIMATIC_ZONES: tuple[str, ...] = ("arid", "semi-arid", "sub-humid", "humid")

COST_LEVELS: tuple[str, ...] = ("low", "medium", "high")

# WOCAT SLM groups (QCAT questionnaire 3.2): our id -> English label used by the
# qcat API v2.  The current WOCAT API spells them as upper-case codes, mapped below.
SLM_GROUPS: dict[str, str] = {
    "natural_forest_management": "natural and semi-natural forest management",
    "forest_plantation_management": "forest plantation management",
    "agroforestry": "agroforestry",
    "windbreak_shelterbelt": "windbreak/ shelterbelt",
    "area_closure": "area closure (stop use, support restoration)",
    "pastoralism_grazing_management": "pastoralism and grazing land management",
    "integrated_crop_livestock": "integrated crop-livestock management",
    "improved_ground_cover": "improved ground/ vegetation cover",
    "minimal_soil_disturbance": "minimal soil disturbance",
    "integrated_soil_fertility": "integrated soil fertility management",
    "rotational_system": "rotational system (crop rotation, fallows, shifting cultivation)",
    "water_diversion_drainage": "water diversion and drainage",
    "cross_slope_measure": "cross-slope measure",
    "irrigation_management": "irrigation management (incl. water supply, drainage)",
    "water_harvesting": "water harvesting",
    "home_gardens": "home gardens",
    "integrated_pest_management": "integrated pest and disease management (incl. organic agriculture)",
    "wetland_management": "wetland protection/ management",
    "disaster_risk_reduction": "ecosystem-based disaster risk reduction",
    "surface_water_management": "surface water management (spring, river, lakes, sea)",
    "groundwater_management": "groundwater management",
    "waste_management": "waste management/ waste water management",
    "energy_efficiency": "energy efficiency technologies",
    "post_harvest": "post-harvest measures",
}

# Codes of the current WOCAT database API (``selected_version.slm_group``).
WOCAT_SLM_GROUP_CODES: dict[str, str] = {
    "NATURALFOREST": "natural_forest_management",
    "FOREST": "forest_plantation_management",
    "AGROFORESTRY": "agroforestry",
    "WINDBREAK": "windbreak_shelterbelt",
    "CLOSURE": "area_closure",
    "PASTORALISM": "pastoralism_grazing_management",
    "CROPLIVESTOCK": "integrated_crop_livestock",
    "GROUNDCOVER": "improved_ground_cover",
    "MINIMAL": "minimal_soil_disturbance",
    "ISFM": "integrated_soil_fertility",
    "ROTATION": "rotational_system",
    "DRAINAGE": "water_diversion_drainage",
    "CROSSSLOPE": "cross_slope_measure",
    "IRRIGATION": "irrigation_management",
    "WATERHARVESTING": "water_harvesting",
    "HOMEGARDENS": "home_gardens",
    "IPM": "integrated_pest_management",
    "WETLAND": "wetland_management",
    "DRR": "disaster_risk_reduction",
    "SURFACEWATER": "surface_water_management",
    "GROUNDWATER": "groundwater_management",
    "WASTE": "waste_management",
    "ENERGY": "energy_efficiency",
    "POSTHARVEST": "post_harvest",
}

DOC_TYPES: tuple[str, ...] = (
    "practice",
    "wocat",
    "meeting_report",
    "position_paper",
    "presentation",
    "web_page",
    "other",
)


def slm_group_id(value: str) -> str:
    """Map a WOCAT SLM group (API code, v2 label or our id) to our id; unknown values pass through."""
    text = value.strip()
    if text in SLM_GROUPS:
        return text
    if text.upper() in WOCAT_SLM_GROUP_CODES:
        return WOCAT_SLM_GROUP_CODES[text.upper()]
    folded = text.lower()
    for key, label in SLM_GROUPS.items():
        if label == folded:
            return key
    return folded.replace(" ", "_")
