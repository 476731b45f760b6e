"""Helpers for the browser tests: sign in, run axe-core, take screenshots for the README.

The fixtures (a Chromium per package, a context per test in a chosen language, the demo world in the live
server's database) are in ``conftest.py`` next to this module; these are the functions a test calls::

    from tests.console.browser import axe_violations, screenshot, sign_in
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from wildnet.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
LOGIN_PATH = "/accounts/login/"
#: WCAG 2.1 A and AA, the level the EU Web Accessibility Directive asks of public bodies.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Anything a page asks of a host other than the live server's (a CDN, a font service) is refused and reported:
#: agencies run the console on closed networks.
FOREIGN_URL = re.compile(r"^https?://(?!(localhost|127\.0\.0\.1|\[::1\])(:\d+)?/)")

_axe = Axe()


def sign_in(page: Page, username: str, password: str = DEMO_PASSWORD, *, next_path: str | None = None) -> None:
    """Sign in through the sign-in page as a person would: fill the form, press its button.

    Relies only on what any version of the page keeps: ``input[name=username]``, ``input[name=password]`` and a
    submit button in the same form, at ``/accounts/login/``. Fails with the page's own text when the sign-in is
    refused (the page answers at its own address again).
    """
    page.goto(LOGIN_PATH + (f"?{urlencode({'next': next_path})}" if next_path else ""))
    form = page.locator("form", has=page.locator("input[name=password]"))
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        form.locator("button[type=submit], input[type=submit]").first.click()
    if urlsplit(page.url).path == LOGIN_PATH:
        raise AssertionError(f"signing in as {username!r} was refused: {page.locator('body').inner_text()[:500]}")


def sign_out(page: Page) -> None:
    """Press the header's "Sign out" and land on the sign-in page."""
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def sign_in_with_purpose(page: Page, username: str) -> None:
    """Sign in, then declare the purpose "investigation" from the header's link, as an officer reading shared
    intelligence does."""
    sign_in(page, username)
    page.locator("a.declare").click()
    page.locator("input[value=INVESTIGATION]").check()
    page.get_by_role("button", name="Declare", exact=True).click()
    expect(page.locator(".purpose strong")).to_be_visible()


def axe_violations(page: Page, context: Any = None) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now, one readable line each (empty: none).

    ``context`` narrows the check to part of the page (axe's context, e.g. ``"main"``). A line reads
    ``color-contrast (serious): Elements must meet minimum color contrast ratio thresholds: 2 elements: a.x, p
    <https://dequeuniversity.com/…>`` so that ``assert axe_violations(page) == []`` says what to fix.
    """
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = _axe.run(page, context=context, options=options)
    return [_describe(violation) for violation in results.response["violations"]]


def _describe(violation: dict[str, Any]) -> str:
    targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
    shown = ", ".join(targets[:5]) + (f" and {len(targets) - 5} more" if len(targets) > 5 else "")
    return (f"{violation['id']} ({violation['impact']}): {violation['help']}: {len(targets)} element(s): {shown} "
            f"<{violation['helpUrl']}>")


def screenshot(page: Page, name: str) -> Path | None:
    """Save the whole page as ``docs/screenshots/<name>.png`` for the README, when ``WILDNET_SCREENSHOTS=1``.

    Otherwise does nothing: a test run does not write into the repository unless asked to.
    """
    if os.environ.get("WILDNET_SCREENSHOTS") != "1":
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path
