"""The notice lifecycle: issue, send, acknowledge, report outcomes, verify, close.

Every transition writes a ``NoticeEvent`` (the history both sides read), an audit event, and its notifications
through the outbox in the same transaction, so nothing is lost when the worker or the mail server is down.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access import policy
from access.errors import ActionError, ErrorCode, require_offset
from access.policy import Viewer
from agencies.models import Agency
from audit.actions import record
from cases.identifiers import InvalidIdentifier, valid_country
from cases.models import Case, Evidence, Listing
from officers.models import Officer, Role
from outbox.actions import send_mail

from . import personal_data
from .models import (
    ACTED,
    DEFAULT_SLA,
    DecisionAccount,
    DecisionGround,
    DecisionVisibility,
    ItemOutcome,
    NoticeEvent,
    NoticeEventKind,
    NoticeItem,
    NoticeStatus,
    PlatformProfile,
    Priority,
    RequestedAction,
    SlaPolicy,
    StatementCategory,
    TakedownNotice,
    Verification,
)

AUTOMATED_DECISIONS = ("AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED")


@dataclass
class NoticeInput:
    legal_basis_law: str
    legal_basis_article: str
    statement_of_reasons: str
    requested_actions: list[str]
    territorial_scope: list[str]
    priority: str = Priority.NORMAL
    redress: str = ""
    listing_references: dict[int, str] = field(default_factory=dict)


def _territories(values: list[str]) -> list[str]:
    if not values:
        raise ActionError(ErrorCode.REQUIRED, _("Say where the content must be disabled or removed."),
                          "territorial_scope")
    result = set()
    for value in values:
        if value.strip().upper() == "EU":
            result.add("EU")
            continue
        try:
            result.add(valid_country(value))
        except InvalidIdentifier as exc:
            raise ActionError(ErrorCode.INVALID, str(exc), "territorial_scope") from None
    return sorted(result)


def issue_notice(viewer: Viewer, case: Case, listings: list[Listing], data: NoticeInput,
                 send: bool = True, trusted_flagger: Agency | None = None) -> TakedownNotice:
    """Draft (and by default send) a notice for listings of one case, all on one platform.

    ``case`` and ``listings`` were fetched through the policy by the caller, so an officer can only name
    listings they may see. When preservation is asked together with removal, every listing must already have
    captured evidence: the platform would otherwise destroy what the investigation needs.

    ``trusted_flagger`` is the organisation whose report the notice acts on, when it holds trusted-flagger
    status (DSA Art. 22): the notice keeps its status reference as it is now (the status may be withdrawn
    later) and tells the platform to handle it with priority. An organisation without that status is refused.
    """
    policy.check(viewer, "notice.issue", None)
    assert viewer.officer is not None
    if trusted_flagger is not None and not trusted_flagger.is_trusted_flagger:
        raise ActionError(ErrorCode.INVALID, _("This organisation is not a trusted flagger."), "trusted_flagger")
    if not listings:
        raise ActionError(ErrorCode.REQUIRED, _("Name at least one listing."), "listing_ids")
    if any(listing.case_id != case.pk for listing in listings):
        raise ActionError(ErrorCode.NOT_FOUND, _("No such listing in this case."), "listing_ids")
    if any(listing.platform_id is None for listing in listings):
        raise ActionError(ErrorCode.INVALID, _("A listing's platform is unknown; notices go to one platform."),
                          "listing_ids")
    platforms = {listing.platform_id for listing in listings if listing.platform_id is not None}
    if len(platforms) != 1:
        raise ActionError(ErrorCode.INVALID, _("A notice goes to one platform: split these listings."),
                          "listing_ids")
    for name, value in [("legal_basis_law", data.legal_basis_law), ("legal_basis_article", data.legal_basis_article),
                        ("statement_of_reasons", data.statement_of_reasons)]:
        if not value.strip():
            raise ActionError(ErrorCode.REQUIRED, _("This is required by DSA Art. 9."), name)
    actions = set(data.requested_actions)
    if not actions:
        raise ActionError(ErrorCode.REQUIRED, _("Say what the platform must do."), "requested_actions")
    unknown = actions - set(RequestedAction.values)
    if unknown:
        raise ActionError(ErrorCode.INVALID,
                          _("Unknown actions: %(actions)s.") % {"actions": ", ".join(sorted(unknown))},
                          "requested_actions")
    if data.priority not in Priority.values:
        raise ActionError(ErrorCode.INVALID, _("Unknown priority."), "priority")
    territories = _territories(data.territorial_scope)
    if {RequestedAction.PRESERVE_DATA, RequestedAction.REMOVE} <= actions:
        with_evidence = set(Evidence.objects.filter(listing__in=listings).values_list("listing_id", flat=True))
        if with_evidence != {listing.pk for listing in listings}:
            raise ActionError(ErrorCode.INVALID_STATE, _("Capture evidence of every listing before asking for its "
                                                         "removal together with preservation."), "requested_actions")
    now = timezone.now()
    notice = TakedownNotice.objects.create(
        issuing_agency=viewer.officer.agency, issued_by=viewer.officer, platform_id=platforms.pop(), case=case,
        reference=f"pending-{now.timestamp()}-{viewer.officer.pk}", legal_basis_law=data.legal_basis_law.strip(),
        legal_basis_article=data.legal_basis_article.strip(), cites_appendices=list(case.cites_appendices),
        statement_of_reasons=data.statement_of_reasons.strip(), requested_actions=sorted(actions),
        territorial_scope=territories, priority=data.priority, redress=data.redress.strip(), created_at=now,
        trusted_flagger=trusted_flagger,
        trusted_flagger_reference=trusted_flagger.trusted_flagger_reference.strip() if trusted_flagger else "",
    )
    notice.reference = f"TD-{notice.issuing_agency.code.upper()}-{now.year}-{notice.pk:06d}"
    notice.save(update_fields=["reference"])
    NoticeItem.objects.bulk_create([
        NoticeItem(notice=notice, listing=listing, url=listing.url,
                   listing_reference=data.listing_references.get(listing.pk, listing.external_id))
        for listing in listings])
    _event(notice, NoticeEventKind.CREATED, viewer.officer, {"items": len(listings)})
    record("notice.issue", actor=viewer.officer, obj=notice, object_agency_id=notice.issuing_agency_id,
           details={"reference": notice.reference, "platform": notice.platform_id, "items": len(listings),
                    **({"trusted_flagger": trusted_flagger.pk} if trusted_flagger else {})})
    if send:
        send_notice(viewer, notice)
    return notice


def sla_for(platform: Agency, priority: str) -> tuple[datetime.timedelta, datetime.timedelta]:
    policy_row = SlaPolicy.objects.filter(platform=platform, priority=priority).first()
    if policy_row is not None:
        return policy_row.acknowledge_within, policy_row.act_within
    return DEFAULT_SLA[Priority(priority)]


def send_notice(viewer: Viewer, notice: TakedownNotice) -> TakedownNotice:
    """Send a draft; the deadlines are fixed now from the platform's SLA (a later SLA change does not move them)."""
    policy.check(viewer, "notice.manage", notice)
    if notice.status != NoticeStatus.DRAFT:
        raise ActionError(ErrorCode.INVALID_STATE, _("This notice was already sent."), "id")
    now = timezone.now()
    acknowledge_within, act_within = sla_for(notice.platform, notice.priority)
    notice.status, notice.sent_at = NoticeStatus.SENT, now
    notice.acknowledge_due_at, notice.action_due_at = now + acknowledge_within, now + act_within
    notice.save(update_fields=["status", "sent_at", "acknowledge_due_at", "action_due_at"])
    recipients = platform_contacts(notice.platform)
    _event(notice, NoticeEventKind.SENT, viewer.officer, {"to": recipients,
                                                          "acknowledge_due_at": notice.acknowledge_due_at.isoformat(),
                                                          "action_due_at": notice.action_due_at.isoformat()})
    record("notice.send", actor=viewer.officer, obj=notice, object_agency_id=notice.issuing_agency_id)
    subject, body = notice_email(notice)
    send_mail(recipients, subject, body)
    return notice


