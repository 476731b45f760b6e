"""GraphQL for spotters' reports: submitting one (with screenshots) and reading one's own.

The types carry no field about duplicates or intelligence (``duplicate_of``, ``already_known``): a spotter's
report reads exactly like a new one, whatever the system found. Triage will add its own types for analysts.
"""

from __future__ import annotations

from typing import Any

import graphene

from agencies.models import Agency
from agencies.schema import AgencyNode
from api.context import get_viewer
from api.loaders import related, related_list
from api.mutations import BaseMutation
from api.nodes import PolicyConnectionField, PolicyNode, PolicyObjectType
from api.upload import Upload
from cases.models import Species
from cases.schema import SpeciesNode
from officers.models import Officer
from officers.schema import OfficerNode

from . import actions
from .models import NotActionableReason, ReportScreenshot, ReportStatus, ReportStatusChange, SpotterReport

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
    reporter = related(OfficerNode, Officer, "reporter_id", required=True)
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


class Query(graphene.ObjectType):
    my_reports = PolicyConnectionField(SpotterReportNode, description="The reports you sent, newest first.")
    spotter_reports = PolicyConnectionField(
        SpotterReportNode, description="Reports you may see: your own; for a programme's coordinator (an NGO's "
                                       "agency administrator), the programme's.")
    report = graphene.Field(SpotterReportNode, id=graphene.ID(required=True),
                            description="A spotter's report by id; null when missing or not yours to see.")

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


class Mutation(graphene.ObjectType):
    submit_report = SubmitReport.Field()
