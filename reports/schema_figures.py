"""GraphQL for the figures of spotters' reports (``reportFigures``).

The figures cover only the reports the policy counts for the viewer (the ``report.counted`` condition), so one
query serves every audience: a programme's coordinator gets the programme's figures, a national coordinator those
of the reports about their country, the analysts of an agency those of the reports routed to it. Anyone else is
refused (``PERMISSION_DENIED``) rather than shown empty figures that would read as "no report".
"""

from __future__ import annotations

import datetime
from typing import Any

import graphene
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from graphql import GraphQLError

from access.errors import ActionError, ErrorCode
from access.policy import NOTHING, condition
from agencies.models import Agency
from agencies.schema import AgencyNode
from api.context import get_viewer
from api.errors import enum_value
from api.loaders import related
from compliance.metrics import period

from .figures import BY_PROGRAMME, BY_PROGRAMME_AND_COUNTRY, ReportFigures, report_figures
from .models import SpotterReport


def _seconds(name: str) -> graphene.Float:
    def resolve(figures: ReportFigures, info: Any) -> float | None:
        duration: datetime.timedelta | None = getattr(figures, name)
        return None if duration is None else duration.total_seconds()

    return graphene.Float(resolver=resolve, description="Seconds, nearest-rank; null when there is no data.")


class ReportFiguresDimension(graphene.Enum):
    """What report figures are grouped by, besides the programme (always)."""

    PROGRAMME = "programme"
    COUNTRY = "country"


class ReportFiguresInterval(graphene.Enum):
    """The calendar periods (UTC) a series of report figures steps by."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class ReportFiguresNode(graphene.ObjectType):
    """One programme's figures (per country when grouped, per period in a series) over the reports received."""

    programme = related(AgencyNode, Agency, "programme_id", description="The spotters' programme (an NGO).")
    country = graphene.String(description="The platform's country (else the routed agency's); null unless grouped "
                                          "by country, or when neither is known.")
    period_start = graphene.Date(description="First day (UTC) of the row's period in a series; null otherwise.")
    received = graphene.Int(required=True)
    triaged = graphene.Int(required=True, description="Reports in a final status: acted on or not actionable.")
    acted_on = graphene.Int(required=True, description="Sent to the platform or passed to an investigation.")
    sent_to_platform = graphene.Int(required=True)
    passed_to_investigation = graphene.Int(required=True)
    not_actionable = graphene.Int(required=True)
    removals = graphene.Int(required=True, description="Reports whose notice removed, restricted or suspended the "
                                                       "reported listing.")
    acted_on_share = graphene.Float(description="Acted on ÷ triaged; null when the denominator is zero.")
    median_time_to_triage = _seconds("median_time_to_triage")
    p90_time_to_triage = _seconds("p90_time_to_triage")

    class Meta:
        name = "ReportFigures"


class Query(graphene.ObjectType):
    report_figures = graphene.List(
        graphene.NonNull(ReportFiguresNode), required=True,
        start=graphene.Date(required=True, description="First day (UTC) of the period."),
        end=graphene.Date(required=True, description="Day (UTC) after the period."),
        group_by=graphene.List(graphene.NonNull(ReportFiguresDimension),
                               description="COUNTRY splits each programme's figures by country; default: by "
                                           "programme only."),
        interval=ReportFiguresInterval(description="Also split by calendar period of receipt (each row's "
                                                   "`periodStart`); default: the whole period."),
        description="Figures of the spotters' reports received in [start, end) that the viewer may count: a "
                    "programme's coordinator their programme's, a national coordinator those about their "
                    "country's platforms or routed to its agencies, analysts, investigators and supervisors those "
                    "routed to their agency (PERMISSION_DENIED for anyone else). Percentiles are nearest-rank. "
                    "Computed in two queries, whatever the number of reports and periods.",
    )

    @staticmethod
    def resolve_report_figures(root: Any, info: Any, start: datetime.date, end: datetime.date,
                               group_by: list[Any] | None = None, interval: Any = None) -> list[ReportFigures]:
        try:
            bounds = period(start, end)
        except ActionError as error:
            raise GraphQLError(error.message, extensions={"code": error.code.value, "field": error.field}) from None
        counted = condition("report.counted", get_viewer(info))
        if counted is NOTHING:
            raise GraphQLError(_("You may not read the figures of spotters' reports."),
                               extensions={"code": ErrorCode.PERMISSION_DENIED.value})
        reports: QuerySet[SpotterReport] = SpotterReport.objects.filter(counted)
        by_country = "country" in {enum_value(dimension) for dimension in group_by or []}
        return report_figures(reports, *bounds, group_by=BY_PROGRAMME_AND_COUNTRY if by_country else BY_PROGRAMME,
                              interval=enum_value(interval) if interval is not None else None)
