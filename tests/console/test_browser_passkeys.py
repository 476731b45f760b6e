"""Passkeys in a real browser: Chromium's virtual authenticator (DevTools protocol) stands in for a laptop's
passkey. An investigator who must enrol picks a passkey instead of an authenticator app, keeps the recovery
codes, signs out, and signs in again with the password and the passkey; axe-core checks every page."""

from __future__ import annotations

import re
from typing import Any

from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import Page, expect

from tests.console.browser import axe_violations, screenshot, sign_in
from tests.console.conftest import BrowserErrors


def a_laptop_with_a_passkey(page: Page) -> Any:
    """A platform authenticator that keeps passkeys and verifies its user (a fingerprint, say), always present."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})
    return cdp


def test_an_investigator_enrols_a_passkey_and_signs_in_with_it(
        page: Page, browser_errors: BrowserErrors, settings: Any, live_demo: str) -> None:
    settings.SECOND_FACTOR_REQUIRED = True  # as in production
    settings.OTP_WEBAUTHN_RP_ID = "localhost"  # WebAuthn allows plain http on localhost only
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_demo]
    a_laptop_with_a_passkey(page)

    sign_in(page, "inv.ofb", next_path="/cases/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    page.get_by_role("link", name="Use a passkey or security key instead").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a passkey or security key")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)  # nothing else until it is set up
    assert axe_violations(page) == []
    screenshot(page, "passkey-enrol")
    page.get_by_label("Name of this passkey (optional)").fill("Work laptop")
    page.get_by_role("button", name="Set up a passkey or security key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    assert len(page.locator(".recovery-codes code").all_inner_texts()) == 10
    page.get_by_role("link", name="I have kept them").click()
    expect(page).to_have_url(re.compile(r"/cases/$"))
    assert WebAuthnCredential.objects.get(user__username="inv.ofb").name == "Work laptop"

    page.goto("/accounts/second-factor/")
    expect(page.get_by_role("cell", name="Work laptop", exact=True)).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))

    sign_in(page, "inv.ofb", next_path="/cases/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your second factor")
    button = page.get_by_role("button", name="Use a passkey or security key")
    expect(button).to_be_visible()
    expect(page.get_by_label("Code", exact=True)).to_be_visible()  # the codes still work beside it
    assert axe_violations(page) == []
    screenshot(page, "passkey")
    button.click()
    expect(page).to_have_url(re.compile(r"/cases/$"))
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    assert WebAuthnCredential.objects.get(user__username="inv.ofb").last_used_at is not None


def test_a_cancelled_or_refused_passkey_says_so_and_leaves_the_code(
        page: Page, browser_errors: BrowserErrors, settings: Any, live_demo: str) -> None:
    browser_errors.allow("status of 400")  # the refused passkey's answer
    settings.SECOND_FACTOR_REQUIRED = True
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_demo]
    a_laptop_with_a_passkey(page)
    sign_in(page, "inv.ofb", next_path="/cases/")
    page.get_by_role("link", name="Use a passkey or security key instead").click()
    page.get_by_role("button", name="Set up a passkey or security key").click()
    page.get_by_role("link", name="I have kept them").click()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "inv.ofb", next_path="/cases/")
    # the officer closes the browser's passkey dialogue
    page.evaluate("() => { navigator.credentials.get = () => "
                  "Promise.reject(new DOMException('', 'NotAllowedError')); }")
    page.get_by_role("button", name="Use a passkey or security key").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Your passkey or security key was not used: the browser or the key refused or was cancelled. Try again, or "
        "type a code.")
    expect(page.get_by_role("button", name="Use a passkey or security key")).to_be_enabled()

    page.reload()
    # the server has seen a higher signature counter than the key now sends: a cloned key, refused
    WebAuthnCredential.objects.filter(user__username="inv.ofb").update(sign_count=1000)
    page.get_by_role("button", name="Use a passkey or security key").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Your passkey or security key was not accepted. Try again, or type a code.")
    expect(page.get_by_label("Code", exact=True)).to_be_visible()
    assert axe_violations(page) == []
