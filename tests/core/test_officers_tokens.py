"""Officers and API tokens: who may create whom, token issue, use, scope and revocation."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from agencies.models import Agency
from audit.models import AuditEvent
from officers.models import ApiToken, Officer, hash_token

pytestmark = pytest.mark.django_db

CREATE = """
mutation($input: CreateOfficerInput!) {
  createOfficer(input: $input) { officer { username role clearance agency { code } } errors { code field } }
}
"""


def officer_input(agency: str, **overrides: Any) -> dict[str, Any]:
    data = {"agencyId": to_global_id("Agency", Agency.objects.get(code=agency).pk), "username": "new.officer",
            "email": "new.officer@ofb.example", "role": "ANALYST", "clearance": "RESTRICTED"}
    return {**data, **overrides}


def test_agency_admin_creates_an_officer_in_their_agency(gql: Any, demo: Any) -> None:
    out = gql.login("admin.ofb")(CREATE, {"input": officer_input("fr-ofb")})["createOfficer"]
    assert out == {"officer": {"username": "new.officer", "role": "ANALYST", "clearance": "RESTRICTED",
                               "agency": {"code": "fr-ofb"}}, "errors": []}
    created = Officer.objects.get(username="new.officer")
    assert not created.has_usable_password()
    assert AuditEvent.objects.filter(action="officer.create", object_id=str(created.pk)).exists()


@pytest.mark.parametrize(("username", "overrides", "error"), [
    ("admin.ofb", {"role": "NATIONAL_COORDINATOR"}, {"code": "PERMISSION_DENIED", "field": "role"}),
    ("admin.ofb", {"role": "SYSTEM_ADMIN"}, {"code": "PERMISSION_DENIED", "field": "role"}),
    ("admin.ofb", {"clearance": "SECRET"}, {"code": "PERMISSION_DENIED", "field": "clearance"}),
    ("admin.ofb", {"role": "PLATFORM_OFFICER"}, {"code": "INVALID", "field": "role"}),
    ("sup.ofb", {}, {"code": "PERMISSION_DENIED", "field": "agency"}),
    ("inv.ofb", {}, {"code": "PERMISSION_DENIED", "field": "agency"}),
    ("admin.ofb", {"username": "inv.ofb"}, {"code": "UNIQUE", "field": "username"}),
    ("admin.ofb", {"email": "not-an-address"}, {"code": "INVALID", "field": "email"}),
])
def test_create_officer_refusals(gql: Any, demo: Any, username: str, overrides: dict[str, Any],
                                 error: dict[str, str]) -> None:
    before = Officer.objects.count()
    out = gql.login(username)(CREATE, {"input": officer_input("fr-ofb", **overrides)})["createOfficer"]
    assert out == {"officer": None, "errors": [error]}
    assert Officer.objects.count() == before


def test_agency_admin_cannot_create_officers_elsewhere(gql: Any, demo: Any) -> None:
    out = gql.login("admin.ofb")(CREATE, {"input": officer_input("es-seprona")})["createOfficer"]
    assert out["errors"] == [{"code": "PERMISSION_DENIED", "field": "agency"}]


@pytest.mark.parametrize(("username", "expected"), [
    ("inv.ofb", {"admin.ofb", "sup.ofb", "inv.ofb", "ana.ofb"}),
    ("spotter.ifaw", {"spotter.ifaw"}),
    ("pf.leboncoin", {"pf.leboncoin"}),
])
def test_who_sees_which_officers(gql: Any, demo: Any, username: str, expected: set[str]) -> None:
    data = gql.login(username)("{ officers { totalCount edges { node { username } } } }")["officers"]
    assert {e["node"]["username"] for e in data["edges"]} == expected
    assert data["totalCount"] == len(expected)


def test_officer_of_another_agency_is_absent_by_node(gql: Any, demo: Any) -> None:
    other = to_global_id("Officer", Officer.objects.get(username="inv.seprona").pk)
    assert gql.login("inv.ofb")("query($id: ID!) { node(id: $id) { id } }", {"id": other}) == {"node": None}


ISSUE = """
mutation($scopes: [TokenScope!]!) {
  issueApiToken(name: "case tool", scopes: $scopes) { rawToken token { id prefix scopes isUsable } errors { code } }
}
"""


def test_token_is_issued_once_stored_hashed_and_authenticates(gql: Any, client: Any, demo: Any) -> None:
    out = gql.login("inv.ofb")(ISSUE, {"scopes": ["READ"]})["issueApiToken"]
    raw = out["rawToken"]
    token = ApiToken.objects.get()
    assert token.digest == hash_token(raw) and raw not in token.digest and token.prefix == raw[:10]
    assert out["token"]["isUsable"] is True

    client.logout()
    response = client.post("/graphql/", {"query": "{ viewer { username } }"}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.json() == {"data": {"viewer": {"username": "inv.ofb"}}}
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert AuditEvent.objects.filter(action="token.used").count() == 1
    client.post("/graphql/", {"query": "{ viewer { username } }"}, content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert AuditEvent.objects.filter(action="token.used").count() == 1  # at most once a minute


def test_read_only_token_cannot_write(gql: Any, client: Any, demo: Any) -> None:
    _, raw = _issue("inv.ofb", ["read"])
    client.logout()
    gql.bearer(raw)
    out = gql(ISSUE, {"scopes": ["READ"]})["issueApiToken"]
    assert out == {"rawToken": None, "token": None, "errors": [{"code": "READ_ONLY_TOKEN"}]}
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize("state", ["revoked", "expired", "officer_disabled", "unknown", "malformed"])
def test_unusable_tokens_are_refused_with_401(client: Any, demo: Any, state: str) -> None:
    token, raw = _issue("inv.ofb", ["read", "write"])
    header = f"Bearer {raw}"
    if state == "revoked":
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    elif state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(created_at=timezone.now() - datetime.timedelta(days=2),
                                                    expires_at=timezone.now() - datetime.timedelta(seconds=1))
    elif state == "officer_disabled":
        Officer.objects.filter(username="inv.ofb").update(is_active=False)
    elif state == "unknown":
        header = "Bearer wn_" + "x" * 43
    else:
        header = "Token abc"
    response = client.post("/graphql/", {"query": "{ viewer { username } }"}, content_type="application/json",
                           HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_revoke_own_token_and_admin_revokes_colleagues(gql: Any, demo: Any) -> None:
    revoke = "mutation($id: ID!) { revokeApiToken(id: $id) { token { isUsable } errors { code } } }"
    mine, _ = _issue("inv.ofb", ["read"])
    theirs, _ = _issue("ana.ofb", ["read"])
    gql.login("inv.ofb")
    assert gql(revoke, {"id": to_global_id("ApiToken", mine.pk)})["revokeApiToken"] == {
        "token": {"isUsable": False}, "errors": []}
    assert gql(revoke, {"id": to_global_id("ApiToken", theirs.pk)})["revokeApiToken"] == {
        "token": None, "errors": [{"code": "NOT_FOUND"}]}
    gql.login("admin.ofb")
    assert gql(revoke, {"id": to_global_id("ApiToken", theirs.pk)})["revokeApiToken"]["errors"] == []
    assert ApiToken.objects.filter(revoked_at__isnull=False).count() == 2


def test_issue_token_command(demo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from django.core.management import call_command

    call_command("issue_token", "inv.ofb", "--scope", "read", "--days", "7")
    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(digest=hash_token(raw))
    assert token.scopes == ["read"]
    assert (token.expires_at - token.created_at).days == 7


def _issue(username: str, scopes: list[str]) -> tuple[ApiToken, str]:
    from officers.actions import issue_token

    return issue_token(Officer.objects.get(username=username), name="test", scopes=scopes)
