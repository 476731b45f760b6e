"""Who sees and changes case intelligence.

An officer sees their own agency's intelligence, by role and clearance. Everything inside a case (listings,
claims, reports, evidence) is visible through the named condition ``"case.visible"``, an
``IN (SELECT …)`` subquery over cases: one SQL statement whatever the number of cases. The ``sharing`` app
widens that condition (adding shared cases, with their redactions), and these rules follow without change.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from access import prepared
from access.errors import ActionError, ErrorCode, PermissionDenied
from access.policy import (
    NOTHING,
    Viewer,
    condition,
    keys_q,
    register_action,
    register_condition,
    register_visibility,
    register_visibility_among,
    register_visible_through,
    visibility_filter,
)
from officers.models import INTELLIGENCE_ROLES, Role

from .models import (
    Case,
    CaseEntity,
    CustodyEvent,
    Entity,
    Evidence,
    IntelReport,
    Listing,
    Species,
    SpeciesName,
    SuggestedSpecies,
    WatchAlert,
    Watchlist,
    WatchTerm,
)

#: Roles that record intelligence.
WRITERS = frozenset({Role.ANALYST, Role.INVESTIGATOR, Role.SUPERVISOR})

#: The redaction group that hides each kind of case content from a share's recipient.
PERSONAL_DATA, SOURCES, EVIDENCE = "personal_data", "sources", "evidence"


def reads_intelligence(viewer: Viewer) -> bool:
    return viewer.role in INTELLIGENCE_ROLES


def own_agency_cases(viewer: Viewer) -> Q:
    """Cases of the viewer's agency whose classification does not exceed the viewer's clearance."""
    if not reads_intelligence(viewer):
        return NOTHING
    assert viewer.officer is not None
    return Q(owner_agency_id=viewer.agency_id, classification__lte=viewer.officer.clearance)


@register_condition("case.visible")
def visible_case_condition(viewer: Viewer, redaction: str | None = None) -> Q:
    """Cases ``viewer`` may see; with ``redaction``, only those where that group is not redacted for them."""
    return own_agency_cases(viewer)


@register_visibility(Case)
def cases(viewer: Viewer) -> Q:
    return condition("case.visible", viewer)


def cases_subquery(viewer: Viewer, redaction: str | None = None) -> Any:
    """The ids of the cases ``viewer`` may see (minus those redacting ``redaction``), as a subquery."""
    return Case.objects.filter(condition("case.visible", viewer, redaction=redaction)).values("pk")


#: The items that carry a marking of their own, as ``item.visible`` names them.
REPORT, CLAIM = "report", "claim"


@register_condition("item.visible")
def visible_item_condition(viewer: Viewer, item: str, redaction: str | None = None) -> Q:
    """Reports and claims ``viewer`` may see, through their case (``_inside``); ``sharing`` widens it with shared
    cases, where an item stricter than its case follows its own marking."""
    return _inside(viewer, redaction)


def claims_held_elsewhere(viewer: Viewer, entity_ids: list[int]) -> QuerySet[CaseEntity]:
    """Claims on these identifiers in other agencies' cases that ``viewer`` may not see: what a hit tells of.

    A claim in a case shared with the viewer counts as seen even where the share withholds personal data (the
    viewer knows the case and its holder already); one kept from them by its own marking (an unreleased H2
    claim, a law-enforcement-only claim) is held elsewhere. The viewer's own agency's cases above their
    clearance are left out, as hits leave them out: an officer
    learns of intelligence held elsewhere, never of their own agency's classified files. Searching or recording
    one of these identifiers records a hit for each holder (``sharing.actions.record_hits``), and so does asking
    ``Entity.heldElsewhere``, which answers from the same query.
    """
    seen = condition("item.visible", viewer, item=CLAIM)
    held = CaseEntity.objects.filter(entity_id__in=entity_ids).exclude(case__owner_agency_id=viewer.agency_id)
    return held if seen is NOTHING else held.exclude(seen)


def _inside(viewer: Viewer, redaction: str | None, prefix: str = "case_id") -> Q:
    if condition("case.visible", viewer) is NOTHING:
        return NOTHING
    return Q(**{f"{prefix}__in": cases_subquery(viewer, redaction)})


@register_visibility(Listing)
def listings(viewer: Viewer) -> Q:
    return _inside(viewer, None)


@register_visibility(SuggestedSpecies)
def suggestions(viewer: Viewer) -> Q:
    """A suggestion quotes its listing's words: it is seen with the listing, never without it."""
    return _inside(viewer, None, "listing__case_id")


