"""The listing facts investigators record: specimen, count, claimed legality, its reference and verification."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from graphql_relay import to_global_id

from access.errors import ActionError
from access.policy import viewer_for
from agencies.models import Agency, AgencyType, PlatformKind
from audit.models import AuditEvent, Outcome
from cases import actions
from cases.models import ClaimedLegality, LegalityVerification, Listing, SpecimenType
from officers.models import Officer

pytestmark = pytest.mark.django_db

FIELDS = """specimenType specimenCount claimedLegality legalityReference legalityVerified legalityVerifiedAt
  legalityVerifiedBy { username }"""
ADD = f"""mutation($input: AddListingInput!) {{
  addListing(input: $input) {{ created listing {{ {FIELDS} }} errors {{ code field }} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: ListingFactsInput!) {{
  updateListing(id: $id, input: $input) {{ changed listing {{ {FIELDS} }} errors {{ code field }} }} }}"""


def viewer(username: str = "inv.ofb") -> Any:
    return viewer_for(Officer.objects.get(username=username))


@pytest.fixture
def listing(make_case: Any) -> Listing:
    case = make_case()
    return actions.add_listing(viewer(), case, actions.ListingInput(url="https://www.leboncoin.fr/ad/ivoire/1"))[0]


def columns(listing: Listing) -> tuple[Any, ...]:
    listing.refresh_from_db()
    return (listing.specimen_type, listing.specimen_count, listing.claimed_legality, listing.legality_reference,
            listing.legality_verified, listing.legality_verified_by_id, listing.legality_verified_at)


def test_a_new_listing_states_nothing(listing: Listing) -> None:
    assert columns(listing) == ("", None, "none", "", "not_checked", None, None)


def test_add_listing_records_the_facts(gql: Any, make_case: Any) -> None:
    case = make_case()
    out = gql.login("inv.ofb")(ADD, {"input": {
        "caseId": to_global_id("Case", case.pk), "url": "https://www.leboncoin.fr/ad/perroquets/7",
        "specimenType": "LIVE", "specimenCount": 2, "claimedLegality": "CAPTIVE_BRED",
        "legalityReference": " bagues FR-ELV 2024-118, 2024-119 "}})["addListing"]
    assert out["errors"] == []
    assert out["listing"] == {"specimenType": "LIVE", "specimenCount": 2, "claimedLegality": "CAPTIVE_BRED",
                              "legalityReference": "bagues FR-ELV 2024-118, 2024-119",
                              "legalityVerified": "NOT_CHECKED", "legalityVerifiedAt": None,
                              "legalityVerifiedBy": None}
    event = AuditEvent.objects.get(action="case.add_listing")
    assert event.details["facts"] == ["claimed_legality", "legality_reference", "specimen_count", "specimen_type"]


@pytest.mark.parametrize(("facts", "error"), [
    ({"specimenCount": 0}, {"code": "INVALID", "field": "specimenCount"}),
    ({"specimenCount": -3}, {"code": "INVALID", "field": "specimenCount"}),
    ({"claimedLegality": "CITES_PERMIT"}, {"code": "REQUIRED", "field": "legalityReference"}),
    ({"claimedLegality": "EU_CERTIFICATE", "legalityReference": "   "},
     {"code": "REQUIRED", "field": "legalityReference"}),
    ({"claimedLegality": "CAPTIVE_BRED"}, {"code": "REQUIRED", "field": "legalityReference"}),
    ({"legalityReference": "FR-2024-001"}, {"code": "INVALID", "field": "claimedLegality"}),
    ({"legalityVerified": "VERIFIED_FALSE"}, {"code": "INVALID", "field": "legalityVerified"}),
    ({"legalityReference": "x" * 501, "claimedLegality": "CITES_PERMIT"},
     {"code": "INVALID", "field": "legalityReference"}),
])
def test_bad_facts_add_nothing(gql: Any, make_case: Any, facts: dict[str, Any], error: dict[str, str]) -> None:
    case = make_case()
    out = gql.login("inv.ofb")(ADD, {"input": {"caseId": to_global_id("Case", case.pk),
                                               "url": "https://www.leboncoin.fr/ad/1", "seller": "vendeur",
                                               **facts}})["addListing"]
    assert out["listing"] is None
    assert out["errors"] == [error]
    assert not Listing.objects.exists()
    assert not AuditEvent.objects.filter(action="case.add_listing", outcome=Outcome.ALLOWED).exists()


def test_an_antique_claim_needs_no_reference(make_case: Any) -> None:
    listing, _ = actions.add_listing(viewer(), make_case(), actions.ListingInput(
        url="https://www.leboncoin.fr/ad/netsuke/3", specimen_type=SpecimenType.DERIVATIVE,
        claimed_legality=ClaimedLegality.ANTIQUE))
    assert columns(listing)[:4] == ("derivative", None, "antique", "")


def test_update_listing_sets_what_it_names_and_audits(gql: Any, listing: Listing) -> None:
    out = gql.login("inv.ofb")(UPDATE, {"id": to_global_id("Listing", listing.pk), "input": {
        "specimenType": "DERIVATIVE", "specimenCount": 1}})["updateListing"]
    assert out["errors"] == [] and out["changed"] == ["specimenCount", "specimenType"]
    assert out["listing"]["specimenType"] == "DERIVATIVE" and out["listing"]["claimedLegality"] == "NONE"
    event = AuditEvent.objects.get(action="case.update_listing", outcome=Outcome.ALLOWED)
    assert event.details == {"case": listing.case.reference, "facts": ["specimen_count", "specimen_type"]}
    again = gql(UPDATE, {"id": to_global_id("Listing", listing.pk), "input": {"specimenCount": 1}})
    assert again["updateListing"]["changed"] == []
    assert AuditEvent.objects.filter(action="case.update_listing", outcome=Outcome.ALLOWED).count() == 1


def test_verifying_a_claim_records_who_and_when(gql: Any, listing: Listing) -> None:
    gid = to_global_id("Listing", listing.pk)
    gql.login("inv.ofb")
    gql(UPDATE, {"id": gid, "input": {"claimedLegality": "CITES_PERMIT", "legalityReference": "FR2406512345-I"}})
    out = gql(UPDATE, {"id": gid, "input": {"legalityVerified": "VERIFIED_FALSE"}})["updateListing"]
    assert out["errors"] == [] and out["changed"] == ["legalityVerified"]
    assert out["listing"]["legalityVerified"] == "VERIFIED_FALSE"
    assert out["listing"]["legalityVerifiedBy"] == {"username": "inv.ofb"}
    assert out["listing"]["legalityVerifiedAt"] is not None
    verdict = AuditEvent.objects.get(action="case.verify_legality")
    assert verdict.details == {"case": listing.case.reference, "claim": "cites_permit", "verdict": "false"}


def test_a_new_claim_sets_the_verdict_back_to_not_checked(listing: Listing) -> None:
    actions.update_listing(viewer(), listing, {"claimed_legality": "eu_certificate",
                                               "legality_reference": "FR-A10-0001",
                                               "legality_verified": "genuine"})
    assert columns(listing)[4] == "genuine" and listing.legality_verified_by_id is not None
    changed = actions.update_listing(viewer(), listing, {"legality_reference": "FR-A10-0002"})
    assert changed == ["legality_reference", "legality_verified"]
    assert columns(listing)[3:] == ("FR-A10-0002", "not_checked", None, None)


def test_withdrawing_the_claim_needs_the_verdict_gone_too(listing: Listing) -> None:
    actions.update_listing(viewer(), listing, {"claimed_legality": "captive_bred", "legality_reference": "ring 12",
                                               "legality_verified": "genuine"})
    with pytest.raises(ActionError) as refused:
        actions.update_listing(viewer(), listing, {"claimed_legality": "none", "legality_reference": "",
                                                   "legality_verified": "genuine"})
    assert refused.value.field == "legality_verified"
    assert columns(listing)[2:5] == ("captive_bred", "ring 12", "genuine")


@pytest.mark.parametrize(("changes", "field"), [
    ({"specimen_count": 0}, "specimen_count"),
    ({"specimen_count": True}, "specimen_count"),
    ({"specimen_count": 2**31}, "specimen_count"),
    ({"specimen_type": "egg"}, "specimen_type"),
    ({"claimed_legality": "promise"}, "claimed_legality"),
    ({"legality_verified": "maybe"}, "legality_verified"),
    ({"title": "renamed"}, "title"),
])
def test_bad_updates_change_nothing(listing: Listing, changes: dict[str, Any], field: str) -> None:
    before = columns(listing)
    with pytest.raises(ActionError) as refused:
        actions.update_listing(viewer(), listing, changes)
    assert refused.value.field == field
    assert columns(listing) == before
    assert not AuditEvent.objects.filter(action="case.update_listing", outcome=Outcome.ALLOWED).exists()


def test_another_agencys_listing_is_not_found(gql: Any, listing: Listing) -> None:
    out = gql.login("inv.seprona")(UPDATE, {"id": to_global_id("Listing", listing.pk),
                                            "input": {"specimenType": "LIVE"}})["updateListing"]
    assert out["errors"] == [{"code": "NOT_FOUND", "field": "id"}]
    assert columns(listing)[0] == ""


def test_a_missing_listing_is_the_same_not_found(gql: Any, listing: Listing) -> None:
    out = gql.login("inv.seprona")(UPDATE, {"id": to_global_id("Listing", listing.pk + 1000),
                                            "input": {"specimenType": "LIVE"}})["updateListing"]
    assert out["errors"] == [{"code": "NOT_FOUND", "field": "id"}]


def test_the_database_keeps_the_rules(listing: Listing) -> None:
    for values in ({"specimen_count": 0}, {"claimed_legality": "cites_permit"},
                   {"legality_verified": "genuine"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Listing.objects.filter(pk=listing.pk).update(**values)


def test_readding_a_url_updates_only_the_facts_it_states(make_case: Any) -> None:
    case = make_case()
    url = "https://www.leboncoin.fr/ad/defense/9"
    actions.add_listing(viewer(), case, actions.ListingInput(url=url, specimen_type="part", specimen_count=2))
    listing, created = actions.add_listing(viewer(), case, actions.ListingInput(
        url=url, claimed_legality="antique"))
    assert not created
    assert columns(listing)[:3] == ("part", 2, "antique")


def test_platform_kind_is_only_for_platforms(demo: Any) -> None:
    police = Agency.objects.get(code="fr-oclaesp")
    police.platform_kind = PlatformKind.MARKETPLACE
    with pytest.raises(ValidationError):
        police.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        police.save()


def test_platform_kind_in_the_directory(gql: Any, demo: Any) -> None:
    data = gql.login("inv.ofb")("""{ agencies(platformKind: CLASSIFIED_ADS) { edges { node { code platformKind } } }
      police: agencies(code: "fr-oclaesp") { edges { node { platformKind } } } }""")
    assert {edge["node"]["code"] for edge in data["agencies"]["edges"]} == {"pf-leboncoin", "pf-wallapop"}
    assert {edge["node"]["platformKind"] for edge in data["agencies"]["edges"]} == {"CLASSIFIED_ADS"}
    assert data["police"]["edges"] == [{"node": {"platformKind": None}}]
    assert Agency.objects.filter(agency_type=AgencyType.ONLINE_PLATFORM, platform_kind="").count() == 0


@pytest.mark.parametrize("n", [1, 10, 100])
def test_listing_facts_cost_no_query_per_listing(gql: Any, make_case: Any, django_assert_num_queries: Any,
                                                 n: int) -> None:
    case = make_case()
    for i in range(n):
        listing, _ = actions.add_listing(viewer(), case, actions.ListingInput(
            url=f"https://www.leboncoin.fr/ad/{i}", specimen_type="live", specimen_count=1,
            claimed_legality="cites_permit", legality_reference=f"FR24-{i}"))
        actions.update_listing(viewer(), listing, {"legality_verified": LegalityVerification.VERIFIED_GENUINE})
    gql.login("inv.ofb")
    # the session with its officer; the page with its count; verifying officers, platforms; then the read audit
    # asks which agency owns the listings' cases
    with django_assert_num_queries(1 + 1 + 2 + 1):
        data = gql("""{ listings(first: 100) { totalCount edges { node { specimenType specimenCount claimedLegality
          legalityReference legalityVerified legalityVerifiedAt legalityVerifiedBy { username }
          platform { platformKind } } } } }""")
    assert data["listings"]["totalCount"] == n


def test_the_listing_list_filters_on_the_claim_and_its_verdict(gql: Any, make_case: Any) -> None:
    case = make_case()
    permit, _ = actions.add_listing(viewer(), case, actions.ListingInput(
        url="https://www.leboncoin.fr/ad/p", claimed_legality="cites_permit", legality_reference="FR24-1"))
    actions.add_listing(viewer(), case, actions.ListingInput(url="https://www.leboncoin.fr/ad/n"))
    actions.update_listing(viewer(), permit, {"legality_verified": "false"})
    data = gql.login("inv.ofb")("""{ claimed: listings(claimedLegality: CITES_PERMIT) { edges { node { url } } }
      found: listings(legalityVerified: VERIFIED_FALSE) { edges { node { url } } } }""")
    assert [e["node"]["url"] for e in data["claimed"]["edges"]] == [permit.url]
    assert [e["node"]["url"] for e in data["found"]["edges"]] == [permit.url]
    other = gql.login("inv.seprona")("{ listings(claimedLegality: CITES_PERMIT) { totalCount } }")
    assert other["listings"]["totalCount"] == 0


def test_a_verdict_given_again_on_a_new_reference_is_the_new_officers(listing: Listing) -> None:
    actions.update_listing(viewer(), listing, {"claimed_legality": "cites_permit", "legality_reference": "FR-1",
                                               "legality_verified": "genuine"})
    changed = actions.update_listing(viewer("sup.ofb"), listing, {"legality_reference": "FR-2",
                                                                  "legality_verified": "genuine"})
    assert changed == ["legality_reference", "legality_verified"]
    listing.refresh_from_db()
    assert listing.legality_verified_by is not None and listing.legality_verified_by.username == "sup.ofb"
