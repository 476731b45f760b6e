"""Mandates through the API: who may grant and change them, typed errors, and lapse without a job."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from agencies.models import Agency
from audit.models import AuditEvent, Outcome
from mandates.models import Mandate, MandateStatus
from outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db

GRANT = """
mutation($input: GrantMandateInput!) {
  grantMandate(input: $input) {
    mandate { id state legalReference jurisdictions crimeAreas agency { code } grantedBy { username } }
    errors { code field message }
  }
}
"""


def grant_input(agency_code: str, **overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    data = {
        "agencyId": to_global_id("Agency", Agency.objects.get(code=agency_code).pk),
        "legalBasis": "Enquêtes sur le commerce en ligne d'espèces protégées.",
        "legalReference": "Code de l'environnement, art. L415-3",
        "jurisdictions": ["FR"],
        "crimeAreas": ["ONLINE_TRADE"],
        "citesAppendices": ["I", "II"],
        "purposes": ["INVESTIGATION"],
        "maxClassification": "CONFIDENTIAL",
        "validFrom": now.isoformat(),
        "validUntil": (now + datetime.timedelta(days=365)).isoformat(),
    }
    data.update(overrides)
    return data


def test_coordinator_grants_a_mandate_to_an_agency_of_their_country(gql: Any, demo: Any) -> None:
    before = Mandate.objects.count()
    result = gql.login("coord.fr")(GRANT, {"input": grant_input("fr-oclaesp")})["grantMandate"]
    assert result["errors"] == []
    assert result["mandate"]["agency"]["code"] == "fr-oclaesp"
    assert result["mandate"]["state"] == "ACTIVE"
    assert result["mandate"]["grantedBy"]["username"] == "coord.fr"
    assert Mandate.objects.count() == before + 1
    assert AuditEvent.objects.filter(action="mandate.grant", outcome=Outcome.ALLOWED).count() == 1
    mail = OutboxMessage.objects.get(topic="mail.send")
    assert mail.payload["to"] == ["sup.oclaesp@demo.wildnet.invalid"]  # the agency's supervisors and admins


@pytest.mark.parametrize(("username", "agency", "code"), [
    ("coord.fr", "fr-cites-ma", "PERMISSION_DENIED"),  # their own agency
    ("coord.fr", "es-seprona", "PERMISSION_DENIED"),  # another country
    ("sup.ofb", "fr-dgddi", "PERMISSION_DENIED"),  # not a coordinator
    ("admin.ofb", "fr-ofb", "PERMISSION_DENIED"),  # an agency administrator cannot grant itself a mandate
])
def test_grant_refusals_change_nothing_and_are_audited(gql: Any, demo: Any, username: str, agency: str,
                                                       code: str) -> None:
    before = Mandate.objects.count()
    result = gql.login(username)(GRANT, {"input": grant_input(agency)})["grantMandate"]
    assert result["mandate"] is None
    assert [e["code"] for e in result["errors"]] == [code]
    assert Mandate.objects.count() == before
    assert not OutboxMessage.objects.exists()
    assert AuditEvent.objects.filter(action="mandate.grant", outcome=Outcome.DENIED).count() == 1


@pytest.mark.parametrize(("override", "field", "code"), [
    ({"jurisdictions": ["XX"]}, "jurisdictions", "INVALID"),
    ({"jurisdictions": []}, "jurisdictions", "REQUIRED"),
    ({"legalBasis": "  "}, "legalBasis", "REQUIRED"),
    ({"crimeAreas": []}, "crimeAreas", "REQUIRED"),
    ({"validUntil": "2020-01-01T00:00:00+00:00"}, "validUntil", "INVALID"),
    ({"validFrom": "2026-01-01T00:00:00"}, "validFrom", "INVALID"),  # no UTC offset: no instant
    ({"validUntil": "2036-01-01T00:00:00"}, "validUntil", "INVALID"),
    ({"agencyId": to_global_id("Officer", 1)}, "agencyId", "NOT_FOUND"),
    ({"agencyId": "garbage"}, "agencyId", "NOT_FOUND"),
])
def test_bad_input_gets_a_typed_error(gql: Any, demo: Any, override: dict[str, Any], field: str,
                                      code: str) -> None:
    before = Mandate.objects.count()
    result = gql.login("coord.fr")(GRANT, {"input": grant_input("fr-dgddi", **override)})["grantMandate"]
    assert result["errors"][0]["code"] == code
    assert result["errors"][0]["field"] == field
    assert Mandate.objects.count() == before


CHANGE = """
mutation($id: ID!, $reason: String!) {
  %s(id: $id, reason: $reason) { mandate { state status statusReason inForce } errors { code field } }
}
"""


def test_suspend_reinstate_revoke(gql: Any, demo: Any) -> None:
    mandate = Mandate.objects.get(agency__code="fr-ofb")
    mid = to_global_id("Mandate", mandate.pk)
    gql.login("coord.fr")
    out = gql(CHANGE % "suspendMandate", {"id": mid, "reason": "Audit in progress"})["suspendMandate"]
    assert out["mandate"] == {"state": "SUSPENDED", "status": "SUSPENDED", "statusReason": "Audit in progress",
                              "inForce": False}
    out = gql(CHANGE % "suspendMandate", {"id": mid, "reason": "again"})["suspendMandate"]
    assert out["errors"] == [{"code": "INVALID_STATE", "field": "id"}]
    out = gql(CHANGE % "reinstateMandate", {"id": mid, "reason": "Audit closed"})["reinstateMandate"]
    assert out["mandate"]["inForce"] is True
    out = gql(CHANGE % "revokeMandate", {"id": mid, "reason": "Agency merged"})["revokeMandate"]
    assert out["mandate"]["state"] == "REVOKED"
    out = gql(CHANGE % "reinstateMandate", {"id": mid, "reason": "no"})["reinstateMandate"]
    assert out["errors"][0]["code"] == "INVALID_STATE"
    assert Mandate.objects.get(pk=mandate.pk).status == MandateStatus.REVOKED


def test_reason_is_required(gql: Any, demo: Any) -> None:
    mid = to_global_id("Mandate", Mandate.objects.get(agency__code="fr-ofb").pk)
    out = gql.login("coord.fr")(CHANGE % "revokeMandate", {"id": mid, "reason": " "})["revokeMandate"]
    assert out["errors"] == [{"code": "REQUIRED", "field": "reason"}]


def test_invisible_mandate_is_not_found_not_forbidden(gql: Any, demo: Any) -> None:
    """An officer of another country cannot even learn that the mandate exists."""
    mandate = Mandate.objects.get(agency__code="fr-ofb")
    mid = to_global_id("Mandate", mandate.pk)
    out = gql.login("coord.es")(CHANGE % "revokeMandate", {"id": mid, "reason": "x"})["revokeMandate"]
    missing = gql(CHANGE % "revokeMandate", {"id": to_global_id("Mandate", 999999), "reason": "x"})["revokeMandate"]
    assert out == missing == {"mandate": None, "errors": [{"code": "NOT_FOUND", "field": "id"}]}
    assert gql("query($id: ID!) { node(id: $id) { id } }", {"id": mid}) == {"node": None}
    assert Mandate.objects.get(pk=mandate.pk).status == MandateStatus.ACTIVE


@pytest.mark.parametrize(("username", "visible_agencies"), [
    ("inv.ofb", {"fr-ofb"}),
    ("coord.fr", {"fr-ofb", "fr-oclaesp", "fr-dgddi", "fr-pnr", "fr-tracfin", "pf-leboncoin"}),
    ("coord.es", {"es-seprona", "es-aduanas", "pf-wallapop"}),
    ("pf.wallapop", {"pf-wallapop"}),
    ("spotter.ifaw", set()),
])
def test_who_sees_which_mandates(gql: Any, demo: Any, username: str, visible_agencies: set[str]) -> None:
    data = gql.login(username)("{ mandates { totalCount edges { node { agency { code } } } } }")["mandates"]
    assert {e["node"]["agency"]["code"] for e in data["edges"]} == visible_agencies
    assert data["totalCount"] == len(data["edges"])


def test_expired_mandate_ends_access_without_a_job(gql: Any, demo: Any) -> None:
    mandate = Mandate.objects.get(agency__code="fr-ofb")
    Mandate.objects.filter(pk=mandate.pk).update(valid_until=timezone.now() - datetime.timedelta(seconds=1))
    assert not Mandate.objects.in_force().filter(pk=mandate.pk).exists()
    node = gql.login("inv.ofb")("{ mandates { edges { node { state inForce } } } }")["mandates"]["edges"][0]["node"]
    assert node == {"state": "EXPIRED", "inForce": False}


def test_expire_task_notifies_once() -> None:
    from mandates.tasks import expire_mandates
    from wildnet import demo as demo_world

    demo_world.load()
    Mandate.objects.filter(agency__code="fr-ofb").update(valid_until=timezone.now() - datetime.timedelta(hours=1))
    assert expire_mandates() == 1
    assert expire_mandates() == 0
    assert OutboxMessage.objects.filter(topic="mail.send").count() == 1
    assert AuditEvent.objects.filter(action="mandate.expire").count() == 1


def test_mandate_covers_explains_itself(demo: Any) -> None:
    from access.markings import Classification
    from mandates.models import Coverage

    mandate = Mandate.objects.get(agency__code="fr-dgddi")
    assert mandate.covers(Coverage(jurisdictions=frozenset({"FR"}), crime_areas=frozenset({"border"}),
                                   cites_appendices=frozenset({"I"}), classification=Classification.CONFIDENTIAL))
    reasons = mandate.uncovered_reasons(Coverage(
        jurisdictions=frozenset({"FR", "ES"}), crime_areas=frozenset({"financial_flows"}),
        cites_appendices=frozenset({"NC"}), classification=Classification.SECRET, purpose="prosecution"))
    assert reasons == ["JURISDICTION_NOT_COVERED", "CRIME_AREA_NOT_COVERED", "SPECIES_NOT_COVERED",
                       "CLASSIFICATION_TOO_HIGH", "PURPOSE_NOT_ALLOWED"]
