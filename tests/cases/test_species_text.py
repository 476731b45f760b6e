"""Species named inside advert text: spans, misspellings, ordinary words and ties (issue 17)."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from graphql_relay import to_global_id

from access import policy
from access.policy import viewer_for
from agencies.models import Agency
from cases import actions
from cases.ingest import import_listings
from cases.models import Listing, Species, SpeciesName, SuggestedSpecies
from cases.species.curated import load_curated
from cases.species.importer import SkippedRow, open_export, parse_row
from cases.species.matching import SCIENTIFIC, IndexEntry, SpeciesIndex
from cases.species.normalise import normalise_name
from cases.species.ordinary import ADVERT_WORDS, FREQUENT_IN, frequent_words
from cases.species.text import TextIndex, find_species, species_named_by, suggested_species
from officers.models import Officer

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
CHECKLIST = DATA / "cites_species_checklist_2017-04-21.csv.gz"
ADVERTS = DATA / "bird_classified_ads_au_stemmed.csv.gz"
needs_data = pytest.mark.skipif(not CHECKLIST.exists(), reason="the real checklist (../shared/data) is absent")


@pytest.fixture
def curated(db: Any) -> None:
    load_curated()
    sturgeon = Species.objects.create(scientific_name="Acipenser sturio", genus="Acipenser", cites_listing="I",
                                      cites_appendices=["I"])
    sturgeon.names.create(name="common sturgeon", language="en", kind="common")
    Species.objects.create(scientific_name="Acipenser", rank="genus", genus="Acipenser", cites_listing="II",
                           cites_appendices=["II"])


def named(text: str) -> list[str]:
    found = Species.objects.in_bulk([match.species_id for match in find_species(text)])
    return [found[match.species_id].scientific_name for match in find_species(text)]


@pytest.mark.parametrize(("text", "scientific_name"), [
    ("vends perroquet gris du Gabon jeune mâle", "Psittacus erithacus"),
    ("selling my acipenser sturio 6 months old", "Acipenser sturio"),
    ("vends perroqet gris du Gabon jeune mâle", "Psittacus erithacus"),
    ("vends peroquet gri du Gabon jeune male", "Psittacus erithacus"),
    ("selling my acipenser sturoi 6 months old", "Acipenser sturio"),
    ("selling my Acipencer sturio 6 months old", "Acipenser sturio"),
    ("selling my Psitacus erithacus, hand raised", "Psittacus erithacus"),
    ("selling my psitakus eritakus, hand raised", "Psittacus erithacus"),
    ("se vende loro gris africano con papeles", "Psittacus erithacus"),
    ("se vende elefante africáno tallado", "Loxodonta africana"),
    ("PYTHON ROYAL femelle 2 ans", "Python regius"),
])
def test_a_name_inside_a_sentence_is_found_exact_or_misspelt(curated: None, text: str, scientific_name: str) -> None:
    assert named(text) == [scientific_name]


@pytest.mark.parametrize("word", ["south", "feather", "approx", "grey", "royal", "Grey", "ROYAL", "mâle",
                                  "selling", "vends", "se vende"])
def test_an_ordinary_word_names_no_species(curated: None, word: str) -> None:
    assert find_species(word) == []
    assert species_named_by(word) is None


def test_ordinary_words_in_a_sentence_name_nothing(curated: None) -> None:
    assert find_species("south facing cage, royal blue, approx 2 m, grey feather duster") == []


def test_the_span_is_the_words_of_the_name_in_the_text_as_written(curated: None) -> None:
    text = "Vends  Perroquet-Gris du Gabon, et un python royal"
    spans = [(text[m.start:m.end], m.matched_name) for m in find_species(text)]
    assert spans == [("Perroquet-Gris", "perroquet gris"), ("python royal", "python royal")]


def test_the_species_beats_its_genus_on_the_same_words(curated: None) -> None:
    (match,) = find_species("acipenser sturio caviar")
    assert (match.start, match.end, match.score) == (0, 16, 100.0)


def test_a_misspelt_name_scores_less_than_an_exact_one(curated: None) -> None:
    (exact,) = find_species("perroquet gris")
    (misspelt,) = find_species("perroqet gris")
    assert exact.score == 100 and 75 <= misspelt.score < 100


def test_an_abbreviated_genus_names_the_species_a_little_less_surely(curated: None) -> None:
    (match,) = find_species("vends P. erithacus jeune")
    assert named("vends P. erithacus jeune") == ["Psittacus erithacus"]
    assert (match.start, match.end, match.score) == (6, 18, 95.0)


def test_an_abbreviated_genus_tolerates_typos_only_in_a_long_epithet(curated: None) -> None:
    assert named("vends P. eritacus jeune") == ["Psittacus erithacus"]
    Species.objects.create(scientific_name="Anthracothorax mango")
    assert find_species("criado a mano, 5 meses") == []


def test_two_taxa_sharing_a_name_are_a_tie_and_neither_is_chosen(curated: None) -> None:
    for scientific_name in ("Amazona aestiva", "Amazona ochrocephala"):
        Species.objects.get_or_create(scientific_name=scientific_name)[0].names.create(
            name="perroquet amazone", language="fr", kind="common")
    assert find_species("vends perroquet amazone jeune") == []
    assert named("vends perroquet amazone et perroquet gris") == ["Psittacus erithacus"]


def test_a_species_and_its_subspecies_sharing_a_name_is_no_tie(curated: None) -> None:
    Species.objects.create(scientific_name="Psittacus erithacus timneh", rank="subspecies").names.create(
        name="perroquet gris", language="fr", kind="common")
    assert named("perroquet gris") == ["Psittacus erithacus"]


def test_each_species_is_suggested_once_with_its_best_words(curated: None) -> None:
    found = suggested_species("grey parrot for sale, a perroqet gris, African grey")
    assert len(found) == 1 and found[0].score == 100 and found[0].matched_name == "grey parrot"


def test_a_search_query_names_a_species_only_as_a_whole(curated: None) -> None:
    parrot = Species.objects.get(scientific_name="Psittacus erithacus").pk
    assert species_named_by("Psittacus eritacus") == parrot
    assert species_named_by("perroquet gris") == parrot
    assert species_named_by("perroquet gris cage") is None
    assert species_named_by("gris") is None


def test_add_listing_suggests_species_apart_from_the_confirmed_ones(gql: Any, make_case: Any,
                                                                    species: Any) -> None:
    case = make_case()
    mutation = """mutation($input: AddListingInput!) { addListing(input: $input) { listing {
        species { scientificName } suggestedSpecies { species { scientificName } span { source start end } score
        matchedName } } errors { code } } }"""
    out = gql.login("inv.ofb")(mutation, {"input": {
        "caseId": to_global_id("Case", case.pk), "url": "https://www.leboncoin.fr/ad/7",
        "title": "Python royal femelle", "text": "vends perroquet gris jeune mâle", "speciesNames": ["Python regius"]}})
    listing = out["addListing"]["listing"]
    assert listing["species"] == [{"scientificName": "Python regius"}]
    assert listing["suggestedSpecies"] == [
        {"species": {"scientificName": "Python regius"}, "span": {"source": "title", "start": 0, "end": 12},
         "score": 100.0, "matchedName": "python royal"},
        {"species": {"scientificName": "Psittacus erithacus"}, "span": {"source": "text", "start": 6, "end": 20},
         "score": 100.0, "matchedName": "perroquet gris"}]


def test_suggestions_are_seen_with_their_listing_and_never_without_it(demo: Any, species: Any,
                                                                    make_case: Any) -> None:
    owner = viewer_for(Officer.objects.get(username="inv.ofb"))
    actions.add_listing(owner, make_case(), actions.ListingInput(url="https://www.leboncoin.fr/ad/9",
                                                                 title="Python royal"))
    other = viewer_for(Officer.objects.get(username="inv.seprona"))
    assert policy.visible(owner, SuggestedSpecies.objects.all()).count() == 1
    assert policy.visible(other, SuggestedSpecies.objects.all()).count() == 0


def test_imported_listings_get_suggestions_and_no_confirmed_species(demo: Any, species: Any) -> None:
    line = {"url": "https://www.leboncoin.fr/ad/8", "platform": "pf-leboncoin", "title": "Ball python",
            "text": "south facing vivarium included"}
    import_listings([json.dumps(line)], Agency.objects.get(code="fr-ofb"))
    listing = Listing.objects.get()
    assert not listing.species.exists()
    assert [(s.species.scientific_name, s.source, s.start, s.end) for s in listing.suggested_species.all()] == [
        ("Python regius", "title", 0, 11)]


# --- against the real checklist ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def checklist() -> tuple[TextIndex, dict[str, int]]:
    """The text index of the whole checklist, read from the file (no database): built once for the module."""
    entries, ids = [], {}
    with open_export(CHECKLIST) as stream:
        for row in csv.DictReader(stream):
            try:
                record = parse_row(row)
            except SkippedRow:
                continue
            ids[record.scientific_name] = record.species_plus_id
            entries.append((normalise_name(record.scientific_name), IndexEntry(
                record.species_plus_id, record.scientific_name, SCIENTIFIC, SpeciesName.Language.LATIN)))
            entries += [(normalise_name(name), IndexEntry(record.species_plus_id, name, kind, language))
                        for name, language, kind in record.names if normalise_name(name)]
    return TextIndex(SpeciesIndex(entries)), ids


@needs_data
@pytest.mark.parametrize(("text", "scientific_name"), [
    ("vends perroquet gris du Gabon jeune mâle", "Psittacus erithacus"),
    ("selling my acipenser sturio 6 months old", "Acipenser sturio"),
    ("selling my acipenser sturoi 6 months old", "Acipenser sturio"),
    ("se vende tortuga mediterranea con papeles", "Testudo hermanni"),
    ("for sale: Ball python female, 2 years", "Python regius"),
    ("2 african grey parrots for sale", "Psittacus erithacus"),
    ("tortues d'Hermann à vendre", "Testudo hermanni"),
    ("selling my P. erithacus 6 months old", "Psittacus erithacus"),
])
def test_the_real_checklist_finds_names_in_sentences(checklist: Any, text: str, scientific_name: str) -> None:
    index, ids = checklist
    assert [match.species_id for match in suggested_species(text, index)][:1] == [ids[scientific_name]]


@needs_data
@pytest.mark.parametrize("word", ["south", "feather", "approx", "grey", "royal", "tiger", "pine", "white",
                                  "criado a mano", "creat", "chirp"])
def test_the_real_checklist_reads_no_species_into_ordinary_words(checklist: Any, word: str) -> None:
    index, _ids = checklist
    assert find_species(word, index) == []
    assert species_named_by(word, index) is None


@pytest.mark.skipif(not ADVERTS.exists(), reason="the real adverts (../shared/data) are absent")
def test_the_shipped_advert_words_are_the_frequent_words_of_the_real_adverts() -> None:
    with gzip.open(ADVERTS, "rt", encoding="latin-1") as stream:
        words = frequent_words((row["text_stop_stem"] for row in csv.DictReader(stream)), FREQUENT_IN)
    assert ADVERT_WORDS.read_text(encoding="utf-8").split() == words
