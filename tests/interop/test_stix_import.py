"""STIX 2.1 import: an OpenCTI-style bundle into a case, idempotence, versions, markings, bad bundles, refusals."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from graphql_relay import to_global_id

from access.errors import ActionError, ErrorCode
from cases import actions as case_actions
from cases.models import Case, CaseEntity, Entity, IntelReport, Listing
from interop.models import ImportedObject, ImportRun
from interop.stix_import import import_bundle
from sharing import actions as sharing_actions

from .conftest import INVESTIGATION, fixture_json, rows, viewer

IMPORT = """mutation($caseId: ID, $caseTitle: String, $bundle: String, $file: Upload) {
  importStixBundle(caseId: $caseId, caseTitle: $caseTitle, bundle: $bundle, file: $file) {
    run { id standard created updated unchanged report caseCreated case { reference handlingCode } }
    errors { code field message }
  }
}"""

AMBER = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
GREEN2 = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
RED2 = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
NOTE_ID = "note--92a3b4c5-d6e7-4f80-8192-a3b4c5d6e7f8"


def imported(gql: Any, username: str, bundle: Any, **variables: Any) -> dict[str, Any]:
    text = bundle if isinstance(bundle, str) else json.dumps(bundle)
    result: dict[str, Any] = gql.login(username)(IMPORT, {"bundle": text, **variables},
                                                 **INVESTIGATION)["importStixBundle"]
    return result


def ofb_case(title: str = "Ivoire", handling_code: str = "H1") -> Case:
    return case_actions.create_case(viewer("inv.ofb"), case_actions.CaseInput(
        title=title, jurisdictions=["FR"], handling_code=handling_code))


def small_bundle(*objects: dict[str, Any]) -> dict[str, Any]:
    return {"type": "bundle", "id": "bundle--11111111-2222-4333-8444-555555555555", "objects": list(objects)}


def url(value: str, *markings: str, uid: str = "0c5f7a5e-3b5f-5b1a-9a2b-7f1a3c0e4d99") -> dict[str, Any]:
    obj = {"type": "url", "spec_version": "2.1", "id": f"url--{uid}", "value": value}
    if markings:
        obj["object_marking_refs"] = list(markings)
    return obj


def statement(uid: str, text: str) -> dict[str, Any]:
    return {"type": "marking-definition", "spec_version": "2.1", "id": f"marking-definition--{uid}",
            "created": "2026-01-01T00:00:00.000Z", "definition_type": "statement", "definition": {"statement": text}}


# --- what a bundle becomes --------------------------------------------------------------------------------


def test_an_opencti_bundle_becomes_listings_identifiers_claims_and_reports(gql: Any, demo: Any,
                                                                             bundle: Any) -> None:
    result = imported(gql, "inv.ofb", bundle, caseTitle="OpenCTI: ivory feed")
    assert result["errors"] == []
    run = result["run"]
    assert (run["standard"], run["caseCreated"], run["created"], run["updated"], run["unchanged"]) == \
        ("STIX", True, 15, 0, 0)
    case = Case.objects.get(reference=run["case"]["reference"])
    assert case.owner_agency.code == "fr-ofb" and case.title == "OpenCTI: ivory feed"
    assert {(listing.url, listing.platform.code) for listing in Listing.objects.filter(case=case)} == {
        ("https://www.leboncoin.fr/ad/collection/2468013579", "pf-leboncoin"),
        ("https://www.facebook.com/marketplace/item/771234567890123/", "pf-facebook"),
    }
    claims = {(c.entity.kind, c.entity.normalised): (c.role, c.handling_code)
              for c in CaseEntity.objects.filter(case=case).select_related("entity")}
    assert claims == {
        ("online_account", "pf-leboncoin:ivoire_antique75"): ("seller", "H0"),
        ("phone", "+33612345678"): ("associate", "H2"),
        ("email", "ivoire.antique75@example.org"): ("other", "H1"),
        ("crypto_wallet", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"): ("other", "H0"),
        ("payment_account", "FR7630006000011234567890189"): ("payee", "H0"),
    }
    reports = {r.text.split("\n")[0]: (r.handling_code, r.source_evaluation + r.information_assessment)
               for r in IntelReport.objects.filter(case=case)}
    assert reports["Seller also active on Marketplace"] == ("H2", "B2")
    assert reports["Online ivory trade, Île-de-France, October 2026"] == ("H0", "X4")
    assert {key.split(",")[0] for key in reports} >= {
        "threat-actor threat-actor--b4c5d6e7-f809-41a2-b3c4-d5e6f708192a",
        "location location--c5d6e7f8-0912-4a3b-84c5-d6e7f8091a2b"}
    assert case.handling_code == "H2"  # the strictest marking in the bundle: a new case is never wider
    report = run["report"] if isinstance(run["report"], dict) else json.loads(run["report"])
    assert sorted(n["type"] for n in report["kept_as_notes"]) == ["location", "threat-actor"]
    assert report["rejected"] == [{"id": "relationship--8192a3b4-c5d6-4e7f-9081-92a3b4c5d6e7",
                                   "type": "relationship", "reason": "it links no identifier WildNet records"}]


def test_a_phone_number_already_known_is_the_same_entity(demo: Any, bundle: Any) -> None:
    other = ofb_case("Earlier case")
    known = case_actions.link_entity(viewer("inv.ofb"), other, case_actions.ClaimInput(kind="phone",
                                                                                       value="+33 6 12 34 56 78"))
    run = import_bundle(viewer("inv.ofb"), bundle, case_title="Feed")
    claim = CaseEntity.objects.get(case=run.case, entity__kind="phone")
    assert claim.entity_id == known.entity_id
    assert Entity.objects.filter(kind="phone").count() == 1


def test_importing_the_same_bundle_again_changes_nothing(gql: Any, demo: Any, bundle: Any) -> None:
    first = imported(gql, "inv.ofb", bundle, caseTitle="Feed")["run"]
    before = rows()
    again = imported(gql, "inv.ofb", bundle, caseTitle="Feed")["run"]
    assert (again["created"], again["updated"], again["unchanged"], again["caseCreated"]) == (0, 0, 15, False)
    assert again["case"]["reference"] == first["case"]["reference"]
    after = rows()
    assert after.pop("ImportRun") == before.pop("ImportRun") + 1
    assert after == before


def test_a_newer_modified_updates_what_the_object_became_and_an_older_one_does_not(demo: Any, bundle: Any) -> None:
    run = import_bundle(viewer("inv.ofb"), bundle, case_title="Feed")
    revised = copy.deepcopy(bundle)
    note = next(o for o in revised["objects"] if o["id"] == NOTE_ID)
    note.update(modified="2026-10-20T08:00:00.000Z", content="Confirmed by a test purchase.", x_wildnet_grading="A1")
    second = import_bundle(viewer("inv.ofb"), revised, case_title="Feed")
    assert (second.created, second.updated, second.unchanged) == (0, 1, 14)
    report = ImportedObject.objects.get(external_id=NOTE_ID).target
    assert report.text.endswith("Confirmed by a test purchase.") and report.case_id == run.case_id
    assert (report.source_evaluation, report.information_assessment) == ("A", "1")
    older = copy.deepcopy(bundle)
    next(o for o in older["objects"] if o["id"] == NOTE_ID).update(content="Stale text.")
    third = import_bundle(viewer("inv.ofb"), older, case_title="Feed")
    assert (third.updated, third.unchanged) == (0, 15)
    report.refresh_from_db()
    assert report.text.endswith("Confirmed by a test purchase.")


def test_a_newer_relationship_revises_its_claim(demo: Any, bundle: Any) -> None:
    import_bundle(viewer("inv.ofb"), bundle, case_title="Feed")
    revised = copy.deepcopy(bundle)
    payee = "relationship--708192a3-b4c5-4d6e-8f70-8192a3b4c5d6"
    relationship = next(o for o in revised["objects"] if o["id"] == payee)
    relationship.update(modified="2026-10-21T08:00:00.000Z", description="Confirmed by the bank.",
                        labels=["source-reliability:A", "information-credibility:1"])
    run = import_bundle(viewer("inv.ofb"), revised, case_title="Feed")
    assert run.updated == 1
    claim = CaseEntity.objects.get(entity__kind="payment_account")
    assert (claim.role, claim.source_reliability, claim.information_credibility, claim.note) == (
        "payee", "A", "1", "Confirmed by the bank.")


def test_the_same_objects_imported_by_another_agency_are_its_own(demo: Any, bundle: Any) -> None:
    next(o for o in bundle["objects"] if o["type"] == "phone-number")["value"] = "+33 6 12 34 56 78"
    ofb = import_bundle(viewer("inv.ofb"), bundle, case_title="Feed")
    seprona = import_bundle(viewer("inv.seprona"), bundle, case_title="Feed")
    assert (seprona.created, seprona.unchanged) == (15, 0)
    assert seprona.case.owner_agency.code == "es-seprona" and seprona.case_id != ofb.case_id
    # the same normalised identifiers: the two agencies' claims meet on the same entities
    assert set(CaseEntity.objects.filter(case=ofb.case).values_list("entity_id", "role")) == \
        set(CaseEntity.objects.filter(case=seprona.case).values_list("entity_id", "role"))


def test_a_bundle_uploaded_as_a_file_imports(client: Any, demo: Any, bundle: Any) -> None:
    from officers.models import Officer

    client.force_login(Officer.objects.get(username="inv.ofb"))
    operations = {"query": IMPORT, "variables": {"caseTitle": "Uploaded", "file": None}}
    response = client.post("/graphql/", data={
        "operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]}),
        "0": SimpleUploadedFile("bundle.json", json.dumps(bundle).encode(), content_type="application/json"),
    }, HTTP_X_WILDNET_PURPOSE="investigation")
    result = response.json()["data"]["importStixBundle"]
    assert result["errors"] == [] and result["run"]["created"] == 15


# --- markings ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("markings", "code"), [
    ([], "H1"),
    ([GREEN2], "H0"),
    ([AMBER], "H0"),  # TLP:AMBER limits dissemination, which the imported case's law-enforcement-only does
    (["marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"], "H2"),
    ([RED2], "H3"),
    ([GREEN2, RED2, AMBER], "H3"),
    ([GREEN2, "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", AMBER], "H2"),
])
def test_the_strictest_marking_of_an_object_wins(demo: Any, markings: list[str], code: str) -> None:
    run = import_bundle(viewer("inv.ofb"), small_bundle(url("https://www.leboncoin.fr/ad/1", *markings)),
                        case_title="Markings")
    assert run.case.handling_code == code


def test_a_granular_marking_restricts_the_whole_object(demo: Any) -> None:
    advert = url("https://www.leboncoin.fr/ad/7", GREEN2)
    advert["granular_markings"] = [{"marking_ref": RED2, "selectors": ["value"]}]
    run = import_bundle(viewer("inv.ofb"), small_bundle(advert), case_title="Granular")
    assert run.case.handling_code == "H3"


def test_wildnet_handling_statements_read_back_exactly_and_h3_keeps_its_conditions(demo: Any) -> None:
    h2 = statement("aaaaaaaa-0000-4000-8000-000000000002",
                   "WildNet handling code H2: not to be disseminated further without the originator's permission.")
    h3 = statement("aaaaaaaa-0000-4000-8000-000000000003", "Conditions of FR-OFB-2026-00001 (H3): Not before the "
                                                            "search of 12 May.")
    legal = statement("aaaaaaaa-0000-4000-8000-000000000004", "Read under Code de l'environnement: police.")
    run = import_bundle(viewer("inv.seprona"), small_bundle(h2, legal, url("https://www.leboncoin.fr/ad/2",
                                                                            h2["id"], legal["id"])),
                        case_title="H2")
    assert run.case.handling_code == "H2"
    advert = url("https://www.leboncoin.fr/ad/3", h3["id"], GREEN2, uid="0c5f7a5e-3b5f-5b1a-9a2b-7f1a3c0e4d98")
    run = import_bundle(viewer("inv.seprona"), small_bundle(h3, advert), case_title="H3")
    assert (run.case.handling_code, run.case.handling_conditions) == ("H3", "Not before the search of 12 May.")


def test_a_foreign_statement_is_an_h3_condition(demo: Any) -> None:
    terms = statement("bbbbbbbb-0000-4000-8000-000000000001", "Not for release to online platforms.")
    run = import_bundle(viewer("inv.ofb"), small_bundle(terms, url("https://www.leboncoin.fr/ad/4", terms["id"])),
                        case_title="Terms")
    assert (run.case.handling_code, run.case.handling_conditions) == ("H3", "Not for release to online platforms.")


def test_an_object_stricter_than_the_existing_case_is_refused_and_nothing_is_written(gql: Any, demo: Any) -> None:
    case = ofb_case(handling_code="H1")
    before = rows()
    result = imported(gql, "inv.ofb", small_bundle(url("https://www.leboncoin.fr/ad/5", AMBER),
                                                   url("https://www.leboncoin.fr/ad/6", RED2,
                                                       uid="0c5f7a5e-3b5f-5b1a-9a2b-7f1a3c0e4d97")),
                      caseId=to_global_id("Case", case.pk))
    assert result["run"] is None
    assert result["errors"][0]["code"] == "HANDLING_FORBIDS"
    assert result["errors"][0]["message"].startswith("url--0c5f7a5e-3b5f-5b1a-9a2b-7f1a3c0e4d97: marked H3")
    assert rows() == before


# --- bad bundles ------------------------------------------------------------------------------------------


def _without_pattern(bundle: dict[str, Any]) -> str:
    next(o for o in bundle["objects"] if o["type"] == "indicator").pop("pattern")
    return "indicator--9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"


def _dangling_relationship(bundle: dict[str, Any]) -> str:
    relationship = next(o for o in bundle["objects"] if o["type"] == "relationship")
    relationship["target_ref"] = "url--deadbeef-0000-4000-8000-000000000000"
    return relationship["id"]


def _unknown_marking(bundle: dict[str, Any]) -> str:
    bundle["objects"][2]["object_marking_refs"] = ["marking-definition--deadbeef-0000-4000-8000-000000000000"]
    return bundle["objects"][2]["id"]


def _bad_phone(bundle: dict[str, Any]) -> str:
    phone = next(o for o in bundle["objects"] if o["type"] == "phone-number")
    phone["value"] = "call me"
    return phone["id"]


def _bad_url(bundle: dict[str, Any]) -> str:
    bundle["objects"][3]["value"] = "ftp://files.example.org/ivory"
    return bundle["objects"][3]["id"]


def _bad_timestamp(bundle: dict[str, Any]) -> str:
    note = next(o for o in bundle["objects"] if o["id"] == NOTE_ID)
    note["modified"] = "yesterday"
    return NOTE_ID


@pytest.mark.parametrize("spoil", [_without_pattern, _dangling_relationship, _unknown_marking, _bad_phone, _bad_url,
                                   _bad_timestamp])
def test_a_bad_object_is_a_typed_error_naming_it_and_nothing_is_written(gql: Any, demo: Any, bundle: Any,
                                                                         spoil: Any) -> None:
    culprit = spoil(bundle)
    before = rows()
    result = imported(gql, "inv.ofb", bundle, caseTitle="Spoilt")
    assert result["run"] is None
    assert (result["errors"][0]["code"], result["errors"][0]["field"]) == ("INVALID", "bundle")
    assert result["errors"][0]["message"].startswith(f"{culprit}: ")
    assert rows() == before


@pytest.mark.parametrize(("text", "message"), [
    ("{not json", "The bundle is not JSON."),
    (json.dumps({"type": "report", "id": "report--1"}), "This is not a STIX 2.1 bundle"),
    (json.dumps({"type": "bundle", "id": "bundle--1", "objects": {"a": 1}}), "This is not a STIX 2.1 bundle"),
    (json.dumps({"type": "bundle", "id": "bundle--1", "objects": [{"id": "url--1"}]}), "objects[0]: "),
])
def test_what_is_not_a_bundle_is_refused(gql: Any, demo: Any, text: str, message: str) -> None:
    before = rows()
    result = imported(gql, "inv.ofb", text, caseTitle="Junk")
    assert result["errors"][0]["code"] == "INVALID" and result["errors"][0]["message"].startswith(message)
    assert rows() == before


def test_the_size_and_object_count_are_capped(gql: Any, demo: Any, bundle: Any, settings: Any) -> None:
    settings.INTEROP_MAX_IMPORT_OBJECTS = 5
    assert imported(gql, "inv.ofb", bundle, caseTitle="Big")["errors"][0]["code"] == "INVALID"
    settings.INTEROP_MAX_IMPORT_BYTES = 1000
    assert imported(gql, "inv.ofb", bundle, caseTitle="Big")["errors"][0]["code"] == "FILE_TOO_LARGE"
    assert not Case.objects.filter(title="Big").exists()


# --- who may import where ---------------------------------------------------------------------------------


def test_another_agencys_case_is_not_found_like_a_missing_one_even_when_shared_for_contribution(
        gql: Any, demo: Any, bundle: Any) -> None:
    case = ofb_case()
    sharing_actions.share_case(viewer("inv.ofb"), case, sharing_actions.ShareInput(
        justification="Joint investigation", can_contribute=True,
        recipient_agency=case.owner_agency.__class__.objects.get(code="fr-oclaesp")))
    before = rows()
    shared = imported(gql, "inv.oclaesp", bundle, caseId=to_global_id("Case", case.pk))
    missing = imported(gql, "inv.oclaesp", bundle, caseId=to_global_id("Case", 999_999))
    assert shared == missing
    assert shared["errors"] == [{"code": "NOT_FOUND", "field": "caseId", "message": "No such case."}]
    assert rows() == before


@pytest.mark.parametrize("username", ["spotter.ifaw", "pf.leboncoin", "coord.fr", "sysadmin"])
def test_officers_who_record_no_intelligence_cannot_import(gql: Any, demo: Any, bundle: Any, username: str) -> None:
    before = rows()
    result = imported(gql, username, bundle, caseTitle="Mine")
    assert result["errors"][0]["code"] == "PERMISSION_DENIED"
    assert rows() == before


def test_an_import_needs_a_case_or_a_title(demo: Any, bundle: Any) -> None:
    with pytest.raises(ActionError) as refused:
        import_bundle(viewer("inv.ofb"), bundle)
    assert (refused.value.code, refused.value.field) == (ErrorCode.REQUIRED, "case_title")


@pytest.mark.parametrize("n", [1, 10])
def test_the_import_runs_list_costs_the_same_queries_for_1_or_10_runs(gql: Any, demo: Any, n: int,
                                                                      django_assert_num_queries: Any) -> None:
    for number in range(n):
        import_bundle(viewer("inv.ofb"), small_bundle(url(f"https://www.leboncoin.fr/ad/{number}")),
                      case_title=f"Feed {number}")
    gql.login("inv.ofb")
    query = "{ importRuns(first: 50) { edges { node { standard created report case { reference } } } } }"
    # the session with its officer; the runs; their cases (one batch)
    with django_assert_num_queries(1 + 1 + 1):
        assert len(gql(query)["importRuns"]["edges"]) == n


def test_import_runs_are_the_agencys_own(gql: Any, demo: Any, bundle: Any) -> None:
    import_bundle(viewer("inv.ofb"), bundle, case_title="Feed")
    query = "{ importRuns { totalCount edges { node { standard created case { reference } } } } }"
    ofb = gql.login("ana.ofb")(query)["importRuns"]
    assert ofb["totalCount"] == 1 and ofb["edges"][0]["node"]["created"] == 15
    assert gql.login("inv.oclaesp")(query, **INVESTIGATION)["importRuns"]["totalCount"] == 0
    assert gql.login("spotter.ifaw")(query)["importRuns"]["totalCount"] == 0
    assert ImportRun.objects.count() == 1


def test_an_existing_case_of_ones_agency_receives_the_bundle(gql: Any, demo: Any, bundle: Any) -> None:
    case = ofb_case(handling_code="H2")
    result = imported(gql, "ana.ofb", bundle, caseId=to_global_id("Case", case.pk))
    assert result["errors"] == []
    assert (result["run"]["caseCreated"], result["run"]["case"]["reference"]) == (False, case.reference)
    assert Listing.objects.filter(case=case).count() == 2
    assert Case.objects.count() == 1


def test_an_h3_objects_conditions_travel_with_it_into_an_existing_h3_case(demo: Any) -> None:
    case = case_actions.create_case(viewer("inv.ofb"), case_actions.CaseInput(
        title="Controlled delivery", jurisdictions=["FR"], handling_code="H3",
        handling_conditions="Nothing to customs before the delivery."))
    terms = statement("cccccccc-0000-4000-8000-000000000001", "Source protection: do not contact the seller.")
    note = {"type": "note", "spec_version": "2.1", "id": "note--cccccccc-0000-4000-8000-000000000002",
            "created": "2026-10-01T00:00:00.000Z", "modified": "2026-10-01T00:00:00.000Z",
            "content": "The seller ships on Fridays.", "object_refs": ["url--0c5f7a5e-3b5f-5b1a-9a2b-7f1a3c0e4d99"],
            "object_marking_refs": [terms["id"]]}
    import_bundle(viewer("inv.ofb"), small_bundle(terms, note), case_id=case.pk)
    report = IntelReport.objects.get(case=case)
    assert (report.handling_code, report.text) == ("H3", "The seller ships on Fridays.")
    assert report.handling_conditions == "Source protection: do not contact the seller."


def test_a_wildnet_export_imports_into_the_same_identifiers_claims_and_species(demo: Any, species: Any) -> None:
    """``wildnet_export_bundle.json`` is what the STIX export (``interop.stix_export.case_bundle``) wrote for an
    OFB case: an advert of Loxodonta africana by ivoire_antique75, a phone (B2, "In the advert"), an IBAN under
    H2, an e-mail, a wallet, a person, and a B2 report. Another agency importing it gets the same intelligence."""
    bundle = fixture_json("wildnet_export_bundle.json")
    run = import_bundle(viewer("inv.seprona"), bundle, case_title="From the OFB")
    assert (run.report["kept_as_notes"], run.report["rejected"]) == ([], [])
    assert {entry["outcome"] for entry in run.report["accepted"]} == {"created"}
    case = run.case
    assert case.handling_code == "H2"
    assert list(case.species.values_list("scientific_name", flat=True)) == ["Loxodonta africana"]
    listing = Listing.objects.get(case=case)
    assert (listing.url, listing.platform.code, listing.title) == (
        "https://www.leboncoin.fr/ad/collection/1000", "pf-leboncoin", "Ivory figurine")
    assert list(listing.species.values_list("scientific_name", flat=True)) == ["Loxodonta africana"]
    claims = {(c.entity.kind, c.entity.normalised): (c.role, c.handling_code, c.source_reliability +
                                                      c.information_credibility)
              for c in CaseEntity.objects.filter(case=case).select_related("entity")}
    assert claims == {
        ("online_account", "pf-leboncoin:ivoire_antique75"): ("seller", "H1", "X4"),
        ("phone", "+33612345678"): ("seller", "H1", "B2"),
        ("payment_account", "FR7630006000011234567890189"): ("payee", "H2", "X4"),
        ("email", "ivoire.antique75@example.org"): ("associate", "H1", "X4"),
        ("crypto_wallet", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"): ("payee", "H1", "X4"),
        ("person", "jean dupont"): ("supplier", "H1", "X4"),
    }
    report = IntelReport.objects.get(case=case, source_evaluation="B")
    assert (report.text, report.information_assessment, report.handling_code) == (
        "Informant: a stock of raw tusks in Seine-Saint-Denis.", "2", "H1")
    again = import_bundle(viewer("inv.seprona"), bundle, case_title="From the OFB")
    assert (again.created, again.updated, again.unchanged) == (0, 0, run.created)