def platform_language(platform: Agency) -> str:
    """The first language of the platform's profile that WildNet speaks, else English."""
    profile = PlatformProfile.objects.filter(agency=platform).first()
    spoken = dict(settings.LANGUAGES)
    return next((code for code in (profile.languages if profile else []) if code in spoken), "en")


def notice_email(notice: TakedownNotice) -> tuple[str, str]:
    """The notice's subject and body in the platform's language: what is asked under which law, every URL, the
    deadlines in the platform's time zone (named) and the address of its page in the console."""
    zone = notice.platform.zone_name
    context = {"notice": notice, "items": list(notice_items(notice).order_by("id")),
               "actions": [RequestedAction(value).label for value in notice.requested_actions],
               "link": settings.WILDNET_PUBLIC_URL.rstrip("/") + reverse("notice-page", args=[notice.reference]),
               "site": settings.WILDNET_PUBLIC_URL, "zone": zone}
    with translation.override(platform_language(notice.platform)), timezone.override(ZoneInfo(zone)):
        subject = render_to_string("compliance/notice_subject.txt", context).strip()
        body = render_to_string("compliance/notice_email.txt", context)
    return subject, body


def acknowledge_notice(viewer: Viewer, notice: TakedownNotice) -> TakedownNotice:
    """Idempotent: acknowledging twice is acknowledging once (the first time counts for the metrics)."""
    policy.check(viewer, "notice.respond", notice)
    if notice.status == NoticeStatus.ACKNOWLEDGED or notice.acknowledged_at is not None:
        return notice
    if notice.status != NoticeStatus.SENT:
        raise ActionError(ErrorCode.INVALID_STATE, _("This notice cannot be acknowledged now."), "id")
    notice.status, notice.acknowledged_at, notice.acknowledged_by = (NoticeStatus.ACKNOWLEDGED, timezone.now(),
                                                                     viewer.officer)
    notice.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    _event(notice, NoticeEventKind.ACKNOWLEDGED, viewer.officer, {})
    record("notice.acknowledge", actor=viewer.officer, obj=notice, object_agency_id=notice.issuing_agency_id)
    return notice


