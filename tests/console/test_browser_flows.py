"""The officer's flows in a real browser, in English, French and Spanish, with axe-core on every page.

Sign in, declare a purpose, search, open the shared case found, meet a case of another agency (which answers as a
case that does not exist), sign out. Screenshots for the README with WILDNET_SCREENSHOTS=1.
"""

from __future__ import annotations

import re

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
