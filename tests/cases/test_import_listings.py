"""``import_listings``: JSON Lines adverts into a case — normalised, deduplicated, idempotent, in bulk."""

from __future__ import annotations

import gzip
import io
import json
import math
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import AutoField, Model
from django.test.utils import CaptureQueriesContext

from agencies.models import Agency
from audit.models import AuditEvent
from cases.ingest import ListingImportError, Reject, import_case, import_listings
from cases.models import Case, CaseEntity, Entity, EntityKind, EntityRole, Listing
from cases.species.matching import resolve_species
from officers.models import Officer

pytestmark = pytest.mark.django_db

ADVERT = {
    "url": "https://www.leboncoin.fr/animaux/2468.htm",
    "title": "Perroquet gris du Gabon",
    "text": "Jeune gris du Gabon, très affectueux, avec cage.",
    "language": "FR",
    "price": "850",
    "currency": "eur",
    "seen_at": "2026-03-01T10:00:00+01:00",
    "seller": "@Oiseaux_Du_Sud",
    "phones": ["06 12 34 56 78"],
    "emails": ["Oiseaux.Sud@Example.FR"],
}


def advert(**changes: Any) -> dict[str, Any]:
    return {**ADVERT, **changes}


def jsonl(*lines: dict[str, Any] | str) -> list[str]:
    return [line if isinstance(line, str) else json.dumps(line) for line in lines]


@pytest.fixture
def ofb(demo: Any) -> Agency:
    return Agency.objects.get(code="fr-ofb")


def run(lines: Iterable[str], agency: Agency, **options: Any) -> Any:
    return import_listings(list(lines), agency, **options)


def keys(kind: str) -> set[str]:
    return set(Entity.objects.filter(kind=kind).values_list("normalised", flat=True))


def test_a_line_becomes_a_listing_with_its_seller_phone_and_email_claimed_as_the_sellers(ofb: Agency) -> None:
    report = run(jsonl(ADVERT), ofb)

    listing = Listing.objects.select_related("platform", "seller", "case").get()
    assert listing.case.reference == report.case_reference
    assert listing.url == "https://www.leboncoin.fr/animaux/2468.htm"
    assert listing.platform is not None and listing.platform.code == "pf-leboncoin"
    assert (listing.title, listing.language, listing.price, listing.currency) == (
        "Perroquet gris du Gabon", "fr", Decimal("850.00"), "EUR")
    assert listing.first_seen_at.isoformat() == "2026-03-01T09:00:00+00:00"
    assert listing.seller is not None and listing.seller.normalised == "pf-leboncoin:oiseaux_du_sud"
    assert listing.seller.value == "@Oiseaux_Du_Sud"
    assert keys(EntityKind.PHONE) == {"+33612345678"}
    assert keys(EntityKind.EMAIL) == {"oiseaux.sud@example.fr"}
    claims = CaseEntity.objects.filter(case=listing.case)
    assert {(claim.entity.kind, claim.role) for claim in claims} == {
        (EntityKind.ONLINE_ACCOUNT, EntityRole.SELLER), (EntityKind.PHONE, EntityRole.SELLER),
        (EntityKind.EMAIL, EntityRole.SELLER)}
    assert (report.lines_read, report.listings_created, report.entities_created, report.claims_created) == (1, 1, 3, 3)


def test_urls_are_normalised_so_tracking_parameters_do_not_make_a_second_listing(ofb: Agency) -> None:
    report = run(jsonl(
        advert(url="HTTPS://WWW.LEBONCOIN.FR:443/animaux/2468.htm?utm_source=mail&fbclid=abc#photos",
               seen_at="2026-03-02T08:00:00Z"),
        advert(url="https://www.leboncoin.fr/animaux/2468.htm?gclid=xyz", seen_at="2026-02-27T08:00:00Z"),
    ), ofb)

    listing = Listing.objects.get()
    assert listing.url == "https://www.leboncoin.fr/animaux/2468.htm"
    assert listing.first_seen_at.isoformat() == "2026-02-27T08:00:00+00:00"
    assert listing.last_seen_at.isoformat() == "2026-03-02T08:00:00+00:00"
    assert (report.lines_imported, report.listings_created) == (2, 1)


def test_phone_numbers_are_stored_in_e164_whatever_their_spelling(ofb: Agency) -> None:
    run(jsonl(
        advert(url="https://www.leboncoin.fr/a/1", phones=["06 12 34 56 78", "+33 6 12 34 56 78"]),
        advert(url="https://www.leboncoin.fr/a/2", phones=["0033612345678", "+34 612 34 56 78"]),
    ), ofb)

    assert keys(EntityKind.PHONE) == {"+33612345678", "+34612345678"}


