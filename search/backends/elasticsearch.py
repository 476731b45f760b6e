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

from access.markings import CitesAppendix, HandlingCode
from access.policy import Viewer, visible
from agencies.models import TaskForceMembership
from cases import rules as case_rules
from mandates.models import Mandate
from search.es_documents import BUILDERS, MODELS, alias, document_source, index_version, versioned_index
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
SPECIES_FIELD = "species_names"
HIGHLIGHT_FIELDS = ["title", "summary", "modus_operandi", "text", "claimed_location", "species_names"]

FACETS = {"type": "type", "platform": "platform_codes", "species": "species", "country": "countries",
          "cites_appendix": "cites_appendices", "status": "status"}
FACET_SIZE = 50
TREND_GROUPS = {"platform": "platform_codes", "species": "species", "country": "countries"}
TREND_INTERVALS = frozenset({"day", "week", "month", "quarter", "year"})
SORT = [{"_score": {"order": "desc"}}, {"type": {"order": "asc"}}, {"id": {"order": "asc"}}]

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
        clauses.append(~Q("terms", access__handling_code=[HandlingCode.H1.value, HandlingCode.H2.value]))
    return [clause for clause in clauses if clause is not None]


def current_task_forces(viewer: Viewer) -> list[int]:
    """Task forces the viewer's agency belongs to at ``viewer.at``, read once per request."""
    cached = viewer.cache.get("task_forces")
    if cached is None:
        cached = sorted(TaskForceMembership.objects.current(viewer.at).filter(agency_id=viewer.agency_id)
                        .values_list("task_force_id", flat=True))
        viewer.cache["task_forces"] = cached
    return list(cached)


def granting_share(viewer: Viewer, mandate: Mandate, redaction: str | None) -> Query:
    """A live share of the same case reaching the viewer's agency under ``mandate`` (``granting_shares``)."""
    recipients = [Q("bool", filter=[Q("term", access__shares__agency_id=viewer.agency_id),
                                    Q("term", access__shares__mandate_id=mandate.pk)])]
    task_forces = current_task_forces(viewer)
    if task_forces:
        recipients.append(Q("terms", access__shares__task_force_id=task_forces))
    live = Q("bool", minimum_should_match=1, should=[
        Q("bool", must_not=[Q("exists", field="access.shares.expires_at")]),
        Q("range", access__shares__expires_at={"gt": viewer.at.isoformat()}),
    ])
    clauses = [live, Q("bool", should=recipients, minimum_should_match=1)]
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
        for mandate in sorted(in_force_mandates(viewer), key=lambda m: m.pk):
            if viewer.purpose in mandate.purposes:
                branches.append(Q("bool", filter=[*coverage(viewer, mandate),
                                                  granting_share(viewer, mandate, redaction)]))
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
    """Public fields, fuzzy species names (words only), and personal data only where it is not redacted."""
    kind = "phrase" if phrase else "best_fields"
    options: dict[str, Any] = {"type": kind} if phrase else {"type": kind, "operator": "and", "tie_breaker": 0.3}
    should = [Q("multi_match", query=text, fields=TEXT_FIELDS, **options)]
    if not phrase:
        should.append(Q("match", **{SPECIES_FIELD: {"query": text, "fuzziness": "AUTO", "prefix_length": 1,
                                                    "operator": "and"}}))
    should.append(Q("bool", must=[Q("multi_match", query=text, fields=PERSONAL_FIELDS, **options)],
                    filter=[authz(viewer, case_rules.PERSONAL_DATA)]))
    return Q("bool", should=should, minimum_should_match=1)


def filter_clauses(filters: SearchFilters) -> list[Query]:
    """The user's filters (types are applied by the choice of indices)."""
    terms = [("species_ids", sorted(filters.species_ids)), ("cites_appendices", sorted(filters.cites_appendices)),
             ("platform_codes", sorted(filters.platform_codes)), ("countries", sorted(filters.countries)),
             ("status", sorted(filters.statuses)), ("agency_code", sorted(filters.agency_codes))]
    clauses = [Q("terms", **{name: values}) for name, values in terms if values]
    bounds = {op: moment.isoformat() for op, moment in (("gte", filters.date_from), ("lte", filters.date_to))
              if moment is not None}
    if bounds:
        clauses.append(Q("range", date=bounds))
    return clauses


