"""The curated species fixture and ``load_species``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cases.models import Species, SpeciesGroup, SpeciesName, SpeciesRank
from cases.species.curated import CURATED_FIXTURE, CuratedFixtureError, load_curated, read_fixture


def test_the_fixture_holds_at_least_300_taxa_covering_every_group() -> None:
    records = read_fixture()

    assert len(records) >= 300
    assert {record.group for record in records} == set(SpeciesGroup.values)


def test_every_curated_taxon_has_a_valid_rank_listing_and_english_name() -> None:
    for record in read_fixture():
        assert record.rank in SpeciesRank.values, record.scientific_name
        assert record.cites_appendices, record.scientific_name
        assert set(record.cites_appendices) <= {"I", "II", "III"}, record.scientific_name
        assert any(language == "en" and kind == "common" for _name, language, kind in record.names), (
            record.scientific_name
        )


def test_most_curated_taxa_are_named_in_french_and_spanish() -> None:
    records = read_fixture()
    for language in ("fr", "es"):
        named = [record for record in records if any(lang == language for _name, lang, _kind in record.names)]
        assert len(named) >= 0.95 * len(records), language


@pytest.mark.parametrize(
    ("scientific_name", "listing"),
    [
        ("Loxodonta africana", "I/II"),
        ("Elephas maximus", "I"),
        ("Psittacus erithacus", "I"),
        ("Diceros bicornis", "I"),
        ("Panthera tigris", "I"),
        ("Manis javanica", "I"),
        ("Geochelone elegans", "I"),
        ("Python regius", "II"),
        ("Crocodylus niloticus", "I/II"),
        ("Odobenus rosmarus", "III"),
    ],
)
def test_curated_listings_follow_the_current_appendices(scientific_name: str, listing: str) -> None:
    records = {record.scientific_name: record for record in read_fixture()}

    assert records[scientific_name].cites_listing == listing


@pytest.mark.django_db
def test_load_species_is_idempotent() -> None:
    first = io.StringIO()
    call_command("load_species", stdout=first)
    counts = (Species.objects.count(), SpeciesName.objects.count())

    second = io.StringIO()
    call_command("load_species", stdout=second)

    taxa = len(read_fixture())
    assert counts[0] == taxa
    assert (Species.objects.count(), SpeciesName.objects.count()) == counts
    assert f"Loaded {taxa} taxa: {taxa} created, 0 updated" in first.getvalue()
    assert f"Loaded {taxa} taxa: 0 created, {taxa} updated, 0 names added." in second.getvalue()


@pytest.mark.django_db
def test_loading_stores_names_by_kind_and_language() -> None:
    load_curated()
    parrot = Species.objects.get(scientific_name="Psittacus erithacus")

    assert parrot.group == SpeciesGroup.PARROTS
    assert parrot.cites_appendices == ["I"]
    assert parrot.names.filter(kind="common", language="fr", name="perroquet gris").exists()
    assert parrot.names.filter(kind="common", language="es", name="yaco").exists()
    assert parrot.names.filter(kind="trade", name="African grey").exists()
    assert (
        Species.objects.get(scientific_name="Manis temminckii")
        .names.filter(kind="synonym", language="la", name="Smutsia temminckii")
        .exists()
    )


@pytest.mark.django_db
def test_loading_updates_an_imported_taxon_and_keeps_its_species_plus_id() -> None:
    Species.objects.create(scientific_name="Psittacus erithacus", species_plus_id=9644, cites_listing="II")

    report = load_curated()

    parrot = Species.objects.get(scientific_name="Psittacus erithacus")
    assert (parrot.species_plus_id, parrot.cites_listing) == (9644, "I")
    assert report.updated == 1


@pytest.mark.django_db
def test_an_invalid_fixture_is_refused_whole(tmp_path: Path) -> None:
    fixture = json.loads(CURATED_FIXTURE.read_text(encoding="utf-8"))
    fixture["taxa"][1]["rank"] = "cultivar"
    fixture["taxa"][2]["cites_listing"] = "IV"
    fixture["taxa"][3]["group"] = "dragons"
    fixture["taxa"][4]["scientific_name"] = fixture["taxa"][0]["scientific_name"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(fixture), encoding="utf-8")

    with pytest.raises(CuratedFixtureError) as raised:
        load_curated(path)

    assert len(raised.value.problems) == 4
    assert "unknown rank 'cultivar'" in raised.value.problems[0]
    assert not Species.objects.exists()


@pytest.mark.django_db
def test_command_reports_an_unreadable_fixture(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")

    with pytest.raises(CommandError, match=r"broken\.json"):
        call_command("load_species", "--fixture", str(path))


@pytest.mark.django_db
def test_a_file_in_another_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dump.json"
    path.write_text(json.dumps([{"model": "cases.species", "pk": 1, "fields": {}}]), encoding="utf-8")

    with pytest.raises(CuratedFixtureError):
        load_curated(path)
    path.write_text(json.dumps({"format": "other/2", "taxa": []}), encoding="utf-8")

    with pytest.raises(CuratedFixtureError, match="is not 'wildnet-species/1'"):
        load_curated(path)
