"""Who sees imports: an agency's import runs, to its officers who read intelligence and may see the case."""

from __future__ import annotations

from django.db.models import Q

from access.policy import NOTHING, Viewer, register_visibility
from cases.models import Case
from cases.rules import own_agency_cases

from .models import ImportRun


@register_visibility(ImportRun)
def import_runs(viewer: Viewer) -> Q:
    """A run says which case it went into and where the data came from: the agency's own officers cleared for
    that case see it, nobody else (another agency learns nothing of what was imported)."""
    cases = own_agency_cases(viewer)
    if cases is NOTHING:
        return NOTHING
    return Q(agency_id=viewer.agency_id, case_id__in=Case.objects.filter(cases).values("pk"))
