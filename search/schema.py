"""GraphQL: ``search``, ``trends`` and ``topKeywords``.

Resolvers are thin: they parse the input into a :class:`SearchQuery`, ask the configured backend (which applies
the policy), and shape the result. Each hit's object comes through the policy: read by the search statement
itself on the database backend (its matches are the policy's visible rows, in the same snapshot), loaded again
with ``api.loaders.by_id`` otherwise, so that an index that lags behind a revoked share or a deleted row shows
``null``, never the object.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

import graphene

from access.policy import visible
from agencies.schema import PlatformKindEnum
from api.context import get_viewer
from api.errors import enum_value
from api.loaders import by_id
from api.mutations import decode_id
from cases.models import Case, Entity, IntelReport, Listing
from cases.schema import (
    CaseNode,
    ClaimedLegalityEnum,
    EntityNode,
    IntelReportNode,
    LegalityVerificationEnum,
    ListingNode,
    SpecimenTypeEnum,
)
from cases.signals import identifiers_seen
from sharing.models import Hit, utc_today
from sharing.schema import HitNode

from .backends import get_backend
from .backends.base import SearchFilters, SearchQuery
from .backends.statement import FACET_SAMPLE
from .identifiers import identifier_entities

MAX_FIRST = 100


class SearchTypeEnum(graphene.Enum):
    CASE = "case"
    LISTING = "listing"
    ENTITY = "entity"
    REPORT = "report"


class TrendGroupEnum(graphene.Enum):
    PLATFORM = "platform"
    SPECIES = "species"
    COUNTRY = "country"
    SPECIMEN_TYPE = "specimen_type"
    CLAIMED_LEGALITY = "claimed_legality"
    PLATFORM_KIND = "platform_kind"

    @property
    def description(self) -> str:
        return {"platform": "The listing's platform (its code).", "species": "The listing's species.",
                "country": "The case's jurisdictions.",
                "specimen_type": "Live animal, part or derivative; \"\" when not stated.",
                "claimed_legality": "The legality the seller claims.",
                "platform_kind": "The kind of the listing's platform (listings on a platform of no kind are left "
                                 "out)."}[self.value]


class TrendIntervalEnum(graphene.Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class SearchFiltersInput(graphene.InputObjectType):
    types = graphene.List(graphene.NonNull(SearchTypeEnum), description="Default: every type.")
    species_ids = graphene.List(graphene.NonNull(graphene.ID))
    cites_appendices = graphene.List(graphene.NonNull(graphene.String), description="I, II, III or NC.")
    platforms = graphene.List(graphene.NonNull(graphene.String), description="Platform agency codes.")
    countries = graphene.List(graphene.NonNull(graphene.String), description="Case jurisdictions (ISO 3166).")
    statuses = graphene.List(graphene.NonNull(graphene.String), description="Case or listing statuses.")
    agencies = graphene.List(graphene.NonNull(graphene.String), description="Owning agency codes.")
    date_from = graphene.DateTime()
    date_to = graphene.DateTime(description="Exclusive.")
    specimen_type = graphene.List(graphene.NonNull(SpecimenTypeEnum),
                                  description="Listings offering any of these (keeps listings only).")
    claimed_legality = graphene.List(graphene.NonNull(ClaimedLegalityEnum),
                                     description="Listings claiming any of these (keeps listings only).")
    legality_verified = graphene.List(graphene.NonNull(LegalityVerificationEnum),
                                      description="Listings whose claim has any of these verdicts (keeps listings "
                                                  "only).")
    platform_kind = graphene.List(graphene.NonNull(PlatformKindEnum),
                                  description="On a platform of any of these kinds (a case: among its platforms).")


class Highlight(graphene.ObjectType):
    field = graphene.String(required=True)
    fragments = graphene.List(graphene.NonNull(graphene.String), required=True,
                              description="HTML-escaped snippets with the matched words in <mark>.")


def loaded(info: Any, hit: Any, doc_type: str, model: type[Any]) -> Any:
    """The hit's object when it is of ``doc_type``: the one the backend read through the policy with the search
    (the database backend), else loaded again through the policy (``api.loaders.by_id``, one statement per type)."""
    if hit.type != doc_type:
        return None
    return hit.object if hit.object is not None else by_id(info, model).load(hit.id)


class SearchHit(graphene.ObjectType):
    type = SearchTypeEnum(required=True)
    score = graphene.Float(required=True)
    highlights = graphene.List(graphene.NonNull(Highlight), required=True)
    case = graphene.Field(CaseNode, description="Set when type is CASE.")
    listing = graphene.Field(ListingNode, description="Set when type is LISTING.")
    entity = graphene.Field(EntityNode, description="Set when type is ENTITY.")
    report = graphene.Field(IntelReportNode, description="Set when type is REPORT.")

    @staticmethod
    def resolve_highlights(hit: Any, info: Any) -> list[Highlight]:
        return [Highlight(field=name, fragments=fragments) for name, fragments in sorted(hit.highlights.items())]

    @staticmethod
    def resolve_case(hit: Any, info: Any) -> Any:
        return loaded(info, hit, "case", Case)

    @staticmethod
    def resolve_listing(hit: Any, info: Any) -> Any:
        return loaded(info, hit, "listing", Listing)

    @staticmethod
    def resolve_entity(hit: Any, info: Any) -> Any:
        return loaded(info, hit, "entity", Entity)

    @staticmethod
    def resolve_report(hit: Any, info: Any) -> Any:
        return loaded(info, hit, "report", IntelReport)


class FacetCount(graphene.ObjectType):
    value = graphene.String(required=True)
    count = graphene.Int(required=True)


class Facet(graphene.ObjectType):
    name = graphene.String(required=True, description="type, platform, country, cites_appendix, status or species.")
    values = graphene.List(graphene.NonNull(FacetCount), required=True)
    complete = graphene.Boolean(
        required=True, description="False when the counts are over the best-ranked matches only (the database "
                                   f"backend counts the facets of at most {FACET_SAMPLE:,} matches of each type): "
                                   "each count is then at least that. The type facet and totalCount always count "
                                   "every match.")


class SearchResults(graphene.ObjectType):
    total_count = graphene.Int(required=True, description="Matches you may see; nothing else is counted.")
    next_cursor = graphene.String(description="Pass as `after` for the next page; null on the last page.")
    hits = graphene.List(graphene.NonNull(SearchHit), required=True)
    facets = graphene.List(graphene.NonNull(Facet), required=True)
    held_elsewhere = graphene.List(
        graphene.NonNull(HitNode), required=True,
        description="The hits this search recorded: identifiers it names that are held in intelligence you cannot "
                    "see, each with the holding agency and the kind of identifier, nothing else. Ask for access "
                    "with `requestAccess(hitId:)`.")

    def __init__(self, *, entity_ids: Sequence[int] = (), since: datetime.date | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.entity_ids, self.since = list(entity_ids), since

    @staticmethod
    def resolve_held_elsewhere(results: SearchResults, info: Any) -> Any:
        """The searcher's hits on the identifiers this search names, recorded now or earlier the same day (a hit
        is recorded once a day per identifier and holding case); read only when asked for."""
        viewer = get_viewer(info)
        if not results.entity_ids or viewer.officer is None:
            return []
        return visible(viewer, Hit.objects.filter(officer_id=viewer.officer.pk, entity_id__in=results.entity_ids,
                                                  day__gte=results.since)).select_related("entity").order_by("pk")


class TrendBucket(graphene.ObjectType):
    key = graphene.String(required=True, description="ISO date of the period's start.")
    group = graphene.String(required=True)
    count = graphene.Int(required=True)


def parse_filters(data: Any) -> SearchFilters:
    """The GraphQL input as the backends' filters; unknown species ids are ``NOT_FOUND``."""
    if not data:
        return SearchFilters()

    def codes(name: str) -> frozenset[str]:
        return frozenset(data.get(name) or [])

    def values(name: str) -> frozenset[str]:
        return frozenset(enum_value(value) for value in data.get(name) or [])

    return SearchFilters(
        types=frozenset(getattr(t, "value", t) for t in data.get("types") or []),
        species_ids=frozenset(decode_id(gid, "Species", "speciesIds") for gid in data.get("species_ids") or []),
        cites_appendices=codes("cites_appendices"), platform_codes=codes("platforms"),
        countries=frozenset(c.upper() for c in codes("countries")), statuses=codes("statuses"),
        agency_codes=codes("agencies"), date_from=data.get("date_from"), date_to=data.get("date_to"),
        specimen_types=values("specimen_type"), claimed_legalities=values("claimed_legality"),
        legality_verifications=values("legality_verified"), platform_kinds=values("platform_kind"),
    )


