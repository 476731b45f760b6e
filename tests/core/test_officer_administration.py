"""An agency administrator's officers: roles within the rules, disabling and re-enabling, the agency's tokens."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from graphql_relay import to_global_id

from audit.models import AuditEvent
from officers.actions import issue_token
from officers.models import ApiToken, Officer, Role
from wildnet.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

CHANGE_ROLE = """
mutation($id: ID!, $role: Role!) {
  changeOfficerRole(id: $id, role: $role) { officer { username role } errors { code field message } }
}
"""
SET_ACTIVE = """
mutation($id: ID!, $active: Boolean!) {
  setOfficerActive(id: $id, active: $active) { officer { username isActive } errors { code field message } }
}
"""
ADMINISTRATION = """
{ officerAdministration { agency { code } assignableRoles assignableClearances } }
"""


def officer_id(username: str) -> str:
    return to_global_id("Officer", Officer.objects.get(username=username).pk)


def test_an_administrator_changes_a_colleagues_role_and_it_is_audited(gql: Any, demo: Any) -> None:
    out = gql.login("admin.ofb")(CHANGE_ROLE, {"id": officer_id("ana.ofb"), "role": "INVESTIGATOR"})
    assert out["changeOfficerRole"] == {"officer": {"username": "ana.ofb", "role": "INVESTIGATOR"}, "errors": []}
    assert Officer.objects.get(username="ana.ofb").role == Role.INVESTIGATOR
    event = AuditEvent.objects.get(action="officer.change_role")
    assert event.details == {"from": "analyst", "to": "investigator"} and event.actor_username == "admin.ofb"


@pytest.mark.parametrize(("username", "target", "role", "error"), [
    ("admin.ofb", "ana.ofb", "NATIONAL_COORDINATOR", {"code": "PERMISSION_DENIED", "field": "role"}),
    ("admin.ofb", "ana.ofb", "SYSTEM_ADMIN", {"code": "PERMISSION_DENIED", "field": "role"}),
    ("admin.ofb", "ana.ofb", "PLATFORM_OFFICER", {"code": "INVALID", "field": "role"}),
    ("admin.ofb", "admin.ofb", "ANALYST", {"code": "PERMISSION_DENIED", "field": None}),
    ("sup.ofb", "ana.ofb", "SUPERVISOR", {"code": "PERMISSION_DENIED", "field": None}),
    ("inv.ofb", "ana.ofb", "INVESTIGATOR", {"code": "PERMISSION_DENIED", "field": None}),
])
def test_role_changes_outside_the_rules_are_refused(gql: Any, demo: Any, username: str, target: str, role: str,
                                                    error: dict[str, Any]) -> None:
    before = Officer.objects.get(username=target).role
    out = gql.login(username)(CHANGE_ROLE, {"id": officer_id(target), "role": role})["changeOfficerRole"]
    assert out["officer"] is None
    assert [{"code": e["code"], "field": e["field"]} for e in out["errors"]] == [error]
    assert Officer.objects.get(username=target).role == before
    assert AuditEvent.objects.get(action="officer.change_role").outcome in ("denied", "failed")  # the attempt


def test_an_officer_a_system_administrator_appointed_is_out_of_the_agency_administrators_reach(
        gql: Any, demo: Any) -> None:
    coordinator = Officer.objects.create(username="coord.ofb", agency=Officer.objects.get(username="admin.ofb").agency,
                                         role=Role.NATIONAL_COORDINATOR, email="coord.ofb@example.org")
    gql.login("admin.ofb")
    changed = gql(CHANGE_ROLE, {"id": officer_id("coord.ofb"), "role": "ANALYST"})["changeOfficerRole"]
    disabled = gql(SET_ACTIVE, {"id": officer_id("coord.ofb"), "active": False})["setOfficerActive"]
    assert changed["errors"][0]["code"] == disabled["errors"][0]["code"] == "PERMISSION_DENIED"
    coordinator.refresh_from_db()
    assert coordinator.role == Role.NATIONAL_COORDINATOR and coordinator.is_active


@pytest.mark.parametrize("mutation", ["changeOfficerRole", "setOfficerActive"])
def test_another_agencys_officer_answers_exactly_as_a_missing_one(gql: Any, demo: Any, mutation: str) -> None:
    query, extra = (CHANGE_ROLE, {"role": "ANALYST"}) if mutation == "changeOfficerRole" else (
        SET_ACTIVE, {"active": False})
    gql.login("admin.ofb")
    hidden = gql(query, {"id": officer_id("inv.seprona"), **extra})[mutation]
    missing = gql(query, {"id": to_global_id("Officer", 999_999), **extra})[mutation]
    assert hidden == missing == {"officer": None, "errors": [
        {"code": "NOT_FOUND", "field": "id", "message": "No such officer."}]}
    seprona = Officer.objects.get(username="inv.seprona")
    assert seprona.is_active and seprona.role == Role.INVESTIGATOR


def test_a_disabled_officer_can_neither_sign_in_nor_use_a_session_or_token_until_re_enabled(
        gql: Any, demo: Any) -> None:
    _, raw = issue_token(Officer.objects.get(username="inv.ofb"), name="case tool", scopes=["read"])
    session = Client()
    assert session.login(username="inv.ofb", password=DEMO_PASSWORD)

    out = gql.login("admin.ofb")(SET_ACTIVE, {"id": officer_id("inv.ofb"), "active": False})["setOfficerActive"]
    assert out == {"officer": {"username": "inv.ofb", "isActive": False}, "errors": []}
    assert not Client().login(username="inv.ofb", password=DEMO_PASSWORD)
    assert session.get("/").status_code == 302  # the session they had no longer signs them in
    assert _as_token(raw).status_code == 401

    out = gql(SET_ACTIVE, {"id": officer_id("inv.ofb"), "active": True})["setOfficerActive"]
    assert out == {"officer": {"username": "inv.ofb", "isActive": True}, "errors": []}
    assert _as_token(raw).json() == {"data": {"viewer": {"username": "inv.ofb"}}}
    assert Client().login(username="inv.ofb", password=DEMO_PASSWORD)
    assert [e.action for e in AuditEvent.objects.filter(action__in=["officer.disable", "officer.enable"])
            .order_by("pk")] == ["officer.disable", "officer.enable"]


@pytest.mark.parametrize(("username", "target"), [("admin.ofb", "admin.ofb"), ("sup.ofb", "inv.ofb"),
                                                  ("inv.ofb", "ana.ofb")])
def test_disabling_is_refused_to_non_administrators_and_to_an_administrator_for_themself(
        gql: Any, demo: Any, username: str, target: str) -> None:
    out = gql.login(username)(SET_ACTIVE, {"id": officer_id(target), "active": False})["setOfficerActive"]
    assert out["officer"] is None and out["errors"][0]["code"] == "PERMISSION_DENIED"
    assert Officer.objects.get(username=target).is_active


def test_the_administration_offers_exactly_the_roles_and_clearances_the_administrator_may_give(
        gql: Any, demo: Any) -> None:
    data = gql.login("admin.ofb")(ADMINISTRATION)["officerAdministration"]
    assert data == {"agency": {"code": "fr-ofb"},
                    "assignableRoles": ["ANALYST", "INVESTIGATOR", "SUPERVISOR", "AGENCY_ADMIN", "TRUSTED_REPORTER"],
                    "assignableClearances": ["UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL"]}  # up to their own


@pytest.mark.parametrize("username", ["sup.ofb", "inv.ofb", "pf.leboncoin", "coord.fr"])
def test_only_an_agency_administrator_has_an_administration(gql: Any, demo: Any, username: str) -> None:
    assert gql.login(username)(ADMINISTRATION) == {"officerAdministration": None}


def test_can_change_says_which_officers_the_viewer_may_change(gql: Any, demo: Any) -> None:
    query = "{ officers(first: 20) { edges { node { username canChange } } } }"
    rows = {e["node"]["username"]: e["node"]["canChange"] for e in gql.login("admin.ofb")(query)["officers"]["edges"]}
    assert rows == {"admin.ofb": False, "sup.ofb": True, "inv.ofb": True, "ana.ofb": True}
    rows = {e["node"]["username"]: e["node"]["canChange"] for e in gql.login("sup.ofb")(query)["officers"]["edges"]}
    assert not any(rows.values())


def test_an_administrator_sees_and_revokes_the_agencys_tokens_but_another_agencys_is_not_found(
        gql: Any, demo: Any) -> None:
    colleague, _ = issue_token(Officer.objects.get(username="inv.ofb"), name="case tool", scopes=["read"])
    elsewhere, _ = issue_token(Officer.objects.get(username="inv.seprona"), name="sistema", scopes=["read"])
    gql.login("admin.ofb")
    seen = gql("{ apiTokens(first: 10) { edges { node { name officer { username } state } } } }")["apiTokens"]
    assert [e["node"] for e in seen["edges"]] == [
        {"name": "case tool", "officer": {"username": "inv.ofb"}, "state": "ACTIVE"}]
    revoke = "mutation($id: ID!) { revokeApiToken(id: $id) { token { state } errors { code field message } } }"
    assert gql(revoke, {"id": to_global_id("ApiToken", colleague.pk)})["revokeApiToken"] == {
        "token": {"state": "REVOKED"}, "errors": []}
    hidden = gql(revoke, {"id": to_global_id("ApiToken", elsewhere.pk)})["revokeApiToken"]
    missing = gql(revoke, {"id": to_global_id("ApiToken", 999_999)})["revokeApiToken"]
    assert hidden == missing == {"token": None, "errors": [
        {"code": "NOT_FOUND", "field": "id", "message": "No such API token."}]}
    assert ApiToken.objects.get(pk=elsewhere.pk).revoked_at is None


def test_a_tokens_state_says_why_it_does_not_authenticate(gql: Any, demo: Any) -> None:
    officer = Officer.objects.get(username="inv.ofb")
    tokens = {name: issue_token(officer, name=name, scopes=["read"])[0] for name in ("active", "revoked", "expired")}
    ApiToken.objects.filter(pk=tokens["revoked"].pk).update(revoked_at=timezone.now())
    ApiToken.objects.filter(pk=tokens["expired"].pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2), expires_at=timezone.now() - datetime.timedelta(hours=1))
    query = "{ apiTokens(first: 10) { edges { node { name state isUsable } } } }"
    gql.login("inv.ofb")
    states = {e["node"]["name"]: (e["node"]["state"], e["node"]["isUsable"])
              for e in gql(query)["apiTokens"]["edges"]}
    assert states == {"active": ("ACTIVE", True), "revoked": ("REVOKED", False), "expired": ("EXPIRED", False)}
    Officer.objects.filter(pk=officer.pk).update(is_active=False)
    states = {e["node"]["name"]: e["node"]["state"] for e in gql.login("admin.ofb")(query)["apiTokens"]["edges"]}
    assert states["active"] == "OFFICER_DISABLED"


def _as_token(raw: str) -> Any:
    return Client().post("/graphql/", {"query": "{ viewer { username } }"}, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {raw}")
