"""GraphQL for takedown notices: agencies issue and verify, platforms acknowledge and report outcomes."""

from __future__ import annotations

from typing import Any

import graphene
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from graphene.types.generic import GenericScalar

from access.errors import ActionError, ErrorCode
from access.policy import allowed, fetch, visible
from agencies.models import Agency
from agencies.schema import AgencyNode
from api.context import get_viewer
from api.errors import enum_value
from api.loaders import children, related, related_list, then
from api.mutations import BaseMutation, decode_id
from api.nodes import PolicyConnectionField, PolicyObjectType
from cases.models import Case, Listing
from cases.schema import CaseNode, ListingNode
from officers.models import Officer
from officers.schema import OfficerNode

from . import actions
from .deadlines import DUE_SOON, due_soon, next_deadline, notice_state, with_next_deadline, with_pending_flag
from .filters import NoticeFilter
from .models import (
    ACTED,
    DecisionAccount,
    DecisionGround,
    DecisionVisibility,
    ItemOutcome,
    NoticeEvent,
    NoticeEventKind,
    NoticeItem,
    NoticeStatus,
    Priority,
    Relisting,
    RequestedAction,
    SlaPolicy,
    StatementCategory,
    TakedownNotice,
    Verification,
)

PriorityEnum = graphene.Enum.from_enum(Priority, name="NoticePriority")
NoticeStatusEnum = graphene.Enum.from_enum(NoticeStatus)
RequestedActionEnum = graphene.Enum.from_enum(RequestedAction)
ItemOutcomeEnum = graphene.Enum.from_enum(ItemOutcome)
VerificationEnum = graphene.Enum.from_enum(Verification)
NoticeEventKindEnum = graphene.Enum.from_enum(NoticeEventKind)
DecisionVisibilityEnum = graphene.Enum.from_enum(DecisionVisibility)
DecisionAccountEnum = graphene.Enum.from_enum(DecisionAccount)
DecisionGroundEnum = graphene.Enum.from_enum(DecisionGround)
StatementCategoryEnum = graphene.Enum.from_enum(StatementCategory)

NO_ENUMS: list[str] = []


class NoticeState(graphene.Enum):
    """What a notice is waiting for; overdue and escalated are computed from its deadlines at each request."""

    DRAFT = "draft"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    OVERDUE = "overdue"
    ESCALATED = "escalated"
    CLOSED = "closed"


class NoticeEventNode(PolicyObjectType):
    kind = NoticeEventKindEnum(required=True)
    details = GenericScalar(required=True)

    class Meta:
        name = "NoticeEvent"
        model = NoticeEvent
        fields = ("id", "kind", "at", "details")
        filter_fields = {"kind": ["exact"]}
        convert_choices_to_enum = NO_ENUMS


class NoticeItemNode(PolicyObjectType):
    outcome = ItemOutcomeEnum(required=True)
    verification = VerificationEnum(required=True)
    decision_visibility = graphene.String()
    decision_account = graphene.String()
    decision_ground = graphene.String()
    category = graphene.String()
    territorial_scope = graphene.List(graphene.NonNull(graphene.String), required=True)
    listing = related(ListingNode, Listing, "listing_id", description="Null for platform officers.")
    relisted = graphene.Boolean(required=True, description="The content came back after this removal.")

    class Meta:
        name = "NoticeItem"
        model = NoticeItem
        fields = ("id", "url", "listing_reference", "outcome", "reason", "automated_detection",
                  "automated_decision", "effective_at", "reported_at", "verification", "verified_at",
                  "decision_visibility_other", "incompatible_content_illegal")
        filter_fields = {"outcome": ["exact"], "verification": ["exact"]}
        convert_choices_to_enum = NO_ENUMS

    @staticmethod
    def resolve_relisted(item: NoticeItem, info: Any) -> Any:
        return then(children(info, Relisting, "earlier_item").load(item.pk), bool)


