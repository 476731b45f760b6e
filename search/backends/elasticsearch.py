"""The Elasticsearch backend: the policy compiled into every request, bulk writes with external versions.

Access (DESIGN "Access rules", Aleph's ``authz_query``). :func:`authz` turns what ``sharing.rules`` decides in
SQL into a filter on the documents' nested ``access`` fields: the viewer's own agency within their clearance, or,
for each mandate of their agency in force for the declared purpose, a live share of the same case (to the agency
under that mandate, or to a task force it belongs to now) with the mandate covering the case (classification,
crime area, jurisdictions and appendices as subsets through the ``,ES,FR,`` keys, handling code). It is in the
query of every search, count, facet and aggregation; ``match_none`` when the viewer may read nothing.

No stale grant. The index learns of a revoked share, a departure from a task force or a suspended mandate only
when the outbox re-indexes (mandates and memberships are read at query time, shares from the index). So after
each response the hits of the page are checked again against ``access.policy.visible`` — the one decision
point — and a hit the policy refuses is dropped (and taken off the total). The index can widen nothing.

No search oracle. Personal-data fields (a listing's seller) are matched only inside a clause
filtered by :func:`authz` with the personal-data redaction, and never highlighted; entity documents need that
grant as a whole and report documents the sources one, as ``cases.rules`` requires of claims and reports.

One request per operation: a search goes to the aliases of the wanted types in one ``_search`` with its facets;
trends and top keywords are one aggregation request each.

Watchlists. Active watch terms live in the percolator index as the queries ``search.es_documents.watch_query``
compiles, written through the outbox (``index_watch_terms``). Listings being indexed are percolated inline, a
batch to a request (:func:`build_percolate`), and ``search.alerts.evaluate`` turns the matches into alerts.

Rebuilding loses no write. ``rebuild`` loads each index into a new version behind the ``{alias}-rebuild`` alias
while it loads; every write looks for that alias (:meth:`ElasticsearchBackend.write_targets`) and, when it is
there, writes through it as well as through the alias, with the same external version, so the atomic swap that
ends the rebuild drops nothing written meanwhile.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import combinations
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from elasticsearch import Elasticsearch, NotFoundError, helpers
from elasticsearch_dsl import Q, Search
from elasticsearch_dsl.query import Query
from tqdm import tqdm

from access.markings import CitesAppendix
from access.policy import Viewer, visible
from agencies.models import TaskForceMembership
from cases import rules as case_rules
from cases.models import EntityKind
from cases.species.text import species_named_by
from mandates.models import Mandate
from search.es_documents import (
    BUILDERS,
    MODELS,
    WATCH,
    alias,
    build_watch_documents,
    document_source,
    index_version,
    rebuild_alias,
    rebuild_ids,
    sources,
    versioned_index,
)
from search.identifiers import identifier_keys
from sharing.rules import MAX_SUBSET_VALUES, OUTSIDE_LAW_ENFORCEMENT, in_force_mandates

from .base import (
    DOCUMENT_TYPES,
    REBUILD_BATCH,
    Bucket,
    FacetValue,
    SearchBackend,
    SearchFilters,
    SearchHit,
    SearchQuery,
    SearchResult,
)

#: The field group each type needs unredacted to be seen at all (as ``cases.rules``: claims, reports).
TYPE_REDACTION: dict[str, str | None] = {"case": None, "listing": None, "entity": case_rules.PERSONAL_DATA,
                                         "report": case_rules.SOURCES}
REDACTION_FLAG = {case_rules.PERSONAL_DATA: "redact_personal_data", case_rules.SOURCES: "redact_sources",
                  case_rules.EVIDENCE: "redact_evidence"}

#: Public text, searched in every language; ``text_all`` holds every public text field of a document.
TEXT_FIELDS = ["reference^5", "title^3", "title.en^3", "title.fr^3", "title.es^3", "value^3", "normalised^3",
               "text_all", "text_all.en", "text_all.fr", "text_all.es"]
#: Suspects' personal data: matched only under a grant that does not redact it.
PERSONAL_FIELDS = ["seller", "seller.keyword"]
HIGHLIGHT_FIELDS = ["title", "summary", "modus_operandi", "text", "claimed_location", "species_names"]

#: The field each facet counts, in the order of FACET_NAMES.
FACETS = {"type": "type", "platform": "platform_codes", "country": "countries", "cites_appendix": "cites_appendices",
          "status": "status", "species": "species"}
FACET_SIZE = 50
TREND_GROUPS = {"platform": "platform_codes", "species": "species", "country": "countries",
                "specimen_type": "specimen_type", "claimed_legality": "claimed_legality",
                "platform_kind": "platform_kinds"}
TREND_INTERVALS = frozenset({"day", "week", "month", "quarter", "year"})
SORT = [{"_score": {"order": "desc"}}, {"type": {"order": "asc"}}, {"id": {"order": "asc"}}]
#: Listings percolated per request, and matching terms read per page of its answer.
PERCOLATE_BATCH = 100
PERCOLATE_PAGE = 1000

_PHRASE = re.compile(r'"([^"]+)"')


class IndexingError(Exception):
    """Some rows could not be written; the outbox retries the message and dead-letters it when it keeps failing.

    ``failures`` maps each failed row id to Elasticsearch's reason, so a poison row can be told from an outage.
    """

    def __init__(self, doc_type: str, failures: dict[int, str]) -> None:
        self.doc_type = doc_type
        self.failures = failures
        sample = "; ".join(f"{pk}: {reason}" for pk, reason in list(failures.items())[:5])
        super().__init__(f"{len(failures)} {doc_type} document(s) not indexed ({sample})")


class RebuildInProgress(Exception):
    """A rebuild alias exists: another rebuild is loading, or one was killed and left it behind."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(f"a rebuild of the {kind} index is running or was killed ({rebuild_alias(kind)} exists); "
                         "if none is running, remove its leftovers with: wildnet search_index --abandon-rebuild")


