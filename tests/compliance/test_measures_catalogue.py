"""The catalogue of model measures holds every bullet of the CITES document, and loads without losing history.

The seed is the CITES "Best practices and model measures" document of November 2024 (French), as plain text
converted from the PDF. Its measures are recognised like this (see ``seed_measures``):

* The Parties' part comes first; the ICCWC partners' part starts at the line "Informations communiquées par
  les partenaires de l'ICCWC". Their subsections are keyed ``1a``, ``2b`` … and ``iccwc-1a`` … ``iccwc-2``.
* A line starting with ``1)`` or ``2)`` opens a numbered section, one starting with ``a)`` to ``z)`` a lettered
  subsection (Markdown bold around the heading is ignored). ICCWC section 2 has headings without letters
  ("Outils et ressources", "Aide disponible…"): its bullets go to ``iccwc-2``.
* A bullet is a line whose first non-blank characters are ``- `` (the PDF's bullets, some indented by one
  space). A bullet that runs over a page break continues on a line without a dash, and footnotes start with
  ``¹``/``²``: neither is a bullet.
* A lettered subsection without any bullet (ICCWC "Équipes spéciales interinstitutions", "Opérations
  d'envergure mondiale") is one measure: its paragraph.
"""

from __future__ import annotations

import importlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.db.models import Count

from compliance.measures.catalogue import CURRENT, load_catalogue
from compliance.measures.models import MeasureCatalogue, ModelMeasure

pytestmark = pytest.mark.django_db

SEED = Path("/work/shared/seeds/004_43beb39bb81da01d.txt")
ICCWC_PART = "Informations communiquées par les partenaires de l'ICCWC"
_SECTION = re.compile(r"^\**\s*([0-9])\)\s")
_SUBSECTION = re.compile(r"^\**\s*([a-z])\)\s")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def seed_measures(text: str) -> dict[str, list[str]]:
    """The measures of each subsection of the seed, as their normalised text (a paragraph for bullet-less ones)."""
    part, number, letter = "", "", ""
    found: dict[str, list[str]] = {}
    opened: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith(ICCWC_PART):
            part, number, letter = "iccwc-", "", ""
        elif _SECTION.match(line):
            number, letter = _SECTION.match(line).group(1), ""  # type: ignore[union-attr]
        elif _SUBSECTION.match(line) and number:
            letter = _SUBSECTION.match(line).group(1)  # type: ignore[union-attr]
            opened.append(f"{part}{number}{letter}")
        elif line.startswith("- ") and number:
            found.setdefault(f"{part}{number}{letter}", []).append(normalise(line[2:]))
    for key in opened:
        found.setdefault(key, ["(paragraph)"])
    return found


def normalise(text: str) -> str:
    return " ".join(_LINK.sub(r"\1", text).replace("**", "").split())


@pytest.fixture
def seed() -> dict[str, list[str]]:
    if not SEED.exists():
        pytest.skip(f"the seed document {SEED} is not on this machine")
    return seed_measures(SEED.read_text(encoding="utf-8"))


@pytest.fixture
def catalogue() -> MeasureCatalogue:
    load_catalogue()
    return MeasureCatalogue.objects.get(version="2024-11")


def test_the_parser_finds_the_documents_structure(seed: dict[str, list[str]]) -> None:
    assert list(seed) == ["1a", "1b", "2a", "2b", "iccwc-1b", "iccwc-1c", "iccwc-2", "iccwc-1a", "iccwc-1d"]
    assert {key: len(items) for key, items in seed.items()} == {
        "1a": 12, "1b": 3, "2a": 5, "2b": 11, "iccwc-1a": 1, "iccwc-1b": 2, "iccwc-1c": 3, "iccwc-1d": 1,
        "iccwc-2": 7}


def test_every_seed_bullet_is_a_measure_of_its_subsection(seed: dict[str, list[str]],
                                                          catalogue: MeasureCatalogue) -> None:
    per_subsection = dict(ModelMeasure.objects.filter(catalogue=catalogue).values_list("subsection")
                          .annotate(n=Count("pk")))
    assert per_subsection == {key: len(items) for key, items in seed.items()}
    per_section = Counter(key.rsplit("-", 1)[0] if key.startswith("iccwc") else key[0] for key in seed
                          for _ in seed[key])
    assert per_section == Counter({"1": 15, "2": 16, "iccwc": 14})
    assert dict(ModelMeasure.objects.filter(catalogue=catalogue).values_list("section").annotate(n=Count("pk"))) == {
        "1": 15, "2": 16, "iccwc": 14}


