"""Handling codes in the console: "not for judicial use" and conditions shown with each item, the forms that set
an item's own marking, and the supervisor's release of H2 items to a share's recipient.

The demo's OFB ivory case is H0, kept among law enforcement and shared with the OCLAESP; it holds an H2 report
from a human source (held from the OCLAESP until released) and an H1 report from a paid informant.
"""

from __future__ import annotations

from django.test import Client

from cases.models import Case, IntelReport
from sharing.models import Release
from tests.console.test_shell import signed_in

SOURCE = "Source humaine : le vendeur stocke une quarantaine de pièces"
INFORMANT = "Informateur rémunéré"


def ivory() -> Case:
    return Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")


def with_purpose(username: str) -> Client:
    client = signed_in(username)
    client.post("/purpose/", {"purpose": "INVESTIGATION"})
    return client


def test_the_case_page_marks_what_may_not_go_to_court(world: None) -> None:
    page = signed_in("inv.ofb").get(f"/cases/{ivory().reference}/").content.decode()
    informant = page[page.index(INFORMANT) - 600:page.index(INFORMANT) + 400]
    assert "Not for judicial use" in informant
    assert page.count("Not for judicial use") == 1  # only the H1 report
    assert "Law enforcement only" in page
    assert SOURCE in page  # the owning agency reads its H2 report


def test_the_recipient_does_not_read_the_held_report_until_a_supervisor_releases_it(world: None) -> None:
    case = ivory()
    recipient = with_purpose("inv.oclaesp")
    assert SOURCE not in recipient.get(f"/cases/{case.reference}/").content.decode()
    assert 'id="held-title"' not in recipient.get("/sharing/").content.decode()
    supervisor = signed_in("sup.ofb")
    page = supervisor.get("/sharing/").content.decode()
    held = page[page.index('id="held-title"'):]
    assert SOURCE[:40] in held and "Release to this recipient" in held
    report = IntelReport.objects.get(case=case, text__startswith=SOURCE)
    share_id = held.split('name="id" value="')[1].split('"')[0]
    item = held.split('name="item" id="')[1].split('value="')[1].split('"')[0]
    assert item.startswith("report:")
    response = supervisor.post("/sharing/", {"action": "release", "id": share_id, "item": item})
    assert response.status_code == 302
    assert Release.objects.filter(report=report).count() == 1
    assert SOURCE in recipient.get(f"/cases/{case.reference}/").content.decode()
    supervisor.post("/sharing/", {"action": "withhold", "id": share_id, "item": item})
    assert SOURCE not in recipient.get(f"/cases/{case.reference}/").content.decode()


def test_an_investigator_sees_what_is_held_but_cannot_release_it(world: None) -> None:
    page = signed_in("inv.ofb").get("/sharing/").content.decode()
    held = page[page.index('id="held-title"'):]
    assert "A supervisor of your agency releases held items." in held
    assert "Release to this recipient" not in held
    share_id = held.split('name="id" value="')[1].split('"')[0]
    item = held.split('name="item" id="')[1].split('value="')[1].split('"')[0]
    response = signed_in("inv.ofb").post("/sharing/", {"action": "release", "id": share_id, "item": item})
    assert response.status_code == 400 and not Release.objects.exists()


def test_an_identifier_added_with_its_own_marking(world: None) -> None:
    case = ivory()
    client = signed_in("inv.ofb")
    response = client.post(f"/cases/{case.reference}/add/entity/", {
        "kind": "EMAIL", "value": "garde.meubles@example.fr", "role": "ASSOCIATE", "handlingCode": "H3",
        "handlingConditions": "Ne pas contacter avant la perquisition.", "lawEnforcementOnly": "on"})
    assert response.status_code == 302
    claim = case.entity_links.get(entity__value="garde.meubles@example.fr")
    assert (claim.handling_code, claim.handling_conditions, claim.law_enforcement_only) == (
        "H3", "Ne pas contacter avant la perquisition.", True)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Ne pas contacter avant la perquisition." in page


def test_an_h3_report_without_conditions_is_refused_beside_the_field(world: None) -> None:
    case = ivory()
    before = case.reports.count()
    response = signed_in("inv.ofb").post(f"/cases/{case.reference}/add/report/", {
        "text": "Source", "sourceEvaluation": "B", "informationAssessment": "2", "handlingCode": "H3"})
    assert response.status_code == 400
    assert 'id="error_handlingConditions"' in response.content.decode()
    assert case.reports.count() == before


def test_a_case_opened_in_the_console_can_be_opened_to_ngos(world: None) -> None:
    client = signed_in("inv.ofb")
    form = client.get("/cases/new/").content.decode()
    assert 'name="lawEnforcementOnly" value="on" checked' in form  # kept among law enforcement by default
    response = client.post("/cases/new/", {"title": "Open to NGOs", "jurisdictions": "FR", "priority": "MEDIUM",
                                           "crimeArea": "ONLINE_TRADE", "classification": "RESTRICTED",
                                           "handlingCode": "H0", "status": "OPEN"})
    assert response.status_code == 302
    assert Case.objects.get(title="Open to NGOs").law_enforcement_only is False


def test_a_search_result_says_not_for_judicial_use(world: None) -> None:
    page = with_purpose("inv.ofb").get("/search/", {"q": "informateur rémunéré"}).content.decode()
    results = page[page.index('class="items results"'):]
    assert "Informateur" in page and "Not for judicial use" in results