@dataclass
class OutcomeInput:
    outcome: str
    effective_at: datetime.datetime | None = None
    reason: str = ""
    decision_visibility: str = ""
    decision_visibility_other: str = ""
    decision_account: str = ""
    decision_ground: str = DecisionGround.ILLEGAL_CONTENT
    incompatible_content_illegal: bool | None = None
    category: str = StatementCategory.ANIMAL_WELFARE
    territorial_scope: list[str] = field(default_factory=list)
    automated_detection: bool | None = False
    automated_decision: str = "AUTOMATED_DECISION_NOT_AUTOMATED"


def report_outcome(viewer: Viewer, notice: TakedownNotice, item: NoticeItem, data: OutcomeInput) -> NoticeItem:
    """The platform reports what it did about one item, with its statement of reasons.

    Refused, changing nothing: an item of another notice, a closed notice, an unknown outcome, a decision that
    contradicts the outcome, a time of effect in the future or before the notice was sent, and anything the
    Transparency Database would refuse in the statement made of it: an "other" restriction not described, a
    decision under the terms and conditions without the platform's reason, personal data in the reason (DSA Art.
    24(5): ``PERSONAL_DATA``, naming what to remove).
    """
    policy.check(viewer, "notice.respond", notice)
    assert viewer.officer is not None
    if item.notice_id != notice.pk:
        raise ActionError(ErrorCode.NOT_FOUND, _("No such item in this notice."), "item_id")
    if notice.status == NoticeStatus.CLOSED:
        raise ActionError(ErrorCode.INVALID_STATE, _("This notice is closed."), "id")
    if notice.status == NoticeStatus.DRAFT:
        raise ActionError(ErrorCode.INVALID_STATE, _("This notice was not sent."), "id")
    if data.outcome not in ItemOutcome.values or data.outcome == ItemOutcome.PENDING:
        raise ActionError(ErrorCode.INVALID, _("Unknown outcome."), "outcome")
    require_offset(data.effective_at, "effective_at")
    now = timezone.now()
    effective_at = data.effective_at or now
    assert notice.sent_at is not None
    if effective_at > now + datetime.timedelta(minutes=5) or (effective_at < notice.sent_at - datetime.timedelta(
            minutes=5) and data.outcome in ACTED):
        raise ActionError(ErrorCode.INVALID, _("The action must take effect after the notice and not in the future."),
                          "effective_at")
    visibility = data.decision_visibility or {
        ItemOutcome.REMOVED: DecisionVisibility.CONTENT_REMOVED,
        ItemOutcome.RESTRICTED: DecisionVisibility.CONTENT_DISABLED,
    }.get(ItemOutcome(data.outcome), "")
    for name, value, choices in [("decision_visibility", visibility, DecisionVisibility),
                                 ("decision_account", data.decision_account, DecisionAccount),
                                 ("decision_ground", data.decision_ground, DecisionGround),
                                 ("category", data.category, StatementCategory)]:
        if value and value not in choices.values:
            raise ActionError(ErrorCode.INVALID, _("Unknown DSA value %(value)s.") % {"value": repr(value)}, name)
    _check_statement_fields(notice, visibility, data)
    if data.automated_decision not in AUTOMATED_DECISIONS:
        raise ActionError(ErrorCode.INVALID, _("Unknown automated_decision value."), "automated_decision")
    if data.outcome == ItemOutcome.ACCOUNT_SUSPENDED and not data.decision_account:
        raise ActionError(ErrorCode.REQUIRED, _("Say whether the account was suspended or terminated."),
                          "decision_account")
    if data.outcome == ItemOutcome.REJECTED and not data.reason.strip():
        raise ActionError(ErrorCode.REQUIRED, _("A rejection states its reasons (DSA Art. 17)."), "reason")
    if data.outcome == ItemOutcome.RESTRICTED and not data.territorial_scope:
        raise ActionError(ErrorCode.REQUIRED, _("Say in which territories access is disabled."), "territorial_scope")
    if item.outcome != ItemOutcome.PENDING:
        raise ActionError(ErrorCode.INVALID_STATE, _("An outcome was already reported for this item."), "item_id")
    if notice.acknowledged_at is None:  # reporting implies receipt
        acknowledge_notice(viewer, notice)
    item.outcome, item.reason, item.effective_at = data.outcome, data.reason.strip(), effective_at
    item.decision_visibility, item.decision_account = visibility, data.decision_account
    item.decision_visibility_other = data.decision_visibility_other.strip()
    item.decision_ground, item.category = data.decision_ground, data.category
    item.incompatible_content_illegal = data.incompatible_content_illegal
    item.territorial_scope = _territories(data.territorial_scope) if data.territorial_scope else []
    item.automated_detection, item.automated_decision = data.automated_detection, data.automated_decision
    item.reported_at, item.reported_by = now, viewer.officer
    item.save()
    if data.outcome in (ItemOutcome.REMOVED, ItemOutcome.ALREADY_REMOVED, ItemOutcome.ACCOUNT_SUSPENDED):
        Listing.objects.filter(pk=item.listing_id).update(status="removed")
    _event(notice, NoticeEventKind.OUTCOME, viewer.officer, {"outcome": data.outcome}, item=item)
    record("notice.outcome", actor=viewer.officer, obj=item, object_agency_id=notice.issuing_agency_id,
           details={"notice": notice.reference, "outcome": data.outcome})
    if not notice.items.filter(outcome=ItemOutcome.PENDING).exists():
        _close(notice, viewer.officer, "all items answered")
    return item