def test_an_identifier_repeated_across_lines_is_one_entity_with_one_claim(ofb: Agency) -> None:
    report = run(jsonl(*(advert(url=f"https://www.leboncoin.fr/a/{i}", seller=handle, emails=[email])
                         for i, (handle, email) in enumerate([("@Vendeur", "V@X.fr"), ("vendeur", "v@x.fr"),
                                                              (" @VENDEUR ", "v@X.FR")]))), ofb)

    assert Listing.objects.count() == 3
    assert keys(EntityKind.ONLINE_ACCOUNT) == {"pf-leboncoin:vendeur"}
    assert keys(EntityKind.EMAIL) == {"v@x.fr"}
    assert CaseEntity.objects.count() == 3  # handle, phone, e-mail
    assert len({listing.seller_id for listing in Listing.objects.all()}) == 1
    assert (report.entities_created, report.claims_created) == (3, 3)


def test_entities_already_known_from_another_case_are_reused(ofb: Agency) -> None:
    run(jsonl(ADVERT), ofb, title="Import: first")
    report = run(jsonl(ADVERT), ofb, title="Import: second")

    assert Entity.objects.count() == 3
    assert Case.objects.count() == 2
    assert (report.listings_created, report.entities_created, report.claims_created) == (1, 0, 3)


def test_running_the_same_file_again_adds_nothing(ofb: Agency, species: Any, tmp_path: Path) -> None:
    path = tmp_path / "adverts.jsonl"
    lines = jsonl(advert(species=["perroquet gris"]),
                  advert(url="https://es.wallapop.com/item/loro-99", seller="loro99", phones=["+34 612 34 56 78"],
                         emails=[]))
    path.write_text("\n".join(lines) + "\n")
    first = import_listings(path, ofb)
    tables = (Case.objects.count(), Listing.objects.count(), Entity.objects.count(), CaseEntity.objects.count(),
              Listing.species.through.objects.count())

    second = import_listings(path, ofb)

    assert tables[4] == 1
    assert first.case_created and not second.case_created
    assert first.case_reference == second.case_reference
    assert Case.objects.get().title == "Import: adverts.jsonl"
    assert (Case.objects.count(), Listing.objects.count(), Entity.objects.count(), CaseEntity.objects.count(),
            Listing.species.through.objects.count()) == tables
    assert (second.lines_read, second.lines_imported) == (2, 2)
    assert (second.listings_created, second.listings_updated, second.entities_created, second.claims_created) == (
        0, 0, 0, 0)


def test_a_later_sighting_widens_the_seen_times_and_counts_as_an_update(ofb: Agency) -> None:
    run(jsonl(advert(seller="")), ofb)
    report = run(jsonl(advert(seen_at="2026-04-01T00:00:00Z")), ofb)

    listing = Listing.objects.select_related("seller").get()
    assert listing.last_seen_at.isoformat() == "2026-04-01T00:00:00+00:00"
    assert listing.seller is not None and listing.seller.normalised == "pf-leboncoin:oiseaux_du_sud"
    assert (report.listings_created, report.listings_updated) == (0, 1)


def test_duplicate_urls_in_different_batches_make_one_listing(ofb: Agency) -> None:
    lines = jsonl(*(advert(url=f"https://www.leboncoin.fr/a/{i % 3}", seen_at=f"2026-03-0{i + 1}T00:00:00Z")
                    for i in range(5)))

    report = run(lines, ofb, batch_size=2)

    assert Listing.objects.count() == 3
    assert Listing.objects.get(url__endswith="/a/0").last_seen_at.isoformat() == "2026-03-04T00:00:00+00:00"
    assert (report.lines_imported, report.listings_created, report.listings_updated) == (5, 3, 2)


