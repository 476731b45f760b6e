"""The search backend interface and the results contract every backend honours.

Modelled on Wagtail's backends (one interface, a database default, one contract test suite per backend) and on
Aleph's single authorisation filter: a backend receives the viewer and must apply the policy itself — the
database backend by filtering through ``access.policy``, Elasticsearch by the access fields of its documents plus
a final check of the page against the policy — so no caller can forget it.
"""

from __future__ import annotations

import datetime
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from access.policy import Viewer

#: What can be searched, by the type names the GraphQL API uses.
DOCUMENT_TYPES = ("case", "listing", "entity", "report")

#: The model behind each document type (``app_label.Model``), resolved lazily so backends load before the apps.
DOCUMENT_MODELS = {"case": "cases.Case", "listing": "cases.Listing", "entity": "cases.Entity",
                   "report": "cases.IntelReport"}

#: How many rows a rebuild reads and indexes at a time.
REBUILD_BATCH = 1000


@dataclass(frozen=True)
class SearchFilters:
    types: frozenset[str] = frozenset()  # empty: every type
    species_ids: frozenset[int] = frozenset()
    cites_appendices: frozenset[str] = frozenset()
    platform_codes: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()  # jurisdictions of the case
    statuses: frozenset[str] = frozenset()  # case or listing status
    agency_codes: frozenset[str] = frozenset()  # owning agency
    date_from: datetime.datetime | None = None
    date_to: datetime.datetime | None = None
    # The listing facts: a filter on any of them keeps listings only (no other type records a specimen).
    specimen_types: frozenset[str] = frozenset()  # "" is "not stated"
    claimed_legalities: frozenset[str] = frozenset()
    legality_verifications: frozenset[str] = frozenset()
    # The kind of platform, on whatever the platform filter reads (a listing's platform, a case's platforms).
    platform_kinds: frozenset[str] = frozenset()

    @property
    def listing_facts(self) -> bool:
        """Whether a filter on the listing facts is set: then only listings can match."""
        return bool(self.specimen_types or self.claimed_legalities or self.legality_verifications)

    def types_searched(self, document_types: tuple[str, ...]) -> list[str]:
        """The document types these filters leave, in ``document_types`` order."""
        return [t for t in document_types if (not self.types or t in self.types)
                and (t == "listing" or not self.listing_facts)]


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    filters: SearchFilters = field(default_factory=SearchFilters)
    first: int = 20
    after: str | None = None  # opaque cursor from a previous result (search_after)
    facets: bool = True
    highlight: bool = True
    #: False when the caller walks every page and needs no total (an export): then no page costs a count.
    count: bool = True
    #: True when the caller shows the hits' objects: a backend that reads them with the search, through the
    #: policy, returns them on the hits (``SearchHit.object``); the others leave them to the caller's loaders.
    objects: bool = False


@dataclass(frozen=True)
class SearchHit:
    type: str  # one of DOCUMENT_TYPES
    id: int  # primary key of the model row
    score: float
    highlights: dict[str, list[str]] = field(default_factory=dict)
    #: The hit's model instance, read through the policy in the search itself (``SearchQuery.objects``), or None.
    object: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


#: The facets of a search, in the order every backend returns them.
FACET_NAMES = ("type", "platform", "country", "cites_appendix", "status", "species")


@dataclass(frozen=True)
class SearchResult:
    total: int | None  # only what the viewer may see; None when the query asked for no count
    hits: list[SearchHit]
    facets: dict[str, list[FacetValue]]  # by FACET_NAMES, in that order
    next_cursor: str | None
    #: The entities the text is an identifier of, whoever holds them (never shown: what the caller records hits
    #: for), when the backend read them with the search; ``None`` when it did not.
    identified: list[int] | None = None
    #: Facets counted over the best-ranked matches only, not every one: each of their counts is then at least
    #: that (the database backend, above ``statement.FACET_SAMPLE`` matches of a type). Never ``type``.
    partial_facets: frozenset[str] = frozenset()


#: What trends may group listings by. The last three are the listing facts and the platform's kind; a listing
#: whose specimen is not stated is in the group ``""``, one without a platform kind in none.
TREND_GROUPS = ("platform", "species", "country", "specimen_type", "claimed_legality", "platform_kind")


@dataclass(frozen=True)
class Bucket:
    key: str  # ISO date of the bucket start
    group: str  # platform code, species name, country, or the value of a listing fact or platform kind
    count: int


class SearchBackend(ABC):
    """Every method that reads takes the viewer and returns only what the policy lets them see."""

    name: str

    @abstractmethod
    def search(self, viewer: Viewer, query: SearchQuery) -> SearchResult: ...

    @abstractmethod
    def trends(self, viewer: Viewer, *, group_by: str, interval: str, filters: SearchFilters) -> list[Bucket]: ...

    @abstractmethod
    def top_keywords(self, viewer: Viewer, *, filters: SearchFilters, size: int = 20) -> list[FacetValue]: ...

    @abstractmethod
    def index(self, doc_type: str, ids: list[int]) -> None:
        """(Re)index these rows from the database; idempotent; rows that no longer exist are deleted."""

    @abstractmethod
    def delete(self, doc_type: str, ids: list[int]) -> None: ...

    @abstractmethod
    def indexed_digests(self, doc_type: str) -> dict[int, str]:
        """Every document id of ``doc_type`` in the index, with a digest of the content indexed for it."""

    @abstractmethod
    def database_digests(self, doc_type: str) -> dict[int, str]:
        """Every row id of ``doc_type``, with the digest :meth:`indexed_digests` gives once it is indexed."""

    def rebuild(self, progress: bool = False) -> int:
        """Re-index every document from the database in batches of ids; returns how many were indexed.

        Idempotent and safe while the platform runs (an update made meanwhile is indexed by its own outbox row).
        The database backend then drops entries whose row is gone; Elasticsearch overrides this with a fresh
        index and an alias swap.
        """
        from django.apps import apps
        from tqdm import tqdm

        done = 0
        for doc_type in DOCUMENT_TYPES:
            model = apps.get_model(DOCUMENT_MODELS[doc_type])
            ids = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
            with tqdm(total=len(ids), desc=doc_type, unit="doc", disable=not progress) as bar:
                for start in range(0, len(ids), REBUILD_BATCH):
                    batch = ids[start:start + REBUILD_BATCH]
                    self.index(doc_type, batch)
                    bar.update(len(batch))
            done += len(ids)
        return done

    def watch_matches(self, listing_ids: list[int]) -> set[tuple[int, int]]:
        """The ``(term id, listing id)`` pairs of active watch terms these listings match.

        By default the terms are read now and matched in Python (``search.alerts.python_matches``); a backend that
        keeps the terms as stored queries (Elasticsearch's percolator) overrides this. ``search.alerts.evaluate``
        turns either answer into alerts, so every backend raises the same ones.
        """
        from search.alerts import python_matches

        return python_matches(listing_ids)

    def index_watch_terms(self, term_ids: list[int]) -> None:
        """Bring the stored queries of these watch terms in step with the database; a term deleted, or of an
        inactive watchlist, loses its query.

        Nothing to do by default, by design: the default :meth:`watch_matches` reads the terms from the database
        each time it runs, so there is no copy to keep. The outbox rows that call this are written whatever the
        backend, since the transaction that writes them does not know which backend will deliver them.
        """
        return
