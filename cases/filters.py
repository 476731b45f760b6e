"""Filters and orderings of the case-intelligence connections."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from .models import Case, CaseEntity, Entity, IntelReport, Listing, Species, Watchlist


class CaseFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Reference or title contains")
    species = django_filters.NumberFilter(field_name="species__id", distinct=True)
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    order_by = django_filters.OrderingFilter(fields=("created_at", "updated_at", "reference", "priority", "status"))

    class Meta:
        model = Case
        fields = ["status", "priority", "crime_area", "classification", "handling_code"]

    def filter_search(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return queryset.filter(Q(reference__icontains=value) | Q(title__icontains=value))


class ListingFilter(django_filters.FilterSet):
    case = django_filters.CharFilter(field_name="case__reference")
    platform = django_filters.CharFilter(field_name="platform__code")
    seen_after = django_filters.IsoDateTimeFilter(field_name="last_seen_at", lookup_expr="gte")
    seen_before = django_filters.IsoDateTimeFilter(field_name="first_seen_at", lookup_expr="lt")
    order_by = django_filters.OrderingFilter(fields=("first_seen_at", "last_seen_at", "price", "created_at"))

    class Meta:
        model = Listing
        # Not the specimen type: its "not stated" is the empty value, which a filter takes as no filter (the
        # search filters it).
        fields = ["status", "currency", "language", "claimed_legality", "legality_verified"]


class EntityFilter(django_filters.FilterSet):
    value = django_filters.CharFilter(field_name="normalised", lookup_expr="icontains")
    order_by = django_filters.OrderingFilter(fields=("kind", "normalised", "created_at"))

    class Meta:
        model = Entity
        fields = ["kind"]


class ClaimFilter(django_filters.FilterSet):
    class Meta:
        model = CaseEntity
        fields = ["role", "handling_code"]


class ReportFilter(django_filters.FilterSet):
    case = django_filters.CharFilter(field_name="case__reference")
    order_by = django_filters.OrderingFilter(fields=("reported_on", "created_at"))

    class Meta:
        model = IntelReport
        fields = ["grading_system", "source_evaluation", "information_assessment", "handling_code"]


class SpeciesFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(field_name="scientific_name", lookup_expr="icontains")
    appendix = django_filters.CharFilter(method="filter_appendix")
    order_by = django_filters.OrderingFilter(fields=("scientific_name", "family"))

    class Meta:
        model = Species
        fields = ["group", "rank", "family", "genus", "cites_listing"]

    def filter_appendix(self, queryset: Any, name: str, value: str) -> QuerySet[Species]:
        try:
            return queryset.in_appendix(value)
        except ValueError:
            return queryset.none()


class WatchlistFilter(django_filters.FilterSet):
    class Meta:
        model = Watchlist
        fields = ["is_active"]
