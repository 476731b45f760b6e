"""Loading a catalogue of model measures from its JSON file (``compliance/fixtures/model_measures_*.json``).

The file carries ``"format": "wildnet.model-measures/1"``, the catalogue's ``version``, ``title``,
``published_on`` and ``source``, and ``measures``: one object per measure with ``code``, ``section``,
``subsection``, ``order``, ``title_en/fr/es``, ``description_en/fr/es`` and ``indicator`` (or null).

Loading upserts by (version, code): loading the same file again changes nothing, correcting a text updates the
row in place (assessments keep pointing at it), and a file of another version adds a catalogue beside the
earlier ones, whose assessments keep their measures.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from .indicators import INDICATORS
from .models import MeasureCatalogue, ModelMeasure

FORMAT = "wildnet.model-measures/1"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CURRENT = FIXTURES / "model_measures_2024-11.json"

_MEASURE_FIELDS = ("section", "subsection", "order", "title_en", "title_fr", "title_es", "description_en",
                   "description_fr", "description_es", "indicator")


class CatalogueError(ValueError):
    """The file is not a catalogue this code can read; nothing was loaded."""


@dataclass(frozen=True)
class LoadReport:
    version: str
    created: int
    updated: int
    unchanged: int


def load_catalogue(path: Path = CURRENT) -> LoadReport:
    """Upsert the catalogue in ``path`` and its measures, in one transaction."""
    data = _read(path)
    with transaction.atomic():
        catalogue, _ = MeasureCatalogue.objects.update_or_create(
            version=data["version"],
            defaults={"title": data["title"], "published_on": datetime.date.fromisoformat(data["published_on"]),
                      "source": data["source"]})
        existing = {m.code: m for m in ModelMeasure.objects.filter(catalogue=catalogue)}
        created = updated = unchanged = 0
        for row in data["measures"]:
            values = {name: row.get(name) if name == "indicator" else row.get(name, "") for name in _MEASURE_FIELDS}
            measure = existing.get(row["code"])
            if measure is None:
                ModelMeasure.objects.create(catalogue=catalogue, code=row["code"], **values)
                created += 1
            elif any(getattr(measure, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(measure, name, value)
                measure.save()
                updated += 1
            else:
                unchanged += 1
    return LoadReport(version=catalogue.version, created=created, updated=updated, unchanged=unchanged)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CatalogueError(f"{path}: {error}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CatalogueError(f"{path}: not a {FORMAT} file.")
    missing = {"version", "title", "published_on", "source", "measures"} - data.keys()
    if missing:
        raise CatalogueError(f"{path}: missing {', '.join(sorted(missing))}.")
    codes = [row.get("code") for row in data["measures"]]
    if not all(isinstance(code, str) and code for code in codes) or len(set(codes)) != len(codes):
        raise CatalogueError(f"{path}: every measure needs a code, and codes are unique.")
    unknown = {row.get("indicator") for row in data["measures"]} - {None, *INDICATORS}
    if unknown:
        raise CatalogueError(f"{path}: unknown indicator(s) {', '.join(sorted(map(str, unknown)))}.")
    return data
