"""The whole officer's story of issue 12, in a real browser, in English, French and Spanish.

inv.ofb signs in, declares a purpose, searches a phone typed nationally, creates a case and adds that phone typed
another way, sees the link chart join the new case to the ivory case, shares the new case with customs withholding
personal data, handles an alert and signs out; inv.douane signs in, declares a purpose, reads the shared case with
its redactions and signs out. Every label the test clicks is looked up in the product's own catalogue, so the test
reads the page as a French or Spanish officer would; axe-core checks every page.
"""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from cases.models import Case, WatchAlert
from officers.models import Officer
from outbox.actions import deliver_due
from tests.console.browser import axe_violations, sign_in
from tests.console.conftest import LANGUAGES


def clean(page: Page) -> None:
    assert axe_violations(page) == []


@pytest.mark.parametrize("locale", LANGUAGES)
def test_an_investigator_and_a_recipient_do_their_work_in_their_language(page: Page, locale: str) -> None:
    Officer.objects.filter(username__in=["inv.ofb", "inv.douane"]).update(preferred_language=locale)
    deliver_due()  # the worker's part: the demo watchlists raise their alerts
    ivory = Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")

    def _(message: str) -> str:
        with translation.override(locale):
            return translation.gettext(message)

    def declare_purpose() -> None:
        page.locator("a.declare").click()
        page.locator("input[value=INVESTIGATION]").check()
        page.get_by_role("button", name=_("Declare"), exact=True).click()
        expect(page.locator(".purpose strong")).to_have_text(_("Investigation"))

    def sign_out() -> None:
        page.get_by_role("button", name=_("Sign out")).click()
        expect(page).to_have_url(re.compile(r"/accounts/login/$"))

    sign_in(page, "inv.ofb")
    expect(page.locator("html")).to_have_attribute("lang", locale)
    declare_purpose()

    page.get_by_role("navigation", name=_("Main")).get_by_role("link", name=_("Search"), exact=True).click()
    page.get_by_role("searchbox").fill("0612345678")
    page.locator("form[role=search] button[type=submit]").click()
    expect(page.get_by_role("link", name=ivory.reference, exact=True).first).to_be_visible()  # the phone's case
    clean(page)

    page.goto("/cases/new/")
    page.get_by_label(_("Title")).fill(f"Ivoire — revendeur ({locale})")
    page.get_by_label(_("Jurisdictions")).fill("FR")
    page.get_by_role("button", name=_("Create the case")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Ivoire — revendeur ({locale})")
    created = Case.objects.get(title=f"Ivoire — revendeur ({locale})")

    page.get_by_role("link", name=_("Add an identifier")).click()
    page.get_by_label(_("Kind")).select_option("PHONE")
    page.get_by_label(_("Value")).fill("06.12.34.56.78")
    page.get_by_label(_("Role in the case")).select_option("SELLER")
    clean(page)
    page.get_by_role("button", name=_("Add"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(created.reference)
    expect(page.get_by_text("+33612345678")).to_be_visible()

    page.goto(f"/cases/{created.reference}/graph/")
    expect(page.locator("svg.linkchart-svg")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(re.escape(ivory.reference))).first).to_be_attached()
    clean(page)

    page.goto(f"/cases/{created.reference}/")
    page.get_by_role("link", name=_("Share this case")).click()
    page.get_by_label(re.compile(r"^Direction générale des douanes")).check()
    page.locator("#redact-PERSONAL_DATA").check()
    page.get_by_label(_("Why you share this case")).fill("Colis via Roissy")
    clean(page)
    page.get_by_role("button", name=_("Share"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(created.reference)

    page.get_by_role("navigation", name=_("Main")).get_by_role("link", name=re.compile(_("Alerts"))).click()
    expect(page).to_have_url(re.compile(r"/search/alerts/$"))
    # The button posts through htmx once htmx has read the page; clicked before, it submits the plain form, and the
    # list then comes back without the handled alert.
    page.wait_for_load_state("load")
    before = WatchAlert.objects.filter(watchlist__owner_agency__code="fr-ofb", handled_at__isnull=True).count()
    handle = re.compile("^" + re.escape(_("Mark handled")))
    page.locator("table.alerts tbody tr").first.get_by_role("button", name=handle).click()
    expect(page.locator("table.alerts tbody tr").first).to_contain_text("Thomas Lefèvre")
    assert WatchAlert.objects.filter(watchlist__owner_agency__code="fr-ofb",
                                     handled_at__isnull=True).count() == before - 1
    clean(page)
    sign_out()

    sign_in(page, "inv.douane")
    declare_purpose()
    page.goto(f"/cases/{created.reference}/")
    expect(page.locator(".notice")).to_contain_text(_("Shared with your agency with parts withheld:"))
    expect(page.get_by_text("+33612345678")).to_have_count(0)  # the personal data withheld
    clean(page)
    sign_out()
