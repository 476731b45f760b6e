"""Cases, listings, identifiers and reports through the API: validation, optimistic locking, isolation."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction
from graphql_relay import to_global_id

from access.policy import viewer_for
from agencies.models import Agency
from audit.models import AuditEvent, Outcome
from cases import actions
from cases.models import Case, CaseEntity, CaseSequence, Entity, IntelReport, Listing
from officers.models import Officer

pytestmark = pytest.mark.django_db

CREATE = """mutation($input: CreateCaseInput!) {
  createCase(input: $input) { case { id reference version status classification jurisdictions citesAppendices
    species { scientificName } ownerAgency { code } leadOfficer { username } } errors { code field message } } }"""


def gid(type_name: str, pk: int) -> str:
    return to_global_id(type_name, pk)


def test_create_case_allocates_reference(gql: Any, demo: Any, species: Any) -> None:
    lead = Officer.objects.get(username="inv.ofb")
    data = gql.login("inv.ofb")(CREATE, {"input": {
        "title": "Ivoire sur leboncoin", "jurisdictions": ["fr"], "classification": "RESTRICTED",
        "speciesIds": [gid("Species", species["Loxodonta africana"].pk)], "leadOfficerId": gid("Officer", lead.pk),
    }})["createCase"]
    assert data["errors"] == []
    case = data["case"]
    year = Case.objects.get().year
    assert case["reference"] == f"FR-OFB-{year}-00001"
    assert case["jurisdictions"] == ["FR"]
    assert case["citesAppendices"] == ["I", "II"]
    assert case["ownerAgency"] == {"code": "fr-ofb"} and case["leadOfficer"] == {"username": "inv.ofb"}
    second = gql(CREATE, {"input": {"title": "Second", "jurisdictions": ["FR"]}})["createCase"]["case"]
    assert second["reference"] == f"FR-OFB-{year}-00002"
    assert AuditEvent.objects.filter(action="case.create", outcome=Outcome.ALLOWED).count() == 2


@pytest.mark.parametrize(("username", "override", "error"), [
    ("pf.leboncoin", {}, {"code": "PERMISSION_DENIED", "field": None}),
    ("admin.ofb", {}, {"code": "PERMISSION_DENIED", "field": None}),
    ("ana.ofb", {"classification": "SECRET"}, {"code": "INVALID", "field": "classification"}),
    ("inv.ofb", {"jurisdictions": ["XX"]}, {"code": "INVALID", "field": "jurisdictions"}),
    ("inv.ofb", {"jurisdictions": []}, {"code": "REQUIRED", "field": "jurisdictions"}),
    ("inv.ofb", {"title": " "}, {"code": "REQUIRED", "field": "title"}),
    ("inv.ofb", {"handlingCode": "H3"}, {"code": "REQUIRED", "field": "handlingConditions"}),
    ("inv.ofb", {"speciesIds": [to_global_id("Species", 999999)]}, {"code": "UNKNOWN_SPECIES", "field": "species"}),
    ("inv.ofb", {"teamIds": [to_global_id("Officer", 1)]}, {"code": "NOT_FOUND", "field": "teamIds"}),
])
def test_create_case_refusals_change_nothing(gql: Any, demo: Any, username: str, override: dict[str, Any],
                                             error: dict[str, Any]) -> None:
    if "teamIds" in override:  # an officer of another agency
        override = {"teamIds": [gid("Officer", Officer.objects.get(username="inv.seprona").pk)]}
    out = gql.login(username)(CREATE, {"input": {"title": "T", "jurisdictions": ["FR"], **override}})["createCase"]
    assert out["case"] is None
    assert [{"code": e["code"], "field": e["field"]} for e in out["errors"]] == [error]
    assert not Case.objects.exists()
    assert not CaseSequence.objects.filter(last__gt=0).exists()


UPDATE = """mutation($id: ID!, $version: Int!, $input: UpdateCaseInput!) {
  updateCase(id: $id, version: $version, input: $input) { case { title version status } errors { code field } } }"""


def test_update_case_with_optimistic_lock(gql: Any, make_case: Any) -> None:
    case = make_case()
    gql.login("inv.ofb")
    ok = gql(UPDATE, {"id": gid("Case", case.pk), "version": 1, "input": {"title": "New", "status": "ACTIVE"}})
    assert ok["updateCase"] == {"case": {"title": "New", "version": 2, "status": "ACTIVE"}, "errors": []}
    stale = gql(UPDATE, {"id": gid("Case", case.pk), "version": 1, "input": {"title": "Overwrite"}})
    assert stale["updateCase"] == {"case": None, "errors": [{"code": "CONFLICT", "field": "version"}]}
    case.refresh_from_db()
    assert (case.title, case.version) == ("New", 2)


def test_update_of_another_agencys_case_is_not_found(gql: Any, make_case: Any) -> None:
    case = make_case()
    out = gql.login("inv.seprona")(UPDATE, {"id": gid("Case", case.pk), "version": 1, "input": {"title": "x"}})
    missing = gql(UPDATE, {"id": gid("Case", 999999), "version": 1, "input": {"title": "x"}})
    assert out == missing == {"updateCase": {"case": None, "errors": [{"code": "NOT_FOUND", "field": "id"}]}}


@pytest.mark.django_db(transaction=True)
def test_reference_allocation_has_no_races(demo: Any) -> None:
    """Eight concurrent creations get eight distinct, consecutive numbers."""
    officer = Officer.objects.get(username="inv.ofb")
    references: list[str] = []
    errors: list[BaseException] = []

    def create(i: int) -> None:
        try:
            with transaction.atomic():
                references.append(actions.create_case(viewer_for(officer), actions.CaseInput(
                    title=f"Concurrent {i}", jurisdictions=["FR"])).reference)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(int(r.rsplit("-", 1)[1]) for r in references) == list(range(1, 9))


ADD_LISTING = """mutation($input: AddListingInput!) {
  addListing(input: $input) { created listing { url price currency platform { code } seller { kind normalised }
    species { scientificName } } errors { code field } } }"""


def test_add_listing_normalises_and_deduplicates(gql: Any, make_case: Any, species: Any) -> None:
    case = make_case()
    gql.login("inv.ofb")
    payload = {"caseId": gid("Case", case.pk), "url": "HTTPS://WWW.LEBONCOIN.FR:443/ad/art/123?utm_source=x&id=5#p",
               "title": "Statuette", "price": "1250.50", "currency": "eur", "seller": "@Collector33",
               "speciesNames": ["elefante africano"]}
    out = gql(ADD_LISTING, {"input": payload})["addListing"]
    assert out["errors"] == [] and out["created"] is True
    assert out["listing"] == {"url": "https://www.leboncoin.fr/ad/art/123?id=5", "price": "1250.50",
                              "currency": "EUR", "platform": {"code": "pf-leboncoin"},
                              "seller": {"kind": "ONLINE_ACCOUNT", "normalised": "pf-leboncoin:collector33"},
                              "species": [{"scientificName": "Loxodonta africana"}]}
    again = gql(ADD_LISTING, {"input": {**payload, "url": "https://www.leboncoin.fr/ad/art/123?id=5&fbclid=abc"}})
    assert again["addListing"]["created"] is False
    assert Listing.objects.count() == 1
    assert CaseEntity.objects.filter(role="seller").count() == 1


@pytest.mark.parametrize(("override", "error"), [
    ({"url": "ftp://example.org/x"}, {"code": "INVALID", "field": "url"}),
    ({"url": "not a url"}, {"code": "INVALID", "field": "url"}),
    ({"currency": "EURO"}, {"code": "INVALID", "field": "currency"}),
    ({"price": "-5"}, {"code": "INVALID", "field": "price"}),
    ({"price": "abc"}, {"code": "INVALID", "field": "price"}),
    ({"currency": ""}, {"code": "REQUIRED", "field": "currency"}),
    ({"seenAt": "2999-01-01T00:00:00+00:00"}, {"code": "INVALID", "field": "seenAt"}),
    ({"seenAt": "2026-01-01T00:00:00"}, {"code": "INVALID", "field": "seenAt"}),  # no UTC offset
    ({"speciesNames": ["zzqx unknown beast"]}, {"code": "UNKNOWN_SPECIES", "field": "speciesNames"}),
])
def test_add_listing_bad_input_writes_nothing(gql: Any, make_case: Any, species: Any, override: dict[str, Any],
                                              error: dict[str, Any]) -> None:
    case = make_case()
    payload = {"caseId": gid("Case", case.pk), "url": "https://www.leboncoin.fr/ad/1", "price": "10",
               "currency": "EUR", "seller": "someone", **override}
    out = gql.login("inv.ofb")(ADD_LISTING, {"input": payload})["addListing"]
    assert out["listing"] is None
    assert [{"code": e["code"], "field": e["field"]} for e in out["errors"]] == [error]
    assert not Listing.objects.exists()
    assert not Entity.objects.exists()  # the seller was not half-created
    assert not CaseEntity.objects.exists()


def test_wrong_agency_cannot_add_listing(gql: Any, make_case: Any) -> None:
    case = make_case()
    out = gql.login("inv.seprona")(ADD_LISTING, {"input": {"caseId": gid("Case", case.pk),
                                                           "url": "https://www.leboncoin.fr/ad/1"}})
    assert out["addListing"]["errors"] == [{"code": "NOT_FOUND", "field": "caseId"}]
    assert not Listing.objects.exists()


LINK = """mutation($input: LinkEntityInput!) {
  linkEntity(input: $input) { claim { role entity { kind normalised } } errors { code field } } }"""


@pytest.mark.parametrize(("kind", "value", "normalised"), [
    ("PHONE", "06 12 34 56 78", "+33612345678"),
    ("PHONE", "+34 612 345 678", "+34612345678"),
    ("EMAIL", "Seller.X@Gmail.COM", "seller.x@gmail.com"),
    ("PAYMENT_ACCOUNT", "fr76 3000 6000 0112 3456 7890 189", "FR7630006000011234567890189"),
    ("CRYPTO_WALLET", "BC1QXY2KGDYGJRSQTZQ2N0YRF2493P83KKFJHX0WLH", "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"),
    ("SHIPPING_REFERENCE", "cp 123 456 789 fr", "CP123456789FR"),
    ("PERSON", "  Jean-Éric  DUPONT ", "jean-eric dupont"),
])
def test_link_entity_normalises(gql: Any, make_case: Any, kind: str, value: str, normalised: str) -> None:
    case = make_case()
    out = gql.login("inv.ofb")(LINK, {"input": {"caseId": gid("Case", case.pk), "kind": kind, "value": value,
                                                "role": "SELLER"}})["linkEntity"]
    assert out == {"claim": {"role": "SELLER", "entity": {"kind": kind, "normalised": normalised}}, "errors": []}


@pytest.mark.parametrize(("kind", "value", "field"), [
    ("PHONE", "12", "value"), ("PHONE", "+33 1", "value"), ("EMAIL", "nobody", "value"),
    ("ONLINE_ACCOUNT", "handle", "platformId"), ("CRYPTO_WALLET", "has space", "value"),
])
def test_link_entity_invalid_identifiers(gql: Any, make_case: Any, kind: str, value: str, field: str) -> None:
    case = make_case()
    out = gql.login("inv.ofb")(LINK, {"input": {"caseId": gid("Case", case.pk), "kind": kind, "value": value,
                                                "role": "SELLER"}})["linkEntity"]
    assert out["claim"] is None and out["errors"][0]["field"] == field
    assert not Entity.objects.exists()


def test_same_identifier_in_two_agencies_is_one_entity_seen_only_through_own_claims(gql: Any,
                                                                                    make_case: Any) -> None:
    ofb, seprona = make_case("inv.ofb"), make_case("inv.seprona")
    for username, case, value in [("inv.ofb", ofb, "+33 6 12 34 56 78"), ("inv.seprona", seprona, "0033612345678")]:
        actions.link_entity(viewer_for(Officer.objects.get(username=username)), case,
                            actions.ClaimInput(kind="phone", value=value, role="seller", note=f"{username} note"))
    assert Entity.objects.count() == 1
    query = "{ entities { totalCount edges { node { normalised claims { note case { reference } } } } } }"
    data = gql.login("inv.seprona")(query)["entities"]
    assert data["totalCount"] == 1
    claims = data["edges"][0]["node"]["claims"]
    assert claims == [{"note": "inv.seprona note", "case": {"reference": seprona.reference}}]
    assert gql.login("inv.douane")(query)["entities"]["totalCount"] == 0  # same country, no claim: nothing


REPORT = """mutation($input: AddIntelReportInput!) {
  addIntelReport(input: $input) { report { grading gradingSystem author { username } } errors { code field } } }"""


@pytest.mark.parametrize(("payload", "result"), [
    ({"sourceEvaluation": "B", "informationAssessment": "2"}, {"grading": "B2", "gradingSystem": "EUROPOL_4X4"}),
    ({"gradingSystem": "UK_3X5X2", "sourceEvaluation": "1", "informationAssessment": "A", "ukHandling": "P"},
     {"grading": "1AP", "gradingSystem": "UK_3X5X2"}),
    ({"sourceEvaluation": "E", "informationAssessment": "2"}, {"code": "INVALID", "field": "sourceEvaluation"}),
    ({"sourceEvaluation": "B", "informationAssessment": "5"}, {"code": "INVALID", "field": "informationAssessment"}),
    ({"gradingSystem": "UK_3X5X2", "sourceEvaluation": "1", "informationAssessment": "A"},
     {"code": "INVALID", "field": "ukHandling"}),
    ({"sourceEvaluation": "B", "informationAssessment": "2", "reportedOn": "2999-01-01"},
     {"code": "INVALID", "field": "reportedOn"}),
])
def test_intel_report_grading(gql: Any, make_case: Any, payload: dict[str, Any], result: dict[str, Any]) -> None:
    case = make_case()
    out = gql.login("inv.ofb")(REPORT, {"input": {"caseId": gid("Case", case.pk), "text": "Seen at market.",
                                                  **payload}})["addIntelReport"]
    if "code" in result:
        assert [{"code": e["code"], "field": e["field"]} for e in out["errors"]] == [result]
        assert not IntelReport.objects.exists()
    else:
        assert out["errors"] == []
        assert out["report"] == {**result, "author": {"username": "inv.ofb"}}


@pytest.mark.parametrize(("username", "sees"), [
    ("inv.ofb", True), ("sup.ofb", True), ("ana.ofb", True),
    ("admin.ofb", False), ("inv.seprona", False), ("coord.fr", False), ("pf.leboncoin", False),
    ("spotter.ifaw", False), ("sysadmin", False),
])
def test_who_sees_a_case_and_its_contents(gql: Any, make_case: Any, species: Any, username: str,
                                          sees: bool) -> None:
    case = make_case()
    viewer = viewer_for(Officer.objects.get(username="inv.ofb"))
    listing, _ = actions.add_listing(viewer, case, actions.ListingInput(url="https://www.leboncoin.fr/ad/9",
                                                                       seller="seller9"))
    report = actions.add_report(viewer, case, actions.ReportInput(text="x", source_evaluation="A",
                                                                  information_assessment="1"))
    query = """query($ref: String!, $c: ID!, $l: ID!, $r: ID!) { cases { totalCount } listings { totalCount }
      entities { totalCount } intelReports { totalCount } case(reference: $ref) { id }
      c: node(id: $c) { id } l: node(id: $l) { id } r: node(id: $r) { id } }"""
    data = gql.login(username)(query, {"ref": case.reference, "c": gid("Case", case.pk),
                                       "l": gid("Listing", listing.pk), "r": gid("IntelReport", report.pk)})
    count = 1 if sees else 0
    assert [data[k]["totalCount"] for k in ("cases", "listings", "entities", "intelReports")] == [count] * 4
    assert (data["case"] is not None) is sees
    assert all((data[k] is not None) is sees for k in ("c", "l", "r"))


def test_clearance_hides_a_case_above_it(gql: Any, make_case: Any) -> None:
    make_case("inv.ofb", classification=2)  # CONFIDENTIAL; ana.ofb is cleared RESTRICTED
    assert gql.login("ana.ofb")("{ cases { totalCount } }") == {"cases": {"totalCount": 0}}
    assert gql.login("inv.ofb")("{ cases { totalCount } }") == {"cases": {"totalCount": 1}}


def test_nested_case_through_listing_is_null_when_invisible(gql: Any, make_case: Any) -> None:
    """A listing reached through an entity shows its case only if the case is visible."""
    case = make_case("inv.ofb")
    actions.add_listing(viewer_for(Officer.objects.get(username="inv.ofb")), case,
                        actions.ListingInput(url="https://www.leboncoin.fr/ad/77", seller="shared_handle"))
    other = make_case("sup.ofb", classification=3)
    actions.add_listing(viewer_for(Officer.objects.get(username="sup.ofb")), other,
                        actions.ListingInput(url="https://www.leboncoin.fr/ad/78", seller="shared_handle"))
    data = gql.login("inv.ofb")("{ entities { edges { node { claims { case { reference } } } } } }")
    references = [c["case"]["reference"] for e in data["entities"]["edges"] for c in e["node"]["claims"]]
    assert references == [case.reference]


def test_watchlists_are_the_agencys_own(gql: Any, demo: Any, species: Any) -> None:
    gql.login("inv.ofb")
    created = gql('mutation { createWatchlist(name: "Ivoire") { watchlist { id } errors { code } } }')
    wid = created["createWatchlist"]["watchlist"]["id"]
    add = """mutation($w: ID!, $t: String!, $k: TermKind!) { addWatchTerm(watchlistId: $w, term: $t, kind: $k) {
      term { term kind } errors { code field } } }"""
    assert gql(add, {"w": wid, "t": "ivoire", "k": "HASHTAG"})["addWatchTerm"] == {
        "term": {"term": "#ivoire", "kind": "HASHTAG"}, "errors": []}
    assert gql(add, {"w": wid, "t": "x", "k": "CODE_WORD"})["addWatchTerm"]["errors"] == [
        {"code": "INVALID", "field": "term"}]
    again = gql('mutation { createWatchlist(name: "Ivoire") { errors { code field } } }')["createWatchlist"]
    assert again["errors"] == [{"code": "UNIQUE", "field": "name"}]
    gql.login("inv.seprona")
    assert gql("{ watchlists { totalCount } }") == {"watchlists": {"totalCount": 0}}
    assert gql(add, {"w": wid, "t": "marfil", "k": "COMMON_NAME"})["addWatchTerm"]["errors"] == [
        {"code": "NOT_FOUND", "field": "watchlistId"}]


def test_species_matching_through_the_api(gql: Any, demo: Any, species: Any) -> None:
    data = gql.login("inv.ofb")('{ speciesMatches(text: "Manis javanicus") { species { scientificName } } }')
    assert data["speciesMatches"][0]["species"]["scientificName"] == "Manis javanica"
    data = gql('{ speciesMatches(text: "pangolin de Java") { species { scientificName } } }')
    assert data["speciesMatches"][0]["species"]["scientificName"] == "Manis javanica"


def test_platform_from_subdomain(make_case: Any) -> None:
    case = make_case("inv.seprona")
    listing, _ = actions.add_listing(viewer_for(Officer.objects.get(username="inv.seprona")), case,
                                     actions.ListingInput(url="https://es.wallapop.com/item/loro-1"))
    assert listing.platform == Agency.objects.get(code="pf-wallapop")


def test_listing_species_become_the_cases_and_narrow_coverage(make_case: Any, species: Any) -> None:
    case = make_case()
    assert case.cites_appendices == [] and case.appendix_key == ","
    actions.add_listing(viewer_for(Officer.objects.get(username="inv.ofb")), case, actions.ListingInput(
        url="https://www.leboncoin.fr/ad/5", species_names=["python royal"]))
    case.refresh_from_db()
    assert list(case.species.values_list("scientific_name", flat=True)) == ["Python regius"]
    assert (case.cites_appendices, case.appendix_key) == (["II"], ",II,")


def test_resolution_refuses_a_single_shared_word(db: Any) -> None:
    from django.core.management import call_command

    from cases.species.matching import resolve_species

    call_command("load_species", verbosity=0)
    assert resolve_species("licorne bleue") is None
    assert resolve_species("Manis javanicus").scientific_name == "Manis javanica"  # type: ignore[union-attr]
    assert resolve_species("elefante africano").scientific_name == "Loxodonta africana"  # type: ignore[union-attr]
