"""``import_species``: reading CITES checklist exports (plain or gzip, multi-line fields) and upserting them."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cases.models import Species, SpeciesGroup, SpeciesName
from cases.species.importer import SkipReason, import_checklist, split_synonyms

HEADER = (
    "TaxonId,Kingdom,Phylum,Class,Order,Family,Genus,Species,Subspecies,FullName,AuthorYear,RankName,"
    "CurrentListing,FullAnnotationEnglish,AnnotationEnglish,AnnotationSpanish,AnnotationFrench,#AnnotationSymbol,"
    "#Annotation,SynonymsWithAuthors,EnglishNames,SpanishNames,FrenchNames,CitesAccepted,All_DistributionISOCodes,"
    "All_DistributionFullNames,NativeDistributionFullNames,Introduced_Distribution,Introduced(?)_Distribution,"
    "Reintroduced_Distribution,Extinct_Distribution,Extinct(?)_Distribution,Distribution_Uncertain\n"
)
TAIL = ',"","","","","","","","",""\n'  # the distribution columns, empty in these samples

ELEPHANT = (
    "4521,Animalia,Chordata,Mammalia,Proboscidea,Elephantidae,Loxodonta,africana,,Loxodonta africana,"
    '"(Blumenbach, 1797)",SPECIES,I/II,"Appendix I:Included in Appendix I, except the populations of BW.\n'
    'Appendix II:Populations of BW, NA, ZA, ZW","Appendix I:All populations except those of BW, NA, ZA, and ZW. \n'
    'Appendix II:Populations of BW, NA, ZA, ZW ","","",,"Appendix I: \nAppendix II: ",'
    '"Loxodonta cyclotis (Matschie, 1900)","African Elephant, African Savannah Elephant","Elefante africano",'
    '"Eléphant africain, Eléphant d\'Afrique",true' + TAIL
)
PARROT = (
    "9644,Animalia,Chordata,Aves,Psittaciformes,Psittacidae,Psittacus,erithacus,,Psittacus erithacus,"
    '"Linnaeus, 1758",SPECIES,{listing},Appendix {listing}: ,Appendix {listing}: ,,,,,"",'
    '"Grey Parrot, Jacquot","Loro yaco, Yaco","Jacko, Perroquet gris",true' + TAIL
)
PANGOLIN = (
    "6617,Animalia,Chordata,Mammalia,Pholidota,Manidae,Manis,temminckii,,Manis temminckii,"
    '"Smuts, 1832",SPECIES,I,Appendix I: ,Appendix I: ,,,,,'
    '"Phataginus temminckii (Smuts, 1832), Smutsia temminckii (Smuts, 1832)",'
    '"Cape Pangolin, Temminck\'s Ground Pangolin","Pangolín del Cabo","Pangolin de Temminck",true' + TAIL
)
CHECKLIST = Path(__file__).resolve().parents[3] / "shared" / "data" / "cites_species_checklist_2017-04-21.csv.gz"


def write_export(path: Path, *rows: str, compress: bool = False) -> Path:
    content = (HEADER + "".join(rows)).encode()
    path.write_bytes(gzip.compress(content) if compress else content)
    return path


def sample(tmp_path: Path, name: str = "checklist.csv", *, listing: str = "I", compress: bool = False) -> Path:
    return write_export(tmp_path / name, ELEPHANT, PARROT.format(listing=listing), PANGOLIN, compress=compress)


def names_of(scientific_name: str, kind: str, language: str) -> set[str]:
    return set(
        SpeciesName.objects.filter(species__scientific_name=scientific_name, kind=kind, language=language).values_list(
            "name", flat=True
        )
    )


@pytest.mark.django_db
def test_import_of_a_plain_csv_stores_taxonomy_listing_and_names(tmp_path: Path) -> None:
    report = import_checklist(sample(tmp_path), progress=False)

    assert (report.rows_read, report.created, report.updated, report.skipped.total()) == (3, 3, 0, 0)
    elephant = Species.objects.get(species_plus_id=4521)
    assert elephant.scientific_name == "Loxodonta africana"
    assert (elephant.rank, elephant.author) == ("species", "(Blumenbach, 1797)")
    assert (elephant.kingdom, elephant.class_name, elephant.order_name, elephant.family, elephant.genus) == (
        "Animalia", "Mammalia", "Proboscidea", "Elephantidae", "Loxodonta",
    )  # fmt: skip
    assert (elephant.cites_listing, elephant.cites_appendices) == ("I/II", ["I", "II"])
    assert elephant.group == SpeciesGroup.ELEPHANTS
    assert names_of("Loxodonta africana", "common", "en") == {"African Elephant", "African Savannah Elephant"}
    assert names_of("Loxodonta africana", "common", "fr") == {"Eléphant africain", "Eléphant d'Afrique"}
    assert names_of("Loxodonta africana", "common", "es") == {"Elefante africano"}
    assert names_of("Manis temminckii", "synonym", "la") == {"Phataginus temminckii", "Smutsia temminckii"}
    assert Species.objects.get(scientific_name="Manis temminckii").group == SpeciesGroup.PANGOLINS


@pytest.mark.django_db
def test_a_quoted_field_spanning_lines_stays_one_field(tmp_path: Path) -> None:
    import_checklist(sample(tmp_path), progress=False)

    annotation = Species.objects.get(species_plus_id=4521).annotation
    assert annotation.splitlines() == [
        "Appendix I:All populations except those of BW, NA, ZA, and ZW.",
        "Appendix II:Populations of BW, NA, ZA, ZW",
    ]
    # The rows after the multi-line one are read as rows of their own.
    assert Species.objects.filter(species_plus_id__in=[9644, 6617]).count() == 2


@pytest.mark.django_db
def test_gzip_is_detected_by_content_not_by_file_name(tmp_path: Path) -> None:
    compressed = sample(tmp_path, "export.csv", compress=True)
    plain = sample(tmp_path, "export.csv.gz")

    assert import_checklist(compressed, progress=False).created == 3
    Species.objects.all().delete()
    assert import_checklist(plain, progress=False).created == 3


@pytest.mark.django_db
def test_re_import_updates_in_place_and_adds_nothing(tmp_path: Path) -> None:
    path = sample(tmp_path)
    import_checklist(path, progress=False)
    counts = (Species.objects.count(), SpeciesName.objects.count())

    again = import_checklist(path, progress=False)

    assert (Species.objects.count(), SpeciesName.objects.count()) == counts
    assert (again.created, again.updated, again.names_added) == (0, 3, 0)


@pytest.mark.django_db
def test_a_newer_export_replaces_a_changed_listing(tmp_path: Path) -> None:
    import_checklist(sample(tmp_path, "2016.csv", listing="II"), progress=False)
    parrot_id = Species.objects.get(species_plus_id=9644).pk

    import_checklist(sample(tmp_path, "2017.csv", listing="I"), progress=False)

    parrot = Species.objects.get(species_plus_id=9644)
    assert parrot.pk == parrot_id
    assert (parrot.cites_listing, parrot.cites_appendices) == ("I", ["I"])


@pytest.mark.django_db
def test_bad_rows_are_skipped_and_counted_by_reason_with_examples(tmp_path: Path) -> None:
    good = PARROT.format(listing="I")
    path = write_export(
        tmp_path / "bad.csv",
        good,
        good.replace("9644,", ",", 1),  # no TaxonId
        good.replace("9644,", "T-9644,", 1),  # TaxonId not a number
        good.replace("9644,", "9645,", 1).replace(",SPECIES,", ",CULTIVAR,"),  # unknown rank
        good.replace("9644,", "9646,", 1).replace(",SPECIES,I,", ",SPECIES,IV,"),  # no appendix IV
        good.replace("9644,", "9647,", 1).replace(",Psittacus erithacus,", ",,"),  # no name
        "9648,Animalia,Chordata\n",  # truncated row
        good,  # the same TaxonId again
        good.replace("9644,", "9649,", 1),  # another TaxonId with the same name
        PANGOLIN,
    )

    report = import_checklist(path, progress=False)

    assert report.rows_read == 10
    assert Species.objects.count() == report.created == 2
    assert report.skipped == {
        SkipReason.MISSING_TAXON_ID: 1,
        SkipReason.INVALID_TAXON_ID: 1,
        SkipReason.UNKNOWN_RANK: 1,
        SkipReason.INVALID_LISTING: 1,
        SkipReason.MISSING_NAME: 1,
        SkipReason.MALFORMED_ROW: 1,
        SkipReason.DUPLICATE_TAXON_ID: 1,
        SkipReason.NAME_CONFLICT: 1,
    }
    assert report.examples[SkipReason.INVALID_LISTING] == [
        "line 6: Psittacus erithacus: unknown CITES appendix 'IV' in listing 'IV'"
    ]
    assert report.examples[SkipReason.UNKNOWN_RANK] == ["line 5: Psittacus erithacus: rank 'CULTIVAR'"]


@pytest.mark.django_db
def test_a_name_held_by_another_species_plus_taxon_is_a_conflict(tmp_path: Path) -> None:
    Species.objects.create(scientific_name="Psittacus erithacus", species_plus_id=1)

    report = import_checklist(write_export(tmp_path / "x.csv", PARROT.format(listing="I")), progress=False)

    assert report.skipped == {SkipReason.NAME_CONFLICT: 1}
    assert Species.objects.get(scientific_name="Psittacus erithacus").species_plus_id == 1


@pytest.mark.django_db
def test_a_taxon_known_only_by_name_is_adopted_not_duplicated(tmp_path: Path) -> None:
    curated = Species.objects.create(scientific_name="Manis temminckii", group=SpeciesGroup.PANGOLINS)

    report = import_checklist(write_export(tmp_path / "x.csv", PANGOLIN), progress=False)

    assert (report.created, report.updated) == (0, 1)
    assert Species.objects.get().pk == curated.pk
    assert Species.objects.get().species_plus_id == 6617


@pytest.mark.django_db
def test_limit_stops_after_that_many_rows(tmp_path: Path) -> None:
    report = import_checklist(sample(tmp_path), limit=2, progress=False)

    assert report.rows_read == 2
    assert set(Species.objects.values_list("species_plus_id", flat=True)) == {4521, 9644}


@pytest.mark.django_db
def test_small_batches_give_the_same_result(tmp_path: Path) -> None:
    report = import_checklist(sample(tmp_path), batch_size=1, progress=False)

    assert (report.created, Species.objects.count()) == (3, 3)


@pytest.mark.django_db
def test_progress_bar_stays_off_when_stderr_is_not_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_checklist(sample(tmp_path), progress=True)

    assert capsys.readouterr().err == ""


def test_synonyms_are_split_without_their_authors() -> None:
    value = (
        "Crocodilus lacunosus Geoffroy, 1827, Alligator cowieii A. Smith, 1937, "
        "Hemitelia sellowiana (C.Presl. 1836) C.Presl. 1848, Aloe ferox var. incurva Baker"
    )

    assert split_synonyms(value) == [
        "Crocodilus lacunosus",
        "Alligator cowieii",
        "Hemitelia sellowiana",
        "Aloe ferox var. incurva",
    ]


@pytest.mark.django_db
def test_command_reports_counts_and_skip_reasons(tmp_path: Path) -> None:
    path = write_export(tmp_path / "x.csv", PANGOLIN, "1,Animalia\n")
    out = io.StringIO()

    call_command("import_species", str(path), "--no-progress", stdout=out)

    assert "Read 2 rows: 1 taxa created, 0 updated" in out.getvalue()
    assert "skipped 1 × malformed_row" in out.getvalue()
    assert "line 3: wrong number of fields" in out.getvalue()


@pytest.mark.django_db
def test_command_refuses_a_file_without_the_checklist_columns(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("id,name\n1,Loxodonta africana\n")

    with pytest.raises(CommandError, match="lacks the column"):
        call_command("import_species", str(path), "--no-progress")
    assert not Species.objects.exists()


def test_command_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot open"):
        call_command("import_species", str(tmp_path / "absent.csv"), "--no-progress")


@pytest.mark.django_db
def test_command_refuses_a_corrupt_gzip_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv.gz"
    path.write_bytes(gzip.compress((HEADER + PANGOLIN).encode())[:40])

    with pytest.raises(CommandError):
        call_command("import_species", str(path), "--no-progress")


@pytest.mark.django_db
@pytest.mark.skipif(
    not CHECKLIST.exists(), reason=f"the real CITES checklist export is not available at {CHECKLIST} (../shared/data)"
)
def test_the_real_checklist_export_imports_completely_and_idempotently() -> None:
    report = import_checklist(CHECKLIST, progress=False)

    assert report.rows_read == 38079
    assert report.skipped.total() == 0
    assert Species.objects.count() == 38079
    assert Species.objects.get(scientific_name="Loxodonta africana").cites_appendices == ["I", "II"]
    assert "Pangolin de Temminck" in names_of("Manis temminckii", "common", "fr")
    assert Species.objects.filter(group=SpeciesGroup.PARROTS).count() > 300
    names = SpeciesName.objects.count()

    again = import_checklist(CHECKLIST, progress=False)

    assert (again.created, again.names_added) == (0, 0)
    assert (Species.objects.count(), SpeciesName.objects.count()) == (38079, names)
