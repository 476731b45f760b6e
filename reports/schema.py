"""GraphQL for spotters' reports: submitting one (with screenshots), reading one's own, and triaging them.

``SpotterReport`` carries no field about duplicates or intelligence (``duplicate_of``, ``already_known``): a
spotter's report reads exactly like a new one, whatever the system found. ``TriageReport`` is the same row as
the analysts of the agency it is routed to see it (score and its reasons, duplicates, what it became); its
queryset is narrowed to the ``report.triage`` condition, so its id resolves to ``null`` for anyone else, the
reporter included.
"""

from __future__ import annotations

from typing import Any

import graphene
from django.db.models import F, Q

from access.policy import fetch, visible
from agencies.models import Agency
from agencies.schema import AgencyNode
from api.context import get_viewer
from api.errors import enum_value
from api.loaders import batched, children, related, related_list
from api.mutations import BaseMutation, decode_id
from api.nodes import PolicyConnectionField, PolicyNode, PolicyObjectType
from api.upload import Upload
from cases.models import Case, Listing, Species
from cases.schema import CaseNode, ListingNode, SpeciesNode
from compliance.models import Priority, TakedownNotice
from compliance.schema import NoticeContent, TakedownNoticeNode, notice_input
from officers.models import Officer
from officers.schema import OfficerNode

from . import actions, triage
from .models import (
    NotActionableReason,
    ReportScreenshot,
    ReportStatus,
    ReportStatusChange,
    SpotterReport,
    TriageReport,
)

ReportStatusEnum = graphene.Enum.from_enum(ReportStatus)
NotActionableReasonEnum = graphene.Enum.from_enum(NotActionableReason)


class ReportStatusChangeNode(PolicyObjectType):
    status = ReportStatusEnum(required=True)
    reason = NotActionableReasonEnum(description="Set when the report is not actionable: a general reason.")

    class Meta:
        name = "ReportStatusChange"
        model = ReportStatusChange
        fields = ("id", "status", "reason", "changed_at")

    @staticmethod
    def resolve_reason(parent: ReportStatusChange, info: Any) -> str | None:
        return parent.reason or None


class ReportScreenshotNode(PolicyObjectType):
    class Meta:
        name = "ReportScreenshot"
        model = ReportScreenshot
        fields = ("id", "original_name", "sha256", "size", "content_type", "created_at")


class SpotterReportNode(PolicyObjectType):
    """A report as its spotter and their programme's coordinator see it: what was sent and where it stands."""

    status = ReportStatusEnum(required=True)
    reason = NotActionableReasonEnum(description="Set when the report is not actionable: a general reason.")
    reporter = related(OfficerNode, Officer, "reporter_id",
                       description="Who sent it, as the directory shows them to you: the spotter themself and their "
                                   "programme's coordinator; null for the analysts, who read it on TriageReport.")
    platform = related(AgencyNode, Agency, "platform_id", description="Recognised from the address's domain.")
    species = related(SpeciesNode, Species, "species_id", description="The species the suggestion matched.")
    history = related_list(ReportStatusChangeNode, ReportStatusChange, "report",
                           description="Each status with its time, oldest first.")
    screenshots = related_list(ReportScreenshotNode, ReportScreenshot, "report")

    class Meta:
        name = "SpotterReport"
        model = SpotterReport
        fields = ("id", "url", "url_as_given", "description", "species_suggested", "seen_at", "language",
                  "created_at")
        filter_fields: dict[str, list[str]] = {"status": ["exact"]}

    @staticmethod
    def resolve_reason(parent: SpotterReport, info: Any) -> str | None:
        return parent.reason or None

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        """A ``TriageReport`` row is never completed as a spotter's report (graphene-django would accept the
        proxy's rows here too, by their concrete model)."""
        return not isinstance(root, TriageReport) and super().is_type_of(root, info)


class ScorePart(graphene.ObjectType):
    """One reason of a report's priority: ``appendix``, ``duplicates``, ``track_record``, ``watchlist``,
    ``known`` (the address is already in intelligence), with its points."""

    reason = graphene.String(required=True)
    points = graphene.Int(required=True)


