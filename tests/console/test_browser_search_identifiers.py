"""In a real browser: a phone typed as people type it, the notice of the agency holding it, and a request for
access that the holder's supervisor finds on their workspace (English; the lead adds the other languages)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from cases.models import Case
from tests.console.browser import axe_violations, screenshot, sign_in
from tests.console.conftest import BrowserErrors

OFB = "Office français de la biodiversité"


def test_a_customs_officer_asks_the_holder_of_a_phone_for_access(page: Page, browser_errors: BrowserErrors) -> None:
    ivory = Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")
    sign_in(page, "inv.douane")
    page.goto("/search/")
    page.get_by_role("searchbox").fill("06 12 34 56 78")
    page.locator("form[role=search]").get_by_role("button", name="Search").click()
    notice = page.locator("li.notice", has_text=OFB)
    expect(notice).to_contain_text("holds intelligence with this identifier (Phone number)")
    assert ivory.reference not in page.content()
    assert axe_violations(page) == []

    browser_errors.allow("status of 400")  # the refused request's page answers 400, as a refused form does
    notice.get_by_role("button", name=f"Request access from {OFB}").click()
    notice = page.locator("li.notice", has_text=OFB)
    expect(notice.get_by_role("alert")).to_have_text("Say why you need access.")
    expect(notice.get_by_label("Why you need access")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []

    notice.get_by_label("Purpose of access").select_option("INVESTIGATION")
    notice.get_by_label("Why you need access").fill("The same number is on a parcel of pythons we seized.")
    notice.get_by_role("button", name=f"Request access from {OFB}").click()
    expect(page.locator(".messages")).to_contain_text("Access requested")
    expect(page.get_by_role("searchbox")).to_have_value("06 12 34 56 78")
    assert axe_violations(page) == []
    screenshot(page, "search-held-elsewhere-en")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    sign_in(page, "sup.ofb")
    requests = page.locator("section", has=page.locator("#requests-title"))
    expect(requests).to_contain_text(ivory.reference)
    expect(requests).to_contain_text("douanes")