def test_bad_lines_are_reported_with_their_number_and_reason_and_nothing_of_them_is_written(ofb: Agency) -> None:
    lines = [
        json.dumps(ADVERT),                                                                    # 1 good
        '{"url": "https://www.leboncoin.fr/a/2", ',                                            # 2
        json.dumps(advert(url="")),                                                             # 3
        json.dumps(advert(url="ftp://leboncoin.fr/a/4")),                                      # 4
        json.dumps(advert(url="https://www.leboncoin.fr/a/5", currency="EURO")),              # 5
        json.dumps(advert(url="https://www.leboncoin.fr/a/6", price="cheap")),                # 6
        json.dumps(advert(url="https://www.leboncoin.fr/a/7", seen_at="yesterday")),          # 7
        json.dumps(advert(url="https://www.leboncoin.fr/a/8", phones=["+33 6 99 99 99 01", "12"])),  # 8
        json.dumps(advert(url="https://www.leboncoin.fr/a/9", emails=["not-an-address"],
                          phones=["+33 6 99 99 99 02"], seller="ghost")),                     # 9
        "",                                                                                     # blank: skipped
        json.dumps(advert(url="https://www.leboncoin.fr/a/11", price=12, currency=None)),      # 11
        json.dumps(advert(url="https://www.leboncoin.fr/a/12", phones="0612345678")),         # 12
        "[1, 2]",                                                                               # 13
    ]

    report = run(lines, ofb)

    assert [(r.line, r.reason) for r in report.rejections] == [
        (2, Reject.INVALID_JSON), (3, Reject.MISSING_URL), (4, Reject.INVALID_URL), (5, Reject.INVALID_CURRENCY),
        (6, Reject.INVALID_PRICE), (7, Reject.INVALID_DATE), (8, Reject.INVALID_PHONE), (9, Reject.INVALID_EMAIL),
        (11, Reject.INVALID_CURRENCY), (12, Reject.INVALID_FIELD), (13, Reject.INVALID_JSON)]
    assert "'12'" in report.rejections[6].detail
    assert report.rejected[Reject.INVALID_JSON] == 2
    assert (report.lines_read, report.lines_imported) == (12, 1)
    assert list(Listing.objects.values_list("url", flat=True)) == ["https://www.leboncoin.fr/animaux/2468.htm"]
    assert keys(EntityKind.PHONE) == {"+33612345678"}
    assert keys(EntityKind.ONLINE_ACCOUNT) == {"pf-leboncoin:oiseaux_du_sud"}


def test_dates_in_the_future_and_prices_out_of_range_are_rejected(ofb: Agency) -> None:
    report = run(jsonl(advert(seen_at="2999-01-01T00:00:00Z"), advert(price=-5), advert(price="1e15"),
                       advert(price=True)), ofb)

    assert [r.reason for r in report.rejections] == [Reject.INVALID_DATE] + [Reject.INVALID_PRICE] * 3
    assert not Listing.objects.exists()


def test_the_platform_is_named_by_code_or_domain_or_found_from_the_url(ofb: Agency) -> None:
    report = run(jsonl(
        advert(url="https://es.wallapop.com/item/1", seller="a"),
        advert(url="https://shop.example.com/item/2", platform="pf-facebook", seller="b"),
        advert(url="https://shop.example.com/item/3", platform="www.leboncoin.fr", seller="c"),
        advert(url="https://shop.example.com/item/4", seller=""),
        advert(url="https://shop.example.com/item/5", platform="ebay.com"),
        advert(url="https://shop.example.com/item/6", seller="nobody-knows-where"),
    ), ofb)

    platforms = dict(Listing.objects.values_list("url", "platform__code"))
    assert platforms == {"https://es.wallapop.com/item/1": "pf-wallapop",
                         "https://shop.example.com/item/2": "pf-facebook",
                         "https://shop.example.com/item/3": "pf-leboncoin",
                         "https://shop.example.com/item/4": None}
    assert keys(EntityKind.ONLINE_ACCOUNT) == {"pf-wallapop:a", "pf-facebook:b", "pf-leboncoin:c"}
    assert [(r.line, r.reason) for r in report.rejections] == [(5, Reject.UNKNOWN_PLATFORM),
                                                               (6, Reject.INVALID_SELLER)]


def test_species_names_resolve_despite_misspellings_and_languages(ofb: Agency, species: Any) -> None:
    run(jsonl(advert(species=["Psittacus eritacus", "perroquet gris", "elefante africano"])), ofb)

    names = set(Listing.objects.get().species.values_list("scientific_name", flat=True))
    assert names == {"Psittacus erithacus", "Loxodonta africana"}


def test_an_unknown_species_rejects_its_line(ofb: Agency, species: Any) -> None:
    report = run(jsonl(advert(url="https://www.leboncoin.fr/a/1", species=["Loxodonta africana"]),
                       advert(url="https://www.leboncoin.fr/a/2", species=["tigre en peluche"])), ofb)

    assert [(r.line, r.reason) for r in report.rejections] == [(2, Reject.UNKNOWN_SPECIES)]
    assert "tigre en peluche" in report.rejections[0].detail
    assert list(Listing.objects.values_list("url", flat=True)) == ["https://www.leboncoin.fr/a/1"]


