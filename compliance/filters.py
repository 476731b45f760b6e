"""Filters and orderings of the notice connection: what a platform's inbox and an agency's list ask for."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from .deadlines import OPEN, overdue_q
from .models import NoticeStatus, TakedownNotice


class NullsLastOrdering(django_filters.OrderingFilter):
    """Orders with notices that have no such deadline (drafts, closed ones) last in both directions, on every
    database, then by id so that paging through ties is stable."""

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if not value:
            return qs
        ordering = []
        for param in value:
            name = self.get_ordering_value(param)
            field = F(name.lstrip("-"))
            ordering.append(field.desc(nulls_last=True) if name.startswith("-") else field.asc(nulls_last=True))
        return qs.order_by(*ordering, "pk")


#: ``state`` values → the condition at ``now``; the SQL twin of ``deadlines.notice_state``.
def _state_q(state: str, now: Any) -> Q:
    late = overdue_q(now)
    return {
        "draft": Q(status=NoticeStatus.DRAFT),
        "sent": Q(status=NoticeStatus.SENT) & ~late,
        "acknowledged": Q(status=NoticeStatus.ACKNOWLEDGED) & ~late,
        "overdue": late & Q(escalated_at__isnull=True),
        "escalated": late & Q(escalated_at__isnull=False),
        "closed": Q(status=NoticeStatus.CLOSED),
        "open": Q(status__in=OPEN),
    }[state]


class NoticeFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        method="filter_state", label="What the notice waits for now (as its state field), or open: sent or "
                                     "acknowledged, late or not",
        choices=[(value, value) for value in ("draft", "sent", "acknowledged", "overdue", "escalated", "closed",
                                              "open")])
    requesting_country = django_filters.CharFilter(method="filter_country",
                                                   label="ISO 3166-1 alpha-2 country of the issuing agency")
    due_before = django_filters.IsoDateTimeFilter(field_name="next_due_at", lookup_expr="lt",
                                                  label="The next deadline (nextDueAt) falls before this time")
    order_by = NullsLastOrdering(fields=(("next_due_at", "deadline"), "action_due_at", "acknowledge_due_at",
                                         "sent_at", "created_at"))

    class Meta:
        model = TakedownNotice
        fields = {"reference": ["exact"], "status": ["exact"], "priority": ["exact"], "platform__code": ["exact"],
                  "sent_at": ["gte", "lt"]}

    def filter_state(self, queryset: QuerySet[TakedownNotice], name: str, value: str) -> QuerySet[TakedownNotice]:
        return queryset.filter(_state_q(value, timezone.now()))

    def filter_country(self, queryset: QuerySet[TakedownNotice], name: str, value: str) -> QuerySet[TakedownNotice]:
        return queryset.filter(issuing_agency__country=value.strip().upper())
