"""The second factor: TOTP authenticator apps, passkeys and security keys (WebAuthn: :mod:`officers.passkeys`),
and single-use recovery codes (django-otp's devices).

Whether an officer must use one: every role that reads intelligence, grants access or administers, where the
deployment requires it (``SECOND_FACTOR_REQUIRED``, on in the production profile), and every officer of an agency
that requires it. An officer who has enrolled a factor is asked for it at every sign-in, required or not.

What a session has done is decided once, at sign-in, and kept in the session (``STATE``): the gate
(:class:`officers.middleware.SecondFactorMiddleware`) then reads no table on any request.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from access.errors import ActionError, ErrorCode
from audit.actions import record
from audit.models import Outcome
from outbox.actions import send_mail

from .models import Officer, Role

#: The session key of the second factor's state: one of the constants below.
STATE = "wildnet_second_factor"
FREE = "free"  # neither required nor enrolled
ENROL = "enrol"  # required and not enrolled: enrolment is all the session may do
PENDING = "pending"  # enrolled, not yet given in this session: the code is all it may give
VERIFIED = "verified"

#: The roles that read intelligence, grant access or administer: a second factor where the deployment requires it.
ROLES = frozenset({Role.ANALYST, Role.INVESTIGATOR, Role.SUPERVISOR, Role.AGENCY_ADMIN, Role.NATIONAL_COORDINATOR,
                   Role.SYSTEM_ADMIN})
RECOVERY_CODES = 10
RECOVERY_DEVICE = "Recovery codes"


def required_for(officer: Officer) -> bool:
    return (settings.SECOND_FACTOR_REQUIRED and officer.role in ROLES) or officer.agency.requires_second_factor


def authenticators(officer: Officer) -> list[TOTPDevice]:
    return list(TOTPDevice.objects.filter(user=officer, confirmed=True).order_by("created_at", "pk"))


def passkeys(officer: Officer) -> list[WebAuthnCredential]:
    return list(WebAuthnCredential.objects.filter(user=officer, confirmed=True).order_by("created_at", "pk"))


def has_factor(officer: Officer) -> bool:
    """An authenticator app or a passkey: what recovery codes stand in for."""
    return (TOTPDevice.objects.filter(user=officer, confirmed=True).exists()
            or WebAuthnCredential.objects.filter(user=officer, confirmed=True).exists())


def recovery_codes_left(officer: Officer) -> int:
    return StaticToken.objects.filter(device__user=officer, device__confirmed=True).count()


def state_at_sign_in(officer: Officer) -> str:
    if has_factor(officer):
        return PENDING
    return ENROL if required_for(officer) else FREE


@receiver(user_logged_in)
def _decide_at_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session") and isinstance(user, Officer):
        request.session[STATE] = state_at_sign_in(user)


def verify(request: HttpRequest, code: str) -> bool:
    """Check a code from an authenticator app or a recovery code; a recovery code works once.

    Each device throttles its own failures (django-otp: a growing delay after each wrong code).
    """
    officer = request.user
    assert isinstance(officer, Officer)
    code = "".join(code.split()).lower()
    device: TOTPDevice | None = None
    recovery = False
    with transaction.atomic():
        # Digits go to the authenticators, anything else to the recovery codes: a mistyped recovery code must not
        # hold back the authenticator (each device throttles its own failures), nor the other way round.
        if code.isdigit():
            device = next(
                (device for device in TOTPDevice.objects.select_for_update().filter(user=officer, confirmed=True)
                 if device.verify_is_allowed()[0] and device.verify_token(code)), None)
        else:
            recovery = any(
                candidate.verify_token(_digest(code))
                for candidate in StaticDevice.objects.select_for_update().filter(user=officer, confirmed=True))
    if device is None and not recovery:
        record("auth.second_factor", outcome=Outcome.DENIED, actor=officer, obj=officer)
        return False
    given(request, device, "recovery_code" if recovery else "authenticator")
    return True


def given(request: HttpRequest, device: Device | None, kind: str) -> None:
    """The session has given its second factor (``device``; None for a recovery code): it may now do the rest."""
    officer = request.user
    assert isinstance(officer, Officer)
    if device is not None:
        otp_login(request, device)
    request.session.cycle_key()  # a new session key at the change of privilege: a fixed one cannot ride it
    request.session[STATE] = VERIFIED
    record("auth.second_factor", actor=officer, obj=officer, details={"kind": kind})


def start_enrolment(officer: Officer) -> TOTPDevice:
    """An authenticator not yet confirmed: the officer scans its key, then proves it with a code."""
    device, _created = TOTPDevice.objects.get_or_create(
        user=officer, confirmed=False, defaults={"name": _("Authenticator app")})
    return device


def key_of(device: TOTPDevice) -> str:
    """The key as apps ask for it when typed in: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode()
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


