"""The CITES model measures in a real browser, with axe-core on every page: the French coordinator sets a
measure with evidence, signs the assessment off, then opens and prints the national report; the Spanish
coordinator reads their report with the measures' titles and headings in Spanish."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.console.browser import axe_violations, screenshot, sign_in
from tests.console.conftest import BrowserErrors


def test_the_coordinator_sets_a_measure_with_evidence_signs_off_and_prints_the_report(
        page: Page, browser_errors: BrowserErrors, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    sign_in(page, "coord.fr")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Model measures").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("CITES model measures")
    assert axe_violations(page) == []

    page.get_by_role("link", name="2026", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Model measures: FR, 2026")
    expect(page.locator("#indicator-listings_monthly")).to_contain_text("Method:")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Edit BP-A-05").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("BP-A-05")
    assert axe_violations(page) == []
    page.get_by_label(re.compile(r"^Status")).select_option("IMPLEMENTED")
    page.get_by_label("Responsible agency").select_option(label="Office français de la biodiversité")
    page.get_by_label("Notes").fill("Open-source intelligence reviewed every quarter.")
    page.get_by_label("Link", exact=True).fill("https://www.ofb.gouv.fr/osint")
    page.get_by_label("Caption of the link").fill("OSINT protocol")
    page.get_by_label("File", exact=True).set_input_files(
        files=[{"name": "protocol.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 protocol"}])
    page.get_by_label("Caption of the file").fill("Protocol (PDF)")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Measure BP-A-05 saved.")
    row = page.locator("#measure-BP-A-05")
    expect(row).to_contain_text("Implemented")
    expect(row.get_by_role("link", name="OSINT protocol")).to_be_visible()
    expect(row.get_by_role("link", name="Protocol (PDF)")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "measures-assessment")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_role("status")).to_contain_text("The assessment is signed off.")
    expect(page.locator("dl.facts").first).to_contain_text("Signed off")
    expect(page.get_by_role("button", name="Sign off")).to_have_count(0)

    page.get_by_role("link", name="National report (print or PDF)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Implementation of the CITES model measures against wildlife crime linked to the Internet")
    print_button = page.get_by_role("button", name="Print or save as PDF")
    expect(print_button).to_be_visible()  # shown by the report's script
    expect(page.get_by_role("link", name="Download CSV")).to_be_visible()
    expect(page.locator("body")).to_contain_text("4 measures changed status")  # three in the demo, and BP-A-05
    assert axe_violations(page) == []
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(print_button).to_be_hidden()
    expect(page.get_by_role("link", name="Download JSON")).to_be_hidden()
    expect(page.get_by_role("heading", name="Indicators from WildNet's records")).to_be_visible()
    screenshot(page, "national-report")


@pytest.mark.parametrize("locale", ["es"])
def test_the_spanish_coordinators_report_has_spanish_titles_and_headings(
        page: Page, browser_errors: BrowserErrors, locale: str) -> None:
    sign_in(page, "coord.es")
    page.goto("/measures/ES/2026/report/")
    expect(page.get_by_role("heading", level=2, name="Mejores prácticas")).to_be_visible()
    expect(page.get_by_role("heading", level=3, name=re.compile(r"^Mejores prácticas y medidas nacionales")))\
        .to_be_visible()
    expect(page.locator("#main")).to_contain_text("Plataforma nacional de colaboración interinstitucional")
    expect(page.locator("#main")).not_to_contain_text("Plateforme nationale")
    assert axe_violations(page) == []