def test_the_import_is_audited_once_with_its_counts(ofb: Agency) -> None:
    report = run(jsonl(ADVERT, advert(url="https://www.leboncoin.fr/a/2"), "oops"), ofb)

    events = AuditEvent.objects.filter(action="case.import_listings")
    assert events.count() == 1
    event = events.get()
    assert event.actor_username == "sup.ofb"
    assert event.object_id == str(Case.objects.get(reference=report.case_reference).pk)
    assert event.details["listings_created"] == 2
    assert event.details["lines_rejected"] == {Reject.INVALID_JSON: 1}
    assert AuditEvent.objects.filter(action="case.create").count() == 1
    assert not AuditEvent.objects.filter(action__in=["case.add_listing", "case.link_entity"]).exists()


def test_without_a_case_the_import_case_belongs_to_the_agency_and_its_senior_officer(ofb: Agency) -> None:
    report = run(jsonl(ADVERT), ofb, title="Import: sweep 12")

    case = Case.objects.select_related("created_by").get(reference=report.case_reference)
    assert (case.owner_agency, case.title, case.created_by.username, case.jurisdictions) == (
        ofb, "Import: sweep 12", "sup.ofb", ["FR"])
    assert report.case_reference.startswith("FR-OFB-")


def test_a_gzipped_file_is_read_like_a_plain_one(ofb: Agency, tmp_path: Path) -> None:
    path = tmp_path / "adverts.jsonl.gz"
    path.write_bytes(gzip.compress(json.dumps(ADVERT).encode() + b"\n"))

    report = import_listings(path, ofb)

    assert report.listings_created == 1


def command(*args: str) -> str:
    out = io.StringIO()
    call_command("import_listings", *args, "--no-progress", stdout=out)
    return out.getvalue()


def test_the_command_prints_a_summary_with_the_rejected_lines(ofb: Agency, tmp_path: Path) -> None:
    path = tmp_path / "adverts.jsonl"
    path.write_text("\n".join(jsonl(ADVERT, "{broken")) + "\n")

    output = command(str(path), "--agency", "fr-ofb")

    reference = Case.objects.get().reference
    assert f"Case {reference} (created): read 2 lines, imported 1, rejected 1." in output
    assert "Listings: 1 created, 0 updated. Entities: 3 created. Claims: 3 created." in output
    assert "line 2: invalid_json: not JSON" in output


def test_the_command_imports_into_a_named_case_as_a_named_officer(ofb: Agency, tmp_path: Path) -> None:
    case, _ = import_case(ofb, Officer.objects.get(username="inv.ofb"), "Operation Gris")
    path = tmp_path / "adverts.jsonl"
    path.write_text(json.dumps(ADVERT) + "\n")

    command(str(path), "--agency", "fr-ofb", "--case", case.reference.lower(), "--officer", "ana.ofb")

    listing = Listing.objects.select_related("created_by").get()
    assert (listing.case_id, listing.created_by.username) == (case.pk, "ana.ofb")
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--agency", "xx-nobody"], "No agency has the code 'xx-nobody'"),
        (["--agency", "fr-ofb", "--case", "FR-OFB-2026-99999"], "fr-ofb has no case 'FR-OFB-2026-99999'"),
        (["--agency", "fr-ofb", "--officer", "inv.seprona"], "fr-ofb has no active officer 'inv.seprona'"),
        (["--agency", "fr-ofb", "--officer", "admin.ofb"], "admin.ofb cannot import"),
        (["--agency", "pf-leboncoin"], "pf-leboncoin has no active supervisor"),
        (["--agency", "fr-ofb", "--batch-size", "0"], "--batch-size must be between"),
    ],
)
def test_the_command_refuses_what_it_cannot_import(ofb: Agency, tmp_path: Path, args: list[str], message: str) -> None:
    path = tmp_path / "adverts.jsonl"
    path.write_text(json.dumps(ADVERT) + "\n")

    with pytest.raises(CommandError, match=message):
        command(str(path), *args)

    assert not Listing.objects.exists()


def test_the_command_refuses_a_case_of_another_agency(ofb: Agency, tmp_path: Path) -> None:
    seprona = Agency.objects.get(code="es-seprona")
    case, _ = import_case(seprona, Officer.objects.get(username="sup.seprona"), "Operación Loro")
    path = tmp_path / "adverts.jsonl"
    path.write_text(json.dumps(ADVERT) + "\n")

    with pytest.raises(CommandError, match="fr-ofb has no case"):
        command(str(path), "--agency", "fr-ofb", "--case", case.reference)


