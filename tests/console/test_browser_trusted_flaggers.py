"""A platform officer finds a trusted flagger's notice (DSA Art. 22) in a real browser: filters the inbox on it,
reads the badge and the flagger's status on the notice page, with axe-core and the strict CSP in force.
Screenshot "notice-trusted-flagger"."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from agencies.models import Agency
from compliance.deadlines import notice_state
from compliance.models import TakedownNotice
from tests.console.browser import axe_violations, screenshot, sign_in
from tests.console.conftest import BrowserErrors

STATUS = "DSC-BE/2026/TF-0042"


def test_a_platform_officer_filters_and_reads_a_trusted_flaggers_notice(page: Page,
                                                                          browser_errors: BrowserErrors) -> None:
    ngo = Agency.objects.get(code="ngo-ifaw")
    ngo.trusted_flagger_reference = STATUS
    ngo.save(update_fields=["trusted_flagger_reference"])
    notices = TakedownNotice.objects.filter(platform__code="pf-leboncoin").order_by("pk")
    notice = next(n for n in notices if notice_state(n) == "sent")
    TakedownNotice.objects.filter(pk=notice.pk).update(trusted_flagger=ngo, trusted_flagger_reference=STATUS)
    sign_in(page, "pf.leboncoin")

    page.goto("/notices/")
    page.get_by_label("From trusted flaggers only").check()
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.notices tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(notice.reference)
    expect(rows.first).to_contain_text("Trusted flagger (DSA Art. 22)")
    assert axe_violations(page) == []

    page.get_by_role("link", name=notice.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Notice {notice.reference}")
    expect(page.locator("p.trusted-flagger")).to_contain_text(f"a report by {ngo.name}, a trusted flagger "
                                                              f"(status {STATUS})")
    assert axe_violations(page) == []
    screenshot(page, "notice-trusted-flagger")