# --- the access filter -----------------------------------------------------------------------------------------


def list_key(values: Iterable[str]) -> str:
    return "," + "".join(f"{v}," for v in sorted(set(values)))


def subset(field_name: str, values: Iterable[str], universe: Iterable[str] | None = None) -> Query | None:
    """Every item of the document's ``,A,B,`` key is among ``values``, as ``sharing.rules._subset_test``.

    ``None`` when ``values`` is the whole universe (nothing to test). Up to ``MAX_SUBSET_VALUES`` values: the
    key among the keys of all subsets (a ``terms`` query); above: a Lucene regular expression (implicitly
    anchored at both ends).
    """
    unique = sorted(set(values))
    if universe is not None and set(universe) <= set(unique):
        return None
    if len(unique) <= MAX_SUBSET_VALUES:
        keys = [list_key(chosen) for size in range(len(unique) + 1) for chosen in combinations(unique, size)]
        return Q("terms", **{field_name: keys})
    alternatives = "|".join(re.escape(v) for v in unique)
    return Q("regexp", **{field_name: f",(({alternatives}),)*"})


def coverage(viewer: Viewer, mandate: Mandate) -> list[Query]:
    """``sharing.rules.coverage`` on the ``access`` fields of a document."""
    assert viewer.officer is not None
    level = min(mandate.max_classification, viewer.officer.clearance)
    clauses: list[Query | None] = [
        Q("range", access__classification={"lte": level}),
        Q("terms", access__crime_area=sorted(mandate.crime_areas)),
        subset("access.jurisdiction_key", mandate.jurisdictions),
        subset("access.appendix_key", mandate.cites_appendices, CitesAppendix.values),
    ]
    if viewer.officer.agency.agency_type in OUTSIDE_LAW_ENFORCEMENT:
        clauses.append(~Q("term", access__law_enforcement_only=True))
        clauses.append(~Q("term", access__item_law_enforcement_only=True))
    return [clause for clause in clauses if clause is not None]


def released_to(viewer: Viewer, mandates: list[Mandate]) -> Query:
    """The entry's H2 item is not held, or was released for a live share reaching the viewer under any of
    ``mandates`` (their mandates allowing the purpose) or through a task force: ``sharing.rules.item_gate``."""
    recipients = [Q("bool", filter=[Q("term", access__shares__agency_id=viewer.agency_id),
                                    Q("terms", access__shares__mandate_id=[m.pk for m in mandates])])]
    task_forces = current_task_forces(viewer)
    if task_forces:
        recipients.append(Q("terms", access__shares__task_force_id=task_forces))
    release = Q("nested", path="access.shares", query=Q("bool", filter=[
        Q("term", access__shares__item_released=True), live_share(viewer),
        Q("bool", should=recipients, minimum_should_match=1)]))
    return Q("bool", minimum_should_match=1, should=[~Q("term", access__item_held=True), release])


