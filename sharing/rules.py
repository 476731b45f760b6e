"""Access through shares: the widened ``"case.visible"`` condition and who sees shares, requests and hits.

"Which cases may this officer see" stays one SQL statement: the viewer's agency's mandates in force are read
once per request (a handful of rows: the mandates themselves, never case ids), and each one that allows the
declared purpose contributes a branch

    case.id IN (the cases of active, unexpired, approved shares to the agency under this mandate, or to a task
                force the agency is a member of)  AND  the mandate covers the case

whose coverage is plain column tests on the case: jurisdictions and appendices inside the mandate's (the case's
``,ES,FR,`` keys among the keys of the mandate's subsets, or a regular expression for long lists), crime area
in the mandate's, classification within both the mandate's and the officer's, and a case kept among law
enforcement (``law_enforcement_only``) only for law-enforcement and regulatory recipients.

Reports and claims carry a marking of their own, which adds to their case's (``item.visible``): in a shared
case, an item kept among law enforcement is hidden from NGOs and platforms, and an H2 item of a case that is not
H2 is hidden from a recipient until the owning agency releases it for a share reaching them (``Release``).
"""

from __future__ import annotations

import datetime
import re
from functools import reduce
from itertools import combinations
from operator import or_
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from access import prepared
from access.errors import PermissionDenied
from access.markings import CitesAppendix, HandlingCode
from access.policy import (
    NOTHING,
    Viewer,
    register_action,
    register_condition,
    register_signature,
    register_visibility,
)
from agencies.models import AgencyType, TaskForceMembership
from cases import rules as case_rules
from cases.models import Case
from cases.models.intel import list_key
from mandates.models import Mandate
from officers.models import Role
from officers.sessions import mandates_read

from .models import AccessRequest, Hit, Release, Share, ShareStatus

#: The recipients a case or an item marked ``law_enforcement_only`` never reaches.
OUTSIDE_LAW_ENFORCEMENT = frozenset({AgencyType.NGO, AgencyType.ONLINE_PLATFORM})
REDACTION_FIELD = {case_rules.PERSONAL_DATA: "redact_personal_data", case_rules.SOURCES: "redact_sources",
                   case_rules.EVIDENCE: "redact_evidence"}


def _mandates_in_force(agency_id: int, at: datetime.datetime) -> QuerySet[Mandate]:
    return Mandate.objects.in_force(at).filter(agency_id=agency_id)


def in_force_mandates(viewer: Viewer) -> list[Mandate]:
    """The viewer's agency's mandates in force now, cached on the viewer for the request: those read with the
    request's officer (``officers.sessions``) when they were read at the viewer's instant, else a statement."""
    cache = viewer.cache.get("mandates")
    if cache is None:
        cache = mandates_read(viewer.officer, viewer.at)
        if cache is None:
            cache = prepared.unnarrowed("mandates.in_force", viewer.agency_id, viewer.at, _mandates_in_force)
        viewer.cache["mandates"] = cache
    return cache


@register_signature
def mandates_signature(viewer: Viewer) -> tuple[Any, ...]:
    """The mandates in force, every field of them, as the rules below read them in Python."""
    if not viewer.active or not case_rules.reads_intelligence(viewer) or viewer.purpose is None:
        return ()  # as ``shared_cases``: no mandate is read then
    fields = Mandate._meta.concrete_fields
    return tuple(tuple(repr(getattr(m, f.attname)) for f in fields) for m in in_force_mandates(viewer))


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
    if outside_law_enforcement(viewer):
        condition &= Q(**{f"{prefix}law_enforcement_only": False})
    return condition


def outside_law_enforcement(viewer: Viewer) -> bool:
    assert viewer.officer is not None
    return viewer.officer.agency.agency_type in OUTSIDE_LAW_ENFORCEMENT


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


def reaching_shares(viewer: Viewer) -> Q:
    """Live shares reaching the viewer under any mandate that allows their purpose (``granting_shares``)."""
    found = [granting_shares(viewer, mandate) for mandate in in_force_mandates(viewer)
             if viewer.purpose in mandate.purposes]
    return reduce(or_, found) if found else NOTHING


def item_gate(viewer: Viewer, item: str) -> Q:
    """What a report or claim of a shared case must satisfy besides its case: its own marking.

    Kept among law enforcement: not for NGOs and platforms. H2 (the provider's permission needed) in a case that is
    not H2: released for a share reaching the viewer. In an H2 case the share's approval by the owning agency's
    supervisor is that permission already, for the case and what it holds.
    """
    gate = Q(law_enforcement_only=False) if outside_law_enforcement(viewer) else Q()
    shares = reaching_shares(viewer)
    released = Q(case__handling_code=HandlingCode.H2)
    if shares is not NOTHING:
        releases = Release.objects.filter(share_id__in=Share.objects.filter(shares).values("pk"))
        released |= Q(pk__in=releases.values(f"{item}_id"))
    return gate & (~Q(handling_code=HandlingCode.H2) | released)


@register_condition("item.visible")
def visible_item_condition(viewer: Viewer, item: str, redaction: str | None = None) -> Q:
    """The agency's own items within clearance, and the items of shared cases that pass their ``item_gate``.

    The own part reads the item's case through the join ``item_gate`` needs anyway, not as ``case_id IN (the
    agency's cases)``: PostgreSQL counts such a hashed subquery's set-up again for every probe of a nested loop,
    so an entity's claims (``Entity``'s rule) were checked by hashing every visible claim (5.9 ms for the four
    identifiers of a case) instead of reading the claims of those four (0.5 ms).
    """
    own = case_rules.own_agency_cases(viewer)
    shared = shared_cases(viewer, redaction)
    parts = []
    if own is not NOTHING:
        parts.append(own_cases_within_clearance(viewer))
    if shared is not NOTHING:
        parts.append(Q(case_id__in=Case.objects.filter(shared).values("pk")) & item_gate(viewer, item))
    return reduce(or_, parts) if parts else NOTHING


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


@register_action("share.release")
def release(viewer: Viewer, target: Share) -> None:
    """H2 items are released by the provider: a supervisor of the owning agency."""
    _owner_supervisor(viewer, target.case)


@register_visibility(Release)
def releases(viewer: Viewer) -> Q:
    """The owning agency's record of its permissions (recipients see the released items, not the record)."""
    if not case_rules.reads_intelligence(viewer):
        return NOTHING
    return Q(share__in=Share.objects.filter(own_cases_within_clearance(viewer)).values("pk"))


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