class TriageReportNode(PolicyObjectType):
    """A report in the triage queue of the agency it is routed to: what the spotter sent, why it ranks where it
    does, the other reports of the same thing, and what triage made of it."""

    status = ReportStatusEnum(required=True)
    reason = NotActionableReasonEnum()
    programme = related(AgencyNode, Agency, "organisation_id", required=True,
                        description="The reporter's organisation (their spotter programme).")
    reporter_name = graphene.String(required=True, description="Who reported: a source, as any other.")
    platform = related(AgencyNode, Agency, "platform_id")
    routed_to = related(AgencyNode, Agency, "routed_to_id")
    species = related(SpeciesNode, Species, "species_id")
    score = graphene.Int(required=True, description="Priority in the queue, highest first.")
    score_parts = graphene.List(graphene.NonNull(ScorePart), required=True)
    already_known = graphene.Boolean(required=True, description="The address was in intelligence when reported.")
    duplicate_of = related(lambda: TriageReportNode, TriageReport, "duplicate_of_id",
                           description="The first report of the same thing.")
    duplicates = graphene.List(graphene.NonNull(lambda: TriageReportNode), required=True,
                               description="Reports merged into this one or of the same address, oldest first.")
    history = related_list(ReportStatusChangeNode, ReportStatusChange, "report")
    screenshots = related_list(ReportScreenshotNode, ReportScreenshot, "report")
    case = related(CaseNode, Case, "case_id", description="The case it went into; null when you may not see it.")
    listing = related(ListingNode, Listing, "listing_id")
    notice = related(TakedownNoticeNode, TakedownNotice, "notice_id")

    class Meta:
        name = "TriageReport"
        model = TriageReport
        fields = ("id", "url", "url_as_given", "description", "species_suggested", "seen_at", "language",
                  "created_at", "triaged_at")
        filter_fields: dict[str, list[str]] = {"status": ["exact", "in"]}

    @staticmethod
    def resolve_reason(parent: SpotterReport, info: Any) -> str | None:
        return parent.reason or None

    @staticmethod
    def resolve_reporter_name(parent: SpotterReport, info: Any) -> Any:
        return _reporter_names(info).load(parent.pk)

    @staticmethod
    def resolve_score(parent: SpotterReport, info: Any) -> int:
        return parent.priority_score

    @staticmethod
    def resolve_score_parts(parent: SpotterReport, info: Any) -> list[ScorePart]:
        return [ScorePart(reason=reason, points=points) for reason, points in parent.score_parts.items() if points]

    @staticmethod
    def resolve_duplicates(parent: SpotterReport, info: Any) -> Any:
        return children(info, TriageReport, "duplicate_of", narrow=_oldest_first).load(parent.pk)


def _oldest_first(rows: Any) -> Any:
    """Duplicates in the order they came (the loader applies the policy: an analyst's queue only)."""
    return rows.order_by("created_at", "id")


def _reporter_names(info: Any) -> Any:
    """Reporters' names by report, one query per request, read through the reports the viewer may triage: an
    analyst may not read the NGO's officers through ``Officer``'s rule, but a report's source is part of it."""
    viewer = get_viewer(info)

    def load(report_ids: list[int]) -> list[str]:
        rows = visible(viewer, TriageReport.objects.filter(pk__in=set(report_ids))).values_list(
            "pk", "reporter__first_name", "reporter__last_name", "reporter__username")
        names = {pk: f"{first} {last}".strip() or username for pk, first, last, username in rows}
        return [names.get(pk, "") for pk in report_ids]

    return batched(info, ("triage-reporter-names",), load)


class Query(graphene.ObjectType):
    triage_queue = PolicyConnectionField(
        TriageReportNode, open_only=graphene.Boolean(default_value=True,
                                                     description="Only reports still to triage (the default)."),
        description="Reports routed to your agency, highest priority first, then the longest waiting; merged "
                    "duplicates are listed under the report they follow, not in the queue.")
    triage_report = graphene.Field(TriageReportNode, id=graphene.ID(required=True),
                                   description="A report of your triage queue; null otherwise.")
    my_reports = PolicyConnectionField(SpotterReportNode, description="The reports you sent, newest first.")
    spotter_reports = PolicyConnectionField(
        SpotterReportNode, description="Reports you may see: your own; for a programme's coordinator (an NGO's "
                                       "agency administrator), the programme's.")
    report = graphene.Field(SpotterReportNode, id=graphene.ID(required=True),
                            description="A spotter's report by id; null when missing or not yours to see.")

    @staticmethod
    def resolve_triage_queue(root: Any, info: Any, open_only: bool = True, **kwargs: Any) -> Any:
        reports = TriageReport.objects.order_by("-priority_score", "created_at", "id")
        if open_only:
            reports = reports.exclude(status__in=actions.FINAL).filter(
                Q(duplicate_of__isnull=True) | Q(duplicate_of__status__in=actions.FINAL)
                | ~Q(duplicate_of__routed_to_id=F("routed_to_id")))
        return reports

    @staticmethod
    def resolve_triage_report(root: Any, info: Any, id: str) -> Any:  # noqa: A002  (the argument's GraphQL name)
        return PolicyNode.get_node_from_global_id(info, id, only_type=TriageReportNode)

    @staticmethod
    def resolve_my_reports(root: Any, info: Any, **kwargs: Any) -> Any:
        viewer = get_viewer(info)
        return SpotterReport.objects.filter(reporter_id=viewer.officer.pk if viewer.officer else 0)

    @staticmethod
    def resolve_spotter_reports(root: Any, info: Any, **kwargs: Any) -> Any:
        return SpotterReport.objects.all()

    @staticmethod
    def resolve_report(root: Any, info: Any, id: str) -> Any:  # noqa: A002  (the argument's GraphQL name)
        return PolicyNode.get_node_from_global_id(info, id, only_type=SpotterReportNode)


