"""GraphQL for platform compliance figures (``platformCompliance``).

The figures cover only the notices the viewer may see, so the one query serves every audience: an issuing
agency gets its own notices' figures, a national coordinator those of their country's agencies, a platform
officer their own platform's, anyone else nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

import graphene
from django.db.models import QuerySet
from graphql import GraphQLError

from access.errors import ActionError
from access.policy import visible
from api.context import get_viewer
from api.errors import enum_value

from .metrics import BY_PLATFORM, BY_PLATFORM_AND_COUNTRY, PlatformMetrics, period, platform_compliance
from .models import TakedownNotice


def _seconds(name: str) -> graphene.Float:
    def resolve(metrics: PlatformMetrics, info: Any) -> float | None:
        duration: datetime.timedelta | None = getattr(metrics, name)
        return None if duration is None else duration.total_seconds()

    return graphene.Float(resolver=resolve, description="Seconds, nearest-rank; null when there is no data.")


def _rate(description: str) -> graphene.Float:
    return graphene.Float(description=f"{description}; null when the denominator is zero.")


class RejectionReasonCount(graphene.ObjectType):
    reason = graphene.String(required=True)
    count = graphene.Int(required=True)


class PlatformComplianceMetrics(graphene.ObjectType):
    """One platform's figures (per issuing country when grouped) over the notices sent in the period."""

    platform_code = graphene.String(required=True)
    platform_name = graphene.String(required=True)
    country = graphene.String(description="The issuing agencies' country; null unless grouped by country.")
    notices_sent = graphene.Int(required=True)
    acknowledged = graphene.Int(required=True)
    acknowledgement_rate = _rate("Acknowledged ÷ sent")
    median_time_to_acknowledge = _seconds("median_time_to_acknowledge")
    p90_time_to_acknowledge = _seconds("p90_time_to_acknowledge")
    median_time_to_action = _seconds("median_time_to_action")
    p90_time_to_action = _seconds("p90_time_to_action")
    items = graphene.Int(required=True)
    acted = graphene.Int(required=True, description="Items removed, restricted or whose account was suspended.")
    acted_within_sla = graphene.Int(required=True, description="Acted items that took effect by the deadline.")
    within_sla_share_of_acted = _rate("Acted within the SLA ÷ acted items")
    within_sla_share_of_items = _rate("Acted within the SLA ÷ items")
    removal_rate = _rate("Acted items ÷ items (TCAP)")
    rejected = graphene.Int(required=True)
    rejection_reasons = graphene.List(graphene.NonNull(RejectionReasonCount), required=True,
                                      description="The ten most frequent, most frequent first.")
    relisted = graphene.Int(required=True, description="Acted items that were re-listed afterwards.")
    relisting_rate = _rate("Re-listed ÷ acted items")
    open_overdue = graphene.Int(required=True, description="Notices not closed and past their action deadline.")
    trusted_flagger_notices = graphene.Int(required=True, description=(
        "Notices acting on a trusted flagger's report (DSA Art. 22), counted apart; they are also in noticesSent."))
    trusted_flagger_items = graphene.Int(required=True, description="Items of the trusted flaggers' notices.")
    trusted_flagger_acted = graphene.Int(required=True, description="Items of the trusted flaggers' notices acted on.")
    trusted_flagger_acted_within_sla = graphene.Int(required=True, description=(
        "Items of the trusted flaggers' notices acted on by the deadline."))
    trusted_flagger_within_sla_share = _rate("Trusted flaggers' items acted on within the SLA ÷ their items")
    trusted_flagger_removal_rate = _rate("Trusted flaggers' items acted on ÷ their items")
    period_start = graphene.Date(description="First day (UTC) of the row's period in a series; null otherwise.")

    @staticmethod
    def resolve_rejection_reasons(metrics: PlatformMetrics, info: Any) -> list[RejectionReasonCount]:
        return [RejectionReasonCount(reason=reason, count=count) for reason, count in metrics.rejection_reasons]


class ComplianceInterval(graphene.Enum):
    """The calendar periods (UTC) a compliance series steps by."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class Query(graphene.ObjectType):
    platform_compliance = graphene.List(
        graphene.NonNull(PlatformComplianceMetrics), required=True,
        start=graphene.Date(required=True, description="First day (UTC) of the period."),
        end=graphene.Date(required=True, description="Day (UTC) after the period."),
        platform_code=graphene.String(),
        country=graphene.String(description="Only notices issued by this country's agencies."),
        group_by_country=graphene.Boolean(default_value=False),
        description="Compliance figures over the notices sent in [start, end) that the viewer may see: an "
                    "agency its own, a coordinator their country's agencies', a platform officer their "
                    "platform's. Percentiles are nearest-rank.",
    )
    platform_compliance_series = graphene.List(
        graphene.NonNull(PlatformComplianceMetrics), required=True,
        start=graphene.Date(required=True, description="First day (UTC) of the period."),
        end=graphene.Date(required=True, description="Day (UTC) after the period."),
        interval=ComplianceInterval(default_value="month"),
        platform_code=graphene.String(),
        country=graphene.String(description="Only notices issued by this country's agencies."),
        description="The figures of `platformCompliance` per platform and calendar period of sending (each row's "
                    "`periodStart`), ordered by platform then period; periods without notices have no row. "
                    "Computed in as many queries as one period, whatever the number of periods.",
    )

    @staticmethod
    def resolve_platform_compliance(root: Any, info: Any, start: datetime.date, end: datetime.date,
                                    platform_code: str | None = None, country: str | None = None,
                                    group_by_country: bool = False) -> list[PlatformMetrics]:
        return platform_compliance(*_notices(info, start, end, platform_code, country),
                                   group_by=BY_PLATFORM_AND_COUNTRY if group_by_country else BY_PLATFORM)

    @staticmethod
    def resolve_platform_compliance_series(root: Any, info: Any, start: datetime.date, end: datetime.date,
                                           interval: Any = "month", platform_code: str | None = None,
                                           country: str | None = None) -> list[PlatformMetrics]:
        return platform_compliance(*_notices(info, start, end, platform_code, country),
                                   interval=enum_value(interval))


def _notices(info: Any, start: datetime.date, end: datetime.date, platform_code: str | None,
             country: str | None) -> tuple[QuerySet[TakedownNotice], datetime.datetime, datetime.datetime]:
    """The notices the viewer may see, narrowed as asked, and the period's bounds (``INVALID`` when empty)."""
    try:
        bounds = period(start, end)
    except ActionError as error:
        raise GraphQLError(error.message, extensions={"code": error.code.value, "field": error.field}) from None
    notices = visible(get_viewer(info), TakedownNotice.objects.all())
    if platform_code:
        notices = notices.filter(platform__code=platform_code)
    if country:
        notices = notices.filter(issuing_agency__country=country.upper())
    return (notices, *bounds)