class TakedownNoticeNode(PolicyObjectType):
    status = NoticeStatusEnum(required=True)
    state = NoticeState(required=True)
    priority = PriorityEnum(required=True)
    requested_actions = graphene.List(graphene.NonNull(RequestedActionEnum), required=True)
    territorial_scope = graphene.List(graphene.NonNull(graphene.String), required=True)
    cites_appendices = graphene.List(graphene.NonNull(graphene.String), required=True)
    issuing_agency = related(AgencyNode, Agency, "issuing_agency_id", required=True)
    platform = related(AgencyNode, Agency, "platform_id", required=True)
    issued_by = related(OfficerNode, Officer, "issued_by_id")
    case = related(CaseNode, Case, "case_id", description="The case behind the notice; never shown to platforms.")
    trusted_flagger = related(AgencyNode, Agency, "trusted_flagger_id", description=(
        "The trusted flagger (DSA Art. 22) whose report the notice acts on, for the platform to handle it with "
        "priority; null when the notice does not come from one."))
    trusted_flagger_reference = graphene.String(description=(
        "The trusted flagger's status reference when the notice was issued (kept if the status is withdrawn "
        "later); null when the notice does not come from a trusted flagger."))
    items = related_list(NoticeItemNode, NoticeItem, "notice")
    history = related_list(NoticeEventNode, NoticeEvent, "notice")
    next_due_at = graphene.DateTime(description="The deadline the notice waits for: acknowledgement until it is "
                                                "acknowledged, then action on its items; null when draft or closed. "
                                                "In the past when the notice is late (see state).")
    due_soon = graphene.Boolean(required=True, description=(
        f"The next deadline is ahead but less than {DUE_SOON.total_seconds() / 3600:g} hours away."))
    can_respond = graphene.Boolean(required=True, description="Whether you may acknowledge this notice and "
                                                              "report outcomes (officers of the addressed platform).")

    class Meta:
        name = "TakedownNotice"
        model = TakedownNotice
        fields = ("id", "reference", "legal_basis_law", "legal_basis_article", "statement_of_reasons", "redress",
                  "status", "priority", "created_at", "sent_at", "acknowledge_due_at", "action_due_at",
                  "acknowledged_at", "reminded_at", "escalated_at", "closed_at")
        filterset_class = NoticeFilter
        convert_choices_to_enum = NO_ENUMS

    @classmethod
    def get_queryset(cls, queryset: Any, info: Any) -> Any:
        """``state`` reads whether items are pending and the list sorts by the next deadline: both annotated on
        every path that loads notices (the list and ``node(id)``) rather than queried per notice."""
        return with_next_deadline(with_pending_flag(super().get_queryset(queryset, info)))

    @staticmethod
    def resolve_state(notice: TakedownNotice, info: Any) -> str:
        return notice_state(notice, get_viewer(info).at)

    @staticmethod
    def resolve_next_due_at(notice: TakedownNotice, info: Any) -> Any:
        return next_deadline(notice)

    @staticmethod
    def resolve_due_soon(notice: TakedownNotice, info: Any) -> bool:
        return due_soon(notice, get_viewer(info).at)

    @staticmethod
    def resolve_can_respond(notice: TakedownNotice, info: Any) -> bool:
        return allowed(get_viewer(info), "notice.respond", notice)

    @staticmethod
    def resolve_trusted_flagger_reference(notice: TakedownNotice, info: Any) -> str | None:
        return notice.trusted_flagger_reference or None


class SlaPolicyNode(PolicyObjectType):
    priority = PriorityEnum(required=True)
    platform = related(AgencyNode, Agency, "platform_id", required=True)
    acknowledge_within_hours = graphene.Float(required=True)
    act_within_hours = graphene.Float(required=True)

    class Meta:
        name = "SlaPolicy"
        model = SlaPolicy
        fields = ("id", "priority")
        filter_fields = {"platform__code": ["exact"]}
        convert_choices_to_enum = NO_ENUMS

    @staticmethod
    def resolve_acknowledge_within_hours(sla: SlaPolicy, info: Any) -> float:
        return sla.acknowledge_within.total_seconds() / 3600

    @staticmethod
    def resolve_act_within_hours(sla: SlaPolicy, info: Any) -> float:
        return sla.act_within.total_seconds() / 3600


