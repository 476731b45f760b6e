"""Takedown notices to online platforms and what the platforms report back.

A notice follows DSA Art. 9/16: who issues it under which legal basis, the exact URLs, what is asked, where
(territorial scope), a statement of reasons; the platform acknowledges it (Art. 16 receipt) and reports per
item "if and when" it acted, with a statement of reasons in the fields of the DSA Transparency Database
(Art. 17/24). A notice acting on a trusted flagger's report (DSA Art. 22) names the flagger and its status
reference, for the platform to handle it with priority and for the figures to count it apart. Deadlines come
from the platform's SLA at sending; overdue and escalated are states the API shows (``NoticeState``), computed
from the times, not silent flags.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from cases.models import Case, Listing


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent (live animals, imminent sale)")


class PlatformProfile(models.Model):
    """What a platform agency adds to the directory: languages and its points of contact for notices."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="platform_profile",
                                  limit_choices_to={"agency_type": "online_platform"})
    languages = models.JSONField(default=list, blank=True)
    contacts = models.JSONField(default=list, blank=True,
                                help_text=_('[{"name": …, "email": …, "role": …}] — where notices and reminders go.'))

    def __str__(self) -> str:
        return f"profile of {self.agency.code}"

    @property
    def contact_emails(self) -> list[str]:
        return sorted({c["email"] for c in self.contacts if c.get("email")})


class SlaPolicy(models.Model):
    """How fast a platform commits to acknowledge and to act, per notice priority."""

    platform = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="sla_policies",
                                 limit_choices_to={"agency_type": "online_platform"})
    priority = models.CharField(max_length=8, choices=Priority.choices)
    acknowledge_within = models.DurationField()
    act_within = models.DurationField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "priority"], name="sla_once_per_priority"),
            models.CheckConstraint(condition=Q(act_within__gte=models.F("acknowledge_within")),
                                   name="sla_act_after_acknowledge"),
        ]

    def __str__(self) -> str:
        return f"{self.platform_id} {self.priority}: ack {self.acknowledge_within}, act {self.act_within}"


#: When a platform has no SLA for a priority: the figures INHOPE and the DSA's "without undue delay" suggest.
DEFAULT_SLA = {
    Priority.URGENT: (timedelta(hours=2), timedelta(hours=24)),
    Priority.HIGH: (timedelta(hours=12), timedelta(hours=48)),
    Priority.NORMAL: (timedelta(hours=24), timedelta(days=3)),
    Priority.LOW: (timedelta(hours=48), timedelta(days=7)),
}


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CLOSED = "closed", _("Closed")


class RequestedAction(models.TextChoices):
    REMOVE = "remove", _("Remove the content")
    DISABLE_IN_TERRITORY = "disable_in_territory", _("Disable access in a territory")
    SUSPEND_ACCOUNT = "suspend_account", _("Suspend the account")
    PRESERVE_DATA = "preserve_data", _("Preserve data for investigation")


class TakedownNotice(models.Model):
    issuing_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="notices_issued")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    platform = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="notices_received",
                                 limit_choices_to={"agency_type": "online_platform"})
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notices",
                             help_text=_("Never shown to the platform."))
    reference = models.CharField(max_length=48, unique=True, editable=False)
    legal_basis_law = models.CharField(max_length=200)
    legal_basis_article = models.CharField(max_length=100)
    cites_appendices = models.JSONField(default=list, help_text=_("CITES appendices of the species concerned."))
    statement_of_reasons = models.TextField()
    requested_actions = models.JSONField(help_text=_("Subset of RequestedAction."))
    territorial_scope = models.JSONField(help_text=_("ISO 3166-1 alpha-2 codes; EU for the whole Union."))
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    redress = models.TextField(blank=True, help_text=_("How the platform or the uploader can contest the order."))
    trusted_flagger = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("The trusted flagger (DSA Art. 22) whose report the notice acts on; shown to the platform, "
                    "which handles the notice with priority."))
    trusted_flagger_reference = models.CharField(
        max_length=200, blank=True,
        help_text=_("The trusted flagger's status reference when the notice was issued: the status may be "
                    "withdrawn later, the notice keeps what it was sent under."))
    status = models.CharField(max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT,
                              db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledge_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    action_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["platform", "status"], name="notice_platform_status"),
            models.Index(fields=["status", "action_due_at"], name="notice_open_due"),
        ]

    def __str__(self) -> str:
        return self.reference


class ItemOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    REMOVED = "removed", _("Removed")
    RESTRICTED = "restricted", _("Restricted in the territory")
    ACCOUNT_SUSPENDED = "account_suspended", _("Account suspended")
    REJECTED = "rejected", _("Rejected, with reasons")
    NOT_FOUND = "not_found", _("Not found")
    ALREADY_REMOVED = "already_removed", _("Already removed")


#: Outcomes that count as the platform acting on the item (TCAP's removal rate counts these).
ACTED = (ItemOutcome.REMOVED, ItemOutcome.RESTRICTED, ItemOutcome.ACCOUNT_SUSPENDED)