#: What personal data is called in the refusal (DSA Art. 24(5)).
_PERSONAL_KINDS = {"phone": gettext_lazy("a telephone number"), "email": gettext_lazy("an e-mail address"),
                   "handle": gettext_lazy("an account handle")}


def _check_statement_fields(notice: TakedownNotice, visibility: str, data: OutcomeInput) -> None:
    """The Transparency Database's own rules for the fields a platform gives (its ``StatementStoreRequest``)."""
    other = data.decision_visibility_other.strip()
    if visibility == DecisionVisibility.OTHER and not other:
        raise ActionError(ErrorCode.REQUIRED, _("Describe the restriction when it is \"other\"."),
                          "decision_visibility_other")
    if other and visibility != DecisionVisibility.OTHER:
        raise ActionError(ErrorCode.INVALID, _("Only an \"other\" restriction is described."),
                          "decision_visibility_other")
    if len(other) > 500:
        raise ActionError(ErrorCode.INVALID, _("Describe the restriction in at most 500 characters."),
                          "decision_visibility_other")
    incompatible = data.decision_ground == DecisionGround.INCOMPATIBLE_CONTENT
    if incompatible and data.outcome in ACTED and not data.reason.strip():
        raise ActionError(ErrorCode.REQUIRED, _("Name the term of your conditions the content breaks, and why."),
                          "reason")
    if data.incompatible_content_illegal is not None and not incompatible:
        raise ActionError(ErrorCode.INVALID, _("Say whether the content is also illegal only for a decision under "
                                               "your terms and conditions."), "incompatible_content_illegal")
    found = personal_data.find(data.reason, [notice.platform.country, notice.issuing_agency.country])
    if found:
        raise ActionError(ErrorCode.PERSONAL_DATA, _("The reason contains %(what)s (“%(text)s”): statements of "
                          "reasons are published and must not contain personal data (DSA Art. 24(5)); remove it.")
                          % {"what": _PERSONAL_KINDS[found[0].kind], "text": data.reason[found[0].start:found[0].end]},
                          "reason")