def current_task_forces(viewer: Viewer) -> list[int]:
    """Task forces the viewer's agency belongs to at ``viewer.at``, read once per request."""
    cached = viewer.cache.get("task_forces")
    if cached is None:
        cached = sorted(TaskForceMembership.objects.current(viewer.at).filter(agency_id=viewer.agency_id)
                        .values_list("task_force_id", flat=True))
        viewer.cache["task_forces"] = cached
    return list(cached)


def live_share(viewer: Viewer) -> Query:
    """The share has no expiry, or expires after the request's instant."""
    return Q("bool", minimum_should_match=1, should=[
        Q("bool", must_not=[Q("exists", field="access.shares.expires_at")]),
        Q("range", access__shares__expires_at={"gt": viewer.at.isoformat()}),
    ])


def granting_share(viewer: Viewer, mandate: Mandate, redaction: str | None) -> Query:
    """A live share of the same case reaching the viewer's agency under ``mandate`` (``granting_shares``)."""
    recipients = [Q("bool", filter=[Q("term", access__shares__agency_id=viewer.agency_id),
                                    Q("term", access__shares__mandate_id=mandate.pk)])]
    task_forces = current_task_forces(viewer)
    if task_forces:
        recipients.append(Q("terms", access__shares__task_force_id=task_forces))
    clauses = [live_share(viewer), Q("bool", should=recipients, minimum_should_match=1)]
    if redaction is not None:
        clauses.append(Q("term", **{f"access.shares.{REDACTION_FLAG[redaction]}": False}))
    return Q("nested", path="access.shares", query=Q("bool", filter=clauses))


def may_read(viewer: Viewer) -> bool:
    """Whether the viewer reads intelligence at all; when not, every request is ``match_none``."""
    return viewer.active and case_rules.reads_intelligence(viewer)


def authz(viewer: Viewer, redaction: str | None = None) -> Query:
    """The documents ``viewer`` may read (through at least one of their cases), with ``redaction`` unredacted.

    ``match_none`` for anyone who does not read intelligence (anonymous, platform officers, trusted reporters,
    coordinators, administrators): the same refusal the policy's ``NOTHING`` is.
    """
    if not may_read(viewer):
        return Q("match_none")
    assert viewer.officer is not None
    branches = [Q("bool", filter=[Q("term", access__owner_agency_id=viewer.agency_id),
                                  Q("range", access__classification={"lte": viewer.officer.clearance})])]
    if viewer.purpose is not None:
        allowing = [m for m in sorted(in_force_mandates(viewer), key=lambda m: m.pk) if viewer.purpose in m.purposes]
        for mandate in allowing:
            branches.append(Q("bool", filter=[*coverage(viewer, mandate), granting_share(viewer, mandate, redaction),
                                              released_to(viewer, allowing)]))
    return Q("nested", path="access", query=Q("bool", should=branches, minimum_should_match=1))


def authz_by_type(viewer: Viewer, types: list[str]) -> Query:
    """The access filter of a request over several types: each type with the redaction it needs."""
    if not may_read(viewer):
        return Q("match_none")
    return Q("bool", minimum_should_match=1, should=[
        Q("bool", filter=[Q("term", type=doc_type), authz(viewer, TYPE_REDACTION[doc_type])]) for doc_type in types])


# --- the query -------------------------------------------------------------------------------------------------


def split_text(text: str) -> tuple[str, list[str]]:
    """Free words and quoted phrases: ``ivory "carved tusk"`` → ``("ivory", ["carved tusk"])``."""
    phrases = [p.strip() for p in _PHRASE.findall(text) if p.strip()]
    words = " ".join(_PHRASE.sub(" ", text).replace('"', " ").split())
    return words, phrases


def text_clause(viewer: Viewer, text: str, phrase: bool) -> Query:
    """Public fields, the listings and cases of the species the words name as a whole (misspelt or not, as the
    database backend reads them: never a species an ordinary word merely resembles), and personal data only where
    it is not redacted."""
    kind = "phrase" if phrase else "best_fields"
    options: dict[str, Any] = {"type": kind} if phrase else {"type": kind, "operator": "and", "tie_breaker": 0.3}
    should = [Q("multi_match", query=text, fields=TEXT_FIELDS, **options)]
    species_id = None if phrase else species_named_by(text)
    if species_id is not None:
        should.append(Q("term", species_ids=species_id))
    should.append(Q("bool", must=[Q("multi_match", query=text, fields=PERSONAL_FIELDS, **options)],
                    filter=[authz(viewer, case_rules.PERSONAL_DATA)]))
    return Q("bool", should=should, minimum_should_match=1)


