"""Passkeys and security keys (WebAuthn) as a second factor, on django-otp-webauthn's devices and ceremonies.

py_webauthn (under django-otp-webauthn) checks every signature, challenge, origin, relying party and signature
counter: nothing here is cryptography. A ceremony has two steps: the options (with a fresh challenge kept in the
session) for the browser's ``navigator.credentials``, then the browser's answer, checked against that challenge,
which leaves the session before anything else: an answer is good once, in the session that asked for it.

Passkeys are a second factor only: the password comes first, always (``OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN``
is off, and the library's own views are not routed).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp_webauthn.exceptions import OTPWebAuthnApiError
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.utils import rewrite_exceptions
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import UserVerificationRequirement

from audit.actions import record
from audit.models import Outcome

from . import second_factor
from .models import Officer

#: The session keys of the ceremonies' challenges, each taken out at the answer.
REGISTRATION = "wildnet_passkey_registration"
AUTHENTICATION = "wildnet_passkey_authentication"

#: What a malformed, forged, replayed or foreign answer raises on its way through the library.
_REFUSED = (ValueError, TypeError, KeyError, WebAuthnException, OTPWebAuthnApiError, IntegrityError)


class Ceremonies(WebAuthnHelper):
    """django-otp-webauthn's ceremonies as WildNet holds them (``OTP_WEBAUTHN_HELPER_CLASS``).

    The relying party (id, name) and the allowed origin come from the settings (``WILDNET_PUBLIC_URL``). User
    verification (a PIN, a fingerprint) is "preferred" at sign-in as at registration: asked where the
    authenticator can, not required of a plain security key, since the password was given already.
    """

    def get_generate_authentication_options_kwargs(self, *, user: Any = None,
                                                   require_user_verification: bool) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().get_generate_authentication_options_kwargs(
            user=user, require_user_verification=require_user_verification)
        kwargs["user_verification"] = UserVerificationRequirement.PREFERRED
        return kwargs


def _officer(request: HttpRequest) -> Officer:
    assert isinstance(request.user, Officer)
    return request.user


def _challenge(request: HttpRequest, key: str) -> dict[str, Any] | None:
    state = request.session.pop(key, None)
    request.session.save()  # gone for good before the answer is even read: a second try finds nothing
    return state


def registration_options(request: HttpRequest) -> dict[str, Any]:
    """The options for ``navigator.credentials.create``: the officer's credentials already there are excluded."""
    options, state = Ceremonies(request).register_begin(user=_officer(request))
    request.session[REGISTRATION] = state
    return options


def confirm_registration(request: HttpRequest, answer: str, name: str) -> list[str] | None:
    """Keep the passkey the browser created for the options this session was given; as for an authenticator
    app, returns new recovery codes (shown once) when the officer had none, an empty list when they keep theirs,
    None when the answer is refused."""
    officer = _officer(request)
    state = _challenge(request, REGISTRATION)
    device = None
    if state is not None:
        try:
            with transaction.atomic(), rewrite_exceptions():
                device = Ceremonies(request).register_complete(user=officer, state=state, data=json.loads(answer))
                device.name = name.strip()[:64] or _("Passkey")
                device.save(update_fields=["name"])
        except _REFUSED:
            device = None
    if device is None:
        record("auth.second_factor.enrol", outcome=Outcome.DENIED, actor=officer, obj=officer,
               details={"kind": "passkey"})
        return None
    codes = [] if second_factor.recovery_codes_left(officer) else second_factor.new_recovery_codes(
        officer, audit=False)
    second_factor.enrolled(request, device, "passkey")
    return codes


def authentication_options(request: HttpRequest) -> dict[str, Any]:
    """The options for ``navigator.credentials.get``, naming the officer's own credentials only."""
    options, state = Ceremonies(request).authenticate_begin(user=_officer(request), require_user_verification=False)
    request.session[AUTHENTICATION] = state
    return options


def verify(request: HttpRequest, answer: str) -> bool:
    """Check the browser's signature with one of the officer's passkeys over this session's challenge.

    Another officer's credential, a challenge already answered (or never asked), another origin or relying
    party, a bad signature or a signature counter gone backwards (a cloned key) are refused, and audited so.
    """
    officer = _officer(request)
    state = _challenge(request, AUTHENTICATION)
    device: WebAuthnCredential | None = None
    if state is not None:
        try:
            with transaction.atomic(), rewrite_exceptions():
                device = Ceremonies(request).authenticate_complete(user=officer, state=state,
                                                                   data=json.loads(answer))
        except _REFUSED:
            device = None
    if device is None or not device.confirmed:
        record("auth.second_factor", outcome=Outcome.DENIED, actor=officer, obj=officer,
               details={"kind": "passkey"})
        return False
    second_factor.given(request, device, "passkey")
    return True
