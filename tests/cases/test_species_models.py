"""Species models, name normalisation and listing parsing."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from cases.models import Species, SpeciesGroup, SpeciesName, SpeciesRank
from cases.species.normalise import clean_scientific_name, normalise_name, parse_cites_listing, phonetic_key


def test_normalise_name_folds_case_accents_and_punctuation() -> None:
    assert normalise_name("Éléphant d'Afrique") == "elephant d afrique"
    assert normalise_name("  ELEPHANT-D'AFRIQUE ") == "elephant d afrique"
    assert normalise_name("Pangolín del Cabo") == "pangolin del cabo"


def test_phonetic_key_is_shared_by_latin_spellings_that_sound_alike() -> None:
    assert phonetic_key("psittacus erithacus") == phonetic_key("psittacus eritacus")
    assert phonetic_key("python regius") != phonetic_key("boa constrictor")


def test_clean_scientific_name_collapses_spaces_and_capitalises_the_genus() -> None:
    assert clean_scientific_name("  loxodonta   africana ") == "Loxodonta africana"


@pytest.mark.parametrize(
    ("listing", "expected"),
    [
        ("I", ("I", ["I"])),
        ("I/II", ("I/II", ["I", "II"])),
        ("II / i", ("I/II", ["I", "II"])),
        ("II/NC", ("II/NC", ["II"])),
        ("I/II/III/NC", ("I/II/III/NC", ["I", "II", "III"])),
        ("NC", ("NC", [])),
        ("", ("", [])),
    ],
)
def test_parse_cites_listing_returns_canonical_text_and_appendices(
    listing: str, expected: tuple[str, list[str]]
) -> None:
    assert parse_cites_listing(listing) == expected


@pytest.mark.parametrize("listing", ["IV", "I/X", "Appendix I"])
def test_parse_cites_listing_rejects_unknown_appendices(listing: str) -> None:
    with pytest.raises(ValueError, match="unknown CITES appendix"):
        parse_cites_listing(listing)


@pytest.mark.parametrize(
    ("taxonomy", "group"),
    [
        (("Mammalia", "Proboscidea", "Elephantidae"), SpeciesGroup.ELEPHANTS),
        (("Mammalia", "Perissodactyla", "Rhinocerotidae"), SpeciesGroup.RHINOCEROSES),
        (("Mammalia", "Carnivora", "Felidae"), SpeciesGroup.BIG_CATS),
        (("Mammalia", "PRIMATES", "Hominidae"), SpeciesGroup.PRIMATES),
        (("Mammalia", "Pholidota", "Manidae"), SpeciesGroup.PANGOLINS),
        (("Aves", "Psittaciformes", "Psittacidae"), SpeciesGroup.PARROTS),
        (("Aves", "Falconiformes", "Accipitridae"), SpeciesGroup.BIRDS_OF_PREY),
        (("Aves", "Strigiformes", "Strigidae"), SpeciesGroup.BIRDS_OF_PREY),
        (("Reptilia", "Crocodylia", "Crocodylidae"), SpeciesGroup.CROCODILIANS),
        (("Reptilia", "Serpentes", "Pythonidae"), SpeciesGroup.SNAKES),
        (("Reptilia", "Testudines", "Cheloniidae"), SpeciesGroup.TORTOISES_TURTLES),
        (("Amphibia", "Anura", "Dendrobatidae"), SpeciesGroup.AMPHIBIANS),
        (("Reptilia", "Sauria", "Varanidae"), SpeciesGroup.OTHER),
        (("", "", ""), SpeciesGroup.OTHER),
    ],
)
def test_species_group_is_derived_from_taxonomy(taxonomy: tuple[str, str, str], group: SpeciesGroup) -> None:
    class_name, order_name, family = taxonomy
    assert SpeciesGroup.for_taxonomy(class_name=class_name, order_name=order_name, family=family) == group


@pytest.mark.django_db
def test_saving_species_and_names_stores_their_match_keys() -> None:
    species = Species.objects.create(scientific_name="Psittacus erithacus", rank=SpeciesRank.SPECIES)
    name = SpeciesName.objects.create(species=species, name="Perroquet gris", language="fr")

    assert Species.objects.get(pk=species.pk).normalised_name == "psittacus erithacus"
    assert SpeciesName.objects.get(pk=name.pk).normalised_name == "perroquet gris"


@pytest.mark.django_db
def test_a_species_holds_one_row_per_spelling_of_a_name() -> None:
    species = Species.objects.create(scientific_name="Panthera tigris")
    SpeciesName.objects.create(species=species, name="Tigre", language="fr")

    with pytest.raises(IntegrityError):
        SpeciesName.objects.create(species=species, name="TIGRE", language="fr")


@pytest.mark.django_db
def test_scientific_names_and_species_plus_ids_are_unique() -> None:
    Species.objects.create(scientific_name="Panthera leo", species_plus_id=6045)

    with pytest.raises(IntegrityError):
        Species.objects.create(scientific_name="Panthera onca", species_plus_id=6045)


@pytest.mark.django_db
def test_in_appendix_matches_whole_and_split_listings() -> None:
    for name, listing in [("Panthera tigris", "I"), ("Loxodonta africana", "I/II"), ("Python regius", "II"),
                          ("Odobenus rosmarus", "III"), ("Vipera ursinii", "I/NC")]:  # fmt: skip
        Species.objects.create(scientific_name=name, cites_listing=listing)

    def names(appendix: str) -> set[str]:
        return set(Species.objects.in_appendix(appendix).values_list("scientific_name", flat=True))

    assert names("I") == {"Panthera tigris", "Loxodonta africana", "Vipera ursinii"}
    assert names("II") == {"Loxodonta africana", "Python regius"}
    assert names("III") == {"Odobenus rosmarus"}
    with pytest.raises(ValueError, match="Unknown CITES appendix"):
        Species.objects.in_appendix("NC")
