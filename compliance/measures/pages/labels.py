"""Labels of the model measures' enums for the console's ``choice`` filter and forms."""

from __future__ import annotations

from console import labels

from ..models import AssessmentStatus, EvidenceKind, MeasureStatus


def register() -> None:
    labels.register("measure_status", MeasureStatus)
    labels.register("assessment_status", AssessmentStatus)
    labels.register("measure_evidence_kind", EvidenceKind)
