"""Mandates in a real browser, with axe-core on every page: the coordinator suspends the mandate a shared case is
read under, the recipient loses access at once; reinstated, the recipient reads it again; the access log then
says who read the case, under which mandate and for which purpose."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from cases.models import Case
from tests.console.browser import axe_violations, screenshot, sign_in, sign_in_with_purpose, sign_out
from tests.console.conftest import BrowserErrors

DECREE = "Décret n° 2004-612, art. 2"  # OCLAESP's mandate in the demo, under which the OFB's ivory case is shared


def clean(page: Page) -> None:
    assert axe_violations(page) == []




def change_status(page: Page, action: str, reason: str) -> None:
    """Fill the reason of a status change of the mandate page and confirm the question it asks, if any."""
    form = page.locator("form", has=page.get_by_role("heading", name=action, exact=True))
    form.get_by_label("Reason (the agency reads it)").fill(reason)
    page.once("dialog", lambda dialog: dialog.accept())
    form.get_by_role("button", name=f"{action} the mandate").click()


def test_a_coordinator_suspends_a_mandate_the_recipient_loses_access_and_regains_it_when_reinstated(
        page: Page, browser_errors: BrowserErrors) -> None:
    ivory = Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")
    sign_in_with_purpose(page, "inv.oclaesp")
    page.goto(f"/cases/{ivory.reference}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(ivory.reference)
    sign_out(page)

    sign_in(page, "coord.fr")
    page.get_by_role("link", name="Mandates", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mandates of your country")
    row = page.get_by_role("row").filter(has_text=DECREE)
    expect(row).to_contain_text("Office central de lutte")
    expect(row).to_contain_text("Active")
    clean(page)
    screenshot(page, "mandates")
    row.get_by_role("link", name=DECREE).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(DECREE)
    clean(page)
    change_status(page, "Suspend", "Audit of the unit's access")
    expect(page.get_by_role("status")).to_contain_text("Mandate suspended")
    expect(page.locator("dl.facts")).to_contain_text("Audit of the unit's access")
    clean(page)
    sign_out(page)

    sign_in(page, "inv.oclaesp")  # its mandate suspended, the agency has no purpose to declare and sees nothing
    browser_errors.allow("status of 404")
    page.goto(f"/cases/{ivory.reference}/")
    assert ivory.title not in page.content()
    sign_out(page)

    sign_in(page, "coord.fr")
    page.goto("/mandates/?status=SUSPENDED")
    page.get_by_role("link", name=DECREE).click()
    change_status(page, "Reinstate", "Audit closed")
    expect(page.get_by_role("status")).to_contain_text("Mandate reinstated")
    sign_out(page)

    sign_in_with_purpose(page, "inv.oclaesp")
    page.goto(f"/cases/{ivory.reference}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(ivory.reference)
    sign_out(page)

    sign_in(page, "coord.fr")
    page.get_by_role("link", name="Access log", exact=True).click()
    reads = page.get_by_role("row").filter(has_text="inv.oclaesp")
    expect(reads.first).to_contain_text(DECREE)
    expect(reads.first).to_contain_text("Investigation")
    expect(reads.first).to_contain_text("Office français de la biodiversité")
    clean(page)
    screenshot(page, "access-log")


def test_the_grant_form_shows_the_apis_errors_beside_the_fields_and_grants(
        page: Page, browser_errors: BrowserErrors) -> None:
    browser_errors.allow("status of 400")  # the form answered with its errors
    sign_in(page, "coord.fr")
    page.goto("/mandates/")
    page.get_by_role("link", name="Grant a mandate").click()
    clean(page)
    page.get_by_label(re.compile("^Agency")).select_option(label="Tracfin (fr-tracfin)")
    page.get_by_label(re.compile("^Legal reference")).fill("Arrêté du 1er mars")
    page.get_by_label("Financial flows").check()
    page.get_by_label("Appendix I", exact=True).check()
    page.get_by_label("Analysis").check()
    page.get_by_label(re.compile("^Valid from")).fill("2026-01-01T00:00")
    page.get_by_label(re.compile("^Valid until")).fill("2030-01-01T00:00")
    page.get_by_label(re.compile("^Legal basis")).fill(" ")  # passes the browser's check, not the API's
    page.get_by_role("button", name="Grant the mandate").click()
    expect(page.locator("#error_legalBasis")).to_have_text("State the legal basis.")
    clean(page)
    page.get_by_label(re.compile("^Legal basis")).fill("Renseignement financier")
    page.get_by_role("button", name="Grant the mandate").click()
    expect(page.get_by_role("status")).to_contain_text("Mandate Arrêté du 1er mars granted to Tracfin")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Arrêté du 1er mars")
