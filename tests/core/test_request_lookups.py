"""The session, officer and token every request reads first come from statements kept compiled
(``officers.sessions``): each must answer as the ORM would, at each request's own instant."""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from access import prepared
from mandates.models import Mandate
from officers import sessions
from officers.actions import issue_token
from officers.models import Officer, OfficerSession, hash_token

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


def test_a_session_comes_with_its_officer_and_their_mandates_in_one_statement(
        client: Any, demo: Any, django_assert_num_queries: Any) -> None:
    officer = Officer.objects.get(username="inv.ofb")
    client.force_login(officer)
    session = OfficerSession.objects.get(pk=client.session.session_key)
    assert session.officer_id == officer.pk  # written from the session's data
    client.post("/graphql/", {"query": ME}, content_type="application/json")
    with django_assert_num_queries(1):  # the session, its officer, their agency and its mandates
        answer = client.post("/graphql/", {"query": ME}, content_type="application/json").json()
    assert answer["data"]["viewer"]["username"] == "inv.ofb"
    store = sessions.SessionStore(client.session.session_key)
    store.load()
    read = store.officer_read
    assert read is not None and read.pk == officer.pk and read.agency.code == "fr-ofb"
    at = sessions.read_at(read)
    assert at is not None
    assert sessions.mandates_read(read, at) == list(Mandate.objects.in_force(at).filter(agency=officer.agency))


def test_the_session_data_decides_who_is_signed_in_not_the_officer_column(
        client: Any, demo: Any, django_assert_num_queries: Any) -> None:
    """A session row whose column names another officer signs in as the one its data names, read apart."""
    client.force_login(Officer.objects.get(username="inv.ofb"))
    other = Officer.objects.get(username="inv.oclaesp")
    OfficerSession.objects.filter(pk=client.session.session_key).update(officer=other)
    with django_assert_num_queries(2):  # the session (and the wrong officer), then the officer its data names
        answer = client.post("/graphql/", {"query": ME}, content_type="application/json").json()
    assert answer["data"]["viewer"]["username"] == "inv.ofb"
    OfficerSession.objects.filter(pk=client.session.session_key).update(officer=None)
    assert client.post("/graphql/", {"query": ME}, content_type="application/json").json()["data"] == {
        "viewer": {"username": "inv.ofb"}}


def test_an_officer_read_with_a_session_serves_that_request_only(client: Any, demo: Any) -> None:
    """Outside a request (a task, a later call) the officer is read again: a deactivation shows at once."""
    officer = Officer.objects.get(username="inv.ofb")
    client.force_login(officer)
    client.post("/graphql/", {"query": ME}, content_type="application/json")
    Officer.objects.filter(pk=officer.pk).update(is_active=False)
    read = sessions.officer(officer.pk)
    assert read is not None and read.is_active is False
    refused = client.post("/graphql/", {"query": ME}, content_type="application/json").json()
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_live_sessions_are_kept_across_the_move_to_officer_sessions(demo: Any) -> None:
    """The migration copies live sessions with the officer their data names; expired ones are left behind."""
    from django.apps import apps
    from django.contrib.sessions.models import Session

    moved = importlib.import_module("officers.migrations.0005_officer_session")
    officer = Officer.objects.get(username="inv.ofb")
    store = sessions.SessionStore()
    soon, past = timezone.now() + datetime.timedelta(hours=1), timezone.now() - datetime.timedelta(hours=1)
    Session.objects.create(session_key="live-signed-in", expire_date=soon,
                           session_data=store.encode({SESSION_KEY: str(officer.pk)}))
    Session.objects.create(session_key="live-anonymous", expire_date=soon, session_data=store.encode({}))
    Session.objects.create(session_key="expired", expire_date=past,
                           session_data=store.encode({SESSION_KEY: str(officer.pk)}))
    moved.keep_live_sessions(apps, None)
    assert dict(OfficerSession.objects.filter(session_key__in=["live-signed-in", "live-anonymous", "expired"])
                .values_list("session_key", "officer_id")) == {"live-signed-in": officer.pk, "live-anonymous": None}
    assert sessions.SessionStore("live-signed-in").load()[SESSION_KEY] == str(officer.pk)
