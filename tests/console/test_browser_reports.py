"""A spotter's report in a real browser, from the form to the listing's removal: the spotter sends it with a
screenshot and a misspelt species, an OFB analyst triages it into a takedown notice, the platform removes the
listing, and the spotter reads "acted on" — each step checked with axe, under the strict CSP.

Screenshots for the README with WILDNET_SCREENSHOTS=1.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from cases.models import Evidence
from compliance.models import TakedownNotice
from reports.models import ReportScreenshot, SpotterReport
from tests.console.browser import axe_violations, screenshot, sign_in, sign_out
from tests.console.conftest import BrowserErrors

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00" + bytes(range(256))


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def test_a_spotter_reports_a_listing_with_a_screenshot_and_sees_it_received(
        page: Page, media: Path, browser_errors: BrowserErrors) -> None:
    sign_in(page, "spotter.ifaw")
    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My reports")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Report a listing").click()
    assert axe_violations(page) == []
    page.get_by_label("Address of the listing").fill("https://www.leboncoin.fr/ad/animaux/2481234567?utm_source=x")
    page.get_by_label("What you saw").fill("Jeune perroquet gris, « parle déjà », sans papiers.")
    page.get_by_label("Species").fill("perroquet gri")
    page.get_by_label("When you saw it").fill("2026-01-10T09:30")
    page.get_by_label("Language of the listing").fill("fr")
    page.get_by_label("Screenshots").set_input_files(
        files=[{"name": "annonce.png", "mimeType": "image/png", "buffer": PNG}])
    page.get_by_role("button", name="Send the report").click()

    expect(page.get_by_role("status")).to_contain_text("your report was received")
    row = page.locator("tr", has_text="https://www.leboncoin.fr/ad/animaux/2481234567")
    expect(row).to_contain_text("Received")
    expect(row).to_contain_text("Psittacus erithacus")
    expect(row).to_contain_text("1 screenshot")
    assert axe_violations(page) == []
    screenshot(page, "spotter-report")

    report = SpotterReport.objects.get(url="https://www.leboncoin.fr/ad/animaux/2481234567")
    assert ReportScreenshot.objects.get(report=report).content_type == "image/png"


def test_a_report_becomes_a_notice_the_platform_acts_on_and_the_spotter_reads_acted_on(
        page: Page, media: Path, browser_errors: BrowserErrors) -> None:
    address = "https://www.leboncoin.fr/ad/animaux/2489999999"
    sign_in(page, "spotter.ifaw")
    page.goto("/reports/new/")
    page.get_by_label("Address of the listing").fill(address)
    page.get_by_label("What you saw").fill("Perroquet gris adulte « avec cage », sans papiers, envoi possible.")
    page.get_by_label("Species").fill("perroquet gri")
    page.get_by_label("When you saw it").fill("2026-01-10T09:30")
    page.get_by_label("Screenshots").set_input_files(
        files=[{"name": "annonce.png", "mimeType": "image/png", "buffer": PNG}])
    page.get_by_role("button", name="Send the report").click()
    expect(page.locator("tr", has_text=address)).to_contain_text("Received")
    sign_out(page)

    sign_in(page, "ana.ofb")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Triage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Triage: spotters' reports")
    assert axe_violations(page) == []
    page.get_by_role("link", name=address).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spotter's report")
    expect(page.locator("dl.facts")).to_contain_text("Psittacus erithacus")
    assert axe_violations(page) == []
    screenshot(page, "triage-report")
    form = page.locator("form", has=page.get_by_role("button", name="Send the notice"))
    form.get_by_label("New case's title").fill("Perroquet gris — leboncoin (IFAW)")
    form.get_by_label(re.compile(r"^Law\b")).fill("Code de l'environnement")
    form.get_by_label(re.compile(r"^Article\b")).fill("L415-3")
    form.get_by_label("Statement of reasons").fill("Vente de Psittacus erithacus (annexe A) sans justificatif.")
    form.get_by_role("button", name="Send the notice").click()
    expect(page.get_by_role("status")).to_contain_text("sent to the platform")
    expect(page.locator("dl.facts")).to_contain_text("Acted on: sent to the platform")
    notice = TakedownNotice.objects.get(case__title="Perroquet gris — leboncoin (IFAW)")
    assert notice.trusted_flagger is not None and Evidence.objects.filter(case=notice.case).count() == 1
    sign_out(page)

    sign_in(page, "pf.leboncoin")
    page.goto(f"/notices/{notice.reference}/")
    expect(page.locator("main")).to_contain_text("Trusted flagger (DSA Art. 22)")
    page.get_by_role("link", name="Report the outcome of address 1").click()
    page.get_by_label("Removed", exact=True).check()
    page.get_by_label("Ground of the decision").select_option(label="Illegal content")
    page.get_by_role("button", name="Report the outcome").click()
    expect(page.get_by_role("status")).to_contain_text("Outcome recorded")
    sign_out(page)

    sign_in(page, "spotter.ifaw")
    page.get_by_role("link", name="Reports", exact=True).click()
    row = page.locator("tr", has_text=address)
    expect(row).to_contain_text("Acted on: sent to the platform")
    expect(row).not_to_contain_text(notice.reference)
    assert notice.reference not in page.content() and notice.case.reference not in page.content()
    assert axe_violations(page) == []


def test_the_programme_coordinator_reads_the_figures_with_their_chart(page: Page,
                                                                     browser_errors: BrowserErrors) -> None:
    sign_in(page, "coord.ifaw")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Report figures").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report figures")
    expect(page.get_by_role("table", name="By programme", exact=True)).to_contain_text("IFAW Europe")
    expect(page.locator("svg").first).to_be_visible()  # drawn by charts.js from the table, under the strict CSP
    assert axe_violations(page) == []
    screenshot(page, "report-figures")
