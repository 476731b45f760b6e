"""Officers (the user model) and their API tokens."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterator
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from access.markings import Classification
from agencies.models import Agency
from agencies.zones import validate_time_zone


class Role(models.TextChoices):
    ANALYST = "analyst", _("Analyst")
    INVESTIGATOR = "investigator", _("Investigator")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")
    PLATFORM_OFFICER = "platform_officer", _("Platform compliance officer")
    NATIONAL_COORDINATOR = "national_coordinator", _("National coordinator")
    TRUSTED_REPORTER = "trusted_reporter", _("Trusted reporter")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


#: Roles that read and record their own agency's case intelligence.
INTELLIGENCE_ROLES = frozenset({Role.ANALYST, Role.INVESTIGATOR, Role.SUPERVISOR})


class OfficerManager(UserManager["Officer"]):
    def get_queryset(self) -> models.QuerySet[Officer]:
        """Officers always come with their agency: every access decision reads the agency's id and country,
        and the session and token middlewares load the officer through this manager."""
        return super().get_queryset().select_related("agency")

    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra_fields: Any
    ) -> Officer:
        """``createsuperuser`` makes a system administrator, who sees no intelligence (DESIGN, "Who uses it")."""
        extra_fields.setdefault("role", Role.SYSTEM_ADMIN)
        extra_fields.setdefault("clearance", Classification.UNCLASSIFIED)
        if "agency" not in extra_fields and "agency_id" not in extra_fields:
            raise ValueError("A system administrator belongs to an agency: pass agency_id")
        return super().create_superuser(username, email, password, **extra_fields)


class Officer(AbstractUser):
    """A person using WildNet, member of exactly one agency, with a role and a clearance level."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="officers")
    role = models.CharField(max_length=32, choices=Role.choices, db_index=True)
    clearance = models.PositiveSmallIntegerField(
        choices=Classification.choices, default=Classification.RESTRICTED
    )
    preferred_language = models.CharField(
        max_length=2, blank=True, default="", choices=[("en", "English"), ("fr", "Français"), ("es", "Español")],
        help_text=_("The language of the console and e-mails; empty: the browser's (e-mails then in English)."))
    time_zone = models.CharField(
        max_length=64, blank=True, default="", validators=[validate_time_zone],
        help_text=_("The zone the console shows times in; empty: the agency's."))
    session_epoch = models.PositiveIntegerField(
        default=0, editable=False,
        help_text=_("Raised to end every session of the officer: signing out everywhere, a change of role."))

    objects: ClassVar[OfficerManager] = OfficerManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.username

    @property
    def language(self) -> str:
        """The language to write to this officer in when no browser says which (e-mails)."""
        return self.preferred_language or settings.LANGUAGE_CODE

    @property
    def country(self) -> str:
        return self.agency.country

    def get_session_auth_hash(self) -> str:
        """What a session is bound to: the password (Django's rule) and the session epoch, so raising the epoch
        signs the officer out of every browser at their next request."""
        return self._session_hash(None)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret)

    def _session_hash(self, secret: str | bytes | None) -> str:
        return salted_hmac("officers.Officer.session", f"{self.password}:{self.session_epoch}", secret=secret,
                           algorithm="sha256").hexdigest()

    @property
    def zone_name(self) -> str:
        """Where this officer reads times: their own choice, else their agency's, else its country's."""
        return self.time_zone or self.agency.zone_name


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self, at: datetime.datetime | None = None) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=at or timezone.now(), officer__is_active=True)


class TokenScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the raw value is shown once, at issue.

    The prefix (first characters of the raw token) is stored in clear so an officer can tell tokens apart.
    A plain SHA-256 (not a slow password hash) is right here: the token carries 256 bits of entropy, so it
    cannot be brute-forced, and every request must look it up quickly by its digest.
    """

    PREFIX = "wn_"

    officer = models.ForeignKey(Officer, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["officer", "revoked_at"], name="token_officer_live")]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="token_expires_later"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now() and self.officer.is_active

    def allows_write(self) -> bool:
        return TokenScope.WRITE in self.scopes


class SignInFailure(models.Model):
    """A failed sign-in, kept while it counts towards a lock-out (officers.throttle)."""

    account = models.CharField(max_length=64, editable=False)
    address = models.GenericIPAddressField(null=True, blank=True, editable=False)
    at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [models.Index(fields=["account", "at"], name="signin_failure_account"),
                   models.Index(fields=["address", "at"], name="signin_failure_address"),
                   models.Index(fields=["at"], name="signin_failure_at")]

    def __str__(self) -> str:
        return f"sign-in failure at {self.at:%Y-%m-%d %H:%M:%S}"


class OfficerSession(AbstractBaseSession):
    """A session (``SESSION_ENGINE = "officers.sessions"``), with the officer it is signed in as in a column of
    its own, written from the session's data on each save: the request reads the session, its officer, their
    agency and its mandates in force in one statement (``officers.sessions``). The session's data stays what
    decides who is signed in; the column only says which officer to read with it."""

    officer = models.ForeignKey(Officer, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                editable=False)

    class Meta(AbstractBaseSession.Meta):
        db_table = "officers_session"

    @classmethod
    def get_session_store_class(cls) -> type[Any]:
        from .sessions import SessionStore

        return SessionStore
