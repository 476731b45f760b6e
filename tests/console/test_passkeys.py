"""Passkeys and security keys (WebAuthn) as a second factor: enrolled instead of an authenticator app, given
instead of a code, each answer good once and only for its own officer, removed under the same rules."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from graphql_relay import to_global_id

from api.context import CONFIRMED_SESSION_KEY
from audit.models import AuditEvent
from officers import second_factor
from officers.models import Officer
from tests.console.soft_authenticator import SoftAuthenticator
from tests.console.test_second_factor import graphql, sign_in
from tests.console.test_shell import signed_in

pytestmark = pytest.mark.django_db

PAGE = "/accounts/second-factor/passkey/"
REGISTRATION_OPTIONS = "/accounts/second-factor/passkey/options/"
SIGN_IN_OPTIONS = "/accounts/second-factor/passkey/sign-in-options/"
CODE = "/accounts/second-factor/code/"


@pytest.fixture
def required(settings: Any) -> None:
    settings.SECOND_FACTOR_REQUIRED = True  # as in production


def soft_key() -> SoftAuthenticator:
    return SoftAuthenticator(origin=settings.OTP_WEBAUTHN_ALLOWED_ORIGINS[0])


def options(client: Client, address: str) -> dict[str, Any]:
    response = client.post(address)
    assert response.status_code == 200, response.content.decode()
    return response.json()


def enrol(client: Client, key: SoftAuthenticator, name: str = "Laptop") -> Any:
    answer = key.create(options(client, REGISTRATION_OPTIONS))
    return client.post(PAGE, {"credential": json.dumps(answer), "name": name, "next": "/cases/"})


def enrolled(username: str) -> SoftAuthenticator:
    """An officer with a passkey (enrolled through the pages, in a session of its own)."""
    key = soft_key()
    assert enrol(signed_in(username), key).status_code in (200, 302)
    return key


def verified(username: str, key: SoftAuthenticator) -> Client:
    """A session that gave the password, then the passkey."""
    client = sign_in(username)
    assert client.post(CODE, {"credential": json.dumps(key.get(options(client, SIGN_IN_OPTIONS)))}).status_code == 302
    return client


def test_a_passkey_is_an_alternative_at_forced_enrolment_and_brings_recovery_codes(
        world: None, required: None) -> None:
    client = sign_in("inv.ofb")
    enrolment = client.get("/accounts/second-factor/enrol/?next=/cases/").content.decode()
    assert "Use a passkey or security key instead" in enrolment
    page = client.get(f"{PAGE}?next=/cases/")
    assert page.status_code == 200 and re.search(r'<form [^>]*data-passkey="register"[^>]* hidden>',
                                                 page.content.decode())  # without the script: the notice only
    assert "This browser cannot use passkeys here" in page.content.decode()
    creation = options(client, REGISTRATION_OPTIONS)
    assert creation["rp"] == {"id": "localhost", "name": "WildNet"}
    assert creation["authenticatorSelection"]["userVerification"] == "preferred"
    assert creation["user"]["name"] == "inv.ofb"
    answer = soft_key().create(creation)
    done = client.post(PAGE, {"credential": json.dumps(answer), "name": "Work laptop", "next": "/cases/"})
    codes = re.findall(r"<code>([a-z2-7]{5}-[a-z2-7]{5})</code>", done.content.decode())
    assert done.status_code == 200 and len(codes) == 10
    assert WebAuthnCredential.objects.get(user__username="inv.ofb").name == "Work laptop"
    assert client.session[second_factor.STATE] == second_factor.VERIFIED
    assert client.get("/cases/").status_code == 200
    assert graphql(client, "{ cases { totalCount } }")["status"] == 200
    assert AuditEvent.objects.filter(action="auth.second_factor.enrol", details__kind="passkey",
                                     outcome="allowed").exists()


def test_an_officer_with_recovery_codes_keeps_them_when_adding_a_passkey(world: None) -> None:
    client = signed_in("inv.ofb")
    TOTPDevice.objects.create(user=Officer.objects.get(username="inv.ofb"), name="Phone", confirmed=True)
    client.post("/accounts/second-factor/recovery-codes/")
    response = enrol(client, soft_key())
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert StaticToken.objects.filter(device__user__username="inv.ofb").count() == 10


def test_the_code_page_offers_the_passkey_and_the_passkey_signs_in(world: None, required: None) -> None:
    key = enrolled("inv.ofb")
    client = sign_in("inv.ofb")
    assert client.get("/cases/").status_code == 302
    page = client.get(f"{CODE}?next=/cases/").content.decode()
    assert "Use a passkey or security key" in page and 'name="code"' in page  # codes work without JavaScript
    assert re.search(r'<form [^>]*data-passkey="authenticate"[^>]* hidden>', page)  # shown by the script
    assert "Use your passkey or security key for WildNet" in page  # no app to speak of
    request = options(client, SIGN_IN_OPTIONS)
    assert request["rpId"] == "localhost" and request["userVerification"] == "preferred"
    assert [credential["id"] for credential in request["allowCredentials"]] == [key.get(request)["id"]]
    key.count -= 1  # that answer was only to read the credential's id
    session_key = client.session.session_key
    response = client.post(CODE, {"credential": json.dumps(key.get(request)), "next": "/cases/"})
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert client.session.session_key != session_key  # rotated at the change of privilege
    assert client.get("/cases/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.second_factor", details__kind="passkey",
                                     outcome="allowed").count() == 1
    assert WebAuthnCredential.objects.get(user__username="inv.ofb").last_used_at is not None


def test_an_answer_is_good_once(world: None, required: None) -> None:
    key = enrolled("inv.ofb")
    first = sign_in("inv.ofb")
    answer = json.dumps(key.get(options(first, SIGN_IN_OPTIONS)))
    assert first.post(CODE, {"credential": answer}).status_code == 302
    second = sign_in("inv.ofb")
    options(second, SIGN_IN_OPTIONS)  # a new challenge: the old answer does not sign it
    replayed = second.post(CODE, {"credential": answer})
    assert replayed.status_code == 400 and "was not accepted" in replayed.content.decode()
    third = sign_in("inv.ofb")
    challenge = options(third, SIGN_IN_OPTIONS)
    answer = json.dumps(key.get(challenge))
    assert third.post(CODE, {"credential": "{}"}).status_code == 400  # a malformed answer uses the challenge up
    assert third.post(CODE, {"credential": answer}).status_code == 400
    assert third.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.second_factor", details__kind="passkey",
                                     outcome="denied").count() == 3


def test_another_officers_passkey_is_refused(world: None, required: None) -> None:
    enrolled("inv.ofb")
    theirs = enrolled("sup.ofb")
    client = sign_in("inv.ofb")
    challenge = options(client, SIGN_IN_OPTIONS)
    response = client.post(CODE, {"credential": json.dumps(theirs.get({**challenge}))})
    assert response.status_code == 400
    assert client.get("/cases/").status_code == 302


def test_a_signature_for_another_site_is_refused(world: None, required: None) -> None:
    key = enrolled("inv.ofb")
    client = sign_in("inv.ofb")
    challenge = options(client, SIGN_IN_OPTIONS)
    key.origin = "https://wildnet.example.org"  # a look-alike site relaying our challenge
    assert client.post(CODE, {"credential": json.dumps(key.get(challenge))}).status_code == 400


def test_a_pending_session_cannot_add_a_passkey(world: None, required: None) -> None:
    enrolled("inv.ofb")
    client = sign_in("inv.ofb")
    assert client.get(PAGE)["Location"].startswith(CODE)
    assert client.post(REGISTRATION_OPTIONS).status_code == 403
    assert client.post(PAGE, {"credential": json.dumps(soft_key().create(
        {"user": {"id": ""}, "rp": {"id": "localhost"}, "challenge": ""}))}).status_code == 302
    assert WebAuthnCredential.objects.filter(user__username="inv.ofb").count() == 1


def test_the_sign_in_options_are_only_for_a_pending_session(world: None) -> None:
    assert signed_in("inv.ofb").post(SIGN_IN_OPTIONS).status_code == 409


def test_adding_a_passkey_later_asks_for_the_password_again(world: None) -> None:
    client = signed_in("inv.ofb")
    session = client.session
    session[CONFIRMED_SESSION_KEY] = time.time() - 3600
    session.save()
    assert "Confirm your password" in client.get(PAGE).content.decode()
    assert client.post(REGISTRATION_OPTIONS).status_code == 403
    assert not WebAuthnCredential.objects.filter(user__username="inv.ofb").exists()


def test_a_forged_registration_is_refused(world: None, required: None) -> None:
    client = sign_in("inv.ofb")
    creation = options(client, REGISTRATION_OPTIONS)
    answer = soft_key().create({**creation, "challenge": "bm90LXRoZS1jaGFsbGVuZ2U"})
    response = client.post(PAGE, {"credential": json.dumps(answer)})
    assert response.status_code == 400 and "The passkey was not set up" in response.content.decode()
    assert not WebAuthnCredential.objects.exists()
    assert AuditEvent.objects.filter(action="auth.second_factor.enrol", outcome="denied").exists()


def test_the_last_factor_stays_while_one_is_required(world: None, required: None) -> None:
    key = enrolled("inv.ofb")
    passkey = WebAuthnCredential.objects.get(user__username="inv.ofb")
    client = verified("inv.ofb", key)
    page = client.get("/accounts/second-factor/").content.decode()
    assert "Laptop" in page and "10 recovery codes left." in page
    response = client.post(f"/accounts/second-factor/passkeys/{passkey.pk}/remove/", follow=True)
    assert "add another authenticator before removing this one" in response.content.decode()
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
    TOTPDevice.objects.create(user=passkey.user, name="Phone", confirmed=True)
    client.post(f"/accounts/second-factor/passkeys/{passkey.pk}/remove/")
    assert not WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
    assert StaticToken.objects.filter(device__user=passkey.user).count() == 10  # the app is still there


def test_an_optional_passkey_is_removed_with_the_recovery_codes(world: None) -> None:
    key = enrolled("inv.ofb")
    enrolled("sup.ofb")
    mine = WebAuthnCredential.objects.get(user__username="inv.ofb")
    theirs = WebAuthnCredential.objects.get(user__username="sup.ofb")
    client = verified("inv.ofb", key)
    client.post(f"/accounts/second-factor/passkeys/{theirs.pk}/remove/")
    assert WebAuthnCredential.objects.filter(pk=theirs.pk).exists()  # another officer's: no such passkey
    client.post(f"/accounts/second-factor/passkeys/{mine.pk}/remove/")
    assert not WebAuthnCredential.objects.filter(pk=mine.pk).exists()
    assert not StaticToken.objects.filter(device__user__username="inv.ofb").exists()
    assert sign_in("inv.ofb").get("/").status_code == 200  # no factor asked any more
    assert AuditEvent.objects.filter(action="auth.second_factor.remove", details__kind="passkey").count() == 1


def test_a_reset_removes_the_passkeys(world: None) -> None:
    enrolled("inv.ofb")
    colleague = Officer.objects.get(username="inv.ofb")
    answer = graphql(signed_in("admin.ofb"), "mutation($id: ID!) { resetSecondFactor(officerId: $id) "
                     "{ errors { code } } }", {"id": to_global_id("Officer", colleague.pk)})
    assert answer["data"]["resetSecondFactor"]["errors"] == []
    assert not WebAuthnCredential.objects.filter(user=colleague).exists()


def test_the_code_page_has_no_passkey_button_without_a_passkey(world: None) -> None:
    TOTPDevice.objects.create(user=Officer.objects.get(username="inv.ofb"), name="Phone", confirmed=True)
    page = sign_in("inv.ofb").get(CODE).content.decode()
    assert 'name="code"' in page and "Use a passkey or security key" not in page
