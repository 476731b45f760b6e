"""Creating officers and issuing or revoking API tokens."""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import F
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from access import policy
from access.errors import ActionError, ErrorCode
from access.markings import Classification
from access.policy import Viewer
from agencies.models import Agency
from agencies.zones import validate_time_zone
from api.context import CONFIRMED_SESSION_KEY
from audit.actions import record
from outbox.actions import send_mail

from . import second_factor
from .models import ApiToken, Officer, Role, TokenScope, hash_token


def create_officer(
    viewer: Viewer, agency: Agency, *, username: str, email: str, role: str, clearance: int,
    first_name: str = "", last_name: str = "", password: str | None = None,
) -> Officer:
    if role not in Role.values:
        raise ActionError(ErrorCode.INVALID, _("Unknown role."), "role")
    if clearance not in Classification.values:
        raise ActionError(ErrorCode.INVALID, _("Unknown clearance level."), "clearance")
    policy.check(viewer, "officer.create", {"agency": agency, "role": role, "clearance": clearance})
    username = username.strip()
    if not username:
        raise ActionError(ErrorCode.REQUIRED, _("Choose a username."), "username")
    if Officer.objects.filter(username__iexact=username).exists():
        raise ActionError(ErrorCode.UNIQUE, _("This username is taken."), "username")
    try:
        validate_email(email)
    except ValidationError:
        raise ActionError(ErrorCode.INVALID, _("Enter a valid e-mail address."), "email") from None
    officer = Officer(username=username, email=email.strip().lower(), role=role, clearance=clearance,
                      agency=agency, first_name=first_name, last_name=last_name)
    if password:
        try:
            validate_password(password, officer)
        except ValidationError as exc:
            raise ActionError(ErrorCode.INVALID, " ".join(exc.messages), "password") from None
        officer.set_password(password)
    else:
        officer.set_unusable_password()  # the officer chooses one through the invitation's link
    officer.save()
    record("officer.create", actor=viewer.officer, obj=officer,
           details={"role": role, "clearance": clearance})
    if not password:
        invite(officer, viewer.officer)
    return officer


def change_role(viewer: Viewer, officer: Officer, role: str) -> Officer:
    """Give ``officer`` another role, within what the viewer may appoint (``officer.change_role``); audited."""
    if role not in Role.values:
        raise ActionError(ErrorCode.INVALID, _("Unknown role."), "role")
    policy.check(viewer, "officer.change_role", {"officer": officer, "role": role})
    if officer.role != role:  # the same role again changes nothing, and records nothing
        previous, officer.role = officer.role, role
        officer.session_epoch += 1  # a change of privilege: their sessions end, the next one has the new role
        officer.save(update_fields=["role", "session_epoch"])
        record("officer.change_role", actor=viewer.officer, obj=officer, details={"from": previous, "to": role})
    return officer


def set_active(viewer: Viewer, officer: Officer, active: bool) -> Officer:
    """Disable or re-enable ``officer``; audited.

    A disabled officer can neither sign in nor use a session they had (Django's backend refuses inactive users,
    and the session epoch moves so that none comes back on re-enabling) nor any of their API tokens
    (``ApiToken.objects.usable``); re-enabled, their unexpired tokens work again.
    """
    policy.check(viewer, "officer.set_active", officer)
    if officer.is_active != active:
        officer.is_active = active
        officer.session_epoch += 1  # no session from before survives a disable, even once re-enabled
        officer.save(update_fields=["is_active", "session_epoch"])
        record("officer.enable" if active else "officer.disable", actor=viewer.officer, obj=officer)
    return officer


def set_password_link(officer: Officer) -> str:
    """An absolute link to the page where ``officer`` chooses a password (valid PASSWORD_RESET_TIMEOUT seconds).

    The token is Django's reset token: it is bound to the password hash and the last sign-in, so it stops
    working once used.
    """
    path = reverse("password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(officer.pk)),
        "token": default_token_generator.make_token(officer)})
    return settings.WILDNET_PUBLIC_URL.rstrip("/") + path


