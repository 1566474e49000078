"""The multilingual glossary: concepts with labels and synonyms in EN/FR/ES (PT/SW where known)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

LANGS = ("en", "fr", "es", "pt", "sw")
COLUMNS = ("concept_id", "category", "en", "fr", "es", "pt", "sw", "en_alt", "fr_alt", "es_alt", "agrovoc", "links")
CATEGORIES = (
    "practice",
    "soil_property",
    "soil_process",
    "soil_class",
    "soil_type",
    "climate",
    "water",
    "land_use",
    "carbon_accounting",
    "crop",
    "vegetation",
    "livestock",
    "degradation",
    "policy",
    "measurement",
    "input",
)


@dataclass(slots=True)
class Concept:
    id: str
    category: str
    labels: dict[str, str]
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    agrovoc: str | None = None
    links: list[str] = field(default_factory=list)  # "practice:cover-crops", "climate_zone:tropical_dry", ...

    def terms(self, lang: str) -> list[str]:
        """Preferred label and synonyms in one language."""
        label = self.labels.get(lang)
        return ([label] if label else []) + self.synonyms.get(lang, [])


def load_glossary(path: Path) -> list[Concept]:
    """Read the glossary CSV; raises ValueError naming the line of a malformed row."""
    concepts = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{path.name}: columns must be {', '.join(COLUMNS)}")
        for line, row in enumerate(reader, start=2):
            missing = [lang for lang in ("en", "fr", "es") if not (row[lang] or "").strip()]
            if missing or not row["concept_id"]:
                raise ValueError(f"{path.name} line {line}: missing {', '.join(missing) or 'concept_id'}")
            concepts.append(
                Concept(
                    id=row["concept_id"].strip(),
                    category=row["category"].strip(),
                    labels={lang: row[lang].strip() for lang in LANGS if (row[lang] or "").strip()},
                    synonyms={
                        lang: [s.strip() for s in (row[f"{lang}_alt"] or "").split("|") if s.strip()]
                        for lang in ("en", "fr", "es")
                    },
                    agrovoc=(row["agrovoc"] or "").strip() or None,
                    links=(row["links"] or "").split(),
                )
            )
    return concepts