class Query(graphene.ObjectType):
    takedown_notices = PolicyConnectionField(
        TakedownNoticeNode,
        item_outcomes=graphene.List(graphene.NonNull(ItemOutcomeEnum),
                                    description="Only notices with an item of one of these outcomes."),
        relisted=graphene.Boolean(description="Only notices with (true) or without (false) an acted item whose "
                                              "content came back: the re-listings of the compliance figures."),
        acknowledged=graphene.Boolean(description="Only notices the platform acknowledged (true) or not (false)."),
        trusted_flagger=graphene.Boolean(description="Only notices that act on a trusted flagger's report "
                                                     "(DSA Art. 22; true) or not (false)."),
        description="Issued by your agency (a national coordinator: by your country's agencies); for a platform, "
                    "those addressed to it. The filters narrow to the notices behind a compliance figure; "
                    "`orderBy: \"deadline\"` sorts by the next deadline (nextDueAt), soonest first, notices "
                    "without one last.")
    sla_policies = PolicyConnectionField(SlaPolicyNode)

    @staticmethod
    def resolve_takedown_notices(root: Any, info: Any, item_outcomes: list[Any] | None = None,
                                 relisted: bool | None = None, acknowledged: bool | None = None,
                                 trusted_flagger: bool | None = None, **kwargs: Any) -> Any:
        notices = TakedownNotice.objects.all()
        if item_outcomes is not None:
            notices = notices.filter(Exists(NoticeItem.objects.filter(
                notice=OuterRef("pk"), outcome__in=[enum_value(outcome) for outcome in item_outcomes])))
        if relisted is not None:
            came_back = Exists(Relisting.objects.filter(earlier_item__notice=OuterRef("pk"),
                                                        earlier_item__outcome__in=ACTED))
            notices = notices.filter(came_back if relisted else ~came_back)
        if acknowledged is not None:
            notices = notices.filter(acknowledged_at__isnull=not acknowledged)
        if trusted_flagger is not None:
            notices = notices.filter(trusted_flagger__isnull=not trusted_flagger)
        return notices

    @staticmethod
    def resolve_sla_policies(root: Any, info: Any, **kwargs: Any) -> Any:
        return SlaPolicy.objects.all()


class NoticeContent:
    """What a notice says, the same wherever one is issued from (a case's listings, a spotter's report)."""

    legal_basis_law = graphene.String(required=True)
    legal_basis_article = graphene.String(required=True)
    statement_of_reasons = graphene.String(required=True)
    requested_actions = graphene.List(graphene.NonNull(RequestedActionEnum), required=True)
    territorial_scope = graphene.List(graphene.NonNull(graphene.String), required=True,
                                      description="ISO 3166-1 alpha-2 codes, or EU.")
    priority = PriorityEnum()
    redress = graphene.String()


def notice_input(values: Any, default_priority: str = Priority.NORMAL) -> actions.NoticeInput:
    """The action's input from a ``NoticeContent`` input's values."""
    return actions.NoticeInput(
        legal_basis_law=values["legal_basis_law"], legal_basis_article=values["legal_basis_article"],
        statement_of_reasons=values["statement_of_reasons"],
        requested_actions=[enum_value(v) for v in values["requested_actions"]],
        territorial_scope=list(values["territorial_scope"]),
        priority=enum_value(values.get("priority") or default_priority), redress=values.get("redress") or "")


class IssueTakedownNoticeInput(NoticeContent, graphene.InputObjectType):
    case_id = graphene.ID(required=True)
    listing_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    send = graphene.Boolean(default_value=True, description="False keeps it as a draft.")


class IssueTakedownNotice(BaseMutation):
    """Issue a notice for listings of a case you may see, all on one platform; sent at once unless ``send``
    is false. Deadlines come from the platform's SLA when sent."""

    notice = graphene.Field(TakedownNoticeNode)

    class Arguments:
        input = IssueTakedownNoticeInput(required=True)

    class Meta:
        audit_action = "notice.issue"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        values = data["input"]
        case = fetch(viewer, Case.objects.all(), decode_id(values["case_id"], "Case", "case_id"), "case_id")
        ids = [decode_id(v, "Listing", "listing_ids") for v in values["listing_ids"]]
        listings = list(visible(viewer, Listing.objects.filter(pk__in=set(ids))))
        if len(listings) != len(set(ids)):
            raise ActionError(ErrorCode.NOT_FOUND, _("No such listing."), "listing_ids")
        notice = actions.issue_notice(viewer, case, listings, notice_input(values), send=values.get("send", True))
        return {"notice": notice}


