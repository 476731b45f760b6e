"""Reads another site can trigger change nothing (``api.origin``).

A page on a foreign site can make a signed-in officer's browser send GETs with the session cookie but no CSRF
token. Every GET that records something in the officer's name (a hit on a hidden identifier and the holder's
notification, read and export events, custody of a download) refuses such a request before anything runs; the
same request from WildNet's own pages, or with a bearer token, works.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from access.policy import viewer_for
from audit.models import AuditEvent
from cases import actions as case_actions
from officers.actions import issue_token
from officers.models import Officer
from outbox.models import OutboxMessage
from sharing.models import Hit

PHONE = "+33612345678"
SEARCH = '{ search(query: "+33612345678") { totalCount } }'
INVESTIGATION = {"HTTP_X_WILDNET_PURPOSE": "investigation"}

#: Every GET that records something in the caller's name.
RECORDING = [
    ("/search/export.csv", {"q": PHONE}),
    ("/graphql/", {"query": SEARCH}),
    ("/cases/evidence/1/download", {}),
    ("/compliance/metrics.csv", {"start": "2026-01-01", "end": "2026-02-01"}),
    ("/compliance/statements.json", {"start": "2026-01-01", "end": "2026-02-01"}),
    ("/compliance/national-report/FR/2025.json", {}),
    ("/compliance/measure-evidence/1/download", {}),
]


@pytest.fixture
def hidden_phone(demo: Any) -> None:
    """A phone claimed in an OFB case that SEPRONA may not see: searching it records a hit for OFB."""
    inv = viewer_for(Officer.objects.get(username="inv.ofb"), purpose="investigation")
    case = case_actions.create_case(inv, case_actions.CaseInput(title="Ivoire", jurisdictions=["FR"]))
    case_actions.link_entity(inv, case, case_actions.ClaimInput(kind="phone", value=PHONE, role="seller"))


def recorded() -> tuple[int, int, int]:
    return Hit.objects.count(), AuditEvent.objects.count(), OutboxMessage.objects.count()


def signed_in(client: Client, username: str) -> Client:
    client.force_login(Officer.objects.get(username=username))
    return client


@pytest.mark.parametrize(("path", "params"), RECORDING)
@pytest.mark.parametrize("headers", [
    {"HTTP_SEC_FETCH_SITE": "cross-site"},
    {"HTTP_SEC_FETCH_SITE": "same-site"},  # a sibling subdomain is another site's page too
    {"HTTP_ORIGIN": "https://evil.example"},
    {"HTTP_REFERER": "https://evil.example/page.html"},
])
def test_a_cross_site_get_with_the_session_is_refused_and_records_nothing(
        client: Client, hidden_phone: None, path: str, params: dict[str, str], headers: dict[str, str]) -> None:
    signed_in(client, "inv.seprona")
    before = recorded()
    response = client.get(path, params, **INVESTIGATION, **headers)
    assert response.status_code == 403
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "CROSS_SITE_REQUEST" and error["message"]
    assert recorded() == before


@pytest.mark.parametrize("headers", [
    {"HTTP_SEC_FETCH_SITE": "same-origin"},
    {"HTTP_SEC_FETCH_SITE": "none"},  # typed in the address bar, or a bookmark
    {"HTTP_REFERER": "http://testserver/graphql/"},
    {},  # no browser headers at all: a script, not another site's page
])
def test_the_same_search_from_wildnet_itself_runs_and_records_its_hit(client: Client, hidden_phone: None,
                                                                      headers: dict[str, str]) -> None:
    signed_in(client, "inv.seprona")
    response = client.get("/search/export.csv", {"q": PHONE}, **INVESTIGATION, **headers)
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert Hit.objects.count() == 1
    response = client.get("/graphql/", {"query": SEARCH}, **INVESTIGATION, **headers)
    assert response.status_code == 200 and response.json()["data"]["search"]["totalCount"] == 0


def test_a_bearer_token_carries_no_ambient_authority_and_is_not_refused(client: Client, hidden_phone: None) -> None:
    _, raw = issue_token(Officer.objects.get(username="inv.seprona"), name="script", scopes=["read"])
    response = client.get("/graphql/", {"query": SEARCH}, HTTP_AUTHORIZATION=f"Bearer {raw}",
                          HTTP_SEC_FETCH_SITE="cross-site", **INVESTIGATION)
    assert response.status_code == 200 and Hit.objects.count() == 1


def test_an_anonymous_cross_site_get_is_answered_as_anonymous(client: Client, hidden_phone: None) -> None:
    """No session, nothing to record in anyone's name: the usual answer (absence), not the cross-site one."""
    response = client.get("/search/export.csv", {"q": PHONE}, HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 404 and Hit.objects.count() == 0


def test_graphiql_itself_may_be_linked_from_elsewhere(client: Client, demo: Any) -> None:
    """Only a GET carrying a query is checked: opening the GraphiQL page records nothing."""
    signed_in(client, "inv.ofb")
    response = client.get("/graphql/", HTTP_ACCEPT="text/html", HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 200
