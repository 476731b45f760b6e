"""Case forms: create, edit (with CONFLICT), add a listing, an identifier, a report, evidence — typed errors beside
the fields, nothing changed on refusal, and nothing offered or accepted on a case the officer may not touch."""

from __future__ import annotations

import hashlib

from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Case, CaseEntity, Evidence, IntelReport, Listing
from tests.console.test_shell import signed_in

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def ivory() -> Case:
    return Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")


def test_an_officer_creates_a_case_and_lands_on_it(world: None) -> None:
    client = signed_in("inv.ofb")
    response = client.post("/cases/new/", {"title": "Perroquets gris du Gabon", "jurisdictions": "fr, es",
                                           "status": "OPEN", "priority": "HIGH", "crimeArea": "ONLINE_TRADE",
                                           "classification": "RESTRICTED", "handlingCode": "H1"})
    case = Case.objects.get(title="Perroquets gris du Gabon")
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.reference}/"
    assert sorted(case.jurisdictions) == ["ES", "FR"] and case.priority == "high"


def test_a_case_without_title_is_refused_with_the_error_beside_the_field(world: None) -> None:
    before = Case.objects.count()
    response = signed_in("inv.ofb").post("/cases/new/", {"title": "", "jurisdictions": "FR"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="error_title"' in page and 'aria-invalid="true"' in page
    assert Case.objects.count() == before


def test_an_edit_saves_and_a_stale_edit_is_a_conflict_with_a_way_to_reload(world: None) -> None:
    client = signed_in("inv.ofb")
    case = ivory()
    form = client.get(f"/cases/{case.reference}/edit/").content.decode()
    assert f'name="version" value="{case.version}"' in form
    fields = {"title": case.title, "summary": "Revised summary", "jurisdictions": "FR", "status": "ACTIVE",
              "priority": "HIGH", "crimeArea": "ONLINE_TRADE", "classification": "RESTRICTED", "handlingCode": "H1"}
    saved = client.post(f"/cases/{case.reference}/edit/", {**fields, "version": case.version})
    assert saved.status_code == 302
    case.refresh_from_db()
    assert case.summary == "Revised summary" and case.status == "active"
    stale = client.post(f"/cases/{case.reference}/edit/", {**fields, "summary": "Mine", "version": case.version - 1})
    assert stale.status_code == 400
    assert f'href="/cases/{case.reference}/edit/"' in stale.content.decode()
    case.refresh_from_db()
    assert case.summary == "Revised summary"


def test_contributions_reach_the_case_page(world: None) -> None:
    client = signed_in("inv.ofb")
    case = ivory()
    page = f"/cases/{case.reference}/"
    assert client.post(f"{page}add/listing/", {"url": "https://www.leboncoin.fr/ad/999", "title": "Ivoire ancien",
                                               "seller": "@vieil_os_75"}).status_code == 302
    assert Listing.objects.filter(case=case, url__contains="/ad/999").exists()
    assert client.post(f"{page}add/entity/", {"kind": "PHONE", "value": "0033 6 99 88 77 66",
                                              "role": "SELLER"}).status_code == 302
    assert CaseEntity.objects.filter(case=case, entity__normalised="+33699887766").exists()
    assert client.post(f"{page}add/report/", {"text": "Vendeur connu des services.", "sourceEvaluation": "B",
                                              "informationAssessment": "2"}).status_code == 302
    assert IntelReport.objects.filter(case=case, text="Vendeur connu des services.").exists()
    upload = SimpleUploadedFile("ivory-form-capture.png", PNG, content_type="image/png")
    assert client.post(f"{page}add/evidence/", {"file": upload, "captureMethod": "SCREENSHOT",
                                                "capturedAt": "2026-11-20T10:30"}).status_code == 302
    evidence = Evidence.objects.get(case=case, original_name="ivory-form-capture.png")
    assert evidence.sha256 == hashlib.sha256(PNG).hexdigest()
    shown = client.get(page).content.decode()
    assert "Ivoire ancien" in shown
    assert "+33699887766" in shown
    assert evidence.sha256 in shown


def test_bad_contributions_show_typed_errors_and_change_nothing(world: None) -> None:
    client = signed_in("inv.ofb")
    case = ivory()
    listings = Listing.objects.count()
    refused = client.post(f"/cases/{case.reference}/add/listing/", {"url": "not a url"})
    assert refused.status_code == 400 and 'id="error_url"' in refused.content.decode()
    assert Listing.objects.count() == listings
    no_file = client.post(f"/cases/{case.reference}/add/evidence/", {"captureMethod": "SCREENSHOT",
                                                                     "capturedAt": "yesterday"})
    page = no_file.content.decode()
    assert no_file.status_code == 400 and 'id="error_file"' in page and 'id="error_capturedAt"' in page


def test_forms_of_a_case_the_officer_may_not_touch_answer_as_a_missing_case(world: None) -> None:
    pangolin = Case.objects.get(owner_agency__code="fr-oclaesp", title__startswith="Écailles")
    client = signed_in("inv.ofb")
    for path in ("edit/", "add/listing/", "add/entity/", "add/report/", "add/evidence/"):
        assert client.get(f"/cases/{pangolin.reference}/{path}").status_code == 404
        assert client.post(f"/cases/{pangolin.reference}/{path}", {"url": "https://x.example/1"}).status_code == 404
    assert client.get("/cases/XX-0000-0000/add/nothing/").status_code == 404


def test_a_recipient_who_may_only_read_is_offered_no_form(world: None) -> None:
    pangolin = Case.objects.get(owner_agency__code="fr-oclaesp", title__startswith="Écailles")
    client = signed_in("inv.douane")  # shared with customs, read-only, with redactions
    client.post("/purpose/", {"purpose": "INVESTIGATION"})
    page = client.get(f"/cases/{pangolin.reference}/").content.decode()
    assert pangolin.title in page and "/add/listing/" not in page and "/edit/" not in page
    before = Listing.objects.count()
    refused = client.post(f"/cases/{pangolin.reference}/add/listing/", {"url": "https://www.leboncoin.fr/ad/7"})
    assert refused.status_code == 400 and Listing.objects.count() == before
    assert client.post(f"/cases/{pangolin.reference}/edit/", {"title": "x", "jurisdictions": "FR",
                                                              "version": pangolin.version}).status_code == 400


def test_the_owner_is_offered_every_form(world: None) -> None:
    page = signed_in("inv.ofb").get(f"/cases/{ivory().reference}/").content.decode()
    for path in ("edit/", "add/listing/", "add/entity/", "add/report/", "add/evidence/"):
        assert path in page




def test_a_field_hint_stays_with_its_own_field(world: None) -> None:
    page = signed_in("inv.ofb").get("/cases/new/").content.decode()
    assert page.count("Country codes, e.g. FR, ES.") == 1
    assert page.count("H3: the conditions every recipient must respect.") == 1