class DecisionVisibility(models.TextChoices):
    """DSA Transparency Database ``decision_visibility``."""

    CONTENT_REMOVED = "DECISION_VISIBILITY_CONTENT_REMOVED", _("Content removed")
    CONTENT_DISABLED = "DECISION_VISIBILITY_CONTENT_DISABLED", _("Content disabled")
    CONTENT_DEMOTED = "DECISION_VISIBILITY_CONTENT_DEMOTED", _("Content demoted")
    CONTENT_AGE_RESTRICTED = "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED", _("Content age-restricted")
    CONTENT_INTERACTION_RESTRICTED = "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED", _("Interaction restricted")
    CONTENT_LABELLED = "DECISION_VISIBILITY_CONTENT_LABELLED", _("Content labelled")
    OTHER = "DECISION_VISIBILITY_OTHER", _("Other")


class DecisionAccount(models.TextChoices):
    SUSPENDED = "DECISION_ACCOUNT_SUSPENDED", _("Account suspended")
    TERMINATED = "DECISION_ACCOUNT_TERMINATED", _("Account terminated")


class DecisionGround(models.TextChoices):
    ILLEGAL_CONTENT = "DECISION_GROUND_ILLEGAL_CONTENT", _("Illegal content")
    INCOMPATIBLE_CONTENT = "DECISION_GROUND_INCOMPATIBLE_CONTENT", _("Incompatible with terms and conditions")


class StatementCategory(models.TextChoices):
    ANIMAL_WELFARE = "STATEMENT_CATEGORY_ANIMAL_WELFARE", _("Animal welfare")
    ILLEGAL_OR_HARMFUL_SPEECH = "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", _("Illegal or harmful speech")
    SCAMS_AND_FRAUD = "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", _("Scams and fraud")
    UNSAFE_AND_PROHIBITED_PRODUCTS = "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS", _(
        "Unsafe and prohibited products")
    OTHER_VIOLATION_TC = "STATEMENT_CATEGORY_OTHER_VIOLATION_TC", _("Other violation of terms and conditions")


class Verification(models.TextChoices):
    UNVERIFIED = "unverified", _("Not verified")
    VERIFIED = "verified", _("Removal verified")
    DISPUTED = "disputed", _("Disputed: still online or not as reported")


class NoticeItem(models.Model):
    notice = models.ForeignKey(TakedownNotice, on_delete=models.CASCADE, related_name="items")
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="notice_items")
    url = models.URLField(max_length=2000)
    listing_reference = models.CharField(max_length=128, blank=True, help_text=_("The platform's id of the ad."))
    outcome = models.CharField(max_length=18, choices=ItemOutcome.choices, default=ItemOutcome.PENDING)
    reason = models.TextField(blank=True, help_text=_("Why rejected, or the platform's explanation."))
    decision_visibility = models.CharField(max_length=60, choices=DecisionVisibility.choices, blank=True)
    decision_visibility_other = models.CharField(
        max_length=500, blank=True, help_text=_("The restriction, in the platform's words, when it is \"other\".")
    )
    decision_account = models.CharField(max_length=40, choices=DecisionAccount.choices, blank=True)
    decision_ground = models.CharField(max_length=40, choices=DecisionGround.choices, blank=True)
    category = models.CharField(max_length=60, choices=StatementCategory.choices, blank=True)
    incompatible_content_illegal = models.BooleanField(
        null=True, blank=True, help_text=_("Whether the platform also considers content it removed under its terms "
                                           "illegal; unknown unless it says so."))
    territorial_scope = models.JSONField(default=list, blank=True)
    automated_detection = models.BooleanField(null=True, blank=True)
    automated_decision = models.CharField(max_length=40, blank=True, help_text=_(
        "AUTOMATED_DECISION_FULLY / _PARTIALLY / _NOT_AUTOMATED"))
    effective_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    verification = models.CharField(max_length=10, choices=Verification.choices, default=Verification.UNVERIFIED)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["notice", "id"]
        constraints = [models.UniqueConstraint(fields=["notice", "listing"], name="notice_item_once")]

    def __str__(self) -> str:
        return f"{self.notice_id}: {self.url} ({self.outcome})"


class NoticeEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    OUTCOME = "outcome", _("Outcome reported")
    REMINDER = "reminder", _("Reminder sent")
    ESCALATED = "escalated", _("Escalated")
    VERIFIED = "verified", _("Verification")
    CLOSED = "closed", _("Closed")
    RELISTED = "relisted", _("Re-listing detected")


class NoticeEvent(models.Model):
    """The notice's history, as both sides read it (every notification sent appears here)."""

    notice = models.ForeignKey(TakedownNotice, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=14, choices=NoticeEventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    item = models.ForeignKey(NoticeItem, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["notice", "at", "id"]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.kind}"


class Relisting(models.Model):
    """A listing that appeared again after a removal: same normalised URL, or same seller on the same platform."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="relistings")
    earlier_item = models.ForeignKey(NoticeItem, on_delete=models.CASCADE, related_name="relistings")
    matched_on = models.CharField(max_length=8, choices=[("url", "Same URL"), ("seller", "Same seller account")])
    detected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-detected_at"]
        constraints = [models.UniqueConstraint(fields=["listing", "earlier_item"], name="relisting_once")]

    def __str__(self) -> str:
        return f"{self.listing_id} relists {self.earlier_item_id}"
from .measures.models import *  # noqa: E402, F403  (model measures live in their own module)