def qr_code(device: TOTPDevice) -> str:
    """The ``otpauth://`` address as an SVG QR code (no script, no style: the console's CSP allows it inline)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


def confirm_enrolment(request: HttpRequest, code: str, name: str) -> list[str] | None:
    """Confirm the pending authenticator with a code from it; returns new recovery codes (shown once) when the
    officer had none, an empty list when they keep theirs, None when the code is wrong."""
    officer = request.user
    assert isinstance(officer, Officer)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=officer, confirmed=False).first()
        if device is None or not device.verify_token("".join(code.split())):
            return None
        device.confirmed = True
        device.name = name.strip()[:64] or _("Authenticator app")
        device.save(update_fields=["confirmed", "name"])
        codes = [] if recovery_codes_left(officer) else new_recovery_codes(officer, audit=False)
    enrolled(request, device, "authenticator")
    return codes


def enrolled(request: HttpRequest, device: Device, kind: str) -> None:
    """A new factor is confirmed: the session counts as having given it (it was just proven)."""
    officer = request.user
    assert isinstance(officer, Officer)
    otp_login(request, device)
    request.session.cycle_key()
    request.session[STATE] = VERIFIED
    record("auth.second_factor.enrol", actor=officer, obj=officer, details={"kind": kind})


def _digest(code: str) -> str:
    """What is kept of a recovery code: 64 bits of its SHA-256, never the code (django-otp would keep it as typed).

    The codes carry 50 random bits, so a digest cannot be reversed by trying codes faster than guessing them."""
    return hashlib.sha256("".join(code.lower().split()).replace("-", "").encode()).hexdigest()[:16]


def new_recovery_codes(officer: Officer, *, audit: bool = True) -> list[str]:
    """Replace the officer's recovery codes with fresh ones, shown once: only their digests are kept."""
    device, _created = StaticDevice.objects.get_or_create(user=officer, name=RECOVERY_DEVICE,
                                                          defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = []
    for _index in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(7)).decode().lower()[:10]
        codes.append(f"{raw[:5]}-{raw[5:]}")
    StaticToken.objects.bulk_create(StaticToken(device=device, token=_digest(code)) for code in codes)
    if audit:
        record("auth.second_factor.recovery_codes", actor=officer, obj=officer)
    return codes


#: The kinds of factor an officer removes one by one, and their devices.
FACTORS: dict[str, type[Device]] = {"authenticator": TOTPDevice, "passkey": WebAuthnCredential}


def remove_factor(officer: Officer, kind: str, device_id: int) -> None:
    """Remove one of the officer's authenticator apps or passkeys; the last factor may go only when none is
    required, and the recovery codes go with it."""
    with transaction.atomic():
        Officer.objects.select_for_update().get(pk=officer.pk)  # two removals at once go one after the other
        device = FACTORS[kind].objects.filter(user=officer, confirmed=True, pk=device_id).first()
        if device is None:
            raise ActionError(ErrorCode.NOT_FOUND, _("No such authenticator."), "device")
        if required_for(officer) and len(authenticators(officer)) + len(passkeys(officer)) == 1:
            # A passkey or a security key is an authenticator too, in WebAuthn's words.
            raise ActionError(ErrorCode.INVALID_STATE,
                              _("Your agency requires a second factor: add another authenticator before removing "
                                "this one."), "device")
        device.delete()
        if not has_factor(officer):
            StaticDevice.objects.filter(user=officer).delete()  # recovery codes stand in for a factor
    record("auth.second_factor.remove", actor=officer, obj=officer, details={"kind": kind})


def reset(actor: Officer, officer: Officer) -> None:
    """An administrator removes a colleague's factors (a lost phone): every session of theirs ends, they enrol
    again at their next sign-in, and they are told by e-mail."""
    TOTPDevice.objects.filter(user=officer).delete()
    WebAuthnCredential.objects.filter(user=officer).delete()
    StaticDevice.objects.filter(user=officer).delete()
    Officer.objects.filter(pk=officer.pk).update(session_epoch=officer.session_epoch + 1)
    record("auth.second_factor.reset", actor=actor, obj=officer)
    context = {"officer": officer, "actor": actor, "site": settings.WILDNET_PUBLIC_URL}
    with translation.override(officer.language):
        subject = render_to_string("officers/second_factor_reset_subject.txt", context).strip()
        body = render_to_string("officers/second_factor_reset_email.txt", context)
    if officer.email:
        send_mail([officer.email], subject, body)
