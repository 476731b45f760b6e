"""The platform compliance dashboard in a real browser, as the French national coordinator: the figures read in
hours, minutes and percentages, the charts drawn from their tables by charts.js (under the strict CSP), the
drill-down to the notices behind a figure, axe-core clean, and the charts still there when printed. Screenshot
"compliance-dashboard" for the README with WILDNET_SCREENSHOTS=1.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.console.browser import axe_violations, screenshot, sign_in


def test_a_coordinator_reads_the_compliance_dashboard_and_its_charts(page: Page) -> None:
    sign_in(page, "coord.fr")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Compliance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Platform compliance")
    figures = page.get_by_role("table", name="Figures by platform")
    expect(figures).to_contain_text(re.compile(r"\d+ h \d\d min"))
    expect(figures).to_contain_text(re.compile(r"\d+\.\d %"))
    assert not re.search(r"\d{4,}|0\.\d{3,}", figures.inner_text())  # no seconds, no bare ratios

    times = page.get_by_role("img", name="Times to acknowledge and to act, by platform")
    expect(times).to_be_visible()
    expect(times.locator("g.chart-series[data-series]")).to_have_count(4)  # the table's four series
    drawn = page.locator("#chart-compare-times td[data-value]").count()
    assert drawn >= 2
    expect(times.locator("g[data-series] rect.chart-bar")).to_have_count(drawn)  # a bar per figure of the table
    acknowledge = page.get_by_role("img", name="Time to acknowledge, by month")
    platforms = page.locator("#chart-compare-times tbody tr").count()
    expect(acknowledge.locator("g.chart-series[data-series]")).to_have_count(2 * platforms)  # median and p90
    expect(acknowledge.locator("g[data-series] circle.chart-point")).to_have_count(
        page.locator("#chart-acknowledge td[data-value]").count())
    expect(page.locator("svg.chart-svg")).to_have_count(7)
    expect(page.locator("table.chart")).to_have_count(7)  # each still there, as the chart's data
    assert page.locator("svg.chart-svg[style], svg.chart-svg [style]").count() == 0
    assert axe_violations(page) == []
    screenshot(page, "compliance-dashboard")

    page.emulate_media(media="print")
    expect(times).to_be_visible()
    expect(page.get_by_role("table", name="Time to acknowledge, by month")).to_be_visible()
    page.emulate_media(media="screen")

    figures.get_by_role("row", name=re.compile("^Items acted on")).get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notices behind a compliance figure")
    expect(page.locator("table.notices tbody tr").first).to_contain_text("Office français de la biodiversité")
    assert axe_violations(page) == []
