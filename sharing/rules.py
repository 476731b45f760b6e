"""Access through shares: the widened ``"case.visible"`` condition and who sees shares, requests and hits.

"Which cases may this officer see" stays one SQL statement: the viewer's agency's mandates in force are read
once per request (a handful of rows: the mandates themselves, never case ids), and each one that allows the
declared purpose contributes a branch

    case.id IN (the cases of active, unexpired, approved shares to the agency under this mandate, or to a task
                force the agency is a member of)  AND  the mandate covers the case

whose coverage is plain column tests on the case: jurisdictions and appendices inside the mandate's (the case's
``,ES,FR,`` keys among the keys of the mandate's subsets, or a regular expression for long lists), crime area
in the mandate's, classification within both the mandate's and the officer's, handling code allowing the
recipient's kind of agency.
"""

from __future__ import annotations

import re
from itertools import combinations

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from access.errors import PermissionDenied
from access.markings import CitesAppendix, HandlingCode
from access.policy import NOTHING, Viewer, register_action, register_condition, register_visibility
from agencies.models import AgencyType, TaskForceMembership
from cases import rules as case_rules
from cases.models import Case
from cases.models.intel import list_key
from mandates.models import Mandate
from officers.models import Role

from .models import AccessRequest, Hit, Share, ShareStatus

#: H1 keeps intelligence among law enforcement, prosecutors and regulators.
OUTSIDE_LAW_ENFORCEMENT = frozenset({AgencyType.NGO, AgencyType.ONLINE_PLATFORM})
REDACTION_FIELD = {case_rules.PERSONAL_DATA: "redact_personal_data", case_rules.SOURCES: "redact_sources",
                   case_rules.EVIDENCE: "redact_evidence"}


def in_force_mandates(viewer: Viewer) -> list[Mandate]:
    """The viewer's agency's mandates in force now, cached on the viewer for the request."""
    cache = viewer.cache.get("mandates")
    if cache is None:
        cache = list(Mandate.objects.in_force(viewer.at).filter(agency_id=viewer.agency_id))
        viewer.cache["mandates"] = cache
    return cache


#: Up to this many values, "every item of the case's list is among the mandate's" is tested as membership of
#: the case's key in the keys of all subsets (2^n, an index-friendly IN); above it, as a regular expression.
MAX_SUBSET_VALUES = 6


def _subset_test(field: str, values: list[str], universe: list[str] | None = None) -> Q:
    """Matches a ``,A,B,`` key all of whose items are among ``values`` (any key when ``values`` is everything)."""
    if universe is not None and set(universe) <= set(values):
        return Q()
    if len(values) <= MAX_SUBSET_VALUES:
        unique = sorted(set(values))
        keys = [list_key(list(chosen)) for size in range(len(unique) + 1) for chosen in combinations(unique, size)]
        return Q(**{f"{field}__in": keys})
    alternatives = "|".join(re.escape(v) for v in sorted(values)) or "(?!)"
    return Q(**{f"{field}__regex": rf"^,(({alternatives}),)*$"})


def coverage(mandate: Mandate, viewer: Viewer, prefix: str = "") -> Q:
    """The cases ``mandate`` covers for ``viewer``, as column tests on the case."""
    assert viewer.officer is not None
    level = min(mandate.max_classification, viewer.officer.clearance)
    condition = Q(**{f"{prefix}classification__lte": level, f"{prefix}crime_area__in": list(mandate.crime_areas)})
    condition &= _subset_test(f"{prefix}jurisdiction_key", list(mandate.jurisdictions))
    condition &= _subset_test(f"{prefix}appendix_key", list(mandate.cites_appendices), list(CitesAppendix.values))
    if viewer.officer.agency.agency_type in OUTSIDE_LAW_ENFORCEMENT:
        condition &= ~Q(**{f"{prefix}handling_code__in": [HandlingCode.H1, HandlingCode.H2]})
    return condition


def active_shares(viewer: Viewer) -> Q:
    """Shares that are live now (status, expiry); the recipient test is added per mandate."""
    return Q(status=ShareStatus.ACTIVE) & (Q(expires_at__isnull=True) | Q(expires_at__gt=viewer.at))


def granting_shares(viewer: Viewer, mandate: Mandate) -> Q:
    """Live shares that reach the viewer's agency under ``mandate``: addressed to it under that mandate, or to
    a task force the agency belongs to now (checked at this request, so a member that left sees nothing)."""
    task_forces = TaskForceMembership.objects.current(viewer.at).filter(agency_id=viewer.agency_id)
    return active_shares(viewer) & (
        Q(recipient_agency_id=viewer.agency_id, mandate_id=mandate.pk)
        | Q(recipient_task_force_id__in=task_forces.values("task_force_id"))
    )


def shared_cases(viewer: Viewer, redaction: str | None = None) -> Q:
    """Cases shared with the viewer's agency that its mandates cover for the declared purpose."""
    if not case_rules.reads_intelligence(viewer) or viewer.purpose is None:
        return NOTHING
    branches = Q(pk__in=[])
    found = False
    for mandate in in_force_mandates(viewer):
        if viewer.purpose not in mandate.purposes:
            continue
        # An uncorrelated IN (evaluated once) rather than a correlated EXISTS (once per case): on 100k cases it
        # keeps the filtered page within 1.3x of the unfiltered one (tests/benchmarks/bench_policy.py).
        shares = Share.objects.filter(granting_shares(viewer, mandate))
        if redaction is not None:
            shares = shares.filter(**{REDACTION_FIELD[redaction]: False})
        branches |= Q(pk__in=shares.values("case_id")) & coverage(mandate, viewer)
        found = True
    return branches if found else NOTHING


