"""MISP: a case out as a MISP event (PyMISP reads it back) under the policy, and a MISP event in."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id
from pymisp import MISPEvent

from agencies.models import Agency
from audit.models import AuditEvent
from cases import actions as case_actions
from cases.models import Case, CaseEntity, IntelReport, Listing
from interop.markings import strictest
from interop.misp import case_event, import_event
from interop.models import ImportedObject
from sharing import actions as sharing_actions

from .conftest import INVESTIGATION, fixture_text, rows, viewer

IMPORT = """mutation($caseId: ID, $caseTitle: String, $event: String!) {
  importMispEvent(caseId: $caseId, caseTitle: $caseTitle, event: $event) {
    run { standard created updated unchanged report case { reference handlingCode } }
    errors { code field message }
  }
}"""
EVENT_QUERY = "query($ref: String!) { mispEvent(caseReference: $ref) }"

pytestmark = pytest.mark.usefixtures("species")


def ofb_case(listings: int = 1, title: str = "Ivoire", handling_code: str = "H1") -> Case:
    """An OFB case with ``listings`` adverts (each with its seller), a phone and an IBAN claim, and a report."""
    inv = viewer("inv.ofb")
    case = case_actions.create_case(inv, case_actions.CaseInput(title=title, jurisdictions=["FR"],
                                                                handling_code=handling_code))
    for number in range(listings):
        case_actions.add_listing(inv, case, case_actions.ListingInput(
            url=f"https://www.leboncoin.fr/ad/collection/{1000 + number}", title=f"Ivory figurine {number}",
            seller=f"ivoire_{number}", species_names=["Loxodonta africana"] if number == 0 else []))
        case_actions.link_entity(inv, case, case_actions.ClaimInput(
            kind="phone", value=f"+3361234{5000 + number}", role="seller", source_reliability="B",
            information_credibility="2"))
    case_actions.link_entity(inv, case, case_actions.ClaimInput(kind="payment_account",
                                                                value="FR76 3000 6000 0112 3456 7890 189",
                                                                role="payee", handling_code="H1"))
    case_actions.add_report(inv, case, case_actions.ReportInput(text="Informant: stock of raw tusks.",
                                                                source_evaluation="B", information_assessment="2"))
    return case


def share_with_oclaesp(case: Case, **redactions: bool) -> None:
    sharing_actions.share_case(viewer("inv.ofb"), case, sharing_actions.ShareInput(
        justification="Joint investigation", recipient_agency=Agency.objects.get(code="fr-oclaesp"), **redactions))


def get_event(client: Any, reference: str, **headers: str) -> Any:
    return client.get(f"/interop/misp/cases/{reference}.json", **headers)


def loaded(body: dict[str, Any]) -> MISPEvent:
    event = MISPEvent()
    event.from_json(json.dumps(body))
    return event


def tags(source: Any) -> set[str]:
    return {tag.name for tag in source.tags}


# --- export -----------------------------------------------------------------------------------------------


def test_a_case_exports_as_a_misp_event_pymisp_reads(client: Any, demo: Any) -> None:
    case = ofb_case()
    client.force_login(case.created_by)
    response = get_event(client, case.reference)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    event = loaded(response.json())
    assert event.info == f"{case.reference}: Ivoire" and int(event.distribution) == 1
    assert {"tlp:amber", 'wildnet:handling="H1"', "wildnet:not-for-judicial-use",
            'wildnet:species="Loxodonta africana"'} <= tags(event)
    attributes = {(a.type, a.value) for a in event.attributes}
    assert ("phone-number", "+33612345000") in attributes
    assert ("iban", "FR76 3000 6000 0112 3456 7890 189") in attributes
    assert ("text", "Informant: stock of raw tusks.") in attributes
    objects = {o.name: {a.object_relation: a.value for a in o.attributes} for o in event.objects}
    assert objects["url"] == {"url": "https://www.leboncoin.fr/ad/collection/1000", "text": "Ivory figurine 0"}
    assert objects["user-account"] == {"username": "ivoire_0", "account-type": "pf-leboncoin"}
    phone = next(a for a in event.attributes if a.type == "phone-number")
    assert {"tlp:amber", 'wildnet:handling="H1"', "wildnet:not-for-judicial-use", 'wildnet:role="seller"',
            'wildnet:grading="B2"'} <= tags(phone)


def test_listing_facts_travel_as_machine_tags(demo: Any) -> None:
    case = ofb_case()
    listing = case.listings.get()
    case_actions.update_listing(viewer("inv.ofb"), listing, {
        "specimen_type": "derivative", "specimen_count": 1, "claimed_legality": "antique"})
    exported = case_event(viewer("inv.ofb"), case.reference)
    assert exported is not None
    event = exported[1]
    url = next(a for o in event.objects if o.name == "url" for a in o.attributes if a.object_relation == "url")
    assert {'wildnet:specimen-type="derivative"', 'wildnet:specimen-count="1"', 'wildnet:claimed-legality="antique"',
            'wildnet:legality-verified="not_checked"', 'wildnet:platform-kind="classified_ads"'} <= tags(url)


def test_re_exporting_keeps_the_uuids(demo: Any) -> None:
    case = ofb_case()
    first = case_event(viewer("inv.ofb"), case.reference)
    second = case_event(viewer("inv.ofb"), case.reference)
    assert first is not None and second is not None
    assert first[1].uuid == second[1].uuid
    assert [a.uuid for a in first[1].attributes] == [a.uuid for a in second[1].attributes]


def test_an_h2_case_stays_in_the_organisation_and_law_enforcement_only_is_amber(demo: Any) -> None:
    wide = case_event(viewer("inv.ofb"), ofb_case(title="Open", handling_code="H0").reference)
    strict = case_event(viewer("inv.ofb"), ofb_case(title="Strict", handling_code="H2").reference)
    assert wide is not None and strict is not None
    assert (int(wide[1].distribution), int(strict[1].distribution)) == (1, 0)
    assert "tlp:amber+strict" in tags(strict[1]) and "tlp:amber" in tags(wide[1])  # kept among law enforcement
    assert "wildnet:not-for-judicial-use" not in tags(wide[1])


def test_a_share_withholding_personal_data_and_sources_leaves_them_out(client: Any, demo: Any) -> None:
    case = ofb_case()
    share_with_oclaesp(case, redact_personal_data=True, redact_sources=True)
    client.force_login(viewer("inv.oclaesp").officer)
    response = get_event(client, case.reference, **INVESTIGATION)
    assert response.status_code == 200
    event = loaded(response.json())
    assert {a.type for a in event.attributes} == set()
    assert [o.name for o in event.objects] == ["url"]
    assert "Informant" not in response.content.decode() and "ivoire_0" not in response.content.decode()
    read = AuditEvent.objects.get(action="intel.read", actor__username="inv.oclaesp")
    assert read.object_agency.code == "fr-ofb" and read.purpose == "investigation"
    assert AuditEvent.objects.filter(action="interop.misp_export", actor__username="inv.oclaesp").count() == 1


def test_a_share_withholding_sources_keeps_the_claims_without_their_grading(demo: Any) -> None:
    case = ofb_case()
    share_with_oclaesp(case, redact_sources=True)
    found = case_event(viewer("inv.oclaesp"), case.reference)
    assert found is not None
    phone = next(a for a in found[1].attributes if a.type == "phone-number")
    assert not any(t.startswith("wildnet:grading") for t in tags(phone))
    assert "text" not in {a.type for a in found[1].attributes}


@pytest.mark.parametrize(("username", "headers"), [
    ("inv.seprona", INVESTIGATION),  # another agency, no share
    ("inv.oclaesp", {}),  # a share, but no declared purpose
    ("spotter.ifaw", {}),
    ("pf.leboncoin", {}),
    ("sysadmin", {}),
])
def test_a_case_one_may_not_see_answers_like_a_missing_one(client: Any, gql: Any, demo: Any, username: str,
                                                           headers: dict[str, str]) -> None:
    case = ofb_case()
    share_with_oclaesp(case)
    client.force_login(viewer(username).officer)
    hidden, missing = get_event(client, case.reference, **headers), get_event(client, "FR-OFB-2026-99999", **headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert gql.login(username)(EVENT_QUERY, {"ref": case.reference}, **headers)["mispEvent"] is None
    assert not AuditEvent.objects.filter(action__in=["intel.read", "interop.misp_export"]).exists()


def test_an_anonymous_caller_gets_the_missing_case(client: Any, demo: Any) -> None:
    case = ofb_case()
    assert get_event(client, case.reference).content == get_event(client, "nothing").content
    assert get_event(client, case.reference).status_code == 404


def test_the_graphql_export_is_the_same_event_and_audited_as_a_read(gql: Any, demo: Any) -> None:
    case = ofb_case()
    share_with_oclaesp(case)
    body = gql.login("inv.oclaesp")(EVENT_QUERY, {"ref": case.reference}, **INVESTIGATION)["mispEvent"]
    event = loaded(body if isinstance(body, dict) else json.loads(body))
    assert {"phone-number", "iban", "text"} <= {a.type for a in event.attributes}
    assert AuditEvent.objects.filter(action="intel.read", actor__username="inv.oclaesp",
                                     object_agency__code="fr-ofb").count() == 1


def test_the_export_costs_the_same_queries_whatever_the_size_of_the_case(demo: Any) -> None:
    small, large = ofb_case(1, "Small"), ofb_case(8, "Large")
    counts = []
    for case in (small, large):
        reader = viewer("inv.ofb")
        with CaptureQueriesContext(connection) as queries:
            found = case_event(reader, case.reference)
        assert found is not None
        counts.append(len(queries))
    # the viewer's mandates, the case, its species, its withheld groups, listings (their species, platforms),
    # claims, reports and evidence: one statement each, for 1 advert as for 8
    assert counts == [10, 10]


# --- import -----------------------------------------------------------------------------------------------


def imported(gql: Any, username: str, text: str, **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = gql.login(username)(IMPORT, {"event": text, **variables},
                                                 **INVESTIGATION)["importMispEvent"]
    return result


def test_a_misp_event_imports_into_listings_identifiers_claims_and_reports(gql: Any, demo: Any) -> None:
    result = imported(gql, "inv.seprona", fixture_text("misp_event.json"), caseTitle="MISP: marfil")
    assert result["errors"] == []
    run = result["run"]
    assert (run["standard"], run["created"], run["updated"], run["unchanged"]) == ("MISP", 9, 0, 0)
    case = Case.objects.get(reference=run["case"]["reference"])
    assert case.owner_agency.code == "es-seprona"
    assert case.handling_code == "H2"  # tlp:amber+strict on one attribute: the case is never wider
    assert {(listing.url, listing.platform.code, listing.title) for listing in Listing.objects.filter(case=case)} == {
        ("https://es.wallapop.com/item/marfil-tallado-antiguo-987654321", "pf-wallapop", ""),
        ("https://www.facebook.com/marketplace/item/555123/", "pf-facebook", "Figura de marfil"),
    }
    claims = {(c.entity.kind, c.entity.normalised): (c.role, c.handling_code)
              for c in CaseEntity.objects.filter(case=case).select_related("entity")}
    assert claims == {
        ("phone", "+34612345678"): ("seller", "H0"),
        ("email", "vendedor.marfil@example.es"): ("other", "H0"),
        ("crypto_wallet", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"): ("other", "H0"),
        ("payment_account", "ES9121000418450200051332"): ("payee", "H0"),
        ("online_account", "pf-wallapop:marfilantiguo"): ("other", "H0"),
    }
    reports = {r.text.split("\n")[0]: r.handling_code for r in IntelReport.objects.filter(case=case)}
    assert reports["A volunteer was told the pieces come from a stock of raw tusks held near Valencia."] == "H2"
    assert reports["MISP ip-dst kept from an import."] == "H0"
    report = run["report"] if isinstance(run["report"], dict) else json.loads(run["report"])
    assert report["kept_as_notes"] == [{"id": "a1b2c3d4-0007-4a5b-8c6d-7e8f90a1b2c3", "type": "ip-dst"}]
    assert report["rejected"] == [{"id": "a1b2c3d4-0008-4a5b-8c6d-7e8f90a1b2c3", "type": "comment",
                                   "reason": "deleted in MISP"}]


def test_importing_the_event_again_changes_nothing_and_a_newer_attribute_updates(demo: Any) -> None:
    text = fixture_text("misp_event.json")
    first = import_event(viewer("inv.seprona"), text, case_title="MISP")
    before = rows()
    again = import_event(viewer("inv.seprona"), text, case_title="MISP")
    assert (again.created, again.updated, again.unchanged, again.case_id) == (0, 0, 9, first.case_id)
    assert {k: v for k, v in rows().items() if k != "ImportRun"} == {k: v for k, v in before.items()
                                                                     if k != "ImportRun"}
    data = json.loads(text)
    revised = copy.deepcopy(data)
    note = revised["Event"]["Attribute"][5]
    note.update(value="Confirmed: the stock is in Valencia.", timestamp="1792569600")
    newer = import_event(viewer("inv.seprona"), json.dumps(revised), case_title="MISP")
    assert (newer.created, newer.updated, newer.unchanged) == (0, 1, 8)
    assert ImportedObject.objects.get(external_id=note["uuid"]).target.text == "Confirmed: the stock is in Valencia."


def test_distribution_and_tags_never_widen(demo: Any) -> None:
    data = json.loads(fixture_text("misp_event.json"))
    data["Event"]["Tag"] = []
    data["Event"]["distribution"] = "3"
    data["Event"]["Attribute"] = [data["Event"]["Attribute"][0]]
    data["Event"]["Object"] = []
    assert import_event(viewer("inv.seprona"), json.dumps(data), case_title="Wide").case.handling_code == "H0"
    data["Event"]["uuid"] = "5f2b6c1e-8d3a-4e7b-9c10-2a4b6d8e0f14"
    data["Event"]["distribution"] = "0"
    data["Event"]["Attribute"][0]["uuid"] = "a1b2c3d4-0101-4a5b-8c6d-7e8f90a1b2c3"
    assert import_event(viewer("inv.seprona"), json.dumps(data), case_title="Org").case.handling_code == "H2"
    data["Event"]["Attribute"][0]["uuid"] = "a1b2c3d4-0102-4a5b-8c6d-7e8f90a1b2c3"
    data["Event"]["Attribute"][0]["Tag"] = [{"name": "tlp:red"}, {"name": 'wildnet:handling="H2"'}]
    assert import_event(viewer("inv.seprona"), json.dumps(data), case_title="Red").case.handling_code == "H3"


def test_a_wildnet_export_imported_by_another_agency_gives_the_same_identifiers_and_claims(
        gql: Any, demo: Any) -> None:
    case = ofb_case()
    found = case_event(viewer("inv.ofb"), case.reference)
    assert found is not None
    body = json.dumps({"Event": json.loads(found[1].to_json())})
    run = imported(gql, "inv.seprona", body, caseTitle="From the OFB")["run"]
    copied = Case.objects.get(reference=run["case"]["reference"])
    def claims(of: Case) -> set[tuple[int, str, str]]:
        """Each claim with its marking as it applies (its own and its case's): an H0 claim of an H1 case is
        exported, and read back, as H1."""
        return {(entity, role, strictest(code, of.handling_code)) for entity, role, code in
                CaseEntity.objects.filter(case=of).values_list("entity_id", "role", "handling_code")}
    assert claims(copied) == claims(case)
    assert set(Listing.objects.filter(case=copied).values_list("url", flat=True)) == \
        set(Listing.objects.filter(case=case).values_list("url", flat=True))
    assert copied.handling_code == "H1"


@pytest.mark.parametrize(("text", "code"), [
    ("<xml/>", "INVALID"),
    (json.dumps({"Event": {"uuid": "5f2b6c1e-8d3a-4e7b-9c10-2a4b6d8e0f13"}}), "INVALID"),
    (json.dumps([1, 2]), "INVALID"),
])
def test_what_is_not_a_misp_event_is_refused_and_nothing_written(gql: Any, demo: Any, text: str, code: str) -> None:
    before = rows()
    result = imported(gql, "inv.seprona", text, caseTitle="Junk")
    assert result["run"] is None and result["errors"][0]["code"] == code
    assert rows() == before


def test_a_bad_attribute_is_named_and_nothing_written(gql: Any, demo: Any) -> None:
    data = json.loads(fixture_text("misp_event.json"))
    data["Event"]["Attribute"][1]["value"] = "not a phone"
    before = rows()
    result = imported(gql, "inv.seprona", json.dumps(data), caseTitle="Bad")
    assert result["errors"][0]["message"].startswith("a1b2c3d4-0002-4a5b-8c6d-7e8f90a1b2c3: ")
    assert rows() == before


def test_importing_into_another_agencys_case_is_not_found_like_a_missing_one(gql: Any, demo: Any) -> None:
    case = ofb_case()
    before = rows()
    other = imported(gql, "inv.seprona", fixture_text("misp_event.json"), caseId=to_global_id("Case", case.pk))
    missing = imported(gql, "inv.seprona", fixture_text("misp_event.json"), caseId=to_global_id("Case", 999_999))
    assert other == missing and other["errors"][0]["code"] == "NOT_FOUND"
    assert rows() == before


@pytest.mark.parametrize("username", ["spotter.ifaw", "pf.wallapop"])
def test_spotters_and_platform_officers_cannot_import(gql: Any, demo: Any, username: str) -> None:
    before = rows()
    result = imported(gql, username, fixture_text("misp_event.json"), caseTitle="Mine")
    assert result["errors"][0]["code"] == "PERMISSION_DENIED"
    assert rows() == before


def test_a_program_reads_the_event_with_a_bearer_token_and_a_read_only_token_cannot_import(
        client: Any, gql: Any, demo: Any) -> None:
    from officers.actions import issue_token
    from officers.models import Officer

    case = ofb_case()
    _token, raw = issue_token(Officer.objects.get(username="inv.oclaesp"), name="misp sync", scopes=["read"])
    share_with_oclaesp(case)
    response = get_event(client, case.reference, HTTP_AUTHORIZATION=f"Bearer {raw}", **INVESTIGATION)
    assert response.status_code == 200 and loaded(response.json()).info.startswith(case.reference)
    before = rows()
    result = gql.bearer(raw)(IMPORT, {"event": fixture_text("misp_event.json"), "caseTitle": "Sync"},
                            **INVESTIGATION)["importMispEvent"]
    assert result["errors"][0]["code"] == "READ_ONLY_TOKEN"
    assert rows() == before