def test_each_bullet_opens_the_french_description_of_a_measure(seed: dict[str, list[str]],
                                                               catalogue: MeasureCatalogue) -> None:
    for subsection, bullets in seed.items():
        descriptions = [normalise(d) for d in ModelMeasure.objects.filter(
            catalogue=catalogue, subsection=subsection).values_list("description_fr", flat=True)]
        for bullet in bullets:
            if bullet != "(paragraph)":
                assert any(d.startswith(bullet[:40]) for d in descriptions), (subsection, bullet)


def test_every_measure_has_a_stable_code_and_three_languages(catalogue: MeasureCatalogue) -> None:
    measures = list(ModelMeasure.objects.filter(catalogue=catalogue))
    assert len(measures) == 45 and len({m.code for m in measures}) == 45
    assert all(re.fullmatch(r"(BP|LM|IC)-[A-Z0-9]{1,2}-[0-9]{2}", m.code) for m in measures)
    assert all(m.title_en and m.title_fr and m.title_es and m.description_en and m.description_fr
               and m.description_es for m in measures)
    assert {m.indicator for m in measures} == {None, "listings_monthly", "keyword_watchlists", "takedown_removal",
                                               "joint_operations", "information_exchange", "digital_forensics",
                                               "citizen_reports"}


def test_loading_again_changes_nothing() -> None:
    first = load_catalogue()
    ids = dict(ModelMeasure.objects.values_list("code", "pk"))
    again = load_catalogue()
    assert (first.created, first.updated, again.created, again.updated, again.unchanged) == (45, 0, 0, 0, 45)
    assert dict(ModelMeasure.objects.values_list("code", "pk")) == ids
    assert MeasureCatalogue.objects.count() == 1


def test_a_later_version_is_added_beside_the_first(tmp_path: Path, catalogue: MeasureCatalogue) -> None:
    data: dict[str, Any] = json.loads(CURRENT.read_text(encoding="utf-8"))
    data.update(version="2026-03", published_on="2026-03-01")
    data["measures"] = data["measures"][:3]
    data["measures"][0]["title_en"] = "National collaboration platform (revised)"
    later = tmp_path / "model_measures_2026-03.json"
    later.write_text(json.dumps(data), encoding="utf-8")
    call_command("load_measures", str(later))
    assert list(MeasureCatalogue.objects.values_list("version", flat=True)) == ["2026-03", "2024-11"]
    assert catalogue.measures.count() == 45
    assert catalogue.measures.get(code="BP-A-01").title_en == "National inter-agency collaboration platform"
    assert ModelMeasure.objects.get(catalogue__version="2026-03", code="BP-A-01").title_en.endswith("(revised)")


def test_the_measure_on_citizens_reports_counts_spotters_reports_once_reloaded() -> None:
    """A database that loaded the catalogue before the indicator existed gets the pointer from a reload (and from
    the reports' data migration, which does the same for databases nobody reloads)."""
    load_catalogue()
    ModelMeasure.objects.filter(code="BP-A-06").update(indicator=None)
    again = load_catalogue()
    assert (again.created, again.updated) == (0, 1)
    assert ModelMeasure.objects.get(code="BP-A-06").indicator == "citizen_reports"


def test_the_reports_data_migration_points_only_a_measure_without_indicator() -> None:
    migration = importlib.import_module("reports.migrations.0003_citizen_reports_indicator")
    load_catalogue()
    ModelMeasure.objects.filter(code="BP-A-06").update(indicator=None)
    migration.point(django_apps, None)
    assert ModelMeasure.objects.get(code="BP-A-06").indicator == "citizen_reports"
    ModelMeasure.objects.filter(code="BP-A-06").update(indicator="listings_monthly")
    migration.point(django_apps, None)
    assert ModelMeasure.objects.get(code="BP-A-06").indicator == "listings_monthly"


def test_an_unknown_indicator_is_refused(tmp_path: Path) -> None:
    data: dict[str, Any] = json.loads(CURRENT.read_text(encoding="utf-8"))
    data["measures"][0]["indicator"] = "alerts_per_day"
    wrong = tmp_path / "measures.json"
    wrong.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match="unknown indicator"):
        call_command("load_measures", str(wrong))
    assert not MeasureCatalogue.objects.exists()


def test_a_file_of_another_format_is_refused(tmp_path: Path) -> None:
    wrong = tmp_path / "measures.json"
    wrong.write_text(json.dumps({"format": "something-else", "measures": []}), encoding="utf-8")
    with pytest.raises(CommandError, match=r"not a wildnet\.model-measures/1 file"):
        call_command("load_measures", str(wrong))
    assert not MeasureCatalogue.objects.exists()
