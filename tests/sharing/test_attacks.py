"""GraphQL attacks on shared intelligence: forged ids, oversized and malicious documents, forged inputs.

The endpoint's generic defences (depth, alias and cost limits, CSRF, masking) are tested in
``tests/core/test_graphql_endpoint.py``; here they are aimed at what sharing protects: another agency's case and
everything in it. Each attack asserts both that it fails and that failing reveals and writes nothing.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.utils import OperationalError
from django.test import Client, override_settings
from django.urls import reverse
from graphql_relay import to_global_id

from agencies.models import Agency
from audit.models import AuditEvent
from cases import actions as case_actions
from cases.models import Case, CaseEntity, CustodyEvent, Evidence, Listing, WatchTerm
from mandates.models import Mandate
from officers.actions import issue_token
from officers.models import ApiToken, Officer
from sharing.models import AccessRequest, Hit, Share

from .conftest import INVESTIGATION, viewer
from .test_matrix import PNG, World, build_world

pytestmark = pytest.mark.django_db

NODE = "query($id: ID!) { node(id: $id) { id } }"
#: An officer of an agency that nothing in the world was shared with.
OUTSIDER = "ana.tracfin"


@pytest.fixture
def world(demo: Any, settings: Any, tmp_path: Any) -> World:
    """The matrix's OFB case, shared with OCLAESP, with an access request by OCLAESP and an access-log event."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return build_world("recipient_active")


@pytest.fixture
def hidden(world: World) -> dict[str, int]:
    """One object of every node type that the outsider may not see, by GraphQL type name."""
    case_actions.link_entity(viewer("inv.seprona"), case_actions.create_case(
        viewer("inv.seprona"), case_actions.CaseInput(title="Loros", jurisdictions=["ES"])),
        case_actions.ClaimInput(kind="phone", value="+33612345678", role="seller"))  # a hit on OFB's phone
    watchlist = case_actions.create_watchlist(viewer("inv.ofb"), "Ivoire")
    token, _ = issue_token(Officer.objects.get(username="inv.ofb"), name="tool", scopes=["read"])
    return {"Case": world.case.pk, "Listing": world.listing.pk, "Entity": world.claim.entity_id,
            "EntityClaim": world.claim.pk, "IntelReport": world.report.pk, "Evidence": world.evidence.pk,
            "Share": world.pk("share"), "AccessRequest": world.pk("access_request"),
            "AuditEvent": world.pk("audit_event"), "Hit": Hit.objects.get().pk, "Watchlist": watchlist.pk,
            "WatchTerm": case_actions.add_watch_term(viewer("inv.ofb"), watchlist, "vieil os", "code_word").pk,
            "Mandate": Mandate.objects.get(agency__code="fr-ofb").pk,
            "Officer": Officer.objects.get(username="inv.ofb").pk, "ApiToken": token.pk,
            "CustodyEvent": CustodyEvent.objects.filter(evidence=world.evidence).first().pk}  # type: ignore[union-attr]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def masked(body: bytes) -> bytes:
    """The response without its request id, which differs on every request by design."""
    return re.sub(rb"[0-9a-f]{32}", b"<request-id>", body)


# --- forged global ids ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("type_name", ["Case", "Listing", "Entity", "EntityClaim", "IntelReport", "Evidence",
                                       "Share", "AccessRequest", "AuditEvent", "Hit", "Watchlist", "WatchTerm",
                                       "Mandate", "Officer", "ApiToken", "CustodyEvent"])
def test_forged_id_of_a_hidden_object_answers_like_a_missing_one(gql: Any, hidden: dict[str, int],
                                                                 type_name: str) -> None:
    """A well-formed id of another agency's object is null, byte for byte what a missing id gets."""
    gql.login(OUTSIDER)
    real = gql.post(NODE, {"id": to_global_id(type_name, hidden[type_name])}, **INVESTIGATION)
    missing = gql.post(NODE, {"id": to_global_id(type_name, hidden[type_name] + 10_000)}, **INVESTIGATION)
    assert real.status_code == missing.status_code == 200
    assert real.json() == {"data": {"node": None}}
    assert real.content == missing.content


