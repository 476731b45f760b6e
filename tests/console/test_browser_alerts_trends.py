"""Alerts, trends and the cyber alert in a real browser: an investigator handles an alert in place (htmx), reads
the trend charts and the printable summary, with axe-core on every page and the strict CSP in force.
Screenshots "alerts" and "trends" for the README with WILDNET_SCREENSHOTS=1.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from cases.models import WatchAlert
from outbox.actions import deliver_due
from tests.console.browser import axe_violations, screenshot, sign_in


def test_an_investigator_handles_an_alert_and_reads_the_trends(page: Page) -> None:
    deliver_due()  # the worker's part: the watchlists meet the demo listings and raise their alerts
    unhandled = WatchAlert.objects.filter(watchlist__owner_agency__code="fr-ofb", handled_at__isnull=True).count()
    assert unhandled > 1
    sign_in(page, "inv.ofb")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alerts")
    rows = page.locator("table.alerts tbody tr")
    expect(rows).to_have_count(unhandled)
    assert axe_violations(page) == []
    screenshot(page, "alerts")

    first = rows.first
    first.get_by_role("button", name="Mark handled").click()
    expect(first).to_contain_text("Handled by Thomas Lefèvre")  # the row drawn again in place, no reload
    expect(page.get_by_role("heading", level=1)).to_have_text("Alerts")
    assert WatchAlert.objects.filter(watchlist__owner_agency__code="fr-ofb", handled_at__isnull=True).count() \
        == unhandled - 1
    page.reload()
    expect(rows).to_have_count(unhandled - 1)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Trends").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trends")
    chart = page.locator("section[aria-labelledby=chart-species] svg")
    expect(chart).to_be_visible()
    expect(chart.locator("text", has_text="Loxodonta africana")).to_have_count(1)
    expect(page.get_by_role("table", name="Listings by species: listings per period")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "trends")

    page.get_by_role("link", name="Printable cyber alert for this period").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cyber alert")
    expect(page.get_by_role("button", name="Print")).to_be_visible()  # shown by print.js
    page.emulate_media(media="print")
    expect(page.locator("form.trend-filters")).to_be_hidden()
    page.emulate_media(media="screen")
    assert axe_violations(page) == []
