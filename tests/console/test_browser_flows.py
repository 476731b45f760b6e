"""The officer's flows in a real browser, in English, French and Spanish, with axe-core on every page.

Sign in, declare a purpose, search, open the shared case found, meet a case of another agency (which answers as a
case that does not exist), sign out. Screenshots for the README with WILDNET_SCREENSHOTS=1.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cases.models import Case
from officers.models import Officer
from tests.console.browser import axe_violations, screenshot, sign_in
from tests.console.conftest import LANGUAGES, BrowserErrors

#: What each language calls the things the flow clicks (the page's own words, as a person reads them).
WORDS = {
    "en": {"declare": "Declare", "search": "Search", "sign_out": "Sign out", "not_found": "Not found"},
    "fr": {"declare": "Déclarer", "search": "Recherche", "sign_out": "Se déconnecter", "not_found": "Introuvable"},
    "es": {"declare": "Declarar", "search": "Búsqueda", "sign_out": "Cerrar sesión", "not_found": "No encontrado"},
}


def clean(page: Page) -> None:
    """No WCAG 2.1 A/AA violation on the page as it is."""
    assert axe_violations(page) == []


@pytest.mark.parametrize("locale", LANGUAGES)
def test_an_investigator_declares_a_purpose_searches_and_reads_a_shared_case(
        page: Page, locale: str, browser_errors: BrowserErrors) -> None:
    Officer.objects.filter(username="inv.oclaesp").update(preferred_language=locale)
    words = WORDS[locale]
    ivory = Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")
    unshared = Case.objects.exclude(owner_agency__code="fr-oclaesp").exclude(pk=ivory.pk) \
        .filter(shares__isnull=True).first()
    assert unshared is not None

    page.goto("/accounts/login/")
    clean(page)
    screenshot(page, f"sign-in-{locale}")
    sign_in(page, "inv.oclaesp")
    expect(page.locator("html")).to_have_attribute("lang", locale)
    expect(page.locator(".identity")).to_contain_text("Marc Dupont")
    clean(page)

    page.locator("a.declare").click()
    page.locator("input[value=INVESTIGATION]").check()
    page.get_by_role("button", name=words["declare"], exact=True).click()
    expect(page.locator(".purpose strong")).to_be_visible()
    clean(page)
    screenshot(page, f"home-{locale}")

    page.goto("/search/")
    page.get_by_role("searchbox").fill("ivoire")
    page.locator("form[role=search]").get_by_role("button", name=words["search"]).click()
    found = page.get_by_role("link", name=re.compile(re.escape(ivory.reference) + " — "))
    expect(found).to_be_visible()
    clean(page)
    screenshot(page, f"search-{locale}")

    found.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ivory.reference)
    clean(page)
    screenshot(page, f"case-{locale}")

    browser_errors.allow("status of 404")
    page.goto(f"/cases/{unshared.reference}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(words["not_found"])
    assert unshared.title not in page.content()

    page.get_by_role("button", name=words["sign_out"]).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))


def test_without_a_purpose_a_recipient_sees_no_shared_case(page: Page, browser_errors: BrowserErrors) -> None:
    ivory = Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")
    sign_in(page, "inv.oclaesp")
    expect(page.locator("a.declare")).to_be_visible()
    page.goto("/cases/")
    expect(page.get_by_role("link", name=ivory.reference)).to_have_count(0)
    browser_errors.allow("status of 404")
    page.goto(f"/cases/{ivory.reference}/")
    assert ivory.title not in page.content()


def test_an_investigator_creates_a_case_and_attaches_evidence_with_a_progress_bar(
        page: Page, tmp_path: Path, browser_errors: BrowserErrors) -> None:
    browser_errors.allow("status of 400")  # a refused form answers 400, which Chromium logs
    sign_in(page, "inv.ofb")
    page.goto("/cases/new/")
    clean(page)
    page.get_by_label("Title").fill("Tortues radiées — Madagascar")
    page.get_by_label("Jurisdictions").fill("FR")
    page.get_by_role("button", name="Create the case").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tortues radiées")
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]

    page.get_by_role("link", name="Add a listing").click()
    page.get_by_role("button", name="Add").click()  # the URL is required: the browser says so before sending
    page.get_by_label("Address of the listing").fill("not an address")
    page.locator("main form").evaluate("form => form.noValidate = true")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#error_url")).to_be_visible()  # the API's typed error, beside the field
    clean(page)
    screenshot(page, "listing-form-error")

    capture = tmp_path / "tortoise.png"
    capture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"1" * 4096)
    page.goto(f"/cases/{reference}/add/evidence/")
    page.get_by_label("File").set_input_files(str(capture))
    page.get_by_label("Captured at").fill("2026-11-20T10:30")
    clean(page)
    page.get_by_role("button", name="Add").click()
    expect(page).to_have_url(re.compile(rf"/cases/{re.escape(reference)}/$"))  # sent by the script, as it says
    expect(page.locator("code.digest")).to_have_text(hashlib.sha256(capture.read_bytes()).hexdigest())
    screenshot(page, "case-with-evidence")