@pytest.mark.parametrize("forged", ["Case:-1", "Case:0", "Case:abc", "Case:1 OR 1=1", "Case:1e3", "Case: 1",
                                    "Listing:{case}", "EntityClaim:{case}", "Case:{share}"])
def test_forged_id_with_a_bad_key_or_another_type_is_null(gql: Any, world: World, forged: str) -> None:
    """Another type's id with the case's key, negative, textual or injected keys: nothing, and no error."""
    gid = b64(forged.format(case=world.case.pk, share=world.pk("share")))
    assert gql.login(OUTSIDER)(NODE, {"id": gid}, **INVESTIGATION) == {"node": None}


MALFORMED = [b64("Nope:1"), "garbage", b64("Case"), b64("Query:1"), b64("CaseConnection:1"), b64("Error:1"), ""]


def test_malformed_ids_reveal_nothing(gql: Any, world: World) -> None:
    """Unparseable ids and non-node types all get the same null, whatever they name; nothing is echoed."""
    gql.login(OUTSIDER)
    bodies = set()
    for gid in MALFORMED:
        response = gql.post(NODE, {"id": gid}, **INVESTIGATION)
        body = response.json()
        assert response.status_code == 200 and body["data"] == {"node": None}
        text = response.content.decode()
        assert "Nope" not in text and "Relay" not in text and "schema" not in text and "Traceback" not in text
        bodies.add(masked(response.content))
    assert len(bodies) == 1


@pytest.mark.parametrize("gid", MALFORMED)
def test_malformed_id_is_plain_null(gql: Any, world: World, gid: str) -> None:
    assert gql.login(OUTSIDER)(NODE, {"id": gid}, **INVESTIGATION) == {"node": None}


REVOKE = """mutation($id: ID!) { revokeShare(id: $id, reason: "forged") { share { id } errors { code field } } }"""


@pytest.mark.parametrize("forged", ["Share:{share}", "Share:{missing}", "Case:{share}", "Share:-1", "garbage"])
def test_forged_id_in_a_mutation_is_not_found_and_changes_nothing(gql: Any, world: World, forged: str) -> None:
    gid = forged.format(share=world.pk("share"), missing=world.pk("share") + 10_000)
    gid = gid if gid == "garbage" else b64(gid)
    out = gql.login(OUTSIDER)(REVOKE, {"id": gid}, **INVESTIGATION)
    assert out == {"revokeShare": {"share": None, "errors": [{"code": "NOT_FOUND", "field": "id"}]}}
    assert Share.objects.get(pk=world.pk("share")).status == "active"


# --- oversized and malicious documents ----------------------------------------------------------------------------


def reads_logged() -> int:
    return AuditEvent.objects.filter(action="intel.read", actor_username="inv.oclaesp").count()


def test_a_thousand_aliased_lookups_are_refused_before_any_read(gql: Any, world: World) -> None:
    """Probing many ids in one document is refused by the alias limit, before anything executes or is logged."""
    body = " ".join(f"a{i}: node(id: $id) {{ id }}" for i in range(1000))
    response = gql.login("inv.oclaesp").post(f"query($id: ID!) {{ {body} }}", {"id": world.gid("case")},
                                             **INVESTIGATION)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Too many aliases: the limit is 50."
    assert "data" not in response.json() or response.json()["data"] is None
    assert reads_logged() == 0


def test_array_batching_is_refused(gql: Any, world: World) -> None:
    batch = [{"query": NODE, "variables": {"id": world.gid(kind)}} for kind in ("case", "listing", "evidence")]
    response = gql.login("inv.oclaesp").client.post("/graphql/", json.dumps(batch), content_type="application/json",
                                                     **INVESTIGATION)
    assert response.status_code == 400
    assert world.case.reference.encode() not in response.content and reads_logged() == 0