@register_visibility(CaseEntity)
def claims(viewer: Viewer) -> Q:
    """What a case says about an identifier is suspects' personal data."""
    return condition("item.visible", viewer, item=CLAIM, redaction=PERSONAL_DATA)


@register_visibility(IntelReport)
def reports(viewer: Viewer) -> Q:
    return condition("item.visible", viewer, item=REPORT, redaction=SOURCES)


@register_visibility(Evidence)
def evidence(viewer: Viewer) -> Q:
    return _inside(viewer, EVIDENCE)


@register_visibility(Entity)
def entities(viewer: Viewer) -> Q:
    """An entity is visible only through a claim the viewer may see (DESIGN, access rule 2)."""
    return _entities_claimed(viewer, Q())


@register_visibility_among(Entity)
def entities_among(viewer: Viewer, keys: Any) -> Q:
    """``entities``, reading only the claims on ``keys``: tested against every visible claim, a page's few
    hundred entities hashed all of them (6,000 claims and their cases: 6 ms of the statement's 7.5)."""
    return _entities_claimed(viewer, keys_q("entity_id", keys))


def _entities_claimed(viewer: Viewer, among: Q) -> Q:
    claim = visibility_filter(viewer, CaseEntity)
    if claim is NOTHING:
        return NOTHING
    return Q(pk__in=CaseEntity.objects.filter(among, claim).values("entity_id"))


# A claim the viewer sees makes its entity visible (the rule above): a list of claims reads its entities with it.
register_visible_through(CaseEntity, "entity")


@register_visibility(CustodyEvent)
def custody(viewer: Viewer) -> Q:
    item = visibility_filter(viewer, Evidence)
    if item is NOTHING:
        return NOTHING
    return Q(evidence_id__in=Evidence.objects.filter(item).values("pk"))


@register_visibility(Species)
@register_visibility(SpeciesName)
def reference_data(viewer: Viewer) -> Q:
    return Q()


@register_visibility(Watchlist)
def watchlists(viewer: Viewer) -> Q:
    if not reads_intelligence(viewer):
        return NOTHING
    return Q(owner_agency_id=viewer.agency_id)


@register_visibility(WatchTerm)
def watch_terms(viewer: Viewer) -> Q:
    if not reads_intelligence(viewer):
        return NOTHING
    return Q(watchlist__owner_agency_id=viewer.agency_id)


@register_visibility(WatchAlert)
def watch_alerts(viewer: Viewer) -> Q:
    """Alerts of the agency's watchlists on listings the viewer may see now (an alert on a listing they cannot
    see stays invisible, so a watchlist is no oracle on other agencies' intelligence)."""
    listing = visibility_filter(viewer, Listing)
    if not reads_intelligence(viewer) or listing is NOTHING:
        return NOTHING
    return Q(watchlist__owner_agency_id=viewer.agency_id,
             listing_id__in=Listing.objects.filter(listing).values("pk"))


# Their rules read the officer, the purpose and (through sharing) the mandates in force: the signature.
prepared.cacheable(Case, Listing, SuggestedSpecies, CaseEntity, IntelReport, Evidence, CustodyEvent, Entity,
                   Species, SpeciesName)


@register_action("case.create")
def create_case(viewer: Viewer, classification: int) -> None:
    if viewer.role not in WRITERS:
        raise PermissionDenied(_("Only analysts, investigators and supervisors record cases."))
    check_clearance(viewer, classification)


@register_action("case.update")
def update_case(viewer: Viewer, case: Case) -> None:
    """A case's own fields are the owning agency's to change."""
    if viewer.role not in WRITERS or case.owner_agency_id != viewer.agency_id:
        raise PermissionDenied(_("Only the owning agency's officers can change this case."))


@register_action("case.contribute")
def contribute(viewer: Viewer, case: Case) -> None:
    """Adding listings, claims, reports and evidence: the owning agency (sharing adds contributing recipients)."""
    if viewer.role not in WRITERS or case.owner_agency_id != viewer.agency_id:
        raise PermissionDenied(_("You cannot add to this case."))


@register_action("watchlist.manage")
def manage_watchlist(viewer: Viewer, watchlist: Watchlist | None) -> None:
    if viewer.role not in WRITERS:
        raise PermissionDenied(_("Only analysts, investigators and supervisors keep watchlists."))
    if watchlist is not None and watchlist.owner_agency_id != viewer.agency_id:
        raise PermissionDenied(_("This watchlist belongs to another agency."))


def check_clearance(viewer: Viewer, classification: int, field: str = "classification") -> None:
    assert viewer.officer is not None
    if classification > viewer.officer.clearance:
        raise ActionError(ErrorCode.INVALID, _("You cannot mark an item above your own clearance."), field)
