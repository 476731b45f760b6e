"""Who imports, and who sees imports: an agency's import runs, to its officers who read intelligence and may see
the case."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from access.errors import PermissionDenied
from access.policy import NOTHING, Viewer, register_action, register_visibility
from cases.models import Case
from cases.rules import WRITERS, own_agency_cases

from .models import ImportRun


@register_visibility(ImportRun)
def import_runs(viewer: Viewer) -> Q:
    """A run says which case it went into and where the data came from: the agency's own officers cleared for
    that case see it, nobody else (another agency learns nothing of what was imported)."""
    cases = own_agency_cases(viewer)
    if cases is NOTHING:
        return NOTHING
    return Q(agency_id=viewer.agency_id, case_id__in=Case.objects.filter(cases).values("pk"))


@register_action("interop.import")
def import_intelligence(viewer: Viewer, target: object) -> None:
    """Importing records intelligence: the roles that record it (into their own agency's cases only, which the
    import's choice of case enforces), with a session or a token that may write."""
    if viewer.role not in WRITERS:
        raise PermissionDenied(_("Only analysts, investigators and supervisors import intelligence."))
    if not viewer.may_write():
        raise PermissionDenied(_("This API token may only read."))
