"""Administration in a real browser, with axe-core on every page: an agency administrator creates an officer, who
follows the invitation e-mail's link, chooses a password and signs in; a platform officer issues a token (shown
once), sees the calls to make with it, and revokes it."""

from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import Page, expect

from officers.models import ApiToken
from outbox.actions import deliver_due
from tests.console.browser import axe_violations, screenshot, sign_in, sign_out
from tests.console.test_shell import link_in


def test_an_administrator_creates_an_officer_who_follows_the_invitation_and_signs_in(page: Page) -> None:
    sign_in(page, "admin.ofb")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Officers").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Officers")
    expect(page.get_by_role("row", name=re.compile("Thomas Lefèvre"))).to_contain_text("Investigator")
    assert axe_violations(page) == []
    screenshot(page, "officers")

    page.get_by_role("link", name="New officer").click()
    page.get_by_label("Username").fill("n.morel")
    page.get_by_label("E-mail address").fill("n.morel@example.org")
    page.get_by_label("First name").fill("Nina")
    page.get_by_label("Last name").fill("Morel")
    page.get_by_label("Role").select_option("INVESTIGATOR")
    page.get_by_label("Clearance").select_option("RESTRICTED")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Create and send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text("an invitation to choose a password was sent to "
                                                       "n.morel@example.org")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nina Morel")
    assert axe_violations(page) == []
    sign_out(page)

    deliver_due()  # what the outbox worker does: the mail goes to Django's test mailbox
    (invitation,) = [message for message in mail.outbox if message.to == ["n.morel@example.org"]]
    page.goto(link_in(invitation.body))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your password")
    page.get_by_label("New password", exact=True).fill("kestrel-harbour-91")
    page.get_by_label("The same password again").fill("kestrel-harbour-91")
    page.get_by_role("button", name="Save the password").click()
    sign_in(page, "n.morel", "kestrel-harbour-91")
    expect(page.locator(".identity .name")).to_have_text("Nina Morel")


def test_a_platform_officer_issues_a_token_shown_once_and_revokes_it(page: Page) -> None:
    sign_in(page, "pf.leboncoin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Integration")
    page.get_by_label("Name").fill("moderation back office")
    page.get_by_label("Read and write").check()  # reading and writing: acknowledging needs it
    page.get_by_label("Lifetime in days").fill("30")
    page.get_by_role("button", name="Issue the token").click()
    raw = page.get_by_label("Token", exact=True).input_value()
    token = ApiToken.objects.get(name="moderation back office")
    assert raw.startswith(token.prefix) and len(raw) > 40
    expect(page.get_by_role("status")).to_contain_text("shown this once")
    expect(page.get_by_role("heading", name="What your systems send")).to_be_visible()
    expect(page.locator("pre").filter(has_text="acknowledgeNotice")).to_contain_text(
        "Authorization: Bearer $WILDNET_TOKEN")
    assert axe_violations(page) == []
    screenshot(page, "integration")

    page.goto("/integration/")
    assert raw not in page.content()
    row = page.get_by_role("row", name=re.compile("moderation back office"))
    expect(row).to_contain_text(f"{token.prefix}…")
    row.get_by_role("button", name="Revoke the token “moderation back office”").click()
    expect(page.get_by_role("status")).to_contain_text("is revoked")
    expect(page.get_by_role("row", name=re.compile("moderation back office"))).to_contain_text("Revoked")
    assert axe_violations(page) == []
    token.refresh_from_db()
    assert token.revoked_at is not None
