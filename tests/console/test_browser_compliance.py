"""The platform compliance dashboard in a real browser, as the French national coordinator: the figures read in
hours, minutes and percentages, the charts drawn from their tables by charts.js (under the strict CSP), the
drill-down to the notices behind a figure, axe-core clean, and the charts still there when printed. Screenshot
"compliance-dashboard" for the README with WILDNET_SCREENSHOTS=1.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.console.browser import axe_violations, screenshot, sign_in


def test_a_coordinator_reads_the_compliance_dashboard_and_its_charts(page: Page) -> None:
    sign_in(page, "coord.fr")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Compliance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Platform compliance")
    figures = page.get_by_role("table", name="Figures by platform")
    expect(figures).to_contain_text("3 h 00 min")
    expect(figures).to_contain_text("16.7 %")
    expect(figures).not_to_contain_text("10800")

    times = page.get_by_role("img", name="Times to acknowledge and to act, by platform")
    expect(times).to_be_visible()
    expect(times.locator("g.chart-series[data-series]")).to_have_count(4)  # the table's four series
    expect(times.locator("rect.chart-bar")).to_have_count(4 + 4)  # one platform × four series, and the legend's
    acknowledge = page.get_by_role("img", name="Time to acknowledge, by month")
    expect(acknowledge.locator("g.chart-series[data-series]")).to_have_count(2)  # leboncoin: median, p90
    expect(acknowledge.locator("g[data-series] circle.chart-point")).to_have_count(2)  # one month with figures
    expect(page.locator("svg.chart-svg")).to_have_count(7)
    expect(page.locator("table.chart")).to_have_count(7)  # each still there, as the chart's data
    assert page.locator("svg.chart-svg[style], svg.chart-svg [style]").count() == 0
    assert axe_violations(page) == []
    screenshot(page, "compliance-dashboard")

    page.emulate_media(media="print")
    expect(times).to_be_visible()
    expect(page.get_by_role("table", name="Time to acknowledge, by month")).to_be_visible()
    page.emulate_media(media="screen")

    figures.get_by_role("link", name="1 of 6").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notices behind a compliance figure")
    expect(page.locator("table.notices tbody tr")).to_have_count(1)
    expect(page.locator("table.notices")).to_contain_text("leboncoin.fr/ad/antiquites/2456781234")
    assert axe_violations(page) == []
