"""Single sign-on's acts: signing an officer in from a checked ID token, linking and unlinking an officer's
account at their agency's provider. Each is an audit event; each refusal too, with its reason code."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import login
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from api.context import CONFIRMED_SESSION_KEY
from audit.actions import record
from audit.models import Outcome
from officers import second_factor
from officers.models import Officer

from . import backends
from .models import ExternalIdentity, IdentityProvider
from .oidc import SignInRefused


def enabled_providers() -> QuerySet[IdentityProvider]:
    """The providers offered on the sign-in page: enabled, of an active agency."""
    return IdentityProvider.objects.filter(enabled=True, agency__is_active=True).select_related("agency")


def provider_for_email(email: str) -> IdentityProvider | None:
    """The enabled provider whose agency's domains hold this address's; says nothing of whether it exists."""
    domain = email.strip().rpartition("@")[2].lower()
    if not domain:
        return None
    return next((provider for provider in enabled_providers() if domain in provider.allowed_email_domains), None)


def provider_of(officer: Officer) -> IdentityProvider | None:
    """The provider an officer may link: their own agency's, when enabled."""
    return enabled_providers().filter(agency_id=officer.agency_id).first()


def refused(action: str, provider: IdentityProvider | None, reason: str, actor: Officer | None = None) -> None:
    """Record a refused sign-in or link, with its reason code (never shown to the officer)."""
    details: dict[str, Any] = {"reason": reason}
    if provider is not None:
        details["provider"] = provider.pk
    record(action, outcome=Outcome.DENIED, actor=actor, obj=provider, details=details)


def sign_in(request: HttpRequest, provider: IdentityProvider, claims: dict[str, Any]) -> Officer:
    """Sign in the active officer of the provider's agency linked to the token's subject.

    The session then starts as after a password — rotated, its second factor decided by the sign-in receivers —
    except that no password was typed here, so sensitive acts ask for it. Only a provider trusted for it
    (``trusts_idp_mfa``) and a token saying it used several factors (``amr`` holds ``mfa``) stand in for
    WildNet's second factor.
    """
    link = (ExternalIdentity.objects.select_related("officer__agency")
            .filter(provider=provider, subject=str(claims["sub"])).first())
    if link is None:
        raise SignInRefused("unknown_subject")
    officer = link.officer
    if not officer.is_active:
        raise SignInRefused("inactive_officer")
    if officer.agency_id != provider.agency_id:
        raise SignInRefused("other_agency")
    login(request, officer, backend=backends.PATH)
    request.session.pop(CONFIRMED_SESSION_KEY, None)
    amr = claims.get("amr")
    if (provider.trusts_idp_mfa and isinstance(amr, list) and "mfa" in amr
            and request.session.get(second_factor.STATE) in (second_factor.PENDING, second_factor.ENROL)):
        request.session[second_factor.STATE] = second_factor.VERIFIED
    record("auth.sso.login", actor=officer, obj=officer,
           details={"provider": provider.pk, "second_factor": request.session.get(second_factor.STATE)})
    return officer


def link(officer: Officer, provider: IdentityProvider, claims: dict[str, Any]) -> ExternalIdentity:
    """Link the officer to their account at their own agency's provider (replacing a previous link there).

    An account already linked to another officer stays theirs: it is refused.
    """
    if provider.agency_id != officer.agency_id or not provider.enabled:
        raise SignInRefused("other_agency")
    subject = str(claims["sub"])
    if ExternalIdentity.objects.filter(provider=provider, subject=subject).exclude(officer=officer).exists():
        raise SignInRefused("subject_taken")
    try:
        with transaction.atomic():
            identity, _created = ExternalIdentity.objects.update_or_create(
                officer=officer, provider=provider, defaults={"subject": subject})
            record("auth.sso.link", actor=officer, obj=officer, details={"provider": provider.pk})
    except IntegrityError as error:  # linked to someone else in the meantime
        raise SignInRefused("subject_taken") from error
    return identity


def unlink(officer: Officer) -> bool:
    """Remove the officer's links; they sign in with their password again. False when there was none."""
    with transaction.atomic():
        providers = list(ExternalIdentity.objects.filter(officer=officer).values_list("provider_id", flat=True))
        if not providers:
            return False
        ExternalIdentity.objects.filter(officer=officer).delete()
        record("auth.sso.unlink", actor=officer, obj=officer, details={"providers": providers})
    return True