def verify_item(viewer: Viewer, item: NoticeItem, verified: bool, note: str = "") -> NoticeItem:
    """The issuing agency confirms a removal (checked online) or disputes it."""
    policy.check(viewer, "notice.manage", item.notice)
    if item.outcome == ItemOutcome.PENDING:
        raise ActionError(ErrorCode.INVALID_STATE, _("The platform has not reported on this item yet."), "item_id")
    if not verified and not note.strip():
        raise ActionError(ErrorCode.REQUIRED, _("Say what you found online."), "note")
    item.verification = Verification.VERIFIED if verified else Verification.DISPUTED
    item.verified_at, item.verified_by = timezone.now(), viewer.officer
    item.save(update_fields=["verification", "verified_at", "verified_by"])
    _event(item.notice, NoticeEventKind.VERIFIED, viewer.officer, {"verification": item.verification,
                                                                   "note": note.strip()}, item=item)
    record("notice.verify", actor=viewer.officer, obj=item, object_agency_id=item.notice.issuing_agency_id,
           details={"verification": item.verification})
    if not verified:
        send_mail(platform_contacts(item.notice.platform), f"Disputed outcome on {item.notice.reference}",
               f"{item.notice.issuing_agency.name} reports that {item.url} is not as reported: {note.strip()}")
    return item


def close_notice(viewer: Viewer, notice: TakedownNotice, reason: str) -> TakedownNotice:
    policy.check(viewer, "notice.manage", notice)
    if notice.status == NoticeStatus.CLOSED:
        return notice
    if not reason.strip():
        raise ActionError(ErrorCode.REQUIRED, _("Say why the notice is closed."), "reason")
    _close(notice, viewer.officer, reason.strip())
    return notice


def _close(notice: TakedownNotice, actor: Officer | None, reason: str) -> None:
    notice.status, notice.closed_at = NoticeStatus.CLOSED, timezone.now()
    notice.save(update_fields=["status", "closed_at"])
    _event(notice, NoticeEventKind.CLOSED, actor, {"reason": reason})
    record("notice.close", actor=actor, obj=notice, object_agency_id=notice.issuing_agency_id,
           actor_username="" if actor else "system", details={"reason": reason})


# --- helpers ----------------------------------------------------------------------------------------------


def notice_items(notice: TakedownNotice) -> QuerySet[NoticeItem]:
    return NoticeItem.objects.filter(notice=notice)


def platform_contacts(platform: Agency) -> list[str]:
    """The platform's declared notice contacts, else its active platform officers."""
    profile = PlatformProfile.objects.filter(agency=platform).first()
    if profile is not None and profile.contact_emails:
        return profile.contact_emails
    return sorted(Officer.objects.filter(agency=platform, role=Role.PLATFORM_OFFICER, is_active=True)
                  .exclude(email="").values_list("email", flat=True))


def escalation_contacts(notice: TakedownNotice) -> list[str]:
    """The issuing agency's supervisors and the national coordinators of its country."""
    active = Officer.objects.filter(is_active=True).exclude(email="")
    supervisors = active.filter(agency_id=notice.issuing_agency_id, role=Role.SUPERVISOR)
    coordinators = active.filter(role=Role.NATIONAL_COORDINATOR, agency__country=notice.issuing_agency.country)
    return sorted(set(supervisors.values_list("email", flat=True)) | set(coordinators.values_list("email", flat=True)))


def _event(notice: TakedownNotice, kind: str, actor: Officer | None, details: dict[str, object],
           item: NoticeItem | None = None) -> NoticeEvent:
    return NoticeEvent.objects.create(notice=notice, kind=kind, actor=actor, item=item, details=details)


