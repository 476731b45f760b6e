"""Spotters' reports: what a trusted reporter saw online, kept apart from intelligence until it is triaged.

A report is the only thing a submission writes (with its screenshots and status history): it creates no
listing, case or notice. Whether its URL was already reported (``duplicate_of``) or is already in intelligence
(``already_known``), the agency it is routed to and its priority score are set by the system for triage and
never shown to the spotter. Triage links a report to what it became (``case``, ``listing``, ``notice``): links
only the analysts of the agency it was routed to may follow.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from cases.models import Species


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    UNDER_REVIEW = "under_review", _("Under review")
    SENT_TO_PLATFORM = "sent_to_platform", _("Acted on: sent to the platform")
    PASSED_TO_INVESTIGATION = "passed_to_investigation", _("Acted on: passed to an investigation")
    NOT_ACTIONABLE = "not_actionable", _("Not actionable")


class NotActionableReason(models.TextChoices):
    """General reasons only: a reason never tells the spotter anything about intelligence."""

    INSUFFICIENT_INFORMATION = "insufficient_information", _("Not enough information to act on")
    NO_PROTECTED_SPECIES = "no_protected_species", _("No protected species could be identified")
    LISTING_UNAVAILABLE = "listing_unavailable", _("The listing is no longer online")
    OUT_OF_SCOPE = "out_of_scope", _("Outside the programme's scope")


class SpotterReport(models.Model):
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="spotter_reports")
    organisation = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="spotter_reports",
                                     help_text=_("The reporter's agency (their spotter programme) when they reported."))
    url_as_given = models.CharField(max_length=2000)
    url = models.URLField(max_length=2000, help_text=_("Normalised as listings' URLs are."))
    url_digest = models.CharField(max_length=64, db_index=True, editable=False,
                                  help_text=_("SHA-256 of the normalised URL, as a listing's."))
    platform = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 help_text=_("Recognised from the URL's domain."))
    description = models.TextField(help_text=_("What the spotter saw."))
    species_suggested = models.CharField(max_length=200, blank=True, help_text=_("As the spotter typed it."))
    species = models.ForeignKey(Species, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                help_text=_("The species the suggestion matched, if one did."))
    seen_at = models.DateTimeField()
    language = models.CharField(max_length=8, blank=True, help_text=_("The listing's language (ISO 639-1)."))
    status = models.CharField(max_length=24, choices=ReportStatus.choices, default=ReportStatus.RECEIVED)
    reason = models.CharField(max_length=32, choices=NotActionableReason.choices, blank=True)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="duplicates", help_text=_("The first report of the same URL."))
    already_known = models.BooleanField(default=False,
                                        help_text=_("The URL was already a listing in intelligence when reported."))
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    routed_to = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  help_text=_("The agency whose analysts triage the report (see ReportRoute)."))
    priority_score = models.PositiveSmallIntegerField(
        default=0, help_text=_("Triage order, highest first: species appendix, duplicates, the reporter's track "
                               "record, watchlist matches (reports.triage.score)."))
    score_parts = models.JSONField(default=dict, blank=True,
                                   help_text=_("The score's parts by name, shown to analysts as its reasons."))
    triaged_at = models.DateTimeField(null=True, blank=True, help_text=_("When the report reached a final status."))
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    listing = models.ForeignKey("cases.Listing", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    notice = models.ForeignKey("compliance.TakedownNotice", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["reporter", "created_at"], name="report_reporter_recent"),
                   models.Index(fields=["routed_to", "status", "priority_score"], name="report_triage_queue")]

    def __str__(self) -> str:
        return f"{self.url} ({self.status})"


class TriageReport(SpotterReport):
    """A report as the analysts of the agency it is routed to see it: the same row, its own visibility rule and
    GraphQL type, so that what the system found about a report never reaches its spotter through a shared type."""

    class Meta:
        proxy = True


class ReportRoute(models.Model):
    """Where reports go for triage: the reports of a programme, of a platform's country, or of both.

    The most specific route wins: programme and country, then programme alone, then country alone; with no
    route, a report goes to the wildlife authority of the platform's country, else of the programme's country.
    Managed by system administrators (Django admin), so a programme can send everything to one agency while
    another lets each country's authority take its own platforms.
    """

    programme = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                  limit_choices_to={"agency_type": "ngo"},
                                  help_text=_("The spotters' organisation; blank for every programme."))
    country = models.CharField(max_length=2, blank=True,
                               help_text=_("The platform's country (ISO 3166-1); blank for every country."))
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+",
                               help_text=_("The agency whose analysts triage these reports."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["programme", "country"], name="report_route_once"),
                       models.CheckConstraint(condition=~models.Q(programme__isnull=True, country=""),
                                              name="report_route_says_what")]

    def __str__(self) -> str:
        return f"{self.programme_id or '*'}/{self.country or '*'} → {self.agency_id}"


class ReportStatusChange(models.Model):
    """One step of a report's status history, shown to its spotter with its time. Append-only."""

    report = models.ForeignKey(SpotterReport, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=24, choices=ReportStatus.choices)
    reason = models.CharField(max_length=32, choices=NotActionableReason.choices, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["report", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.status} at {self.changed_at:%Y-%m-%d %H:%M}"


def screenshot_path(instance: ReportScreenshot, filename: str) -> str:
    """A random name outside ``evidence/`` (whose orphan sweep knows only evidence rows)."""
    return f"reports/{uuid.uuid4().hex}"


class ReportScreenshot(models.Model):
    """A screenshot (image or PDF) of a report, stored as evidence is: hashed while it streams in."""

    report = models.ForeignKey(SpotterReport, on_delete=models.CASCADE, related_name="screenshots")
    file = models.FileField(upload_to=screenshot_path, max_length=300)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100, help_text=_("Detected from the bytes, not the client's claim."))
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    evidence = models.ForeignKey("cases.Evidence", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", help_text=_("Where the file went when triage moved it into a "
                                                               "case; the file then lives there only."))

    class Meta:
        ordering = ["report", "id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.sha256[:12]})"
