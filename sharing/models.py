"""Shares, access requests and hits: how intelligence crosses from one agency to another.

A share is the record of a decision (who shared what with whom, under which mandate, with which redactions,
until when, approved by whom). Whether it still grants access is decided at every request by the policy
(``sharing.rules``): the share must be active and unexpired, the recipient's mandate in force and covering the
case, the case's marking within the mandate and the reader's clearance, and its handling code must allow the
recipient. So revoking a share, suspending a mandate or the end of a validity window takes effect at the next
request, without waiting for a job. django-guardian's object permissions, with direct foreign keys to the case
(:class:`CaseGroupObjectPermission`), mirror active shares for the recipient agency's or task force's group so
that ``officer.has_perm("cases.view_case", case)`` answers the same way in the admin and in third-party code.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from agencies.models import Agency, TaskForce
from cases.models import Case, CaseEntity, Entity, IntelReport
from mandates.models import Mandate


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class ShareStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("Waiting for a supervisor's approval")
    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")


class RedactedGroup(models.TextChoices):
    PERSONAL_DATA = "personal_data", _("Suspects' personal data (identifiers and claims)")
    SOURCES = "sources", _("Sources and grading (intelligence reports, claim gradings)")
    EVIDENCE = "evidence", _("Evidence files")


class ShareObstacle(models.TextChoices):
    """Why a case cannot go to a recipient, in general terms an officer can act on.

    The values are the codes ``Mandate.uncovered_reasons`` gives, and the ones the share action adds for the
    agency or task force itself, so the share form and the ``shareCase`` mutation read the same reasons.
    """

    NO_MANDATE = "NO_MANDATE", _("It has no mandate")
    MANDATE_SUSPENDED = "MANDATE_SUSPENDED", _("Its mandate is suspended")
    MANDATE_REVOKED = "MANDATE_REVOKED", _("Its mandate was revoked")
    MANDATE_EXPIRED = "MANDATE_EXPIRED", _("Its mandate has expired")
    MANDATE_NOT_YET_VALID = "MANDATE_NOT_YET_VALID", _("Its mandate is not in force yet")
    JURISDICTION_NOT_COVERED = "JURISDICTION_NOT_COVERED", _("Its mandate does not cover the case's jurisdictions")
    CRIME_AREA_NOT_COVERED = "CRIME_AREA_NOT_COVERED", _("Its mandate does not cover this kind of crime")
    SPECIES_NOT_COVERED = "SPECIES_NOT_COVERED", _("Its mandate does not cover the case's species")
    CLASSIFICATION_TOO_HIGH = "CLASSIFICATION_TOO_HIGH", _("The case is classified above its mandate")
    PURPOSE_NOT_ALLOWED = "PURPOSE_NOT_ALLOWED", _("Its mandate does not allow this purpose")
    HANDLING_FORBIDS = "HANDLING_FORBIDS", _("The case is kept among law-enforcement and regulatory bodies")
    AGENCY_INACTIVE = "AGENCY_INACTIVE", _("The agency is not active")
    TASK_FORCE_NOT_RUNNING = "TASK_FORCE_NOT_RUNNING", _("The task force is not running")


class Share(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="shares")
    recipient_agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.CASCADE,
                                         related_name="shares_received")
    recipient_task_force = models.ForeignKey(TaskForce, null=True, blank=True, on_delete=models.CASCADE,
                                             related_name="shares_received")
    mandate = models.ForeignKey(
        Mandate, null=True, blank=True, on_delete=models.PROTECT, related_name="shares",
        help_text=_("The recipient agency's mandate the share relies on. Task-force shares rely on each member's "
                    "own covering mandate at the time of each request."),
    )
    status = models.CharField(max_length=16, choices=ShareStatus.choices, default=ShareStatus.ACTIVE)
    can_contribute = models.BooleanField(default=False)
    can_reshare = models.BooleanField(default=False)
    redact_personal_data = models.BooleanField(default=False)
    redact_sources = models.BooleanField(default=False)
    redact_evidence = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    justification = models.TextField()
    conditions = models.TextField(blank=True, help_text=_("H3: the originator's conditions, shown to recipients."))
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.TextField(blank=True)
    expiry_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(recipient_agency__isnull=False, recipient_task_force__isnull=True)
                           | Q(recipient_agency__isnull=True, recipient_task_force__isnull=False)),
                name="share_one_recipient",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient_agency", "status"], name="share_agency_live"),
            models.Index(fields=["recipient_task_force", "status"], name="share_taskforce_live"),
            models.Index(fields=["case", "status"], name="share_case_live"),
        ]

    def __str__(self) -> str:
        recipient = self.recipient_agency_id or f"tf{self.recipient_task_force_id}"
        return f"{self.case_id} → {recipient} ({self.status})"

    @property
    def redacted_groups(self) -> list[str]:
        flags = [(self.redact_personal_data, RedactedGroup.PERSONAL_DATA), (self.redact_sources, RedactedGroup.SOURCES),
                 (self.redact_evidence, RedactedGroup.EVIDENCE)]
        return [str(group) for on, group in flags if on]


class Release(models.Model):
    """The owning agency's permission for one H2 item (a report or a claim) to reach the recipient of one share.

    Europol's H2 reads "not to be disseminated without the provider's permission". A share of an H2 case is that
    permission for the case; an H2 item inside a case that is not H2 is stricter than its case and stays hidden
    from a share's recipient until a supervisor of the owning agency releases it for that share. Deleting the
    release withholds the item again at the recipient's next request.
    """

    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="releases")
    report = models.ForeignKey(IntelReport, null=True, blank=True, on_delete=models.CASCADE, related_name="releases")
    claim = models.ForeignKey(CaseEntity, null=True, blank=True, on_delete=models.CASCADE, related_name="releases")
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    released_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["share", "released_at", "id"]
        constraints = [
            models.CheckConstraint(condition=(Q(report__isnull=False, claim__isnull=True)
                                              | Q(report__isnull=True, claim__isnull=False)),
                                   name="release_one_item"),
            models.UniqueConstraint(fields=["share", "report"], name="release_report_once"),
            models.UniqueConstraint(fields=["share", "claim"], name="release_claim_once"),
        ]

    def __str__(self) -> str:
        item = f"report {self.report_id}" if self.report_id else f"claim {self.claim_id}"
        return f"{item} → share {self.share_id}"


class AccessRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class AccessRequest(models.Model):
    """A recipient asks the owning agency for access to a case, after a hit or by reference.

    A request by reference is stored even when no visible case has that reference (``case`` is then null and
    nobody is notified), so the requester learns nothing from the answer.
    """

    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="access_requests")
    case_reference = models.CharField(max_length=48)
    hit = models.ForeignKey("Hit", null=True, blank=True, on_delete=models.SET_NULL, related_name="requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requester_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="access_requests_made")
    purpose = models.CharField(max_length=32)
    justification = models.TextField()
    status = models.CharField(max_length=10, choices=AccessRequestStatus.choices,
                              default=AccessRequestStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    share = models.OneToOneField(Share, null=True, blank=True, on_delete=models.SET_NULL, related_name="request")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"request {self.pk} for {self.case_reference} ({self.status})"


def utc_today() -> datetime.date:
    return timezone.now().date()


class Hit(models.Model):
    """An identifier recorded or searched by an officer matched intelligence they cannot see.

    The officer learns only that a match exists and which agency holds it; the holding agency learns who, when
    and which kind of identifier. ``case`` is kept for the holder's side and never shown to the searcher.
    """

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="hits")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="hits")
    holder_agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="hits_held")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    officer_agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="hits_made")
    trigger = models.CharField(max_length=16, choices=[("record", "Recorded"), ("search", "Searched")])
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    day = models.DateField(default=utc_today, editable=False,
                           help_text="UTC day of the hit: one hit per officer, entity and holding case a day.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["holder_agency", "-created_at"], name="hit_holder_recent")]
        # Enforced by the database, so two requests racing to record the same hit make one row, not two.
        constraints = [models.UniqueConstraint(fields=["officer", "entity", "case", "day"], name="hit_once_a_day")]

    def __str__(self) -> str:
        return f"hit {self.entity_id} by {self.officer_id} on {self.holder_agency_id}"
