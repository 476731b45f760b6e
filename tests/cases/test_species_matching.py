"""Matching misspelled scientific and common names (English, French, Spanish) to species."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest

from cases.models import Species, SpeciesName
from cases.species.curated import load_curated
from cases.species.matching import match_species, resolve_species

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def curated() -> None:
    load_curated()


@pytest.mark.parametrize(
    ("text", "scientific_name"),
    [
        ("Loxodonta africanna", "Loxodonta africana"),
        ("pangolin de Temminck", "Manis temminckii"),
        ("Pangolin de temmink", "Manis temminckii"),
        ("elefante africano", "Loxodonta africana"),
        ("ELEPHANT D'AFRIQUE", "Loxodonta africana"),
        ("Psittacus eritacus", "Psittacus erithacus"),
        ("psitakus eritakus", "Psittacus erithacus"),
        ("perroquet gris", "Psittacus erithacus"),
        ("loro gris africano", "Psittacus erithacus"),
        ("Eretmochelys imbricada", "Eretmochelys imbricata"),
        ("tortue d hermann", "Testudo hermanni"),
        ("Pithon regius", "Python regius"),
        ("Smutsia temminckii", "Manis temminckii"),
        ("shahtoosh", "Pantholops hodgsonii"),
    ],
)
def test_misspelled_or_translated_names_resolve_to_the_species(text: str, scientific_name: str) -> None:
    species = resolve_species(text)

    assert species is not None
    assert species.scientific_name == scientific_name


def test_candidates_are_ranked_with_scores_and_the_name_that_matched() -> None:
    matches = match_species("pangolin de Temminck", limit=3)

    assert matches[0].species.scientific_name == "Manis temminckii"
    assert matches[0].score == 100.0
    assert matches[0].kind == SpeciesName.Kind.COMMON
    assert matches[0].language in {"fr", "es"}
    assert [match.score for match in matches] == sorted((match.score for match in matches), reverse=True)
    assert len(matches) <= 3


def test_a_misspelling_scores_below_an_exact_name_but_above_the_resolve_threshold() -> None:
    best = match_species("Loxodonta africanna", limit=1)[0]

    assert best.species.scientific_name == "Loxodonta africana"
    assert best.kind == "scientific"
    assert 85 <= best.score < 100


def test_a_generic_name_lists_every_species_it_may_mean() -> None:
    matches = match_species("pangolin", limit=8)

    assert {match.species.scientific_name for match in matches} >= {"Manis javanica", "Manis pentadactyla"}
    assert all(match.species.group == "pangolins" for match in matches)


def test_a_name_shared_by_several_species_does_not_resolve() -> None:
    assert resolve_species("rhino horn") is None
    assert len({match.species.pk for match in match_species("rhino horn")}) > 1


def test_unrelated_text_matches_nothing() -> None:
    assert resolve_species("xqzw vbnm") is None
    assert match_species("") == []
    assert match_species("   ", limit=3) == []


def test_new_and_deleted_species_are_seen_at_once() -> None:
    assert resolve_species("Varanus bitatawa") is None

    monitor = Species.objects.create(scientific_name="Varanus bitatawa", cites_listing="II", cites_appendices=["II"])
    assert resolve_species("Varanus bitatawa") == monitor

    SpeciesName.objects.create(species=monitor, name="Butikaw", language="en")
    assert resolve_species("butikaw") == monitor

    monitor.delete()
    assert resolve_species("Varanus bitatawa") is None


def test_a_repeated_query_reuses_the_index_with_a_constant_number_of_queries(
    django_assert_num_queries: Callable[[int], AbstractContextManager[object]],
) -> None:
    match_species("tigre")

    # The fingerprint and one query for the returned species, however many names are indexed.
    with django_assert_num_queries(2):
        matches = match_species("tigre", limit=5)
    assert matches[0].species.scientific_name == "Panthera tigris"