def _notice(viewer: Any, global_id: str, field: str = "id") -> TakedownNotice:
    return fetch(viewer, TakedownNotice.objects.select_related("platform", "issuing_agency"),
                 decode_id(global_id, "TakedownNotice", field), field)


class SendNotice(BaseMutation):
    notice = graphene.Field(TakedownNoticeNode)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        audit_action = "notice.send"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        return {"notice": actions.send_notice(viewer, _notice(viewer, data["id"]))}


class AcknowledgeNotice(BaseMutation):
    """A platform confirms receipt (DSA Art. 16). Acknowledging twice is acknowledging once."""

    notice = graphene.Field(TakedownNoticeNode)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        audit_action = "notice.acknowledge"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        return {"notice": actions.acknowledge_notice(viewer, _notice(viewer, data["id"]))}


class ReportNoticeOutcomeInput(graphene.InputObjectType):
    notice_id = graphene.ID(required=True)
    item_id = graphene.ID(required=True)
    outcome = ItemOutcomeEnum(required=True)
    effective_at = graphene.DateTime(description="When the action took effect; default now.")
    reason = graphene.String(description="Required for a rejection (the statement of reasons) and for a decision "
                                         "under your terms and conditions; published, so no personal data "
                                         "(PERSONAL_DATA).")
    decision_visibility = DecisionVisibilityEnum()
    decision_visibility_other = graphene.String(description="Required when the restriction is OTHER: what it was "
                                                            "(at most 500 characters).")
    decision_account = DecisionAccountEnum()
    decision_ground = DecisionGroundEnum()
    incompatible_content_illegal = graphene.Boolean(description="For a decision under your terms and conditions: "
                                                                "whether you also consider the content illegal.")
    category = StatementCategoryEnum()
    territorial_scope = graphene.List(graphene.NonNull(graphene.String))
    automated_detection = graphene.Boolean()
    automated_decision = graphene.String(description="AUTOMATED_DECISION_FULLY, _PARTIALLY or _NOT_AUTOMATED.")


class ReportNoticeOutcome(BaseMutation):
    """A platform reports what it did about one item, with its DSA statement of reasons."""

    item = graphene.Field(NoticeItemNode)
    notice = graphene.Field(TakedownNoticeNode)

    class Arguments:
        input = ReportNoticeOutcomeInput(required=True)

    class Meta:
        audit_action = "notice.outcome"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        values = dict(data["input"])
        notice = _notice(viewer, values.pop("notice_id"), "notice_id")
        item = fetch(viewer, NoticeItem.objects.all(), decode_id(values.pop("item_id"), "NoticeItem", "item_id"),
                     "item_id")
        values = {k: enum_value(v) for k, v in values.items() if v is not None}
        item = actions.report_outcome(viewer, notice, item, actions.OutcomeInput(**values))
        notice.refresh_from_db()
        return {"item": item, "notice": notice}


class VerifyNoticeItem(BaseMutation):
    """The issuing agency confirms a removal it checked online, or disputes it (with what it found)."""

    item = graphene.Field(NoticeItemNode)

    class Arguments:
        item_id = graphene.ID(required=True)
        verified = graphene.Boolean(required=True)
        note = graphene.String()

    class Meta:
        audit_action = "notice.verify"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        item = fetch(viewer, NoticeItem.objects.select_related("notice__platform", "notice__issuing_agency"),
                     decode_id(data["item_id"], "NoticeItem", "item_id"), "item_id")
        return {"item": actions.verify_item(viewer, item, data["verified"], data.get("note") or "")}


class CloseNotice(BaseMutation):
    notice = graphene.Field(TakedownNoticeNode)

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    class Meta:
        audit_action = "notice.close"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        return {"notice": actions.close_notice(viewer, _notice(viewer, data["id"]), data["reason"])}


class Mutation(graphene.ObjectType):
    issue_takedown_notice = IssueTakedownNotice.Field()
    send_notice = SendNotice.Field()
    acknowledge_notice = AcknowledgeNotice.Field()
    report_notice_outcome = ReportNoticeOutcome.Field()
    verify_notice_item = VerifyNoticeItem.Field()
    close_notice = CloseNotice.Field()
