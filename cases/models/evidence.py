"""Evidence files and their append-only chain of custody."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .intel import Case, Listing


class CaptureMethod(models.TextChoices):
    SCREENSHOT = "screenshot", _("Screenshot")
    SAVED_PAGE = "saved_page", _("Saved web page")
    PLATFORM_EXPORT = "platform_export", _("Platform data export")
    FORENSIC_REPORT = "forensic_report", _("Forensic report")
    OTHER = "other", _("Other")


def evidence_path(instance: Evidence, filename: str) -> str:
    """Stored under a random name: the client's file name is kept as data, never used as a path."""
    return f"evidence/{instance.case_id}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    listing = models.ForeignKey(Listing, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=300)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True, help_text=_("Computed while the file streamed in."))
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100, help_text=_("Detected from the bytes, not the client's claim."))
    capture_method = models.CharField(max_length=16, choices=CaptureMethod.choices)
    captured_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    captured_at = models.DateTimeField()
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-captured_at", "-id"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return f"{self.original_name} ({self.sha256[:12]})"


class CustodyAction(models.TextChoices):
    CAPTURED = "captured", _("Captured")
    TRANSFERRED = "transferred", _("Transferred")
    ACCESSED = "accessed", _("Accessed")
    EXPORTED = "exported", _("Exported")
    VERIFIED = "verified", _("Integrity verified")
    VERIFICATION_FAILED = "verification_failed", _("Integrity check failed")
    SEALED = "sealed", _("Sealed")


class CustodyEvent(models.Model):
    """One link of an evidence item's chain of custody. Append-only, like the audit log."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="custody")
    action = models.CharField(max_length=20, choices=CustodyAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", help_text=_("Null for the system (integrity checks)."))
    occurred_at = models.DateTimeField(default=timezone.now)
    from_holder = models.CharField(max_length=200, blank=True)
    to_holder = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    sha256 = models.CharField(max_length=64, blank=True, help_text=_("The file's hash as observed at this event."))

    class Meta:
        ordering = ["evidence", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.evidence_id} at {self.occurred_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Custody events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("Custody events are append-only")
