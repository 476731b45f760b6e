"""The listing facts on the case page and their form: shown, recorded with typed errors beside the fields, the
verdict timed and signed, and nothing offered or accepted for a listing the officer may not touch."""

from __future__ import annotations

from graphql_relay import to_global_id

from cases.models import Case, Listing
from tests.console.test_shell import signed_in


def ivory() -> Case:
    return Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")


def carved() -> Listing:
    return Listing.objects.get(case=ivory(), title="Défense sculptée scène de chasse")


def facts_page(case: Case, listing: Listing) -> str:
    return f"/cases/{case.reference}/listings/{to_global_id('Listing', listing.pk)}/facts/"


FORM = {"specimenType": "DERIVATIVE", "specimenCount": "1", "claimedLegality": "EU_CERTIFICATE",
        "legalityReference": "FR2403311234-K", "legalityVerified": "VERIFIED_FALSE"}


def test_the_case_page_shows_the_facts_and_offers_the_form(world: None) -> None:
    listing = carved()
    page = signed_in("inv.ofb").get(f"/cases/{ivory().reference}/").content.decode()
    assert "EU certificate (Article 10)" in page and "FR2403311234-K" in page and "Verified false" in page
    assert "Derivative (carving, leather goods, medicine) × 1" in page and "Classified ads" in page
    assert facts_page(ivory(), listing) in page


def test_an_officer_records_a_claim_and_a_verdict(world: None) -> None:
    listing = Listing.objects.get(case=ivory(), title="Statuette Guanyin ivoire")
    client = signed_in("inv.ofb")
    form = client.get(facts_page(ivory(), listing)).content.decode()
    assert 'name="legalityVerified"' in form and 'value="DERIVATIVE" selected' in form
    claimed = client.post(facts_page(ivory(), listing), {**FORM, "claimedLegality": "ANTIQUE",
                                                         "legalityReference": "", "legalityVerified": "NOT_CHECKED"})
    assert claimed.status_code == 302 and claimed["Location"].endswith("#listings-title")
    listing.refresh_from_db()
    assert (listing.claimed_legality, listing.legality_verified) == ("antique", "not_checked")
    judged = client.post(facts_page(ivory(), listing), {**FORM, "claimedLegality": "ANTIQUE",
                                                        "legalityReference": "", "legalityVerified": "VERIFIED_FALSE"})
    assert judged.status_code == 302
    listing.refresh_from_db()
    assert listing.legality_verified == "false" and listing.legality_verified_by is not None
    assert listing.legality_verified_by.username == "inv.ofb"


def test_a_new_claim_posted_with_the_old_verdict_is_back_to_not_checked(world: None) -> None:
    listing = carved()
    response = signed_in("inv.ofb").post(facts_page(ivory(), listing), {**FORM, "legalityReference": "FR24-999"})
    assert response.status_code == 302
    listing.refresh_from_db()
    assert (listing.legality_reference, listing.legality_verified) == ("FR24-999", "not_checked")


def test_bad_facts_are_refused_beside_their_fields_and_change_nothing(world: None) -> None:
    listing = carved()
    client = signed_in("inv.ofb")
    for field, value in (("specimenCount", "0"), ("specimenCount", "two"), ("legalityReference", "")):
        response = client.post(facts_page(ivory(), listing), {**FORM, field: value})
        assert response.status_code == 400, field
        assert f'id="error_{field}"' in response.content.decode(), field
    listing.refresh_from_db()
    assert (listing.specimen_count, listing.legality_reference) == (1, "FR2403311234-K")


def test_the_add_form_takes_the_facts(world: None) -> None:
    client = signed_in("inv.ofb")
    page = f"/cases/{ivory().reference}/add/listing/"
    assert 'name="claimedLegality"' in client.get(page).content.decode()
    response = client.post(page, {"url": "https://www.leboncoin.fr/ad/777", "specimenType": "PART",
                                  "specimenCount": "2", "claimedLegality": "CITES_PERMIT"})
    assert response.status_code == 400 and 'id="error_legalityReference"' in response.content.decode()
    assert not Listing.objects.filter(url__contains="/ad/777").exists()
    response = client.post(page, {"url": "https://www.leboncoin.fr/ad/777", "specimenType": "PART",
                                  "specimenCount": "2", "claimedLegality": "CITES_PERMIT",
                                  "legalityReference": "FR2401234567-I"})
    assert response.status_code == 302
    added = Listing.objects.get(url__contains="/ad/777")
    assert (added.specimen_type, added.specimen_count, added.legality_reference) == ("part", 2, "FR2401234567-I")


def test_a_listing_the_officer_may_not_touch_answers_as_a_missing_one(world: None) -> None:
    pangolin = Case.objects.get(owner_agency__code="fr-oclaesp", title__startswith="Écailles")
    theirs = pangolin.listings.first()
    assert theirs is not None
    client = signed_in("inv.ofb")
    assert client.get(facts_page(pangolin, theirs)).status_code == 404
    assert client.post(facts_page(pangolin, theirs), FORM).status_code == 404
    assert client.get(facts_page(pangolin, carved())).status_code == 404  # a listing of another case
    theirs.refresh_from_db()
    assert theirs.claimed_legality == "none"


def test_a_recipient_who_may_only_read_sees_the_facts_but_no_form(world: None) -> None:
    pangolin = Case.objects.get(owner_agency__code="fr-oclaesp", title__startswith="Écailles")
    client = signed_in("inv.douane")  # shared with customs, read-only
    client.post("/purpose/", {"purpose": "INVESTIGATION"})
    page = client.get(f"/cases/{pangolin.reference}/").content.decode()
    assert "Part (skin, scales, raw tusk, horn, feathers)" in page and "/facts/" not in page
    listing = pangolin.listings.get(title="Écailles naturelles médecine traditionnelle")
    refused = client.post(facts_page(pangolin, listing), {**FORM, "claimedLegality": "NONE",
                                                          "legalityReference": "", "legalityVerified": "NOT_CHECKED"})
    assert refused.status_code == 400
    listing.refresh_from_db()
    assert listing.specimen_type == "part"