def test_depth_bomb_through_fragments_is_refused(gql: Any, world: World) -> None:
    """Depth counted through fragments: each fragment adds a level, the limit still applies."""
    fragments = ["fragment P0 on Agency { code }"] + [
        f"fragment P{i} on Agency {{ parent {{ ...P{i - 1} }} }}" for i in range(1, 30)]
    query = "{ shareOf: node(id: $id) { ... on Share { recipientAgency { ...P29 } } } } " + " ".join(fragments)
    response = gql.login("inv.oclaesp").post(query.replace("{ shareOf", "query($id: ID!) { shareOf", 1),
                                             {"id": world.gid("share")}, **INVESTIGATION)
    assert response.status_code == 400
    assert "exceeds maximum operation depth" in response.json()["errors"][0]["message"]


def fragment_bomb(levels: int) -> str:
    """Each fragment spreads the previous one twice: the document grows linearly, its expansion as 2^levels."""
    fragments = ["fragment F0 on Case { id reference }"] + [
        f"fragment F{i} on Case {{ ...F{i - 1} a{i}: title ...F{i - 1} }}" for i in range(1, levels)]
    return f"{{ cases(first: 100) {{ edges {{ node {{ ...F{levels - 1} }} }} }} }} " + " ".join(fragments)


def test_fragment_bomb_is_refused(gql: Any, world: World) -> None:
    response = gql.login("inv.oclaesp").post(fragment_bomb(12), **INVESTIGATION)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("Query too expensive")
    assert reads_logged() == 0