def identifier_clause(viewer: Viewer, text: str) -> Query | None:
    """The entities whose matching key the whole text reads as (``search.identifiers``: a phone in national format
    read in the viewer's country), as the database backend matches them; ``None`` when it reads as none.

    Only the keys the words do not already match are asked for: the text clause matches the ``normalised``
    keyword when the text is the key as typed (``+33612345678``), and online accounts, keyed ``platform:handle``,
    by their handle's words in ``value``. Entity documents need a grant that does not redact personal data
    (``authz_by_type``), so this is no more an oracle than the text is.
    """
    words = split_text(text)[0]
    keys = sorted(key for kind, key in identifier_keys(viewer, text)
                  if kind != EntityKind.ONLINE_ACCOUNT and key != words)
    return Q("terms", normalised=keys) if keys else None


def filter_clauses(filters: SearchFilters) -> list[Query]:
    """The user's filters (types are applied by the choice of indices)."""
    terms = [("species_ids", sorted(filters.species_ids)), ("cites_appendices", sorted(filters.cites_appendices)),
             ("platform_codes", sorted(filters.platform_codes)), ("countries", sorted(filters.countries)),
             ("status", sorted(filters.statuses)), ("agency_code", sorted(filters.agency_codes)),
             ("platform_kinds", sorted(filters.platform_kinds)), ("specimen_type", sorted(filters.specimen_types)),
             ("claimed_legality", sorted(filters.claimed_legalities)),
             ("legality_verified", sorted(filters.legality_verifications))]
    clauses = [Q("terms", **{name: values}) for name, values in terms if values]
    bounds = {op: moment.isoformat() for op, moment in (("gte", filters.date_from), ("lte", filters.date_to))
              if moment is not None}
    if bounds:
        clauses.append(Q("range", date=bounds))
    return clauses


def wanted_types(filters: SearchFilters) -> list[str]:
    return filters.types_searched(DOCUMENT_TYPES)


