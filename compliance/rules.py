"""Who sees notices and who may act on them.

Platform officers see the notices addressed to their platform once sent — URLs and what is asked, never the
case (the ``case`` and ``listing`` relations go through the case rules, which give platforms nothing).
Issuing agencies' intelligence officers see the notices their agency issued; national coordinators see every
notice issued by their country's agencies (for compliance figures); supervisors receive escalations.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from access.errors import PermissionDenied
from access.policy import NOTHING, Viewer, register_action, register_visibility, visibility_filter
from agencies.models import AgencyType
from cases import rules as case_rules
from officers.models import Role

from .models import NoticeEvent, NoticeItem, NoticeStatus, PlatformProfile, Relisting, SlaPolicy, TakedownNotice


def is_platform_officer(viewer: Viewer) -> bool:
    assert viewer.officer is not None
    return viewer.role == Role.PLATFORM_OFFICER and viewer.officer.agency.agency_type == AgencyType.ONLINE_PLATFORM


@register_visibility(TakedownNotice)
def notices(viewer: Viewer) -> Q:
    if is_platform_officer(viewer):
        return Q(platform_id=viewer.agency_id) & ~Q(status=NoticeStatus.DRAFT)
    if viewer.role == Role.NATIONAL_COORDINATOR:
        return Q(issuing_agency__country=viewer.country)
    if case_rules.reads_intelligence(viewer):
        return Q(issuing_agency_id=viewer.agency_id)
    return NOTHING


def _through_notice(viewer: Viewer) -> Q:
    condition = visibility_filter(viewer, TakedownNotice)
    if condition is NOTHING:
        return NOTHING
    return Q(notice_id__in=TakedownNotice.objects.filter(condition).values("pk"))


register_visibility(NoticeItem)(_through_notice)
register_visibility(NoticeEvent)(_through_notice)


@register_visibility(Relisting)
def relistings(viewer: Viewer) -> Q:
    condition = visibility_filter(viewer, NoticeItem)
    if condition is NOTHING:
        return NOTHING
    return Q(earlier_item_id__in=NoticeItem.objects.filter(condition).values("pk"))


@register_visibility(PlatformProfile)
@register_visibility(SlaPolicy)
def platform_terms(viewer: Viewer) -> Q:
    """Platforms' contacts and SLAs are part of the directory every officer works with."""
    return Q()


@register_action("notice.issue")
def issue(viewer: Viewer, target: None) -> None:
    if viewer.role not in case_rules.WRITERS:
        raise PermissionDenied(_("Only analysts, investigators and supervisors issue takedown notices."))


@register_action("notice.manage")
def manage(viewer: Viewer, notice: TakedownNotice) -> None:
    """Sending, verifying and closing: the issuing agency's intelligence officers."""
    if viewer.role not in case_rules.WRITERS or notice.issuing_agency_id != viewer.agency_id:
        raise PermissionDenied(_("Only the issuing agency can do this."))


@register_action("notice.respond")
def respond(viewer: Viewer, notice: TakedownNotice) -> None:
    """Acknowledging and reporting outcomes: the addressed platform's officers."""
    if not is_platform_officer(viewer) or notice.platform_id != viewer.agency_id:
        raise PermissionDenied(_("Only the platform the notice is addressed to can answer it."))
