"""An agency's own identity provider (OpenID Connect), and the officers' accounts there linked to WildNet.

An officer is found by the provider's stable subject (``sub``), never by an e-mail address, which an agency may
reassign. The provider says who the person is, never what they may do: role and agency stay WildNet's.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency

#: The hosts a provider may be reached at over plain HTTP: this machine (development, tests).
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def _validate_domains(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValidationError(_("A list of domains, e.g. [\"ofb.gouv.fr\"]."))


class IdentityProvider(models.Model):
    """One agency's OpenID Connect provider: its discovery document is read at ``issuer``."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="identity_provider")
    issuer = models.URLField(
        max_length=300, help_text=_("Exactly as the provider names itself (its ID tokens' iss), e.g. "
                                    "https://login.agency.example/realms/staff."))
    client_id = models.CharField(max_length=200)
    client_secret = models.CharField(max_length=500)
    allowed_email_domains = models.JSONField(
        default=list, blank=True, validators=[_validate_domains],
        help_text=_("Domains of the agency's addresses (lower case): an ID token whose e-mail is elsewhere is "
                    "refused; officers typing such an address are offered this provider."))
    enabled = models.BooleanField(default=False)
    trusts_idp_mfa = models.BooleanField(
        default=False, help_text=_("Take the provider's multi-factor sign-in (amr contains \"mfa\") as WildNet's "
                                   "second factor. Off: WildNet asks for its own, as after a password."))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["agency__code"]

    def __str__(self) -> str:
        return f"{self.agency.code}: {self.issuer}"

    def clean(self) -> None:
        self.issuer = self.issuer.rstrip("/")
        address = urlsplit(self.issuer)
        if address.scheme != "https" and address.hostname not in LOOPBACK:
            raise ValidationError({"issuer": _("A provider is reached over HTTPS (http only on this machine).")})
        self.allowed_email_domains = sorted({domain.strip().lower() for domain in self.allowed_email_domains})

    def allows_email(self, email: str) -> bool:
        return email.rpartition("@")[2].lower() in self.allowed_email_domains


class ExternalIdentity(models.Model):
    """An officer's account at their agency's provider, by its subject: the only way SSO finds an officer."""

    officer = models.ForeignKey("officers.Officer", on_delete=models.CASCADE, related_name="external_identities")
    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="identities")
    subject = models.CharField(max_length=255)
    linked_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name_plural = "external identities"
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="identity_one_officer_per_subject"),
            models.UniqueConstraint(fields=["officer", "provider"], name="identity_one_link_per_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.officer} at {self.provider.agency.code}"
