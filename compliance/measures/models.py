"""The model-measure catalogue and the national assessments made against it.

A signed-off assessment is never edited: a change after sign-off is a new revision (``revision + 1``, pointing
at the one it supersedes through ``previous``), so what a coordinator signed stays what was signed. The audit
log holds every change besides.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, validate_country

__all__ = [
    "AssessmentStatus", "EvidenceKind", "MeasureCatalogue", "MeasureEvidence", "MeasureStatus",
    "MeasureStatusEntry", "ModelMeasure", "NationalAssessment",
]


class MeasureCatalogue(models.Model):
    """One edition of the CITES document (e.g. ``2024-11``); editions live side by side, never replaced."""

    version = models.CharField(max_length=16, unique=True)
    title = models.CharField(max_length=300)
    published_on = models.DateField()
    source = models.TextField(help_text=_("The document the catalogue restates (reference, address)."))

    class Meta:
        ordering = ["-published_on", "-version"]

    def __str__(self) -> str:
        return f"{self.version} — {self.title}"


class ModelMeasure(models.Model):
    """One bullet of the CITES document (or one bullet-less subsection), in English, French and Spanish."""

    catalogue = models.ForeignKey(MeasureCatalogue, on_delete=models.PROTECT, related_name="measures")
    code = models.CharField(max_length=24, help_text=_("Stable across editions, e.g. BP-A-04."))
    section = models.CharField(max_length=16, help_text=_("1, 2 or iccwc."))
    subsection = models.CharField(max_length=16, help_text=_("e.g. 1a, 2b, iccwc-1c."))
    order = models.PositiveSmallIntegerField()
    title_en = models.CharField(max_length=300)
    title_fr = models.CharField(max_length=300)
    title_es = models.CharField(max_length=300, blank=True)
    description_en = models.TextField()
    description_fr = models.TextField()
    description_es = models.TextField(blank=True)
    indicator = models.CharField(max_length=40, null=True, blank=True,
                                 help_text=_("Key of the indicator computed for this measure, if any."))

    class Meta:
        ordering = ["catalogue", "order"]
        constraints = [models.UniqueConstraint(fields=["catalogue", "code"], name="measure_code_once")]

    def __str__(self) -> str:
        return f"{self.code} {self.title_en}"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED_OFF = "signed_off", _("Signed off")


class NationalAssessment(models.Model):
    """A country's implementation of one catalogue over one period (both ends inclusive), in revisions."""

    country = models.CharField(max_length=2, validators=[validate_country], db_index=True)
    period_start = models.DateField()
    period_end = models.DateField(help_text=_("Last day of the period (inclusive)."))
    catalogue = models.ForeignKey(MeasureCatalogue, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(max_length=12, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT)
    revision = models.PositiveSmallIntegerField(default=1)
    previous = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="next_revision", help_text=_("The revision this one supersedes."))
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    signed_off_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["country", "-period_start", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["country", "period_start", "period_end", "revision"],
                                    name="assessment_revision_once"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="assessment_period_ordered"),
            models.CheckConstraint(condition=Q(status="draft") | Q(signed_off_at__isnull=False),
                                   name="assessment_signed_off_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.period_label} r{self.revision} ({self.status})"

    @property
    def period_label(self) -> str:
        """``2025`` for a calendar year, else ``2025-01-01/2025-06-30``."""
        start, end = self.period_start, self.period_end
        if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
            return str(start.year)
        return f"{start.isoformat()}/{end.isoformat()}"


class MeasureStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    IMPLEMENTED = "implemented", _("Implemented")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class MeasureStatusEntry(models.Model):
    """Where one measure stands in one assessment revision."""

    assessment = models.ForeignKey(NationalAssessment, on_delete=models.CASCADE, related_name="entries")
    measure = models.ForeignKey(ModelMeasure, on_delete=models.PROTECT, related_name="entries")
    status = models.CharField(max_length=16, choices=MeasureStatus.choices, default=MeasureStatus.NOT_STARTED)
    reason = models.TextField(blank=True, help_text=_("Why the measure does not apply (required then)."))
    responsible_agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+")
    notes = models.TextField(blank=True)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")

    class Meta:
        ordering = ["assessment", "measure__order"]
        verbose_name_plural = "measure status entries"
        constraints = [
            models.UniqueConstraint(fields=["assessment", "measure"], name="measure_once_per_assessment"),
            models.CheckConstraint(condition=~Q(status="not_applicable") | ~Q(reason=""),
                                   name="not_applicable_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}/{self.measure_id}: {self.status}"


class EvidenceKind(models.TextChoices):
    FILE = "file", _("File")
    LINK = "link", _("Link")
    NOTE = "note", _("Note")


def measure_evidence_path(instance: MeasureEvidence, filename: str) -> str:
    """A random name under the assessment: the client's file name is never used as a path."""
    return f"measures/{instance.entry.assessment_id}/{uuid.uuid4().hex}"


class MeasureEvidence(models.Model):
    """What shows a measure's status: a document, an address, or a note."""

    entry = models.ForeignKey(MeasureStatusEntry, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=8, choices=EvidenceKind.choices)
    file = models.FileField(upload_to=measure_evidence_path, max_length=300, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    text = models.TextField(blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["entry", "added_at", "id"]
        verbose_name_plural = "measure evidence"

    def __str__(self) -> str:
        return f"{self.kind} for {self.entry_id}"

    @property
    def file_name(self) -> str | None:
        """The stored file's name (random, never the client's), or ``None`` for a link or a note."""
        return self.file.name.rsplit("/", 1)[-1] if self.file and self.file.name else None
