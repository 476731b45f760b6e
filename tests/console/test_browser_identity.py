"""Sign-in security in a real browser, with axe-core on every page: enrol an authenticator with a code the test
computes, sign in with it, use a recovery code once (and not twice), be locked out after five wrong passwords
without being told, and be asked for the password again before sharing a case."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from api.context import CONFIRMED_SESSION_KEY
from cases.models import Case
from officers.sessions import SessionStore
from tests.console.browser import axe_violations, screenshot, sign_in, sign_out
from tests.console.conftest import BrowserErrors
from wildnet.demo import DEMO_PASSWORD

WRONG = "not-the-password-2026"
#: Serial (``make test`` runs it in a process of its own): its codes follow the clock and django-otp's throttle
#: (a second after a wrong code), which a loaded machine, beside other test processes, once outran.
pytestmark = pytest.mark.serial


def clean(page: Page) -> None:
    assert axe_violations(page) == []



def code(key: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for ``key`` now (or ``steps_ahead`` 30-second steps later)."""
    return f"{totp(base64.b32decode(key.replace(' ', '')), drift=steps_ahead):06d}"


def type_code(page: Page, value: str) -> None:
    page.get_by_label("Code", exact=True).fill(value)
    page.get_by_role("button", name="Go on").click()


def test_an_investigator_enrols_an_authenticator_signs_in_with_it_and_a_recovery_code_works_once(
        page: Page, browser_errors: BrowserErrors, settings: Any) -> None:
    settings.SECOND_FACTOR_REQUIRED = True  # as in production
    browser_errors.allow("status of 400")  # the wrong codes' answers
    sign_in(page, "inv.ofb", next_path="/cases/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)  # nothing else until it is set up
    expect(page.get_by_role("img", name="QR code of your WildNet authenticator key")).to_be_visible()
    clean(page)
    screenshot(page, "second-factor-enrol")
    key = page.locator("code.key").inner_text()
    page.get_by_label("Name of this authenticator (optional)").fill("Work phone")
    page.get_by_label("Code", exact=True).fill(code(key))
    page.get_by_role("button", name="Set up", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    recovery = page.locator(".recovery-codes code").all_inner_texts()
    assert len(recovery) == 10
    clean(page)
    page.get_by_role("link", name="I have kept them").click()
    expect(page).to_have_url(re.compile(r"/cases/$"))
    sign_out(page)

    sign_in(page, "inv.ofb")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your second factor")
    clean(page)
    type_code(page, "000000")
    expect(page.get_by_role("alert")).to_contain_text("This code is not valid")
    # the wrong code holds the authenticator back for a second (django-otp's throttle): a recovery code is not
    type_code(page, recovery[0])
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    sign_out(page)

    sign_in(page, "inv.ofb")
    type_code(page, recovery[0])  # used: refused
    expect(page.get_by_role("alert")).to_contain_text("This code is not valid")
    type_code(page, code(key, steps_ahead=1))  # this step's code was used at enrolment; the app's drift allows it
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.goto("/accounts/second-factor/")
    expect(page.get_by_role("cell", name="Work phone", exact=True)).to_be_visible()
    expect(page.get_by_text("9 recovery codes left.")).to_be_visible()
    clean(page)


def test_five_wrong_passwords_lock_the_account_without_saying_so(page: Page, browser_errors: BrowserErrors) -> None:
    browser_errors.allow("status of 4")
    for _attempt in range(5):
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill("sup.ofb")
        page.get_by_label("Password").fill(WRONG)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_have_text(
            "The username or password is not right. Both are case-sensitive.")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("sup.ofb")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("The username or password is not right. Both are case-sensitive.")
    clean(page)
    sign_in(page, "inv.ofb")  # another account from the same address is not locked
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_sharing_after_a_while_asks_for_the_password_then_shares(page: Page, browser_errors: BrowserErrors) -> None:
    ivory = Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")
    sign_in(page, "inv.ofb")
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=cookie["value"])
    session[CONFIRMED_SESSION_KEY] = time.time() - 3600  # the password was typed an hour ago
    session.save()
    page.goto(f"/sharing/cases/{ivory.reference}/share/")
    page.get_by_label(re.compile(r"^Direction générale des douanes")).check()
    page.get_by_label("Why you share this case").fill("Parcels through Roissy")
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your password")
    clean(page)
    screenshot(page, "confirm-password")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Confirm and go on").click()
    expect(page.get_by_role("status")).to_contain_text("Case shared with Direction générale des douanes")