class SubmitReportInput(graphene.InputObjectType):
    url = graphene.String(required=True, description="The address of the listing or post, as seen.")
    description = graphene.String(required=True, description=f"What you saw; at most {actions.DESCRIPTION_MAX} "
                                                             "characters.")
    seen_at = graphene.DateTime(description="When you saw it, with its UTC offset (required).")
    species_suggested = graphene.String(description="The species you think it is; misspellings are fine.")
    language = graphene.String(description="The listing's language, ISO 639-1 (fr).")
    screenshots = graphene.List(graphene.NonNull(Upload), description="Images (PNG, JPEG, GIF, WebP) or PDFs, "
                                                                      "sent as multipart uploads.")


class SubmitReport(BaseMutation):
    """Send a report of something seen online. Trusted reporters only; limited per hour (``RATE_LIMITED``).

    Every bad field, oversized file or file that is not an image or a PDF is a typed error and nothing is
    written.
    """

    report = graphene.Field(SpotterReportNode)

    class Arguments:
        input = SubmitReportInput(required=True)

    class Meta:
        audit_action = "report.submit"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        values = data["input"]
        report = actions.submit_report(viewer, actions.ReportInput(
            url=values["url"], description=values["description"], seen_at=values.get("seen_at"),
            species_suggested=values.get("species_suggested") or "", language=values.get("language") or ""),
            values.get("screenshots") or [])
        return {"report": report}


def _triaged(viewer: Any, global_id: str, field: str = "id") -> SpotterReport:
    """A report of the viewer's queue, else ``NOT_FOUND`` (the same for a missing one and another's)."""
    rows = TriageReport.objects.select_related("organisation", "platform", "reporter", "duplicate_of")
    return fetch(viewer, rows, decode_id(global_id, "TriageReport", field), field)


def _case_choice(viewer: Any, values: Any) -> triage.CaseChoice:
    if values.get("case_id"):
        return triage.CaseChoice(case=fetch(viewer, Case.objects.all(),
                                            decode_id(values["case_id"], "Case", "case_id"), "case_id"))
    return triage.CaseChoice(title=values.get("case_title") or "")


class StartReportReview(BaseMutation):
    """Take a report of your queue for review: its spotter sees "under review"."""

    report = graphene.Field(TriageReportNode)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        audit_action = "report.review"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        return {"report": triage.start_review(viewer, _triaged(viewer, data["id"]))}


class MarkReportNotActionable(BaseMutation):
    """Close a report (and the duplicates merged into it) as not actionable, with a general reason its spotter
    reads."""

    report = graphene.Field(TriageReportNode)

    class Arguments:
        id = graphene.ID(required=True)
        reason = NotActionableReasonEnum(required=True)

    class Meta:
        audit_action = "report.not_actionable"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        return {"report": triage.not_actionable(viewer, _triaged(viewer, data["id"]), enum_value(data["reason"]))}


class PassReportToInvestigation(BaseMutation):
    """Put a report into a case of yours (``caseId``) or a new one (``caseTitle``, optional): its listing, the
    reporter as a graded source (redaction group "sources") and its screenshots as evidence with custody."""

    report = graphene.Field(TriageReportNode)

    class Arguments:
        id = graphene.ID(required=True)
        case_id = graphene.ID(description="An existing case; leave out to open a new one.")
        case_title = graphene.String(description="The new case's title; a default names the address.")

    class Meta:
        audit_action = "report.pass_to_investigation"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        report = _triaged(viewer, data["id"])
        return {"report": triage.pass_to_investigation(viewer, report, _case_choice(viewer, data))}


class SendReportToPlatformInput(NoticeContent, graphene.InputObjectType):
    id = graphene.ID(required=True, description="The report.")
    case_id = graphene.ID(description="An existing case; leave out to open a new one.")
    case_title = graphene.String()


class SendReportToPlatform(BaseMutation):
    """Put a report into a case as ``passReportToInvestigation`` does, then send the platform a takedown notice
    for its listing; from a trusted flagger's programme the notice is marked so (DSA Art. 22)."""

    report = graphene.Field(TriageReportNode)
    notice = graphene.Field(TakedownNoticeNode)

    class Arguments:
        input = SendReportToPlatformInput(required=True)

    class Meta:
        audit_action = "report.send_to_platform"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        values = data["input"]
        report = _triaged(viewer, values["id"])
        notice = triage.send_to_platform(viewer, report, _case_choice(viewer, values),
                                         notice_input(values, default_priority=Priority.HIGH))
        return {"report": report, "notice": notice}


class MergeReport(BaseMutation):
    """Treat a report as a duplicate of another of your queue: it follows that report's outcome."""

    report = graphene.Field(TriageReportNode)

    class Arguments:
        id = graphene.ID(required=True)
        into_id = graphene.ID(required=True)

    class Meta:
        audit_action = "report.merge"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        report = _triaged(viewer, data["id"])
        return {"report": triage.merge(viewer, report, _triaged(viewer, data["into_id"], "into_id"))}


class Mutation(graphene.ObjectType):
    submit_report = SubmitReport.Field()
    start_report_review = StartReportReview.Field()
    mark_report_not_actionable = MarkReportNotActionable.Field()
    pass_report_to_investigation = PassReportToInvestigation.Field()
    send_report_to_platform = SendReportToPlatform.Field()
    merge_report = MergeReport.Field()
