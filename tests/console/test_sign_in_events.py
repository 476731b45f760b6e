"""The agency's sign-in events, for its supervisors and administrators only."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.console.test_pages import _statements
from tests.console.test_shell import signed_in
from wildnet.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def attempt(username: str, password: str, address: str) -> None:
    Client(REMOTE_ADDR=address).post("/accounts/login/", {"username": username, "password": password})


def test_a_supervisor_sees_the_agency_sign_ins_failures_and_addresses(world: None) -> None:
    attempt("inv.ofb", "not-the-password-2026", "203.0.113.9")
    attempt("inv.ofb", DEMO_PASSWORD, "203.0.113.10")
    attempt("inv.oclaesp", DEMO_PASSWORD, "203.0.113.11")  # another agency's
    page = signed_in("sup.ofb").get("/sign-in-events/").content.decode()
    assert "203.0.113.9" in page and "203.0.113.10" in page
    assert "203.0.113.11" not in page and "inv.oclaesp" not in page
    assert "Denied" in page and "Sign-in" in page
    assert "not-the-password" not in page


def test_the_filters_narrow_and_a_bad_day_is_an_error(world: None) -> None:
    attempt("inv.ofb", "not-the-password-2026", "203.0.113.9")
    client = signed_in("admin.ofb")
    denied = client.get("/sign-in-events/", {"outcome": "DENIED", "actor": "inv.ofb"}).content.decode()
    assert "203.0.113.9" in denied and "1 event" in denied
    bad = client.get("/sign-in-events/", {"since": "31/03/2026"})
    assert bad.status_code == 400 and "Enter a day, e.g. 2026-03-31." in bad.content.decode()


@pytest.mark.parametrize("username", ["inv.ofb", "coord.fr", "pf.leboncoin"])
def test_other_roles_find_no_such_page(world: None, username: str) -> None:
    assert signed_in(username).get("/sign-in-events/").status_code == 404


def test_the_page_costs_the_same_statements_whatever_its_length(world: None) -> None:
    client = signed_in("sup.ofb")
    few = _statements(client, "/sign-in-events/?size=5")
    for _attempt in range(12):
        attempt("inv.ofb", "not-the-password-2026", "203.0.113.9")
    assert _statements(client, "/sign-in-events/?size=50") == few