def test_fragment_bomb_is_measured_in_linear_work(gql: Any, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cost of a document whose expansion is 2^19 fields is measured visiting each fragment once (counted,
    not timed: the time is the benchmarks' business)."""
    from api import limits as graphql_limits

    visits = 0
    measure = graphql_limits._Measure.cost

    def counted(self: Any, *args: Any) -> int:
        nonlocal visits
        visits += 1
        return measure(self, *args)

    monkeypatch.setattr(graphql_limits._Measure, "cost", counted)
    response = gql.login("inv.oclaesp").post(fragment_bomb(19), **INVESTIGATION)
    assert response.status_code == 400 and response.json()["errors"][0]["message"].startswith("Query too expensive")
    assert 19 <= visits <= 5 * 19


def test_fragment_cycle_is_refused_cleanly(world: World) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(Officer.objects.get(username="inv.oclaesp"))
    query = "{ cases { edges { node { ...A } } } } fragment A on Case { id ...B } fragment B on Case { title ...A }"
    response = client.post("/graphql/", json.dumps({"query": query}), content_type="application/json",
                           headers={"X-WildNet-Purpose": "investigation"})
    assert response.status_code == 400
    assert "Cannot spread fragment" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(("field", "argument"), [
    ("sharesReceived", "first: 99999999"), ("sharesGiven", "last: 99999999"), ("accessRequests", "first: -1"),
    ("hits", "first: 101"), ("cases", "first: 99999999"), ("evidence", "last: -5"),
])
def test_absurd_page_sizes_get_a_clean_error(gql: Any, world: World, field: str, argument: str) -> None:
    response = gql.login("inv.oclaesp").post(f"{{ {field}({argument}) {{ totalCount }} }}", **INVESTIGATION)
    body = response.json()
    assert response.status_code == 200 and body["data"] == {field: None}
    assert re.fullmatch(r"`(first|last)` (must be between 0 and 100|cannot be negative)\.",
                        body["errors"][0]["message"])


def test_page_size_beyond_a_graphql_int_is_a_validation_error(gql: Any, world: World) -> None:
    response = gql.login("inv.oclaesp").post("{ sharesReceived(first: 2147483648) { totalCount } }")
    assert response.status_code == 400
    assert "non 32-bit signed integer" in response.json()["errors"][0]["message"]


@override_settings(GRAPHQL_INTROSPECTION=False)
@pytest.mark.parametrize(("query", "real_name"), [
    ("{ sharesGivn { totalCount } }", "sharesGiven"),
    ("{ cases { edges { node { redactedGroup } } } }", "redactedGroups"),
    ("{ cases(firts: 3) { totalCount } }", "first"),
    ('{ node(id: "x") { ... on Shar { id } } }', "Share"),
    ("mutation { declarePurpose(purpose: INVESTIGATON) { purpose } }", "INVESTIGATION"),
    ('mutation { shareCase(input: {caseId: "x", agencyID: "y", justification: "j"}) { errors { code } } }',
     "agencyId"),
    ('mutation { revokeShare(id: "x", reason: "r", reasn: "r") { errors { code } } }', "reason"),
])
def test_misspellings_get_no_suggestion_without_introspection(gql: Any, demo: Any, query: str,
                                                              real_name: str) -> None:
    """Without introspection a suggestion would hand out the schema one guess at a time."""
    response = gql.login("inv.oclaesp").post(query)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Did you mean" not in text and f"'{real_name}'" not in text


def test_declared_purpose_misspelled_in_variables_gets_no_suggestion(gql: Any, demo: Any) -> None:
    with override_settings(GRAPHQL_INTROSPECTION=False):
        response = gql.login("inv.oclaesp").post("mutation($p: Purpose!) { declarePurpose(purpose: $p) { purpose } }",
                                                 {"p": "INVESTIGATON"})
    assert response.status_code == 400 and "Did you mean" not in response.content.decode()


SQL_FAULT = "no such column: sharing_share.redact_personal_data SELECT * FROM sharing_share WHERE id = 1"


def assert_reveals_nothing(response: Any) -> None:
    text = response.content.decode()
    for leak in ("sharing_share", "SELECT", "Traceback", ".py", "OperationalError", "no such column"):
        assert leak not in text, leak
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"


def test_resolver_fault_reveals_no_sql_and_no_trace(gql: Any, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from wildnet.schema import schema

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError(SQL_FAULT)

    monkeypatch.setattr(schema.graphql_schema.get_type("Share").fields["redactedGroups"], "resolve", explode)
    response = gql.login("inv.oclaesp").post("{ sharesReceived { edges { node { id redactedGroups } } } }",
                                             **INVESTIGATION)
    assert_reveals_nothing(response)


def test_loader_fault_reveals_no_sql_and_no_trace(gql: Any, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fault in a batched nested load (share → case) is masked like a resolver's."""
    import api.loaders

    def explode(*args: Any) -> Any:
        raise OperationalError(SQL_FAULT)

    monkeypatch.setattr(api.loaders, "visible_among", explode)
    response = gql.login("inv.oclaesp").post("{ sharesReceived { edges { node { case { reference } } } } }",
                                             **INVESTIGATION)
    assert_reveals_nothing(response)


def test_mutation_fault_reveals_nothing_and_writes_nothing(gql: Any, world: World,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import sharing.actions

    def explode(*args: Any, **kwargs: Any) -> Any:
        Share.objects.filter(pk=args[1].pk).update(status="revoked")
        raise OperationalError(SQL_FAULT)

    monkeypatch.setattr(sharing.actions, "revoke_share", explode)
    response = gql.login("inv.ofb").post(REVOKE, {"id": world.gid("share")})
    assert_reveals_nothing(response)
    assert Share.objects.get(pk=world.pk("share")).status == "active"  # the mutation's transaction rolled back


# --- transport ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("document", [
    REVOKE, """mutation($id: ID!) { decideAccessRequest(id: $id, approve: true, reason: "get") { errors { code } } }""",
])
def test_mutation_over_get_is_refused(gql: Any, world: World, document: str) -> None:
    target = world.gid("share" if "revokeShare" in document else "access_request")
    response = gql.login("sup.ofb").client.get("/graphql/", {"query": document, "variables": json.dumps(
        {"id": target})}, HTTP_ACCEPT="application/json")
    assert response.status_code == 405
    assert Share.objects.get().status == "active" and AccessRequest.objects.get().status == "pending"


def cross_site_client(username: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(Officer.objects.get(username=username))
    return client


def test_cross_site_json_post_with_a_session_is_refused(world: World) -> None:
    client = cross_site_client("sup.ofb")
    response = client.post("/graphql/", json.dumps({"query": REVOKE, "variables": {"id": world.gid("share")}}),
                           content_type="application/json", HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert Share.objects.get().status == "active"


def test_cross_site_form_posts_are_refused(world: World) -> None:
    """A cross-site form needs no preflight: multipart (an upload) and urlencoded posts must fail too."""
    client = cross_site_client("inv.ofb")
    operations = {"query": """mutation($c: ID!, $f: Upload!) { attachEvidence(caseId: $c, file: $f,
      captureMethod: SCREENSHOT, capturedAt: "2026-01-01T00:00:00+00:00") { errors { code } } }""",
                  "variables": {"c": world.gid("case"), "f": None}}
    response = client.post("/graphql/", data={"operations": json.dumps(operations),
                                              "map": json.dumps({"0": ["variables.f"]}),
                                              "0": SimpleUploadedFile("x.png", PNG)})
    assert response.status_code == 403
    response = client.post("/graphql/", data={"query": REVOKE, "variables": json.dumps({"id": world.gid("share")})})
    assert response.status_code == 403
    assert Evidence.objects.count() == 1 and Share.objects.get().status == "active"


# --- forged inputs ------------------------------------------------------------------------------------------------


def footprint() -> tuple[int, ...]:
    """Row counts of everything an attack through inputs could write."""
    return (Case.objects.count(), Listing.objects.count(), CaseEntity.objects.count(), WatchTerm.objects.count(),
            Share.objects.count(), AccessRequest.objects.count(), Evidence.objects.count(),
            CustodyEvent.objects.count(), Officer.objects.count(), Mandate.objects.count(),
            sum(Case.objects.values_list("version", flat=True)),
            Share.objects.filter(status="active").count(), AccessRequest.objects.filter(status="pending").count())


Inputs = Callable[[World, Case], dict[str, Any]]


def gid(type_name: str, pk: int) -> str:
    return to_global_id(type_name, pk)


FOREIGN_IDS: list[tuple[str, str, Inputs]] = [
    ("add a listing to another agency's case",
     'mutation($c: ID!) { addListing(input: {caseId: $c, url: "https://www.leboncoin.fr/ad/7"}) { errors { code } } }',
     lambda w, own: {"c": w.gid("case")}),
    ("link an identifier in another agency's case",
     "mutation($c: ID!) { linkEntity(input: {caseId: $c, kind: PHONE, value: \"+33611111111\", role: SELLER}) "
     "{ errors { code } } }", lambda w, own: {"c": w.gid("case")}),
    ("add a term to another agency's watchlist",
     'mutation($w: ID!) { addWatchTerm(watchlistId: $w, term: "vieil os", kind: CODE_WORD) { errors { code } } }',
     lambda w, own: {"w": gid("Watchlist", case_actions.create_watchlist(viewer("inv.ofb"), "OFB").pk)}),
    ("put another agency's officer on one's team",
     "mutation($c: ID!, $o: ID!) { updateCase(id: $c, version: 1, input: {teamIds: [$o]}) { errors { code } } }",
     lambda w, own: {"c": gid("Case", own.pk), "o": gid("Officer", Officer.objects.get(username="inv.ofb").pk)}),
    ("make another agency's officer one's lead",
     "mutation($c: ID!, $o: ID!) { updateCase(id: $c, version: 1, input: {leadOfficerId: $o}) { errors { code } } }",
     lambda w, own: {"c": gid("Case", own.pk), "o": gid("Officer", Officer.objects.get(username="sup.ofb").pk)}),
    ("seal another agency's evidence",
     "mutation($e: ID!) { recordCustodyEvent(evidenceId: $e, action: SEALED) { errors { code } } }",
     lambda w, own: {"e": w.gid("evidence")}),
    ("share another agency's case",
     "mutation($c: ID!, $a: ID!) { shareCase(input: {caseId: $c, agencyId: $a, justification: \"mine now\"}) "
     "{ errors { code } } }",
     lambda w, own: {"c": w.gid("case"), "a": gid("Agency", Agency.objects.get(code="fr-dgddi").pk)}),
    ("revoke another agency's share", REVOKE.replace("share { id } ", ""), lambda w, own: {"id": w.gid("share")}),
    ("decide another agency's access request",
     'mutation($id: ID!) { decideAccessRequest(id: $id, approve: true, reason: "x") { errors { code } } }',
     lambda w, own: {"id": w.gid("access_request")}),
    ("ask for access with another officer's hit",
     'mutation($h: ID!) { requestAccess(hitId: $h, purpose: INVESTIGATION, justification: "x") { errors { code } } }',
     lambda w, own: {"h": gid("Hit", _someone_elses_hit().pk)}),
]


def _someone_elses_hit() -> Hit:
    seprona = viewer("inv.seprona")
    case = case_actions.create_case(seprona, case_actions.CaseInput(title="Loros", jurisdictions=["ES"]))
    case_actions.link_entity(seprona, case, case_actions.ClaimInput(kind="phone", value="+33612345678",
                                                                    role="seller"))
    return Hit.objects.get()


@pytest.mark.parametrize(("document", "inputs"), [pytest.param(doc, inputs, id=name)
                                                  for name, doc, inputs in FOREIGN_IDS])
def test_foreign_id_in_a_mutation_input_is_not_found_and_writes_nothing(gql: Any, world: World, document: str,
                                                                         inputs: Inputs) -> None:
    own = case_actions.create_case(viewer(OUTSIDER), case_actions.CaseInput(title="Douane", jurisdictions=["FR"]))
    variables = inputs(world, own)
    before = footprint()
    data = gql.login(OUTSIDER)(document, variables, **INVESTIGATION)
    for payload in data.values():
        assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]
    assert footprint() == before


def test_unknown_or_foreign_mandate_in_share_input_is_refused_alike(gql: Any, world: World) -> None:
    document = """mutation($c: ID!, $a: ID!, $m: ID!) { shareCase(input: {caseId: $c, agencyId: $a, mandateId: $m,
      justification: "Border leg"}) { errors { code field } } }"""
    variables = {"c": world.gid("case"), "a": gid("Agency", Agency.objects.get(code="fr-dgddi").pk)}
    before = footprint()
    gql.login("inv.ofb")
    missing = gql(document, {**variables, "m": gid("Mandate", 999_999)})["shareCase"]
    foreign = gql(document, {**variables, "m": gid("Mandate", Mandate.objects.get(agency__code="es-seprona").pk)})
    assert missing == foreign["shareCase"] == {"errors": [{"code": "NOT_FOUND", "field": "mandateId"}]}
    assert footprint() == before


OWNERSHIP_INPUTS = [
    ('mutation { createCase(input: {title: "x", jurisdictions: ["FR"], ownerAgencyId: "%(ofb)s"}) '
     "{ errors { code } } }", "ownerAgencyId"),
    ('mutation { updateCase(id: "%(case)s", version: 1, input: {ownerAgencyId: "%(ofb)s"}) { errors { code } } }',
     "ownerAgencyId"),
    ('mutation { addListing(input: {caseId: "%(case)s", url: "https://www.leboncoin.fr/ad/9", agencyId: "%(ofb)s"}) '
     "{ errors { code } } }", "agencyId"),
    ('mutation { shareCase(input: {caseId: "%(case)s", agencyId: "%(dgddi)s", justification: "j", status: ACTIVE, '
     'sharedById: "x", approvedById: "x"}) { errors { code } } }', "status"),
    ('mutation { requestAccess(reference: "FR-OFB-1", purpose: INVESTIGATION, justification: "j", '
     'requesterAgencyId: "%(ofb)s") { errors { code } } }', "requesterAgencyId"),
    ('mutation { createWatchlist(name: "w", ownerAgencyId: "%(ofb)s") { errors { code } } }', "ownerAgencyId"),
    ('mutation { declarePurpose(purpose: INVESTIGATION, mandateId: "%(mandate)s") { purpose } }', "mandateId"),
]


@pytest.mark.parametrize(("template", "field"), OWNERSHIP_INPUTS)
def test_ownership_cannot_be_set_through_input(gql: Any, world: World, template: str, field: str) -> None:
    """Owner agency, agency, mandate, status and authors come from the session, never from input."""
    ids = {"ofb": gid("Agency", world.case.owner_agency_id), "case": world.gid("case"),
           "dgddi": gid("Agency", Agency.objects.get(code="fr-dgddi").pk),
           "mandate": gid("Mandate", Mandate.objects.get(agency__code="fr-oclaesp").pk)}
    before = footprint()
    response = gql.login("inv.oclaesp").post(template % ids, **INVESTIGATION)
    message = response.json()["errors"][0]["message"]
    assert response.status_code == 400
    assert f"'{field}' is not defined" in message or message.startswith(f"Unknown argument '{field}'")
    assert footprint() == before


def test_ownership_smuggled_in_variables_is_rejected(gql: Any, world: World) -> None:
    """The same through variables, as a client library would send it: extra keys are an error, not ignored."""
    before = footprint()
    response = gql.login("inv.oclaesp").post(
        "mutation($input: CreateCaseInput!) { createCase(input: $input) { errors { code } } }",
        {"input": {"title": "x", "jurisdictions": ["FR"], "ownerAgencyId": gid("Agency", world.case.owner_agency_id),
                   "classification": "RESTRICTED"}})
    assert response.status_code == 400
    assert "'ownerAgencyId' is not defined" in response.json()["errors"][0]["message"]
    assert footprint() == before


# --- self-escalation ----------------------------------------------------------------------------------------------

CREATE_OFFICER = """mutation($input: CreateOfficerInput!) { createOfficer(input: $input) { errors { code } } }"""
GRANT = """mutation($input: GrantMandateInput!) { grantMandate(input: $input) { errors { code } } }"""
RESHARE = """mutation($c: ID!, $a: ID!) { shareCase(input: {caseId: $c, agencyId: $a, justification: "wider",
  canReshare: true}) { errors { code } } }"""


def _officer_input(**overrides: str) -> dict[str, Any]:
    return {"input": {"agencyId": gid("Agency", Agency.objects.get(code="fr-ofb").pk), "username": "new.one",
                      "email": "new.one@ofb.example", "role": "ANALYST", "clearance": "RESTRICTED", **overrides}}


def _mandate_input(agency: str) -> dict[str, Any]:
    return {"input": {"agencyId": gid("Agency", Agency.objects.get(code=agency).pk), "legalBasis": "Self",
                      "legalReference": "Self-granted", "jurisdictions": ["FR", "ES"], "crimeAreas": ["ONLINE_TRADE"],
                      "citesAppendices": ["I"], "purposes": ["INVESTIGATION"], "maxClassification": "SECRET",
                      "validFrom": "2026-01-01T00:00:00+00:00", "validUntil": "2030-01-01T00:00:00+00:00"}}


ESCALATIONS: list[tuple[str, str, str, Callable[[World], dict[str, Any]], str]] = [
    ("admin appoints a coordinator", "admin.ofb", CREATE_OFFICER,
     lambda w: _officer_input(role="NATIONAL_COORDINATOR"), "PERMISSION_DENIED"),
    ("admin clears above own clearance", "admin.ofb", CREATE_OFFICER,
     lambda w: _officer_input(clearance="SECRET"), "PERMISSION_DENIED"),
    ("admin grants own agency a mandate", "admin.ofb", GRANT, lambda w: _mandate_input("fr-ofb"),
     "PERMISSION_DENIED"),
    ("recipient grants itself a mandate", "sup.oclaesp", GRANT, lambda w: _mandate_input("fr-oclaesp"),
     "PERMISSION_DENIED"),
    ("admin shares a case its role cannot read", "admin.ofb", RESHARE,
     lambda w: {"c": w.gid("case"), "a": gid("Agency", Agency.objects.get(code="fr-dgddi").pk)}, "NOT_FOUND"),
    ("recipient reshares without reshare right", "inv.oclaesp", RESHARE,
     lambda w: {"c": w.gid("case"), "a": gid("Agency", Agency.objects.get(code="fr-dgddi").pk)},
     "PERMISSION_DENIED"),
    ("recipient approves its own access request", "sup.oclaesp",
     'mutation($id: ID!) { decideAccessRequest(id: $id, approve: true, reason: "ok") { errors { code } } }',
     lambda w: {"id": w.gid("access_request")}, "PERMISSION_DENIED"),
    ("recipient revokes the owner's share", "sup.oclaesp", REVOKE.replace("share { id } ", ""),
     lambda w: {"id": w.gid("share")}, "PERMISSION_DENIED"),
]


@pytest.mark.parametrize(("username", "document", "variables", "code"), [
    pytest.param(user, doc, variables, code, id=name) for name, user, doc, variables, code in ESCALATIONS])
def test_no_one_grants_themselves_more(gql: Any, world: World, username: str, document: str,
                                       variables: Callable[[World], dict[str, Any]], code: str) -> None:
    before = footprint()
    data = gql.login(username)(document, variables(world), **INVESTIGATION)
    assert [e["code"] for payload in data.values() for e in payload["errors"]] == [code]
    assert footprint() == before


# --- disabled officers --------------------------------------------------------------------------------------------


def test_disabled_recipient_token_is_refused_everywhere(client: Client, world: World) -> None:
    """A token outlives nothing: once its officer is disabled, GraphQL and downloads answer 401."""
    _, raw = issue_token(Officer.objects.get(username="inv.oclaesp"), name="tool", scopes=["read", "write"])
    bearer: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {raw}", **INVESTIGATION}
    download = reverse("evidence-download", args=[world.evidence.pk])
    assert client.get(download, **bearer).status_code == 200
    Officer.objects.filter(username="inv.oclaesp").update(is_active=False)
    for response in (client.post("/graphql/", json.dumps({"query": NODE, "variables": {"id": world.gid("case")}}),
                                 content_type="application/json", **bearer),
                     client.post("/graphql/", json.dumps({"query": REVOKE, "variables": {"id": world.gid("share")}}),
                                 content_type="application/json", **bearer),
                     client.get(download, **bearer)):
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert Share.objects.get().status == "active"
    assert ApiToken.objects.count() == 1


def test_disabled_recipient_session_sees_nothing(gql: Any, world: World) -> None:
    gql.login("inv.oclaesp")
    assert gql(NODE, {"id": world.gid("case")}, **INVESTIGATION) == {"node": {"id": world.gid("case")}}
    Officer.objects.filter(username="inv.oclaesp").update(is_active=False)
    read = gql.post(NODE, {"id": world.gid("case")}, **INVESTIGATION)
    assert read.status_code == 401 and "data" not in read.json()  # the session no longer signs anyone in
    out = gql.post('mutation($c: ID!) { addListing(input: {caseId: $c, url: "https://www.leboncoin.fr/ad/5"}) '
                   "{ errors { code } } }", {"c": world.gid("case")}, **INVESTIGATION)
    assert out.status_code == 401 and out.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    assert Listing.objects.count() == 1
