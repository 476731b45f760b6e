"""Creating officers and issuing or revoking API tokens."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from access import policy
from access.errors import ActionError, ErrorCode
from access.markings import Classification
from access.policy import Viewer
from agencies.models import Agency
from audit.actions import record

from .models import ApiToken, Officer, Role, TokenScope, hash_token


def create_officer(
    viewer: Viewer, agency: Agency, *, username: str, email: str, role: str, clearance: int,
    first_name: str = "", last_name: str = "", password: str | None = None,
) -> Officer:
    if role not in Role.values:
        raise ActionError(ErrorCode.INVALID, "Unknown role.", "role")
    if clearance not in Classification.values:
        raise ActionError(ErrorCode.INVALID, "Unknown clearance level.", "clearance")
    policy.check(viewer, "officer.create", {"agency": agency, "role": role, "clearance": clearance})
    username = username.strip()
    if not username:
        raise ActionError(ErrorCode.REQUIRED, "Choose a username.", "username")
    if Officer.objects.filter(username__iexact=username).exists():
        raise ActionError(ErrorCode.UNIQUE, "This username is taken.", "username")
    try:
        validate_email(email)
    except ValidationError:
        raise ActionError(ErrorCode.INVALID, "Enter a valid e-mail address.", "email") from None
    officer = Officer(username=username, email=email.strip().lower(), role=role, clearance=clearance,
                      agency=agency, first_name=first_name, last_name=last_name)
    if password:
        try:
            validate_password(password, officer)
        except ValidationError as exc:
            raise ActionError(ErrorCode.INVALID, " ".join(exc.messages), "password") from None
        officer.set_password(password)
    else:
        officer.set_unusable_password()  # the officer sets one through the reset link
    officer.save()
    record("officer.create", actor=viewer.officer, obj=officer,
           details={"role": role, "clearance": clearance})
    return officer


def issue_token(
    officer: Officer, *, name: str, scopes: list[str], days: int | None = None, actor: Officer | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its raw value, which is shown once and never stored."""
    if not name.strip():
        raise ActionError(ErrorCode.REQUIRED, "Name the token after what uses it.", "name")
    if not scopes or not set(scopes) <= set(TokenScope.values):
        raise ActionError(ErrorCode.INVALID, "Scopes are read and/or write.", "scopes")
    days = days if days is not None else settings.API_TOKEN_DEFAULT_DAYS
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ActionError(ErrorCode.INVALID, f"A token lives 1 to {settings.API_TOKEN_MAX_DAYS} days.", "days")
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
    return issue_token(viewer.officer, **kwargs)


def revoke_token(viewer: Viewer, token: ApiToken) -> ApiToken:
    policy.check(viewer, "token.revoke", token)
    if token.revoked_at is None:  # revoking twice is revoking once
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record("token.revoke", actor=viewer.officer, obj=token, object_agency_id=token.officer.agency_id,
               details={"prefix": token.prefix})
    return token
