"""The Content Security Policy on every response (django-csp): only WildNet's own origin, no inline script or
style, no eval, no plug-ins, no framing, no foreign form targets.

An HTML page, a JSON API answer and an error page each carry the same strict header: a browser applies the
policy of whatever document it renders, an error page included.
"""

from __future__ import annotations

from typing import Any

import pytest
from csp.constants import NONCE
from csp.decorators import csp_exempt, csp_update
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import path

from wildnet.middleware import CSPMiddleware

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


def with_nonce(request: Any) -> HttpResponse:
    return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")


@login_not_required
@csp_update({"img-src": "https://tiles.example.org"})
def with_map_tiles(request: Any) -> HttpResponse:
    return HttpResponse("a page that shows map tiles")


@login_not_required
@csp_exempt()
def exempt(request: Any) -> HttpResponse:
    return HttpResponse("a page without a policy")


#: For the 500 test: WildNet's own error handler behind a view that fails; for the header built once, views
#: that ask for a nonce, widen the policy, or are exempt.
urlpatterns = [path("fail", fail), path("nonce", with_nonce), path("tiles", with_map_tiles),
               path("exempt", exempt), path("plain", login_not_required(lambda request: HttpResponse("plain")))]
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


def django_csp_headers(view: Any, url: str) -> dict[str, str]:
    """The headers django-csp's own middleware writes on ``view``'s response to ``url``."""
    request = RequestFactory().get(url)
    middleware = DjangoCSPMiddleware(view)
    response = middleware(request)
    return {name: value for name, value in response.items() if name.startswith("Content-Security-Policy")}


def wildnet_csp_headers(view: Any, url: str) -> tuple[dict[str, str], HttpRequest]:
    request = RequestFactory().get(url)
    response = CSPMiddleware(view)(request)
    return {name: value for name, value in response.items() if name.startswith("Content-Security-Policy")}, request


def plain(request: Any) -> HttpResponse:
    return HttpResponse("plain")


def test_the_header_built_once_is_django_csps_own() -> None:
    headers, request = wildnet_csp_headers(plain, "/plain")
    assert headers == django_csp_headers(plain, "/plain") and "Content-Security-Policy" in headers
    assert wildnet_csp_headers(plain, "/plain")[0] == headers
    with pytest.raises(Exception, match="after the CSP header has been written"):
        str(request.csp_nonce)  # type: ignore[attr-defined]


def test_a_page_that_uses_a_nonce_has_it_in_its_header() -> None:
    """Should a policy ever allow a script by nonce: each page's own, and none kept for the next page."""
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"script-src": ["'self'", NONCE]}}):
        headers, request = wildnet_csp_headers(with_nonce, "/nonce")
        nonce = request._csp_nonce  # type: ignore[attr-defined]
        assert f"script-src 'self' 'nonce-{nonce}'" in headers["Content-Security-Policy"]
        following = wildnet_csp_headers(plain, "/plain")[0]["Content-Security-Policy"]
        assert "script-src 'self'" in following and "nonce-" not in following


@pytest.mark.urls(__name__)
def test_a_view_that_widens_the_policy_or_is_exempt_keeps_its_own(client: Client) -> None:
    widened = client.get("/tiles")
    assert policy(widened)["img-src"] == {"'self'", "data:", "https://tiles.example.org"}
    assert "Content-Security-Policy" not in client.get("/exempt")
    assert_strict(client.get("/plain"))


def test_a_changed_setting_changes_the_header() -> None:
    before = wildnet_csp_headers(plain, "/plain")[0]
    report_only = {"DIRECTIVES": {"default-src": ["'self'"], "report-uri": "/csp-report"}}
    excluded = {"EXCLUDE_URL_PREFIXES": ["/plain"], "DIRECTIVES": {"default-src": ["'none'"]}}
    with override_settings(CONTENT_SECURITY_POLICY_REPORT_ONLY=report_only):
        headers = wildnet_csp_headers(plain, "/plain")[0]
        assert headers == django_csp_headers(plain, "/plain")
        assert headers["Content-Security-Policy-Report-Only"] == "default-src 'self'; report-uri /csp-report"
    with override_settings(CONTENT_SECURITY_POLICY=excluded):
        assert wildnet_csp_headers(plain, "/plain")[0] == {} == django_csp_headers(plain, "/plain")
        assert wildnet_csp_headers(plain, "/other")[0] == {"Content-Security-Policy": "default-src 'none'"}
    assert wildnet_csp_headers(plain, "/plain")[0] == before
