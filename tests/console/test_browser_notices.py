"""A platform's trust and safety officer answers notices in a real browser: reads the inbox, acknowledges two
notices at once, reports one address removed and refuses another with reasons, with axe-core on the inbox, the
notice page and the outcome form, and the strict CSP in force. Screenshots "notice-inbox" and "notice-page".
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from compliance.deadlines import notice_state
from compliance.models import ItemOutcome, NoticeStatus, TakedownNotice
from tests.console.browser import axe_violations, screenshot, sign_in
from tests.console.conftest import BrowserErrors


def _leboncoin(state: str) -> TakedownNotice:
    notices = TakedownNotice.objects.filter(platform__code="pf-leboncoin").order_by("pk")
    return next(notice for notice in notices if notice_state(notice) == state)


def _coordinator_figures(page: Page) -> tuple[int, int]:
    """Items acted on and items rejected by Leboncoin over the last 12 months, as coord.fr reads them."""
    sign_in(page, "coord.fr")
    page.goto("/compliance/dashboard/?platform=pf-leboncoin")
    figures = page.get_by_role("table", name="Figures by platform")
    acted = figures.get_by_role("row", name=re.compile("^Items acted on")).get_by_role("cell").inner_text()
    rejected = figures.get_by_role("row", name=re.compile("^Items rejected")).get_by_role("cell").inner_text()
    page.get_by_role("button", name="Sign out").click()
    return int(acted.split()[0]), int(rejected)


def test_a_platform_officer_acknowledges_notices_and_reports_outcomes_the_coordinator_sees_it(
        page: Page, browser_errors: BrowserErrors) -> None:
    browser_errors.allow("status of 400")  # a refused form answers 400, which Chromium logs
    sent, overdue, escalated = (_leboncoin(state) for state in ("sent", "overdue", "escalated"))
    acted_before, rejected_before = _coordinator_figures(page)
    sign_in(page, "pf.leboncoin")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Notices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Takedown notices")
    rows = page.locator("table.notices tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text(escalated.reference)  # the most late first
    expect(rows.first).to_contain_text("Overdue and escalated")
    assert axe_violations(page) == []
    screenshot(page, "notice-inbox")

    page.get_by_label(f"Select {sent.reference}").check()
    page.get_by_label(f"Select {overdue.reference}").check()
    page.get_by_role("button", name="Acknowledge the selected notices").click()
    expect(page.get_by_role("status")).to_contain_text("2 notices acknowledged")
    for notice in (sent, overdue):
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.ACKNOWLEDGED
    expect(page.get_by_label(f"Select {sent.reference}")).to_have_count(0)

    page.get_by_role("link", name=sent.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Notice {sent.reference}")
    expect(page.get_by_role("link", name=sent.items.get().url)).to_have_attribute("rel", "noreferrer noopener")
    assert axe_violations(page) == []
    screenshot(page, "notice-page")

    page.get_by_role("link", name="Report the outcome of address 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Outcome of address 1")
    assert axe_violations(page) == []
    page.get_by_label("Removed", exact=True).check()
    page.get_by_label("Ground of the decision").select_option(label="Illegal content")
    page.get_by_role("button", name="Report the outcome").click()
    expect(page.get_by_role("status")).to_contain_text("Outcome recorded")
    assert sent.items.get().outcome == ItemOutcome.REMOVED

    page.goto(f"/notices/{overdue.reference}/items/1/")
    page.get_by_label("Rejected, with reasons").check()
    page.get_by_role("button", name="Report the outcome").click()
    expect(page.locator("#error_reason")).to_contain_text("A rejection states its reasons")  # the API's rule
    assert axe_violations(page) == []
    page.get_by_label("Statement of reasons", exact=True).fill("Objet antérieur à 1947 avec un certificat intra-UE.")
    page.get_by_role("button", name="Report the outcome").click()
    expect(page.get_by_role("status")).to_contain_text("Outcome recorded")
    item = overdue.items.get()
    assert item.outcome == ItemOutcome.REJECTED and item.reason.startswith("Objet antérieur")
    page.get_by_role("button", name="Sign out").click()

    assert _coordinator_figures(page) == (acted_before + 1, rejected_before + 1)