def invite(officer: Officer, inviter: Any) -> None:
    """Queue the invitation e-mail, in the new officer's language, in the caller's transaction (the outbox)."""
    context = {"officer": officer, "inviter": inviter, "link": set_password_link(officer),
               "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86_400), "site": settings.WILDNET_PUBLIC_URL}
    with translation.override(officer.language):
        subject = render_to_string("officers/invitation_subject.txt", context).strip()
        body = render_to_string("officers/invitation_email.txt", context)
    send_mail([officer.email], subject, body)


def set_preferred_language(viewer: Viewer, language: str) -> Officer:
    """Save the language the console and the officer's e-mails use."""
    if language not in dict(settings.LANGUAGES):
        raise ActionError(ErrorCode.INVALID, _("Choose English, French or Spanish."), "language")
    assert viewer.officer is not None
    officer = Officer.objects.get(pk=viewer.officer.pk)
    officer.preferred_language = language
    officer.save(update_fields=["preferred_language"])
    return officer


def confirm_password(request: HttpRequest, password: str) -> None:
    """Check the signed-in officer's password again before a sensitive act (``REAUTHENTICATE``).

    It goes through sign-in's own check, so a wrong password counts towards the lock-out like any other.
    """
    officer = request.user
    if authenticate(request, username=officer.get_username(), password=password) is None:
        raise ActionError(ErrorCode.INVALID, _("This is not your password."), "password")
    request.session[CONFIRMED_SESSION_KEY] = time.time()
    record("auth.reauthenticate", actor=officer, obj=officer)  # type: ignore[arg-type]


def reset_second_factor(viewer: Viewer, officer: Officer) -> Officer:
    policy.check(viewer, "officer.reset_second_factor", officer)
    policy.require_recent_confirmation(viewer)
    assert viewer.officer is not None
    second_factor.reset(viewer.officer, officer)
    return officer


def sign_out_everywhere(viewer: Viewer) -> Officer:
    """End every session of the officer, this one included: a lost laptop, a shared computer left signed in."""
    assert viewer.officer is not None
    Officer.objects.filter(pk=viewer.officer.pk).update(session_epoch=F("session_epoch") + 1)
    officer = Officer.objects.get(pk=viewer.officer.pk)
    record("auth.sign_out_everywhere", actor=officer, obj=officer)
    return officer


def set_time_zone(viewer: Viewer, time_zone: str) -> Officer:
    """Save the zone the console shows the officer's times in; empty goes back to the agency's."""
    try:
        validate_time_zone(time_zone)
    except ValidationError:
        raise ActionError(ErrorCode.INVALID, _("Choose a time zone from the list, such as Europe/Paris."),
                          "timeZone") from None
    assert viewer.officer is not None
    officer = Officer.objects.get(pk=viewer.officer.pk)
    officer.time_zone = time_zone
    officer.save(update_fields=["time_zone"])
    return officer


def issue_token(
    officer: Officer, *, name: str, scopes: list[str], days: int | None = None, actor: Officer | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its raw value, which is shown once and never stored."""
    if not name.strip():
        raise ActionError(ErrorCode.REQUIRED, _("Name the token after what uses it."), "name")
    if not scopes or not set(scopes) <= set(TokenScope.values):
        raise ActionError(ErrorCode.INVALID, _("Scopes are read and/or write."), "scopes")
    days = days if days is not None else settings.API_TOKEN_DEFAULT_DAYS
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ActionError(ErrorCode.INVALID,
                          _("A token lives 1 to %(days)s days.") % {"days": settings.API_TOKEN_MAX_DAYS}, "days")
    raw = ApiToken.generate()
    now = timezone.now()
    token = ApiToken.objects.create(
        officer=officer, name=name.strip(), digest=hash_token(raw), prefix=raw[:10],
        scopes=sorted(set(scopes)), created_at=now, expires_at=now + datetime.timedelta(days=days),
    )
    record("token.issue", actor=actor or officer, obj=token, object_agency_id=officer.agency_id,
           details={"prefix": token.prefix, "scopes": token.scopes, "days": days})
    return token, raw


def issue_token_for(viewer: Viewer, **kwargs: Any) -> tuple[ApiToken, str]:
    assert viewer.officer is not None
    policy.check(viewer, "token.issue", viewer.officer)
    policy.require_recent_confirmation(viewer)
    return issue_token(viewer.officer, **kwargs)


def revoke_token(viewer: Viewer, token: ApiToken) -> ApiToken:
    policy.check(viewer, "token.revoke", token)
    if token.revoked_at is None:  # revoking twice is revoking once
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record("token.revoke", actor=viewer.officer, obj=token, object_agency_id=token.officer.agency_id,
               details={"prefix": token.prefix})
    return token
