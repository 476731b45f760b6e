"""The authorization matrix's sign-in states: what each way in to intelligence answers to a visitor who has not
signed in, to a session that gave its password but not yet its second factor (enrolled, or required and not
enrolled), and to a session that did both. Only the last reaches anything."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from graphql_relay import to_global_id

from cases.models import Case, Evidence
from officers.models import Officer
from wildnet.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

CONTENT, SIGN_IN, SECOND_FACTOR, ABSENT = "content", "sign-in", "second factor", "HTTP 404"
#: Files answer a visitor as a missing file does (they are linked from e-mails and exports, not pages).
FILES = {"export", "download"}


def _anonymous(settings: object) -> Client:
    return Client()


def _password(client: Client) -> Client:
    response = client.post("/accounts/login/", {"username": "inv.ofb", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def _factor_pending(settings: object) -> Client:
    TOTPDevice.objects.create(user=Officer.objects.get(username="inv.ofb"), name="Phone", confirmed=True)
    return _password(Client())


def _enrolment_pending(settings: object) -> Client:
    settings.SECOND_FACTOR_REQUIRED = True  # type: ignore[attr-defined]
    return _password(Client())


def _fully_signed_in(settings: object) -> Client:
    device = TOTPDevice.objects.create(user=Officer.objects.get(username="inv.ofb"), name="Phone", confirmed=True)
    client = _password(Client())
    code = f"{totp(device.bin_key):06d}"
    assert client.post("/accounts/second-factor/code/", {"code": code}).status_code == 302
    return client


STATES: dict[str, tuple[Callable[[object], Client], str]] = {
    "anonymous": (_anonymous, SIGN_IN),
    "password, factor pending": (_factor_pending, SECOND_FACTOR),
    "password, enrolment pending": (_enrolment_pending, SECOND_FACTOR),
    "fully signed in": (_fully_signed_in, CONTENT),
}


def _case() -> Case:
    return Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")


def _evidence() -> Evidence:
    evidence = Evidence.objects.filter(case=_case()).first()
    assert evidence is not None
    return evidence


def _graphql(client: Client, query: str, variables: dict[str, object]) -> str:
    response = client.post("/graphql/", data=json.dumps({"query": query, "variables": variables}),
                           content_type="application/json")
    if response.status_code == 401:
        code = response.json()["errors"][0]["extensions"]["code"]
        return SECOND_FACTOR if code == "SECOND_FACTOR_REQUIRED" else SIGN_IN
    data = response.json()["data"]
    return CONTENT if next(iter(data.values())) else f"empty: {data}"


def _get(client: Client, path: str) -> str:
    response = client.get(path)
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/accounts/login/"):
            return SIGN_IN
        if location.startswith("/accounts/second-factor/"):
            return SECOND_FACTOR
        return f"redirect to {location}"
    return CONTENT if response.status_code == 200 else f"HTTP {response.status_code}"


PATHS: dict[str, Callable[[Client], str]] = {
    "query": lambda client: _graphql(client, "query($r: String!) { case(reference: $r) { title } }",
                                     {"r": _case().reference}),
    "node": lambda client: _graphql(client, "query($id: ID!) { node(id: $id) { id } }",
                                    {"id": to_global_id("Case", _case().pk)}),
    "search": lambda client: _graphql(client, '{ search(query: "ivoire") { totalCount } }', {}),
    "console page": lambda client: _get(client, f"/cases/{_case().reference}/"),
    "export": lambda client: _get(client, "/search/export.csv?q=ivoire"),
    "download": lambda client: _get(client, f"/cases/evidence/{_evidence().pk}/download"),
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("state", STATES)
def test_only_a_fully_signed_in_session_reaches_intelligence(world: None, settings: object, state: str,
                                                             path: str) -> None:
    start, expected = STATES[state]
    if state == "anonymous" and path in FILES:
        expected = ABSENT
    assert PATHS[path](start(settings)) == expected
