"""What imports from other systems left behind: one row per import run, one per object imported.

A feed (OpenCTI, MISP, a national system) sends the same objects again and again, revised or not. Each object
an agency imported is remembered by its id in the source standard (a STIX id, a MISP uuid) with its version,
so that importing it again changes nothing, a newer version updates what it became, and nothing is duplicated.
The memory is per agency: two agencies importing the same feed each hold their own copy in their own cases.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from cases.models import Case


class Standard(models.TextChoices):
    STIX = "stix", _("STIX 2.1")
    MISP = "misp", _("MISP event")


class ImportRun(models.Model):
    """One import: who, when, into which case, what it did (the status resource of an import).

    ``report`` holds the objects kept as notes (types WildNet has no meaning for, kept whole as intelligence
    reports so nothing the source said is lost), the objects set aside with the reason, and every object taken
    with what became of it, as JSON: ``{"accepted": [{"id", "version", "outcome"}], "kept_as_notes": [{"id",
    "type"}], "rejected": [{"id", "type", "reason"}]}``. ``status_id`` names it as a TAXII status resource.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="import_runs")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    standard = models.CharField(max_length=4, choices=Standard.choices)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="import_runs")
    case_created = models.BooleanField(default=False)
    source_id = models.CharField(max_length=200, blank=True, help_text=_("The bundle's id or the event's uuid."))
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    status_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False,
                                 help_text=_("The id of the import as a TAXII status resource."))

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.standard} import {self.pk} into {self.case_id}"


class ImportedKind(models.TextChoices):
    LISTING = "listing", _("Listing")
    CLAIM = "claim", _("Identifier and its claim")
    REPORT = "report", _("Intelligence report")
    NOTE = "note", _("Kept as a note")


class ImportedObject(models.Model):
    """An object of another system that an agency imported, and what it became in WildNet."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    standard = models.CharField(max_length=4, choices=Standard.choices)
    external_id = models.CharField(max_length=200, help_text=_("The STIX id or the MISP uuid."))
    version = models.CharField(max_length=40, blank=True,
                               help_text=_("STIX `modified` or MISP `timestamp`; empty for what has no versions."))
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=ImportedKind.choices)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="imported")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["agency", "standard", "external_id"]
        constraints = [models.UniqueConstraint(fields=["agency", "standard", "external_id"],
                                               name="imported_once_per_agency")]

    def __str__(self) -> str:
        return f"{self.standard}:{self.external_id} → {self.kind} {self.target_id}"
