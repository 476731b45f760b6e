"""The session, officer and token every request reads first come from statements kept compiled
(``officers.sessions``): each must answer as the ORM would, at each request's own instant."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from access import prepared
from officers import sessions
from officers.actions import issue_token
from officers.models import Officer, hash_token

pytestmark = pytest.mark.django_db

ME = "{ viewer { username } }"


@pytest.fixture(autouse=True)
def empty() -> Iterator[None]:
    prepared.forget()
    yield
    prepared.forget()


def later(monkeypatch: Any, delta: datetime.timedelta) -> None:
    """The next requests happen ``delta`` from now."""
    moment = timezone.now() + delta
    monkeypatch.setattr(sessions.timezone, "now", lambda: moment)


def test_a_session_read_by_its_kept_statement_ends_at_its_expiry(client: Any, demo: Any, monkeypatch: Any) -> None:
    client.force_login(Officer.objects.get(username="inv.ofb"))
    store = sessions.SessionStore(client.session.session_key)
    assert store.load()[SESSION_KEY]
    assert sessions.SessionStore(client.session.session_key).load()[SESSION_KEY]  # the kept statement
    assert [s is not None for s in prepared.kept("unnarrowed")] == [True]
    later(monkeypatch, datetime.timedelta(days=30))
    expired = sessions.SessionStore(client.session.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    assert sessions.SessionStore("no-such-session").load() == {}


def test_the_signed_in_officer_comes_with_their_agency_and_stops_when_deactivated(
        gql: Any, demo: Any, django_assert_num_queries: Any) -> None:
    gql.login("inv.ofb")
    assert gql(ME)["viewer"]["username"] == "inv.ofb"
    officer = sessions.officer(Officer.objects.get(username="inv.ofb").pk)
    assert officer is not None and officer.username == "inv.ofb"
    with django_assert_num_queries(0):
        assert officer.agency.code == "fr-ofb"  # read with the officer (select_related, kept)
    Officer.objects.filter(username="inv.ofb").update(is_active=False)
    refused = gql.client.post("/graphql/", {"query": ME}, content_type="application/json").json()
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert sessions.officer(-1) is None


def test_a_token_read_by_its_kept_statement_stops_at_its_expiry_and_revocation(client: Any, demo: Any,
                                                                              monkeypatch: Any) -> None:
    token, raw = issue_token(Officer.objects.get(username="inv.ofb"), name="sync", scopes=["read"], days=1)

    def me() -> Any:
        response = client.post("/graphql/", {"query": ME}, content_type="application/json",
                                HTTP_AUTHORIZATION=f"Bearer {raw}")
        return response.status_code, (response.json().get("data") or {}).get("viewer")

    assert me() == (200, {"username": "inv.ofb"})
    assert me() == (200, {"username": "inv.ofb"})
    found = sessions.usable_token(hash_token(raw))
    assert found is not None and found.pk == token.pk and found.officer.agency.code == "fr-ofb"
    later(monkeypatch, datetime.timedelta(days=2))
    assert me()[0] == 401
    monkeypatch.undo()
    assert me() == (200, {"username": "inv.ofb"})
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    assert me()[0] == 401
    assert sessions.usable_token(hash_token(raw + "x")) is None