@register_condition("case.visible")
def visible_case_condition(viewer: Viewer, redaction: str | None = None) -> Q:
    own = case_rules.own_agency_cases(viewer)
    shared = shared_cases(viewer, redaction)
    if own is NOTHING:
        return shared
    if shared is NOTHING:
        return own
    return own | shared


def own_cases_within_clearance(viewer: Viewer) -> Q:
    """The agency's cases the viewer is cleared for, through a ``case`` relation.

    Shares and access requests speak of their case (reference, justification, recipient): an officer cleared
    below the case must not learn of it through them, nor act on them.
    """
    assert viewer.officer is not None
    return Q(case__owner_agency_id=viewer.agency_id, case__classification__lte=viewer.officer.clearance)


@register_visibility(Share)
def shares(viewer: Viewer) -> Q:
    """Shares given (of the agency's cases within the viewer's clearance) and received (by the agency)."""
    if not case_rules.reads_intelligence(viewer):
        return NOTHING
    task_forces = TaskForceMembership.objects.current(viewer.at).filter(agency_id=viewer.agency_id)
    given = own_cases_within_clearance(viewer)
    received = (Q(recipient_agency_id=viewer.agency_id)
                | Q(recipient_task_force_id__in=task_forces.values("task_force_id")))
    return given | (received & Q(status=ShareStatus.ACTIVE))


@register_visibility(AccessRequest)
def access_requests(viewer: Viewer) -> Q:
    """The requester's agency sees its requests; the owning agency's supervisors see requests for its cases."""
    if not case_rules.reads_intelligence(viewer):
        return NOTHING
    mine = Q(requester_agency_id=viewer.agency_id)
    if viewer.role == Role.SUPERVISOR:
        return mine | own_cases_within_clearance(viewer)
    return mine


@register_visibility(Hit)
def hits(viewer: Viewer) -> Q:
    """The searcher sees their own hits; the holding agency's supervisors see hits on their intelligence."""
    if not case_rules.reads_intelligence(viewer):
        return NOTHING
    assert viewer.officer is not None
    mine = Q(officer_id=viewer.officer.pk)
    if viewer.role == Role.SUPERVISOR:
        return mine | Q(holder_agency_id=viewer.agency_id)
    return mine


def can_contribute_through_share(viewer: Viewer, case: Case) -> bool:
    """A recipient may add to a case when a live share grants ``can_contribute`` and their mandate covers it."""
    for mandate in in_force_mandates(viewer):
        if viewer.purpose not in mandate.purposes:
            continue
        reachable = Case.objects.filter(coverage(mandate, viewer), pk=case.pk).filter(
            Exists(Share.objects.filter(granting_shares(viewer, mandate), case_id=OuterRef("pk"),
                                        can_contribute=True)))
        if reachable.exists():
            return True
    return False


@register_action("case.contribute")
def contribute(viewer: Viewer, case: Case) -> None:
    if case.owner_agency_id == viewer.agency_id:
        case_rules.contribute(viewer, case)
        return
    if viewer.role not in case_rules.WRITERS or not can_contribute_through_share(viewer, case):
        raise PermissionDenied(_("This share does not let your agency add to the case."))


@register_action("case.share")
def share(viewer: Viewer, case: Case) -> None:
    """The owning agency's officers share; a recipient shares further only under a share allowing it."""
    if viewer.role not in case_rules.WRITERS:
        raise PermissionDenied(_("Only analysts, investigators and supervisors share intelligence."))
    if case.owner_agency_id == viewer.agency_id:
        return
    for mandate in in_force_mandates(viewer):
        if viewer.purpose in mandate.purposes and Case.objects.filter(coverage(mandate, viewer), pk=case.pk).filter(
                Exists(Share.objects.filter(granting_shares(viewer, mandate), case_id=OuterRef("pk"),
                                            can_reshare=True))).exists():
            return
    raise PermissionDenied(_("Your agency may not share this case further."))


def _owner_supervisor(viewer: Viewer, case: Case) -> None:
    if viewer.role != Role.SUPERVISOR or case.owner_agency_id != viewer.agency_id:
        raise PermissionDenied(_("Only a supervisor of the owning agency can do this."))


@register_action("share.approve")
def approve(viewer: Viewer, target: Share) -> None:
    _owner_supervisor(viewer, target.case)


@register_action("share.revoke")
def revoke(viewer: Viewer, target: Share) -> None:
    """The owning agency's supervisors, or the officer who made the share."""
    assert viewer.officer is not None
    if target.shared_by_id == viewer.officer.pk:
        return
    _owner_supervisor(viewer, target.case)


@register_action("access.request")
def request(viewer: Viewer, target: None) -> None:
    if viewer.role not in case_rules.WRITERS:
        raise PermissionDenied(_("Only analysts, investigators and supervisors request access."))


@register_action("access.decide")
def decide(viewer: Viewer, target: AccessRequest) -> None:
    if target.case is None:
        raise PermissionDenied()
    _owner_supervisor(viewer, target.case)