def encode_cursor(sort: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(sort, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str) -> list[Any] | None:
    """The ``search_after`` values of a cursor; ``None`` for a cursor that is not ours (start again)."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error):
        return None
    return values if isinstance(values, list) and len(values) == len(SORT) else None


def base_search(viewer: Viewer, filters: SearchFilters, types: list[str]) -> Search:
    """The indices and the filter context shared by search, trends and top keywords."""
    search = Search(index=[alias(t) for t in types])
    if not may_read(viewer):
        return search.query(Q("match_none"))
    return search.query(Q("bool", filter=[authz_by_type(viewer, types), *filter_clauses(filters)]))


def build_search(viewer: Viewer, query: SearchQuery) -> Search:
    """The whole request for one search, with no network: what the golden tests pin."""
    types = wanted_types(query.filters)
    search = base_search(viewer, query.filters, types)
    words, phrases = split_text(query.text) if may_read(viewer) else ("", [])
    musts = ([text_clause(viewer, words, phrase=False)] if words else []) + [
        text_clause(viewer, p, phrase=True) for p in phrases]
    if musts:
        matched = Q("bool", must=musts)
        identifier = identifier_clause(viewer, query.text)
        if identifier is not None:  # the text's words, or the identifier it is however it was typed
            matched = Q("bool", should=[matched, identifier], minimum_should_match=1)
        search = search.query(matched)
    # One hit more than the page: whether it comes back says whether there is a next page (no cursor to an empty one).
    search = search.sort(*SORT).extra(size=query.first + 1, track_total_hits=query.count).source(["id", "type"])
    if query.after:
        after = decode_cursor(query.after)
        if after is not None:
            search = search.extra(search_after=after)
    if query.facets:
        for name, field_name in FACETS.items():
            search.aggs.bucket(name, "terms", field=field_name, size=FACET_SIZE)
    if query.highlight and musts:
        search = search.highlight(*HIGHLIGHT_FIELDS, fragment_size=150, number_of_fragments=3)
        search = search.highlight_options(pre_tags=["<mark>"], post_tags=["</mark>"], require_field_match=True,
                                          encoder="html")
    return search


def build_trends(viewer: Viewer, *, group_by: str, interval: str, filters: SearchFilters) -> Search:
    """A date histogram of the visible documents (listings unless types are given), split by ``group_by``."""
    if group_by not in TREND_GROUPS or interval not in TREND_INTERVALS:
        raise ValueError(f"unknown trend grouping {group_by!r} or interval {interval!r}")
    types = list(filters.types & set(DOCUMENT_TYPES)) if filters.types else ["listing"]
    search = base_search(viewer, filters, sorted(types)).extra(size=0)
    search.aggs.bucket("over_time", "date_histogram", field="date", calendar_interval=interval, min_doc_count=1,
                       format="yyyy-MM-dd").bucket("group", "terms", field=TREND_GROUPS[group_by], size=20)
    return search


def build_top_keywords(viewer: Viewer, *, filters: SearchFilters, size: int) -> Search:
    """The hashtags and words found in the most visible listings: two terms aggregations under the access filter.

    Counts are listings, as the database backend counts them. Not ``significant_text``: its scores weigh the
    visible listings against a background, so a word every visible listing has would never come out, and with
    the whole index as background which words come out would depend on listings the viewer cannot see.
    """
    search = base_search(viewer, filters, ["listing"]).extra(size=0)
    search.aggs.bucket("hashtags", "terms", field="hashtags", size=size)
    search.aggs.bucket("keywords", "terms", field="keywords", size=size)
    return search


def build_percolate(documents: list[dict[str, Any]], after: list[Any] | None = None) -> dict[str, Any]:
    """The watch terms matching any of ``documents`` (listings as ``build_watch_documents`` gives them).

    Each hit names the documents it matched in ``fields._percolator_document_slot`` (their positions in
    ``documents``). Sorted by term id so a batch matching more than a page of terms is read with ``search_after``;
    sorting on a field also spares the scoring, which nothing reads.
    """
    body: dict[str, Any] = {"query": {"percolate": {"field": "query", "documents": documents}}, "_source": False,
                            "sort": [{"term_id": {"order": "asc"}}], "size": PERCOLATE_PAGE,
                            "track_total_hits": False}
    if after is not None:
        body["search_after"] = after
    return body


# --- the backend -----------------------------------------------------------------------------------------------


@dataclass
class BulkOutcome:
    written: int = 0
    failures: dict[int, str] = field(default_factory=dict)


def _now_micros() -> int:
    """The external version of a write: microseconds now, so a later write (or delete) always wins."""
    return time.time_ns() // 1000


class ElasticsearchBackend(SearchBackend):
    """Production search. The client is built on first use, so building a request needs no cluster."""

    name = "elasticsearch"
    chunk_size = 500
    max_retries = 5

    def __init__(self) -> None:
        #: The aliases known to exist (by name: the index prefix is a setting, which tests change).
        self._ensured: set[str] = set()

    @cached_property
    def client(self) -> Elasticsearch:
        if not settings.ELASTICSEARCH_URL:
            raise ImproperlyConfigured("The Elasticsearch backend needs ELASTICSEARCH_URL")
        options: dict[str, Any] = {"retry_on_timeout": True, "max_retries": 3, "request_timeout": 30}
        if settings.ELASTICSEARCH_USERNAME:
            options["basic_auth"] = (settings.ELASTICSEARCH_USERNAME, settings.ELASTICSEARCH_PASSWORD or "")
        if settings.ELASTICSEARCH_CA_CERTS:
            options["ca_certs"] = settings.ELASTICSEARCH_CA_CERTS
        return Elasticsearch(settings.ELASTICSEARCH_URL, **options)

    # reading ---------------------------------------------------------------------------------------------------

    def search(self, viewer: Viewer, query: SearchQuery) -> SearchResult:
        request = build_search(viewer, query)
        if not may_read(viewer):
            return SearchResult(total=0 if query.count else None, hits=[], facets={}, next_cursor=None)
        response = self.client.search(index=request._index, body=request.to_dict(), ignore_unavailable=True)
        raw = response["hits"]["hits"]
        more = len(raw) > query.first
        raw = raw[:query.first]
        allowed = self.still_visible(viewer, [(hit["_source"]["type"], int(hit["_source"]["id"])) for hit in raw])
        hits = [SearchHit(type=hit["_source"]["type"], id=int(hit["_source"]["id"]), score=hit["_score"] or 0.0,
                          highlights=dict(hit.get("highlight", {})))
                for hit in raw if (hit["_source"]["type"], int(hit["_source"]["id"])) in allowed]
        aggregations = response.get("aggregations", {})
        facets = {name: [FacetValue(value=str(b["key"]), count=b["doc_count"]) for b in aggregations[name]["buckets"]]
                  for name in FACETS if name in aggregations}
        next_cursor = encode_cursor(raw[-1]["sort"]) if more else None
        if not query.count:
            return SearchResult(total=None, hits=hits, facets=facets, next_cursor=next_cursor)
        total = response["hits"]["total"]["value"] - (len(raw) - len(hits))
        return SearchResult(total=max(total, 0), hits=hits, facets=facets, next_cursor=next_cursor)

    @staticmethod
    def still_visible(viewer: Viewer, hits: list[tuple[str, int]]) -> set[tuple[str, int]]:
        """The hits the policy lets ``viewer`` see now: the "no stale grant" check, one query per type."""
        allowed: set[tuple[str, int]] = set()
        for doc_type in DOCUMENT_TYPES:
            ids = [pk for kind, pk in hits if kind == doc_type]
            if ids:
                rows = visible(viewer, MODELS[doc_type]._default_manager.filter(pk__in=ids))
                allowed.update((doc_type, pk) for pk in rows.values_list("pk", flat=True))
        return allowed

    def trends(self, viewer: Viewer, *, group_by: str, interval: str, filters: SearchFilters) -> list[Bucket]:
        request = build_trends(viewer, group_by=group_by, interval=interval, filters=filters)
        if not may_read(viewer):
            return []
        response = self.client.search(index=request._index, body=request.to_dict(), ignore_unavailable=True)
        return [Bucket(key=period["key_as_string"], group=str(group["key"]), count=group["doc_count"])
                for period in response["aggregations"]["over_time"]["buckets"]
                for group in period["group"]["buckets"]]

    def top_keywords(self, viewer: Viewer, *, filters: SearchFilters, size: int = 20) -> list[FacetValue]:
        request = build_top_keywords(viewer, filters=filters, size=size)
        if not may_read(viewer):
            return []
        aggs = self.client.search(index=request._index, body=request.to_dict(),
                                  ignore_unavailable=True)["aggregations"]
        values = [FacetValue(value=f"#{b['key']}", count=b["doc_count"]) for b in aggs["hashtags"]["buckets"]]
        values += [FacetValue(value=str(b["key"]), count=b["doc_count"]) for b in aggs["keywords"]["buckets"]]
        return sorted(values, key=lambda v: (-v.count, v.value))[:size]

    # writing ---------------------------------------------------------------------------------------------------

    def index(self, doc_type: str, ids: list[int]) -> None:
        """Write the current rows with their external versions; delete the ids that no longer exist."""
        targets = self.write_targets(doc_type)
        self._write(doc_type, self.actions(doc_type, ids, *targets))

    def delete(self, doc_type: str, ids: list[int]) -> None:
        targets = self.write_targets(doc_type)
        self._write(doc_type, self._deletions(ids, *targets))

    def index_watch_terms(self, term_ids: list[int]) -> None:
        """Store the percolator queries of these terms; terms deleted or of an inactive watchlist are removed."""
        targets = self.write_targets(WATCH)
        self._write(WATCH, self.actions(WATCH, term_ids, *targets))

    def write_targets(self, kind: str) -> list[str]:
        """Where a write of ``kind`` goes: its alias, and the rebuild alias while a rebuild of ``kind`` loads.

        Asked of the cluster (one ``HEAD`` request) on every write rather than cached, so that every worker process
        sees a rebuild as soon as it starts. That is what makes a rebuild lose nothing: a write that did not see
        the rebuild alias asked before the alias was added, hence after its change committed (an outbox row is
        delivered after its transaction) and before the rebuild listed and read the rows, which therefore include
        the change. The caller asks before it reads the rows (``actions`` takes the version and reads lazily), and
        external versions make the second copy of a write harmless.
        """
        self.ensure_index(kind)
        if self.client.indices.exists_alias(name=rebuild_alias(kind)):
            return [alias(kind), rebuild_alias(kind)]
        return [alias(kind)]

    def ensure_index(self, kind: str) -> None:
        """Create the first versioned index and its alias if there is none yet (once per process and kind).

        Without it the first bulk write would auto-create an index named like the alias with a guessed, dynamic
        mapping, which no alias swap could replace.
        """
        if alias(kind) in self._ensured:
            return
        if not self.client.indices.exists_alias(name=alias(kind)):
            name = self._next_index(kind)
            versioned_index(kind, index_version(name)).create(using=self.client)
            self.client.indices.update_aliases(actions=[{"add": {"index": name, "alias": alias(kind),
                                                                 "is_write_index": True}}])
        self._ensured.add(alias(kind))

    def actions(self, kind: str, ids: list[int], *indices: str) -> Iterator[dict[str, Any]]:
        """Index actions for the rows that exist (one per index), delete actions for the others.

        The version is taken before the rows are read (see ``search.es_documents``): whatever this read sees, a
        later read sees at least as much and writes with a greater version.
        """
        version = _now_micros()
        found: set[int] = set()
        for pk, source in sources(kind, ids):
            found.add(pk)
            for index in indices:
                yield {"_op_type": "index", "_index": index, "_id": str(pk), "version": version,
                       "version_type": "external", "_source": source}
        yield from self._deletions([pk for pk in ids if pk not in found], *indices)

    @staticmethod
    def _deletions(ids: list[int], *indices: str) -> Iterator[dict[str, Any]]:
        version = _now_micros()
        for pk in ids:
            for index in indices:
                yield {"_op_type": "delete", "_index": index, "_id": str(pk), "version": version,
                       "version_type": "external"}

    def _write(self, kind: str, actions: Iterable[dict[str, Any]]) -> None:
        outcome = self._bulk(actions)
        if outcome.failures:
            raise IndexingError(kind, outcome.failures)

    def _bulk(self, actions: Iterable[dict[str, Any]]) -> BulkOutcome:
        """``streaming_bulk`` with backoff on 429; a version conflict (a newer write already there) and the
        deletion of a missing document are success, every other per-row failure is collected.

        Every write names an alias (``require_alias``), never an index: a write to an alias that is gone (the
        rebuild alias of a rebuild that just ended or failed) is refused and retried by the outbox, instead of
        auto-creating an index of that name with a guessed mapping.
        """
        outcome = BulkOutcome()
        for ok, item in helpers.streaming_bulk(self.client, actions, chunk_size=self.chunk_size,
                                               raise_on_error=False, raise_on_exception=False, require_alias=True,
                                               max_retries=self.max_retries, initial_backoff=1, max_backoff=60,
                                               refresh=settings.ELASTICSEARCH_REFRESH):
            (operation, result), = item.items()
            status = result.get("status", 0)
            if ok or status == 409 or (operation == "delete" and status == 404):
                outcome.written += 1
                continue
            outcome.failures[int(result.get("_id", 0))] = json.dumps(result.get("error", status))[:500]
        return outcome

    # watchlists --------------------------------------------------------------------------------------------------

    def watch_matches(self, listing_ids: list[int]) -> set[tuple[int, int]]:
        """Percolation: the listings go to the percolator inline, ``PERCOLATE_BATCH`` to a request, and each
        matching term comes back with the slots of the listings it matched."""
        listings = list(build_watch_documents(listing_ids))
        if not listings:
            return set()
        self.ensure_index(WATCH)
        matches: set[tuple[int, int]] = set()
        for start in range(0, len(listings), PERCOLATE_BATCH):
            batch = listings[start:start + PERCOLATE_BATCH]
            after: list[Any] | None = None
            while True:
                body = build_percolate([document for _, document in batch], after)
                hits = self.client.search(index=alias(WATCH), body=body)["hits"]["hits"]
                matches.update((int(hit["_id"]), batch[slot][0])
                               for hit in hits for slot in hit["fields"]["_percolator_document_slot"])
                if len(hits) < PERCOLATE_PAGE:
                    break
                after = hits[-1]["sort"]
        return matches

    # rebuilding and reconciling ----------------------------------------------------------------------------------

    def rebuild(self, progress: bool = False) -> int:
        """Rebuild every type's index, then the watchlist percolator; returns how many entries were loaded."""
        return sum(self._rebuild(kind, progress) for kind in (*DOCUMENT_TYPES, WATCH))

    def _rebuild(self, kind: str, progress: bool) -> int:
        """Create ``{alias}-v{N+1}`` behind the rebuild alias, bulk-load every row through it, swap the aliases in
        one call, drop the old index.

        Searches keep using the old index until the swap, so a rebuild has no downtime. While it loads, every
        write also goes to the new index (:meth:`write_targets`), so the swap loses no write made meanwhile. On
        any failure, an interruption included, the rebuild alias and the half-loaded index are removed, or every
        later write would keep copying itself into an index nobody reads. Two rebuilds of one kind at once
        cannot both load: their rebuild alias would name two indices, to which Elasticsearch refuses writes.
        """
        if self.client.indices.exists_alias(name=rebuild_alias(kind)):
            raise RebuildInProgress(kind)
        name = self._next_index(kind)
        versioned_index(kind, index_version(name)).create(using=self.client)
        self.client.indices.update_aliases(actions=[{"add": {"index": name, "alias": rebuild_alias(kind)}}])
        try:
            ids = rebuild_ids(kind)
            with tqdm(total=len(ids), desc=kind, unit="doc", disable=not progress) as bar:
                for start in range(0, len(ids), REBUILD_BATCH):
                    batch = ids[start:start + REBUILD_BATCH]
                    self._write(kind, self.actions(kind, batch, rebuild_alias(kind)))
                    bar.update(len(batch))
            self.client.indices.refresh(index=name)
            replaced = self._swap(kind, name)
        except BaseException:  # KeyboardInterrupt too: an operator stopping a rebuild must not leave its alias
            self.client.indices.update_aliases(actions=[{"remove": {"index": name, "alias": rebuild_alias(kind)}}])
            self.client.indices.delete(index=name, ignore_unavailable=True)
            raise
        for index in replaced:  # after the swap only: a failure here must not drop the index now live
            self.client.indices.delete(index=index, ignore_unavailable=True)
        self._ensured.add(alias(kind))
        return len(ids)

    def abandon_rebuilds(self) -> list[str]:
        """Remove what a killed rebuild left: each rebuild alias, and the half-loaded index behind it unless the
        live alias names it. Returns the indices deleted.

        A rebuild cleans up after itself on any error, an interruption included, but not when its process is
        killed outright (SIGKILL, a lost machine). Its alias then stays, every write keeps copying itself into an
        index nobody reads, and the next rebuild refuses to start (:class:`RebuildInProgress`). Only an operator
        knows that no rebuild is still running, so this is a command (``search_index --abandon-rebuild``), not a
        timeout.
        """
        deleted: list[str] = []
        for kind in (*DOCUMENT_TYPES, WATCH):
            try:
                behind = list(self.client.indices.get_alias(name=rebuild_alias(kind)))
            except NotFoundError:
                continue
            try:
                live = set(self.client.indices.get_alias(name=alias(kind)))
            except NotFoundError:
                live = set()
            self.client.indices.update_aliases(actions=[{"remove": {"index": index, "alias": rebuild_alias(kind)}}
                                                        for index in behind])
            for index in behind:
                if index not in live:
                    self.client.indices.delete(index=index, ignore_unavailable=True)
                    deleted.append(index)
        return deleted

    def _next_index(self, kind: str) -> str:
        try:
            existing = list(self.client.indices.get(index=f"{alias(kind)}-v*").keys())
        except NotFoundError:
            existing = []
        version = max([index_version(name) for name in existing] + [0]) + 1
        return f"{alias(kind)}-v{version}"

    def _swap(self, kind: str, new: str) -> list[str]:
        """Point the alias at the rebuilt index ``new`` alone and take ``new`` off the rebuild alias, in one atomic
        call (writes then reach ``new`` through the alias only); returns the indices the alias named before."""
        name = alias(kind)
        try:
            old = [index for index in self.client.indices.get_alias(name=name) if index != new]
        except NotFoundError:
            old = []
        actions: list[dict[str, Any]] = [{"remove": {"index": index, "alias": name}} for index in old]
        actions.append({"add": {"index": new, "alias": name, "is_write_index": True}})
        actions.append({"remove": {"index": new, "alias": rebuild_alias(kind)}})
        self.client.indices.update_aliases(actions=actions)
        return old

    def indexed_digests(self, doc_type: str) -> dict[int, str]:
        """Every document id in the index with the digest of its content (only that field is read)."""
        hits = helpers.scan(self.client, index=alias(doc_type), query={
            "query": {"match_all": {}}, "_source": ["digest"], "version": True})
        return {int(hit["_id"]): str(hit.get("_source", {}).get("digest", "")) for hit in hits}

    @staticmethod
    def database_digests(doc_type: str) -> dict[int, str]:
        """Every row id with the digest its document has now."""
        ids = list(MODELS[doc_type]._default_manager.order_by("pk").values_list("pk", flat=True))
        digests: dict[int, str] = {}
        for start in range(0, len(ids), REBUILD_BATCH):
            for pk, document in BUILDERS[doc_type](ids[start:start + REBUILD_BATCH]):
                digests[pk] = document_source(document)["digest"]
        return digests
