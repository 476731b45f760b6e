"""STIX 2.1 export: a case (GraphQL ``stixBundle`` and ``GET /interop/stix/cases/<ref>.json``) and a search.

Each bundle is checked with OASIS's own validator. The world is ``load_demo``'s: OFB's ivory case (H1) is
shared with OCLAESP for investigation; OCLAESP's pangolin case (H2) is its own.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from agencies.models import Agency
from audit.models import AuditEvent
from cases import actions as case_actions
from cases.models import Case, CaseEntity, Evidence, Listing
from interop import markings
from interop.stix_export import StixBuilder, case_bundle, load_contents
from interop.stix_import import import_bundle
from officers.actions import issue_token
from officers.models import Officer
from outbox.actions import deliver_due
from sharing import actions as sharing_actions

from .conftest import valid, viewer

pytestmark = pytest.mark.django_db

INVESTIGATION = {"HTTP_X_WILDNET_PURPOSE": "investigation"}
QUERY = "query($ref: String) { stixBundle(caseReference: $ref) }"
SCO_TYPES = {"user-account", "email-addr", "x-wildnet-phone", "x-wildnet-payment-account",
             "x-wildnet-cryptocurrency-wallet", "x-wildnet-shipping-reference"}


def ivory() -> Case:
    return Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")


def pangolin() -> Case:
    return Case.objects.get(owner_agency__code="fr-oclaesp", title__startswith="Écailles")


def export(username: str, reference: str, purpose: str | None = "investigation") -> dict[str, Any]:
    bundle, _ = case_bundle(viewer(username, purpose), reference, "https://wildnet.example/")
    return json.loads(bundle.serialize())  # type: ignore[no-any-return]


def by_type(bundle: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for obj in bundle["objects"]:
        found.setdefault(obj["type"], []).append(dict(obj))
    return found


def as_json(bundle: Any) -> dict[str, Any]:
    return json.loads(bundle.serialize())  # type: ignore[no-any-return]


def rest(client: Client, username: str | None, reference: str, headers: dict[str, str] | None = None) -> Any:
    if username is not None:
        client.force_login(Officer.objects.get(username=username))
    return client.get(f"/interop/stix/cases/{reference}.json", **(INVESTIGATION if headers is None else headers))


# --- what a bundle holds -------------------------------------------------------------------------------------


def test_own_case_bundle_passes_the_validator_and_maps_every_kind(world: Any) -> None:
    case = ivory()
    bundle = valid(as_json(case_bundle(viewer("inv.ofb"), case.reference, "https://wildnet.example/")[0]))
    kinds = by_type(bundle)
    [report] = kinds["report"]
    assert report["name"].startswith(case.reference)
    assert report["external_references"] == [{"source_name": "wildnet", "external_id": case.reference}]
    owner = next(i for i in kinds["identity"] if i["name"] == case.owner_agency.name)
    assert report["created_by_ref"] == owner["id"]
    urls = {u["value"] for u in kinds["url"]}
    assert urls == set(case.listings.values_list("url", flat=True))
    assert {i["pattern"] for i in kinds["indicator"]} == {f"[url:value = '{u}']" for u in urls}
    assert kinds["user-account"] and kinds["x-wildnet-phone"]
    assert all(a["hashes"]["SHA-256"] and "payload_bin" not in a for a in kinds["artifact"])
    assert set(report["object_refs"]) >= {o["id"] for o in bundle["objects"]
                                          if o["type"] not in ("marking-definition", "extension-definition",
                                                               "report")} - {markings.PLATFORM.id}
    notes = {n["abstract"]: n for n in kinds["note"]}
    assert "Loxodonta africana" in notes
    assert any(a.startswith("Intelligence report graded B2") for a in notes)
    extensions = {e["name"] for e in kinds["extension-definition"]}
    assert "x-wildnet-phone" in extensions


def test_listing_facts_travel_as_custom_indicator_properties(world: Any) -> None:
    """The validator accepts them; a listing that states nothing carries none of them."""
    bundle = valid(as_json(case_bundle(viewer("inv.ofb"), ivory().reference, "https://wildnet.example/")[0]))
    indicators = {i["name"]: i for i in by_type(bundle)["indicator"]}
    carved = indicators["Défense sculptée scène de chasse"]
    assert {k: v for k, v in carved.items() if k.startswith("x_wildnet_")} == {
        "x_wildnet_specimen_type": "derivative", "x_wildnet_specimen_count": 1,
        "x_wildnet_claimed_legality": "eu_certificate", "x_wildnet_legality_reference": "FR2403311234-K",
        "x_wildnet_legality_verified": "false", "x_wildnet_platform_kind": "classified_ads"}
    tusks = indicators["Paire de défenses montées"]
    assert (tusks["x_wildnet_claimed_legality"], tusks["x_wildnet_legality_verified"]) == ("antique", "not_checked")
    assert "x_wildnet_legality_reference" not in tusks
    Listing.objects.filter(url__contains="2473301122").update(specimen_type="", specimen_count=None)
    Agency.objects.filter(code="pf-leboncoin").update(platform_kind="")
    bundle = valid(as_json(case_bundle(viewer("inv.ofb"), ivory().reference, "https://wildnet.example/")[0]))
    plain = next(i for i in by_type(bundle)["indicator"] if i["name"] == "Statuette Guanyin ivoire")
    assert not [key for key in plain if key.startswith("x_wildnet_")]


def test_re_export_gives_the_same_ids(world: Any) -> None:
    first = {o["id"] for o in export("inv.ofb", ivory().reference)["objects"]}
    second = {o["id"] for o in export("inv.ofb", ivory().reference)["objects"]}
    assert first == second
    assert f"report--{markings.stix_id('report', 'case', ivory().pk).split('--')[1]}" in first


def test_a_re_export_after_a_change_is_a_newer_version_of_the_report(world: Any) -> None:
    case = ivory()
    [before] = by_type(export("inv.ofb", case.reference))["report"]
    case_actions.add_listing(viewer("inv.ofb"), case, case_actions.ListingInput(url="https://www.leboncoin.fr/ad/31"))
    [after] = by_type(export("inv.ofb", case.reference))["report"]
    assert after["id"] == before["id"]
    assert after["modified"] > before["modified"]
    assert len(after["object_refs"]) == len(before["object_refs"]) + 2  # the url and its indicator


def test_every_object_is_marked_with_its_handling_code_and_tlp(world: Any) -> None:
    """The demo's ivory case is H0 and kept among law enforcement; its informant's report is H1, its human
    source's H2: each object carries the case's markings, one TLP, and its own code where it has one."""
    bundle = export("inv.ofb", ivory().reference)
    case_marks = {markings.HANDLING["H0"].id, markings.LAW_ENFORCEMENT_ONLY.id}
    tlps = {tlp.id for tlp in markings.TLP_ORDER}
    notes = {}
    for obj in bundle["objects"]:
        if obj["type"] in ("marking-definition", "extension-definition") or obj["id"] == markings.PLATFORM.id:
            continue
        if obj["type"] == "identity" and obj["identity_class"] == "organization" and "created_by_ref" not in obj:
            continue  # the owning agency itself
        refs = set(obj["object_marking_refs"])
        assert case_marks <= refs and len(refs & tlps) == 1, obj
        if obj["type"] == "note" and obj.get("content", "").startswith(("Informateur", "Source humaine")):
            notes[obj["content"][:6]] = refs
    assert markings.HANDLING["H1"].id in notes["Inform"] and markings.TLP_AMBER.id in notes["Inform"]
    assert markings.HANDLING["H2"].id in notes["Source"] and markings.TLP_AMBER_STRICT.id in notes["Source"]
    definitions = {o["id"]: o for o in bundle["objects"] if o["type"] == "marking-definition"}
    assert definitions[markings.TLP_AMBER.id]["extensions"][markings.TLP_EXTENSION]["tlp_2_0"] == "amber"
    assert "judicial proceedings" in definitions[markings.HANDLING["H1"].id]["definition"]["statement"]


def test_a_stricter_claim_wins_over_its_case(world: Any) -> None:
    case = ivory()
    case_actions.link_entity(viewer("inv.ofb"), case, case_actions.ClaimInput(
        kind="email", value="vieil.os@example.fr", role="payee", handling_code="H2"))
    bundle = valid(export("inv.ofb", case.reference))
    [email] = [e for e in by_type(bundle)["email-addr"] if e["value"] == "vieil.os@example.fr"]
    law = {markings.LAW_ENFORCEMENT_ONLY.id} if case.law_enforcement_only else set()
    assert set(email["object_marking_refs"]) == {markings.TLP_AMBER_STRICT.id, markings.HANDLING["H2"].id,
                                                 markings.HANDLING[case.handling_code].id} | law


def test_an_identifier_in_two_cases_travels_under_the_stricter_marking(world: Any) -> None:
    inv = viewer("inv.ofb")
    strict = case_actions.create_case(inv, case_actions.CaseInput(title="Pointes (2)", jurisdictions=["FR"],
                                                                  handling_code="H3", handling_conditions="Court."))
    for case in (ivory(), strict):
        case_actions.link_entity(inv, case, case_actions.ClaimInput(kind="phone", value="+33698765432",
                                                                    role="seller", handling_code="H0"))
    builder = StixBuilder("https://wildnet.example/")
    for content in load_contents(inv, [ivory(), strict]):
        builder.case(content)
    [phone] = [o for o in as_json(builder.bundle())["objects"] if o.get("value") == "+33698765432"]
    assert markings.TLP_RED.id in phone["object_marking_refs"]


@pytest.mark.parametrize(("codes", "law_enforcement_only", "tlp"), [
    ({"H0"}, False, "TLP:GREEN"), ({"H1"}, False, "TLP:GREEN"),  # H1 restricts use in court, not travel
    ({"H0", "H1"}, True, "TLP:AMBER"), ({"H1", "H2"}, False, "TLP:AMBER+STRICT"),
    ({"H2"}, True, "TLP:AMBER+STRICT"), ({"H0", "H3"}, False, "TLP:RED"),
])
def test_mapping_of_handling_codes_to_tlp(codes: set[str], law_enforcement_only: bool, tlp: str) -> None:
    assert markings.tlp_of(codes, law_enforcement_only)["name"] == tlp


def test_h1_says_not_for_judicial_use_on_every_object_whatever_is_stricter() -> None:
    found = markings.handling_markings("H1", "H2", law_enforcement_only=True)
    assert [m.id for m in found] == [markings.TLP_AMBER_STRICT.id, markings.HANDLING["H1"].id,
                                     markings.HANDLING["H2"].id, markings.LAW_ENFORCEMENT_ONLY.id]
    assert "not to be used in judicial proceedings" in markings.HANDLING["H1"].definition.statement


def test_h3_conditions_travel_as_a_statement_marking(world: Any) -> None:
    case = pangolin()
    version = case.version
    case_actions.update_case(viewer("inv.oclaesp"), case, version, {
        "handling_code": "H3", "handling_conditions": "Not to be used in court without the OCLAESP's consent."})
    bundle = valid(export("inv.oclaesp", case.reference))
    statements = [o["definition"]["statement"] for o in bundle["objects"] if o.get("definition_type") == "statement"]
    assert any("Not to be used in court" in s for s in statements)
    [report] = by_type(bundle)["report"]
    assert markings.TLP_RED.id in report["object_marking_refs"]


def test_a_shared_case_carries_the_recipients_legal_basis(world: Any) -> None:
    bundle = valid(export("inv.oclaesp", ivory().reference))
    statements = [o["definition"]["statement"] for o in bundle["objects"] if o.get("definition_type") == "statement"]
    assert any(s.startswith("Read under Décret n° 2004-612") for s in statements)
    own = export("inv.ofb", ivory().reference)
    assert not any(o.get("definition", {}).get("statement", "").startswith("Read under") for o in own["objects"])


# --- redactions ----------------------------------------------------------------------------------------------


def share_redacted(**redactions: bool) -> None:
    sharing_actions.share_case(viewer("inv.ofb"), ivory(), sharing_actions.ShareInput(
        justification="Customs check", recipient_agency=Agency.objects.get(code="fr-dgddi"), **redactions))


def test_withheld_personal_data_is_absent_not_blanked(world: Any) -> None:
    share_redacted(redact_personal_data=True)
    bundle = valid(export("inv.douane", ivory().reference))
    kinds = by_type(bundle)
    assert not SCO_TYPES & set(kinds)
    assert not [r for r in kinds["relationship"] if "role:seller" in r.get("labels", [])]
    assert kinds["url"] and kinds["note"]  # listings and reports are not personal data


def test_withheld_sources_drop_reports_and_gradings(world: Any) -> None:
    share_redacted(redact_sources=True)
    bundle = valid(export("inv.douane", ivory().reference))
    kinds = by_type(bundle)
    assert not [n for n in kinds["note"] if n["abstract"].startswith("Intelligence report")]
    claims = [r for r in kinds["relationship"] if any(label.startswith("role:") for label in r.get("labels", []))]
    assert claims and not [label for r in claims for label in r["labels"] if label.startswith("source-")]


def test_withheld_evidence_is_absent(world: Any) -> None:
    share_redacted(redact_evidence=True)
    bundle = valid(export("inv.douane", ivory().reference))
    assert "artifact" not in by_type(bundle)
    full = by_type(export("inv.oclaesp", ivory().reference))
    assert full["artifact"]


# --- GraphQL and REST: grant, refusal, purpose, audit ----------------------------------------------------------


def test_graphql_and_rest_give_the_same_bundle(world: Any, gql: Any, client: Client) -> None:
    reference = ivory().reference
    data = gql.login("inv.oclaesp")(QUERY, {"ref": reference}, **INVESTIGATION)["stixBundle"]
    valid(data)
    response = rest(client, "inv.oclaesp", reference)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/stix+json;version=2.1"
    assert {o["id"] for o in response.json()["objects"]} == {o["id"] for o in data["objects"]}


def test_an_api_token_reads_the_bundle(world: Any, client: Client) -> None:
    _, raw = issue_token(Officer.objects.get(username="inv.oclaesp"), name="stix", scopes=["read"])
    response = client.get(f"/interop/stix/cases/{ivory().reference}.json", HTTP_AUTHORIZATION=f"Bearer {raw}",
                          **INVESTIGATION)
    assert response.status_code == 200
    valid(response.json())


@pytest.mark.parametrize("username", ["inv.seprona", "spotter.ifaw", "pf.leboncoin", "sysadmin"])
def test_a_case_one_may_not_see_answers_as_a_missing_one(world: Any, gql: Any, client: Client,
                                                         username: str) -> None:
    gql.login(username)
    assert gql(QUERY, {"ref": ivory().reference}, **INVESTIGATION) == {"stixBundle": None}
    assert gql(QUERY, {"ref": "FR-OFB-2026-99999"}, **INVESTIGATION) == {"stixBundle": None}
    hidden = rest(client, username, ivory().reference)
    missing = rest(client, username, "FR-OFB-2026-99999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


def test_anonymous_callers_get_the_missing_answer(world: Any, client: Client) -> None:
    hidden = rest(client, None, ivory().reference)
    missing = rest(client, None, "FR-OFB-2026-99999")
    assert hidden.status_code == missing.status_code == 404 and hidden.content == missing.content


def test_shared_content_needs_a_declared_purpose(world: Any, gql: Any, client: Client) -> None:
    reference = ivory().reference
    assert gql.login("inv.oclaesp")(QUERY, {"ref": reference}) == {"stixBundle": None}
    assert rest(client, "inv.oclaesp", reference, headers={}).status_code == 404
    refused = rest(client, "inv.oclaesp", reference, headers={"HTTP_X_WILDNET_PURPOSE": "curiosity"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"] == {"code": "INVALID", "field": "X-WildNet-Purpose"}


def test_reading_a_shared_case_is_one_audited_read_per_owning_agency(world: Any, gql: Any, client: Client) -> None:
    case = ivory()
    before = AuditEvent.objects.filter(action="intel.read").count()
    gql.login("inv.oclaesp")(QUERY, {"ref": case.reference}, **INVESTIGATION)
    rest(client, "inv.oclaesp", case.reference)
    events = list(AuditEvent.objects.filter(action="intel.read").order_by("pk"))[before:]
    assert len(events) == 2
    for event in events:
        assert (event.object_agency_id, event.purpose) == (case.owner_agency_id, "investigation")
        assert event.actor.username == "inv.oclaesp"
        read = event.details["cases"][str(case.pk)]
        assert read["Case"] == [str(case.pk)] and read["Listing"] and read["Evidence"]


def test_own_agency_reads_and_refusals_write_no_read_event(world: Any, gql: Any, client: Client) -> None:
    before = AuditEvent.objects.filter(action="intel.read").count()
    gql.login("inv.ofb")(QUERY, {"ref": ivory().reference}, **INVESTIGATION)
    rest(client, "inv.seprona", ivory().reference)
    assert AuditEvent.objects.filter(action="intel.read").count() == before


def test_a_cross_site_get_with_the_session_is_refused_before_anything_is_read(world: Any, client: Client) -> None:
    before = AuditEvent.objects.filter(action="intel.read").count()
    response = rest(client, "inv.oclaesp", ivory().reference,
                    headers={**INVESTIGATION, "HTTP_SEC_FETCH_SITE": "cross-site"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="intel.read").count() == before


def test_exactly_one_argument(world: Any, gql: Any) -> None:
    body = gql.login("inv.ofb").post("query { stixBundle }").json()
    assert body["errors"][0]["extensions"]["code"] == "INVALID"


# --- cost ----------------------------------------------------------------------------------------------------


def _queries(reference: str) -> int:
    v = viewer("inv.oclaesp")
    with CaptureQueriesContext(connection) as queries:
        case_bundle(v, reference, "https://wildnet.example/")
    return len(queries)


def test_query_count_is_pinned_and_does_not_grow_with_listings(world: Any) -> None:
    case = ivory()
    assert _queries(case.reference) == 10
    inv = viewer("inv.ofb")
    for n in range(10):
        case_actions.add_listing(inv, case, case_actions.ListingInput(
            url=f"https://www.leboncoin.fr/ad/{9000 + n}", seller=f"seller{n}", species_names=["Loxodonta africana"]))
        case_actions.link_entity(inv, case, case_actions.ClaimInput(kind="phone", value=f"+3361234{5600 + n}",
                                                                    role="courier"))
    assert _queries(case.reference) == 10


# --- search ----------------------------------------------------------------------------------------------------


def test_a_search_bundle_is_valid_and_audited_as_an_export(world: Any, gql: Any) -> None:
    deliver_due(limit=10_000)
    data = gql.login("inv.ofb")("query($q: String) { stixBundle(query: $q) }", {"q": "ivoire"},
                                **INVESTIGATION)["stixBundle"]
    valid(data)
    assert by_type(data)["report"]
    event = AuditEvent.objects.filter(action="search.export").latest("pk")
    assert event.actor.username == "inv.ofb"


def test_a_search_bundle_holds_nothing_hidden(world: Any, gql: Any, client: Client) -> None:
    deliver_due(limit=10_000)
    client.force_login(Officer.objects.get(username="inv.seprona"))
    response = client.get("/interop/stix/search.json", {"q": "ivoire"}, **INVESTIGATION)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/stix+json;version=2.1"
    body = response.json()
    assert not [o for o in body.get("objects", []) if o["type"] == "report"]
    bad = client.get("/interop/stix/search.json", {"colour": "red"}, **INVESTIGATION)
    assert bad.status_code == 400 and bad.json()["errors"][0]["extensions"]["field"] == "colour"


# --- round trip ------------------------------------------------------------------------------------------------


def test_a_bundle_reimported_by_another_agency_gives_the_same_identifiers_claims_and_listings(world: Any) -> None:
    """The real export, not a fixture of it: OFB's ivory case into a new SEPRONA case by the STIX import."""
    case = ivory()
    run = import_bundle(viewer("inv.seprona"), export("inv.ofb", case.reference), case_title="From the OFB")
    evidence_links = {markings.stix_id("relationship", "evidence", pk)
                      for pk in Evidence.objects.filter(case=case).values_list("pk", flat=True)}
    assert {r["id"] for r in run.report["rejected"]} <= evidence_links  # files are not imported, only listed

    def claims(of: Case) -> set[tuple[str, str, str]]:
        return {(c.entity.kind, c.entity.normalised, c.role)
                for c in CaseEntity.objects.filter(case=of).select_related("entity")}

    assert claims(run.case) == claims(case)
    assert set(Listing.objects.filter(case=run.case).values_list("url", flat=True)) == set(
        Listing.objects.filter(case=case).values_list("url", flat=True))
    assert run.case.handling_code == "H2"  # the source's H2 report: a new case is never wider than what it holds
