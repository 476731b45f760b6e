"""Mandates: what an agency is legally empowered to access.

A mandate is immutable in scope once granted: to widen or narrow it, grant a new one and revoke the old, so
every share can say exactly which legal basis it relied on. Only its status changes (suspend, reinstate,
revoke), and it lapses by itself at ``valid_until``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.markings import CitesAppendix, Classification, CrimeArea, Purpose
from agencies.models import Agency


class MandateStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class MandateQuerySet(models.QuerySet["Mandate"]):
    def in_force(self, at: datetime.datetime | None = None) -> MandateQuerySet:
        """Mandates that empower their agency at ``at``: active and inside their validity window.

        Expiry needs no job: a mandate past ``valid_until`` simply stops matching this filter.
        """
        return self.filter(in_force_q(at=at))


def in_force_q(prefix: str = "", at: datetime.datetime | None = None) -> Q:
    """The "mandate in force" condition, reusable through a relation (``prefix="mandate__"``)."""
    now = at or timezone.now()
    return Q(**{f"{prefix}status": MandateStatus.ACTIVE, f"{prefix}valid_from__lte": now,
                f"{prefix}valid_until__gt": now})


@dataclass(frozen=True)
class Coverage:
    """What an item needs from a mandate: the item's jurisdictions, crime area, species and marking."""

    jurisdictions: frozenset[str] = field(default_factory=frozenset)
    crime_areas: frozenset[str] = field(default_factory=frozenset)
    cites_appendices: frozenset[str] = field(default_factory=frozenset)
    taxa: frozenset[str] = field(default_factory=frozenset)
    classification: int = Classification.UNCLASSIFIED
    purpose: str | None = None


class Mandate(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="mandates")
    legal_basis = models.TextField(help_text=_("The text that empowers the agency, in its own words."))
    legal_reference = models.CharField(max_length=200, help_text=_("Statute, article or MoU reference."))
    jurisdictions = models.JSONField(help_text=_("ISO 3166-1 alpha-2 codes the mandate covers."))
    crime_areas = models.JSONField(help_text=_("Crime areas covered (online trade, border, financial flows…)."))
    cites_appendices = models.JSONField(help_text=_("CITES appendices covered; NC for species not listed."))
    species_groups = models.JSONField(
        default=list, blank=True,
        help_text=_("Optional narrowing to taxa (class, order, family or genus names). Empty: any taxon."),
    )
    purposes = models.JSONField(help_text=_("Purposes for which the agency may use what it accesses."))
    max_classification = models.PositiveSmallIntegerField(choices=Classification.choices)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    status = models.CharField(max_length=16, choices=MandateStatus.choices, default=MandateStatus.ACTIVE)
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    granted_by = models.ForeignKey("officers.Officer", on_delete=models.PROTECT, related_name="mandates_granted")
    granted_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = MandateQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["agency", "status", "valid_until"], name="mandate_agency_live")]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gt=models.F("valid_from")), name="mandate_window"),
        ]

    def __str__(self) -> str:
        return f"{self.agency.code}: {self.legal_reference}"

    def is_in_force(self, at: datetime.datetime | None = None) -> bool:
        now = at or timezone.now()
        return self.status == MandateStatus.ACTIVE and self.valid_from <= now < self.valid_until

    @property
    def state(self) -> str:
        """The status an officer reads: ``expired`` and ``pending`` are derived from the window."""
        now = timezone.now()
        if self.status == MandateStatus.ACTIVE and now >= self.valid_until:
            return "expired"
        if self.status == MandateStatus.ACTIVE and now < self.valid_from:
            return "pending"
        return str(self.status)

    def covers(self, need: Coverage, at: datetime.datetime | None = None) -> bool:
        """Whether this mandate, now, empowers its agency to access an item with ``need``.

        The single definition of coverage (DESIGN, access rule 1): in force, every jurisdiction of the item
        inside the mandate's, the crime area covered, every CITES appendix covered, the taxa inside the
        species groups when the mandate narrows to some, the marking not above the mandate's, and the purpose
        allowed.
        """
        return not self.uncovered_reasons(need, at)

    def uncovered_reasons(self, need: Coverage, at: datetime.datetime | None = None) -> list[str]:
        """Why ``covers`` said no, as error codes an officer can act on (shown only about items they see)."""
        reasons: list[str] = []
        now = at or timezone.now()
        if self.status != MandateStatus.ACTIVE:
            reasons.append(f"MANDATE_{self.status.upper()}")
        elif now >= self.valid_until:
            reasons.append("MANDATE_EXPIRED")
        elif now < self.valid_from:
            reasons.append("MANDATE_NOT_YET_VALID")
        if not need.jurisdictions or not need.jurisdictions <= set(self.jurisdictions):
            reasons.append("JURISDICTION_NOT_COVERED")
        if need.crime_areas and not need.crime_areas & set(self.crime_areas):
            reasons.append("CRIME_AREA_NOT_COVERED")
        if need.cites_appendices and not need.cites_appendices <= set(self.cites_appendices):
            reasons.append("SPECIES_NOT_COVERED")
        if self.species_groups and need.taxa and not need.taxa & {g.lower() for g in self.species_groups}:
            reasons.append("SPECIES_NOT_COVERED")
        if need.classification > self.max_classification:
            reasons.append("CLASSIFICATION_TOO_HIGH")
        if need.purpose and need.purpose not in self.purposes:
            reasons.append("PURPOSE_NOT_ALLOWED")
        return reasons



__all__ = [
    "CitesAppendix", "Coverage", "CrimeArea", "Mandate", "MandateStatus", "Purpose", "in_force_q",
]
