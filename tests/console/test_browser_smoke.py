"""The browser-test machinery itself, end to end: Chromium, the live server with the demo world, sign-in, axe-core
and the error guard. The console's pages have their own tests; these keep passing whatever the pages look like.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.console import browser
from tests.console.browser import axe_violations, screenshot, sign_in
from tests.console.conftest import LANGUAGES, BrowserErrors

VIEWER = "query Viewer { viewer { username } }"
# These tests check the machinery, not the console: they land on a page whose look no console change alters.
PLAIN_PAGE = "/healthz"


def viewer(page: Page) -> Any:
    """Who the API takes the browser's session for (None: anonymous), asked with the page's own cookies."""
    csrf = next((c["value"] for c in page.context.cookies() if c["name"] == "csrftoken"), "")
    response = page.request.post("/graphql/", data={"query": VIEWER}, headers={"X-CSRFToken": csrf})
    if response.status == 401:
        return None
    assert response.ok, response.text()
    return response.json()["data"]["viewer"]


def a_page(page: Page, html: str, csp: str | None = None) -> None:
    """Open a page of the test's own on the live server's origin, optionally under a Content Security Policy."""
    headers = {"Content-Security-Policy": csp} if csp else {}
    page.route("**/test-page", lambda route: route.fulfill(body=html, content_type="text/html", headers=headers))
    page.goto("/test-page")


@pytest.mark.parametrize("locale", LANGUAGES)
def test_an_officer_signs_in_through_the_sign_in_page_in_each_language(page: Page, locale: str) -> None:
    sign_in(page, "inv.ofb", next_path=PLAIN_PAGE)

    assert page.evaluate("navigator.language") == locale
    assert viewer(page) == {"username": "inv.ofb"}


def test_a_wrong_password_is_refused_and_leaves_the_browser_anonymous(page: Page) -> None:
    with pytest.raises(AssertionError, match=r"signing in as 'inv\.ofb' was refused"):
        sign_in(page, "inv.ofb", "not-the-password", next_path=PLAIN_PAGE)

    assert viewer(page) is None


def test_axe_runs_on_the_sign_in_page(page: Page) -> None:
    page.goto("/accounts/login/")

    violations = axe_violations(page)

    assert isinstance(violations, list) and all(isinstance(line, str) for line in violations)


def test_axe_reports_a_violation_by_rule_under_a_strict_content_security_policy(page: Page) -> None:
    a_page(page, '<!doctype html><html lang="en"><title>t</title><main><input type="text"></main></html>',
           csp="default-src 'self'")

    violations = axe_violations(page)

    assert [line.split(" ", 1)[0] for line in violations] == ["label"], violations


def test_a_content_security_policy_violation_fails_the_test(page: Page, browser_errors: BrowserErrors) -> None:
    a_page(page, "<!doctype html><title>t</title><script>document.title = 'ran'</script>",
           csp="default-src 'self'")

    assert page.title() == "t"
    assert any("Content Security Policy" in message for message in browser_errors.messages), browser_errors.messages
    browser_errors.messages.clear()


def test_an_uncaught_exception_fails_the_test(page: Page, browser_errors: BrowserErrors) -> None:
    a_page(page, "<!doctype html><title>t</title><script>throw new Error('boom')</script>")

    assert any("boom" in message for message in browser_errors.messages), browser_errors.messages
    browser_errors.messages.clear()


def test_a_request_to_a_foreign_host_is_refused_and_fails_the_test(page: Page, browser_errors: BrowserErrors) -> None:
    a_page(page, '<!doctype html><title>t</title><img alt="" src="https://cdn.example.org/logo.png">')

    assert any("https://cdn.example.org/logo.png" in message for message in browser_errors.messages)
    browser_errors.messages.clear()


def test_a_screenshot_is_saved_only_when_asked(page: Page, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(browser, "SCREENSHOTS", tmp_path / "screenshots")
    page.goto("/accounts/login/")
    monkeypatch.delenv("WILDNET_SCREENSHOTS", raising=False)

    assert screenshot(page, "sign-in") is None
    assert not (tmp_path / "screenshots").exists()

    monkeypatch.setenv("WILDNET_SCREENSHOTS", "1")
    saved = screenshot(page, "sign-in")

    assert saved == tmp_path / "screenshots" / "sign-in.png"
    assert saved.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("turn", ["first", "again"])
def test_each_test_finds_the_whole_demo_world_with_a_verifiable_audit_chain(live_demo: str, turn: str) -> None:
    from audit import chain
    from cases.models import Case
    from officers.models import Officer
    from wildnet.demo import OFFICERS

    assert set(Officer.objects.values_list("username", flat=True)) == {username for username, *_ in OFFICERS}
    assert Case.objects.count() == 7  # five investigations, and two cases opened by triaging spotters' reports
    chain.seal()
    assert chain.verify() is None