class Query(graphene.ObjectType):
    search = graphene.Field(
        graphene.NonNull(SearchResults), query=graphene.String(default_value=""), filters=SearchFiltersInput(),
        first=graphene.Int(default_value=20), after=graphene.String(),
        description="Full text over the cases, listings, identifiers and reports you may see (at most 100 per "
                    "page). A phone number in national format is read in your agency's country, and 00 before a "
                    "country code as +. Searching an identifier you may not see records a hit for its holder "
                    "(listed in `heldElsewhere`: the holding agency and the kind only); it never shows it.")
    trends = graphene.List(
        graphene.NonNull(TrendBucket), required=True, group_by=TrendGroupEnum(required=True),
        interval=TrendIntervalEnum(default_value="month"), filters=SearchFiltersInput(),
        description="Listings you may see per period (first seen) and platform, species, country, specimen type, "
                    "claimed legality or platform kind.")
    top_keywords = graphene.List(
        graphene.NonNull(FacetCount), required=True, filters=SearchFiltersInput(), size=graphene.Int(default_value=20),
        description="The most frequent hashtags and words in the listings you may see.")

    @staticmethod
    def resolve_search(root: Any, info: Any, query: str, first: int, after: str | None = None,
                       filters: Any = None) -> SearchResults:
        viewer = get_viewer(info)
        request = SearchQuery(text=query, filters=parse_filters(filters), first=max(0, min(first, MAX_FIRST)),
                              after=after, objects=True)
        result = get_backend().search(viewer, request)
        entity_ids = result.identified if result.identified is not None else identifier_entities(viewer, query)
        since = utc_today()
        if entity_ids:
            identifiers_seen.send(sender=SearchQuery, viewer=viewer, entity_ids=entity_ids, trigger="search")
        return SearchResults(
            entity_ids=entity_ids, since=since,
            total_count=result.total, next_cursor=result.next_cursor, hits=result.hits,
            facets=[Facet(name=name, values=[FacetCount(value=v.value, count=v.count) for v in values],
                          complete=name not in result.partial_facets)
                    for name, values in result.facets.items()],
        )

    @staticmethod
    def resolve_trends(root: Any, info: Any, group_by: Any, interval: Any = "month",
                       filters: Any = None) -> list[Any]:
        return get_backend().trends(get_viewer(info), group_by=getattr(group_by, "value", group_by),
                                    interval=getattr(interval, "value", interval), filters=parse_filters(filters))

    @staticmethod
    def resolve_top_keywords(root: Any, info: Any, size: int = 20, filters: Any = None) -> list[Any]:
        return get_backend().top_keywords(get_viewer(info), filters=parse_filters(filters),
                                          size=max(1, min(size, MAX_FIRST)))