def test_an_officer_of_another_agency_cannot_import_for_this_one(ofb: Agency) -> None:
    with pytest.raises(ListingImportError, match="is not an officer of fr-ofb"):
        run(jsonl(ADVERT), ofb, officer=Officer.objects.get(username="inv.seprona"))

    assert not Case.objects.exists()


def test_a_missing_file_is_a_command_error(ofb: Agency, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot open"):
        command(str(tmp_path / "missing.jsonl"), "--agency", "fr-ofb")


def insert_statements(model: type[Model], rows: int) -> int:
    """How many INSERTs Django needs for ``rows`` rows: SQLite binds at most 999 parameters per statement."""
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoField)]
    return math.ceil(rows / max(connection.ops.bulk_batch_size(fields, [None] * rows), 1))


def test_the_query_count_does_not_grow_with_the_number_of_lines(ofb: Agency, species: Any) -> None:
    officer = Officer.objects.get(username="sup.ofb")
    case, _ = import_case(ofb, officer, "Import: query count")
    resolve_species("Psittacus erithacus")  # builds the process-wide species index outside the measurement

    def queries(start: int, count: int) -> list[str]:
        lines = jsonl(*(advert(url=f"https://www.leboncoin.fr/a/{i}", seller=f"seller{i}",
                               phones=[f"+336123{i:05d}"], emails=[f"s{i}@example.fr"],
                               species=["Psittacus erithacus", "perroquet gris"])
                        for i in range(start, start + count)))
        with CaptureQueriesContext(connection) as context:
            report = import_listings(lines, ofb, case=case, officer=officer, batch_size=1000)
        assert report.listings_created == count
        return [query["sql"] for query in context.captured_queries]

    queries(5000, 1)  # the first import adds the species to the case; later ones find them there
    ten, hundred = queries(0, 10), queries(10, 100)

    extra = sum(insert_statements(model, 100 * per_line) - insert_statements(model, 10 * per_line)
                for model, per_line in [(Listing, 1), (Entity, 3), (CaseEntity, 3),
                                        (Listing.species.through, 1)])
    assert len(hundred) == len(ten) + extra, "\n".join(hundred)



def test_a_line_may_carry_the_listing_facts_its_source_states(ofb: Agency) -> None:
    report = run(jsonl(advert(specimen_type="Live", specimen_count=2, claimed_legality="captive_bred",
                              legality_reference="bagues FR-ELV 118 et 119"),
                       advert(url="https://www.leboncoin.fr/animaux/2469.htm")), ofb)

    assert report.lines_imported == 2
    stated, silent = Listing.objects.order_by("url")
    assert (stated.specimen_type, stated.specimen_count, stated.claimed_legality, stated.legality_reference,
            stated.legality_verified) == ("live", 2, "captive_bred", "bagues FR-ELV 118 et 119", "not_checked")
    assert (silent.specimen_type, silent.specimen_count, silent.claimed_legality) == ("", None, "none")


@pytest.mark.parametrize("facts", [
    {"specimen_type": "egg"},
    {"specimen_count": 0},
    {"specimen_count": "2"},
    {"claimed_legality": "cites_permit"},  # no permit number
    {"legality_reference": "FR-2024-1"},  # a reference without a claim
    {"claimed_legality": "verified"},
])
def test_bad_facts_reject_their_line(ofb: Agency, facts: dict[str, Any]) -> None:
    report = run(jsonl(advert(**facts)), ofb)

    assert [(r.line, r.reason) for r in report.rejections] == [(1, Reject.INVALID_FACTS)]
    assert not Listing.objects.exists() and not Entity.objects.exists()


def test_a_later_line_fills_only_the_facts_a_listing_lacks(ofb: Agency) -> None:
    run(jsonl(advert(specimen_type="part")), ofb)
    report = run(jsonl(advert(specimen_type="live", specimen_count=3, claimed_legality="antique")), ofb)

    listing = Listing.objects.get()
    assert (listing.specimen_type, listing.specimen_count, listing.claimed_legality) == ("part", 3, "antique")
    assert report.listings_updated == 1
    again = run(jsonl(advert(specimen_type="live", claimed_legality="cites_permit", legality_reference="X")), ofb)
    listing.refresh_from_db()
    assert (listing.specimen_type, listing.claimed_legality, listing.legality_reference) == ("part", "antique", "")
    assert again.listings_updated == 0
