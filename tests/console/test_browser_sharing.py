"""Sharing in a real browser, with axe-core on every page: share a case from its page with a covering agency,
see the recipient read it with its redactions, then revoke the share (with a reason, after confirming)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from cases.models import Case
from tests.console.browser import axe_violations, screenshot, sign_in, sign_in_with_purpose, sign_out
from tests.console.conftest import BrowserErrors


def clean(page: Page) -> None:
    assert axe_violations(page) == []




def test_an_investigator_shares_a_case_the_recipient_reads_it_redacted_and_a_revocation_ends_it(
        page: Page, browser_errors: BrowserErrors) -> None:
    ivory = Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")
    sign_in(page, "inv.ofb")
    page.goto(f"/cases/{ivory.reference}/")
    page.get_by_role("link", name="Share this case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Share {ivory.reference}")
    uncovered = page.locator("section", has=page.get_by_role("heading", name="Who cannot receive this case, and why"))
    expect(uncovered.get_by_role("row", name=re.compile("Tracfin"))).to_contain_text(
        "Its mandate does not cover this kind of crime")
    clean(page)
    screenshot(page, "share-form-en")

    page.get_by_label(re.compile(r"^Direction générale des douanes")).check()
    page.get_by_label(re.compile(r"^Suspects' personal data")).check()
    page.get_by_label("Why you share this case").fill("Parcels through Roissy")
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Case shared with Direction générale des douanes")
    expect(page.get_by_role("heading", level=1)).to_contain_text(ivory.reference)
    sign_out(page)

    sign_in_with_purpose(page, "inv.douane")
    page.goto(f"/cases/{ivory.reference}/")
    expect(page.locator(".notice")).to_contain_text("Shared with your agency with parts withheld")
    expect(page.locator(".notice")).to_contain_text("Suspects' personal data")
    clean(page)
    sign_out(page)

    sign_in(page, "inv.ofb")
    page.goto("/sharing/")
    row = page.get_by_role("row").filter(has_text="Direction générale des douanes").filter(
        has_text="Suspects' personal data")
    clean(page)
    screenshot(page, "sharing-en")
    row.get_by_text("Revoke", exact=True).click()
    row.get_by_label("Reason (the recipient reads it)").fill("Parcels seized; file closed")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke the share").click()
    expect(page.get_by_role("status")).to_contain_text("Share revoked")
    clean(page)
    sign_out(page)

    sign_in_with_purpose(page, "inv.douane")
    browser_errors.allow("status of 404")
    page.goto(f"/cases/{ivory.reference}/")
    assert ivory.title not in page.content()
