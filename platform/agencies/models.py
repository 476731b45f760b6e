"""Agencies (government bodies, partners, online platforms) and the task forces that group them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pycountry
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .zones import country_zone, validate_time_zone

if TYPE_CHECKING:
    import datetime


def validate_country(value: str) -> None:
    if pycountry.countries.get(alpha_2=value) is None:
        raise ValidationError(_("%(value)s is not an ISO 3166-1 alpha-2 country code."), params={"value": value})


class AgencyType(models.TextChoices):
    WILDLIFE_AUTHORITY = "wildlife_authority", _("Wildlife authority")
    CITES_MANAGEMENT_AUTHORITY = "cites_management_authority", _("CITES management authority")
    POLICE = "police", _("Police")
    CUSTOMS = "customs", _("Customs")
    PROSECUTION = "prosecution", pgettext_lazy("agency type", "Prosecution")
    FINANCIAL_INTELLIGENCE = "financial_intelligence", _("Financial intelligence unit")
    INTERNATIONAL_ORGANISATION = "international_organisation", _("International organisation")
    NGO = "ngo", _("Non-governmental organisation")
    ONLINE_PLATFORM = "online_platform", _("Online platform")


class PlatformKind(models.TextChoices):
    """What kind of service an online platform runs: it shapes how adverts look and how takedowns work."""

    MARKETPLACE = "marketplace", _("Marketplace")
    SOCIAL_NETWORK = "social_network", _("Social network")
    CLASSIFIED_ADS = "classified_ads", _("Classified ads")
    AUCTION = "auction", _("Auction site")
    MESSAGING = "messaging", _("Messaging service")


class Agency(models.Model):
    """A government body, partner organisation or online platform.

    A unit may have a parent (a national body); it inherits nothing from it by itself: access always comes from
    the unit's own mandates (DESIGN, "Agency").
    """

    name = models.CharField(max_length=200)
    code = models.SlugField(max_length=32, unique=True, help_text=_("Short code, e.g. FR-OFB."))
    country = models.CharField(max_length=2, validators=[validate_country], db_index=True)
    agency_type = models.CharField(max_length=32, choices=AgencyType.choices, db_index=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="units")
    platform_kind = models.CharField(
        max_length=16, blank=True, choices=PlatformKind.choices,
        help_text=_("Online platforms: the kind of service; blank for every other type of agency."))
    domains = models.JSONField(
        default=list, blank=True, help_text=_("Online platforms: the web domains they operate (lower case).")
    )
    time_zone = models.CharField(
        max_length=64, blank=True, default="", validators=[validate_time_zone],
        help_text=_("The zone its officers read times in; empty: the country's principal zone."))
    requires_second_factor = models.BooleanField(
        default=False, help_text=_("Every officer of the agency signs in with a second factor, whatever their role."))
    trusted_flagger_reference = models.CharField(
        max_length=200, blank=True,
        help_text=_("The DSA Art. 22 status reference (the Digital Services Coordinator's decision); blank when the "
                    "organisation is not a trusted flagger."))
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "agencies"
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="agency_not_own_parent"),
            models.CheckConstraint(condition=Q(platform_kind="") | Q(agency_type="online_platform"),
                                   name="agency_platform_kind_only_for_platforms"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def clean(self) -> None:
        super().clean()
        if self.platform_kind and self.agency_type != AgencyType.ONLINE_PLATFORM:
            raise ValidationError({"platform_kind": _("Only an online platform has a platform kind.")})

    @property
    def is_platform(self) -> bool:
        return self.agency_type == AgencyType.ONLINE_PLATFORM

    @property
    def is_trusted_flagger(self) -> bool:
        """Holds trusted-flagger status under DSA Art. 22: its notices are handled with priority."""
        return bool(self.trusted_flagger_reference.strip())

    @property
    def zone_name(self) -> str:
        return self.time_zone or country_zone(self.country)


class TaskForceKind(models.TextChoices):
    TASK_FORCE = "task_force", _("Task force")
    JOINT_OPERATION = "joint_operation", _("Joint operation")


class TaskForce(models.Model):
    """A named group of agencies (a national wildlife-cybercrime unit, an operation such as Thunder).

    Sharing to a task force shares to the agencies that are members at the time of each request.
    """

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=TaskForceKind.choices, default=TaskForceKind.TASK_FORCE)
    description = models.TextField(blank=True)
    country = models.CharField(
        max_length=2, blank=True, validators=[validate_country], help_text=_("Empty for international groups.")
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="taskforce_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TaskForceMembershipQuerySet(models.QuerySet["TaskForceMembership"]):
    def current(self, at: datetime.datetime | None = None) -> TaskForceMembershipQuerySet:
        """Memberships in force at ``at`` (default: now), in a task force that is itself in force.

        Their dates are calendar days as officers type them, in the time zone in force (the officer's, during a
        request), as ``sharing.actions`` checks them: the UTC date said "still a member" for the hours around
        midnight after a membership ended.
        """
        today = timezone.localdate(at or timezone.now())
        return self.filter(
            Q(joined_on__lte=today),
            Q(left_on__isnull=True) | Q(left_on__gt=today),
            Q(task_force__starts_on__lte=today),
            Q(task_force__ends_on__isnull=True) | Q(task_force__ends_on__gte=today),
        )


class TaskForceMembership(models.Model):
    task_force = models.ForeignKey(TaskForce, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="task_force_memberships")
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)

    objects = TaskForceMembershipQuerySet.as_manager()

    class Meta:
        ordering = ["task_force", "agency"]
        constraints = [
            models.UniqueConstraint(fields=["task_force", "agency", "joined_on"], name="taskforce_member_once"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="membership_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency.code} in {self.task_force.name}"