def wanted_types(filters: SearchFilters) -> list[str]:
    return [t for t in DOCUMENT_TYPES if not filters.types or t in filters.types]


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
        search = search.query(Q("bool", must=musts))
    search = search.sort(*SORT).extra(size=query.first, track_total_hits=True).source(["id", "type"])
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
    """Most frequent hashtags and significant terms of the visible listings (or the given types)."""
    types = list(filters.types & set(DOCUMENT_TYPES)) if filters.types else ["listing"]
    search = base_search(viewer, filters, sorted(types)).extra(size=0)
    search.aggs.bucket("hashtags", "terms", field="hashtags", size=size)
    # The background of significance is what the viewer may read, not the whole index: otherwise which terms
    # come out would depend on documents they cannot see.
    search.aggs.bucket("sample", "sampler", shard_size=500).bucket(
        "keywords", "significant_text", field="text_all", size=size, filter_duplicate_text=True,
        background_filter=authz_by_type(viewer, sorted(types)))
    return search


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
            return SearchResult(total=0, hits=[], facets={}, next_cursor=None)
        response = self.client.search(index=request._index, body=request.to_dict(), ignore_unavailable=True)
        raw = response["hits"]["hits"]
        allowed = self.still_visible(viewer, [(hit["_source"]["type"], int(hit["_source"]["id"])) for hit in raw])
        hits = [SearchHit(type=hit["_source"]["type"], id=int(hit["_source"]["id"]), score=hit["_score"] or 0.0,
                          highlights=dict(hit.get("highlight", {})))
                for hit in raw if (hit["_source"]["type"], int(hit["_source"]["id"])) in allowed]
        facets = {name: [FacetValue(value=str(b["key"]), count=b["doc_count"]) for b in agg["buckets"]]
                  for name, agg in response.get("aggregations", {}).items()}
        next_cursor = encode_cursor(raw[-1]["sort"]) if len(raw) == query.first and raw else None
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
        values += [FacetValue(value=str(b["key"]), count=b["doc_count"])
                   for b in aggs["sample"]["keywords"]["buckets"]]
        return sorted(values, key=lambda v: (-v.count, v.value))[:size]

    # writing ---------------------------------------------------------------------------------------------------

    def index(self, doc_type: str, ids: list[int]) -> None:
        """Write the current rows with their external versions; delete the ids that no longer exist."""
        self.ensure_index(doc_type)
        outcome = self._bulk(self.actions(doc_type, ids, alias(doc_type)))
        if outcome.failures:
            raise IndexingError(doc_type, outcome.failures)

    def delete(self, doc_type: str, ids: list[int]) -> None:
        self.ensure_index(doc_type)
        outcome = self._bulk(self._deletions(alias(doc_type), ids))
        if outcome.failures:
            raise IndexingError(doc_type, outcome.failures)

    def ensure_index(self, doc_type: str) -> None:
        """Create the first versioned index and its alias if there is none yet (once per process and type).

        Without it the first bulk write would auto-create an index named like the alias with a guessed, dynamic
        mapping, which no alias swap could replace.
        """
        if doc_type in self._ensured:
            return
        if not self.client.indices.exists_alias(name=alias(doc_type)):
            name = self._next_index(doc_type)
            versioned_index(doc_type, index_version(name)).create(using=self.client)
            self._swap(doc_type, name)
        self._ensured.add(doc_type)

    def actions(self, doc_type: str, ids: list[int], index: str) -> Iterator[dict[str, Any]]:
        """Index actions for the rows that exist, delete actions for the others.

        The version is taken before the rows are read (see ``search.es_documents``): whatever this read sees, a
        later read sees at least as much and writes with a greater version.
        """
        version = _now_micros()
        found: set[int] = set()
        for pk, document in BUILDERS[doc_type](ids):
            found.add(pk)
            yield {"_op_type": "index", "_index": index, "_id": str(pk), "version": version,
                   "version_type": "external", "_source": document_source(document)}
        yield from self._deletions(index, [pk for pk in ids if pk not in found])

    @staticmethod
    def _deletions(index: str, ids: list[int]) -> Iterator[dict[str, Any]]:
        version = _now_micros()
        for pk in ids:
            yield {"_op_type": "delete", "_index": index, "_id": str(pk), "version": version,
                   "version_type": "external"}

    def _bulk(self, actions: Iterable[dict[str, Any]]) -> BulkOutcome:
        """``streaming_bulk`` with backoff on 429; a version conflict (a newer write already there) and the
        deletion of a missing document are success, every other per-row failure is collected."""
        outcome = BulkOutcome()
        for ok, item in helpers.streaming_bulk(self.client, actions, chunk_size=self.chunk_size,
                                               raise_on_error=False, raise_on_exception=False,
                                               max_retries=self.max_retries, initial_backoff=1, max_backoff=60):
            (operation, result), = item.items()
            status = result.get("status", 0)
            if ok or status == 409 or (operation == "delete" and status == 404):
                outcome.written += 1
                continue
            outcome.failures[int(result.get("_id", 0))] = json.dumps(result.get("error", status))[:500]
        return outcome

    # rebuilding and reconciling ----------------------------------------------------------------------------------

    def rebuild(self, progress: bool = False) -> int:
        """Per type: create ``{alias}-v{N+1}``, bulk-load every row, swap the alias in one call, drop the old.

        Searches keep using the old index until the swap, so a rebuild has no downtime; a write made during the
        load lands in the old index and is caught by the outbox's re-index or by ``reconcile_search``.
        """
        done = 0
        for doc_type in DOCUMENT_TYPES:
            name = self._next_index(doc_type)
            versioned_index(doc_type, index_version(name)).create(using=self.client)
            ids = list(MODELS[doc_type]._default_manager.order_by("pk").values_list("pk", flat=True))
            with tqdm(total=len(ids), desc=doc_type, unit="doc", disable=not progress) as bar:
                for start in range(0, len(ids), REBUILD_BATCH):
                    batch = ids[start:start + REBUILD_BATCH]
                    outcome = self._bulk(self.actions(doc_type, batch, name))
                    if outcome.failures:
                        raise IndexingError(doc_type, outcome.failures)
                    bar.update(len(batch))
            self.client.indices.refresh(index=name)
            self._swap(doc_type, name)
            self._ensured.add(doc_type)
            done += len(ids)
        return done

    def _next_index(self, doc_type: str) -> str:
        try:
            existing = list(self.client.indices.get(index=f"{alias(doc_type)}-v*").keys())
        except NotFoundError:
            existing = []
        version = max([index_version(name) for name in existing] + [0]) + 1
        return f"{alias(doc_type)}-v{version}"

    def _swap(self, doc_type: str, new: str) -> None:
        name = alias(doc_type)
        try:
            old = [index for index in self.client.indices.get_alias(name=name) if index != new]
        except NotFoundError:
            old = []
        actions: list[dict[str, Any]] = [{"remove": {"index": index, "alias": name}} for index in old]
        actions.append({"add": {"index": new, "alias": name, "is_write_index": True}})
        self.client.indices.update_aliases(actions=actions)
        for index in old:
            self.client.indices.delete(index=index, ignore_unavailable=True)

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
