"""A spotter reports a listing in a real browser: the form with a screenshot and a misspelt species, then the list.

Screenshot for the README with WILDNET_SCREENSHOTS=1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from reports.models import ReportScreenshot, SpotterReport
from tests.console.browser import axe_violations, screenshot, sign_in
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
