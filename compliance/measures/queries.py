"""Finding assessments as readers ask for them: by country and period, and the one before."""

from __future__ import annotations

import datetime

from access.policy import Viewer, visible

from .models import AssessmentStatus, NationalAssessment


def current_assessment(viewer: Viewer, country: str, start: datetime.date,
                       end: datetime.date) -> NationalAssessment | None:
    """The latest revision of the country's assessment for the period that ``viewer`` may see.

    A coordinator of another country gets the latest *signed-off* revision while a newer draft is open, since
    drafts are not theirs to see; ``None`` is the same answer for "none" and "not yours".
    """
    return (visible(viewer, NationalAssessment.objects.select_related("catalogue", "signed_off_by"))
            .filter(country=(country or "").upper(), period_start=start, period_end=end)
            .order_by("-revision").first())


def previous_period(viewer: Viewer, assessment: NationalAssessment) -> NationalAssessment | None:
    """The latest signed-off revision of the country's closest earlier period, the report's basis of change."""
    return (visible(viewer, NationalAssessment.objects.all())
            .filter(country=assessment.country, status=AssessmentStatus.SIGNED_OFF,
                    period_end__lt=assessment.period_start)
            .order_by("-period_end", "-revision").first())
