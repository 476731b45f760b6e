"""The Content Security Policy on every response (django-csp): only WildNet's own origin, no inline script or
style, no eval, no plug-ins, no framing, no foreign form targets.

An HTML page, a JSON API answer and an error page each carry the same strict header: a browser applies the
policy of whatever document it renders, an error page included.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import path

pytestmark = pytest.mark.django_db

STRICT = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'"},
    "connect-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}


def policy(response: HttpResponse) -> dict[str, set[str]]:
    """The directives of the response's enforced (not report-only) policy."""
    assert "Content-Security-Policy-Report-Only" not in response
    directives = [part.split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: set(sources) for name, *sources in directives}


def assert_strict(response: HttpResponse) -> None:
    assert policy(response) == STRICT
    assert "unsafe" not in response["Content-Security-Policy"]


def test_an_html_page_carries_the_strict_policy(client: Client) -> None:
    response = client.get("/graphql/", HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("text/html")
    assert_strict(response)


def test_a_json_api_answer_carries_the_strict_policy(gql: Any) -> None:
    response = gql.post("{ __typename }")
    assert response["Content-Type"] == "application/json"
    assert_strict(response)


def test_a_not_found_page_carries_the_strict_policy(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_strict(response)


def test_a_refused_request_carries_the_strict_policy(client: Client) -> None:
    """A CSRF refusal, answered by a middleware before any view."""
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert_strict(response)


def fail(request: Any) -> HttpResponse:
    raise RuntimeError("a bug")


#: For the 500 test: WildNet's own error handler behind a view that fails.
urlpatterns = [path("fail", fail)]
handler500 = "wildnet.views.server_error"


@pytest.mark.urls(__name__)
def test_a_server_error_page_carries_the_strict_policy(client: Client) -> None:
    client.raise_request_exception = False
    response = client.get("/fail")
    assert response.status_code == 500
    assert_strict(response)


def test_the_sign_in_page_works_under_the_policy(client: Client) -> None:
    """Django 5.2's admin templates (the sign-in page among them) have no inline script or style attribute."""
    response = client.get("/accounts/login/")
    page = response.content.decode()
    assert_strict(response)
    assert "<script>" not in page and " style=" not in page and "<style" not in page
