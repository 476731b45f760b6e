"""The embedded search backend: SQLite FTS5 or PostgreSQL full-text search over ``search.SearchEntry``.

The index only says which documents contain which words. Whether the viewer may see a document is decided at
query time by :func:`access.policy.visible` on the model itself, with the matches as a subquery
(``Listing.objects.filter(pk__in=<matches>)``): a stale index entry can never show anything, and a share
revoked a second ago stops matching at once. Redacted groups need nothing special: a claim (personal data) or a
report (sources) redacted for the viewer is not visible, so it cannot match — and an entity is visible only
through a visible claim, so a phone number known only from a redacted claim is no search oracle.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek

from access import prepared
from access.policy import Viewer, visible
from cases.models import Case, CaseEntity, Entity, IntelReport, Listing
from cases.species.matching import cached_index, fingerprint_sql, get_index
from cases.species.text import get_text_index, species_named_by

from ..identifiers import identifier_select
from ..models import SearchEntry
from ..text import HASHTAG, STOP_WORDS, ParsedQuery, highlight, index_body, keywords, parse
from .base import (
    DOCUMENT_TYPES,
    Bucket,
    FacetValue,
    SearchBackend,
    SearchFilters,
    SearchHit,
    SearchQuery,
    SearchResult,
)
from .statement import Found, Page, Statement, partial_facets

logger = logging.getLogger(__name__)

MODELS: dict[str, type[models.Model]] = {"case": Case, "listing": Listing, "entity": Entity, "report": IntelReport}

#: The fields each type is searched and highlighted on.
FIELDS: dict[str, tuple[str, ...]] = {
    "case": ("reference", "title", "summary", "modus_operandi"),
    "listing": ("title", "text", "url"),
    "entity": ("value", "normalised"),
    "report": ("text",),
}

#: How a document reaches its case's fields for filters ("" : it is the case).
CASE_PATH = {"case": "", "listing": "case__", "report": "case__"}

INTERVALS: dict[str, Callable[[str], Any]] = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
#: The listing column each trend grouping (but the country, split from the case's key) counts by.
TREND_FIELDS = {"platform": "platform__code", "species": "species__scientific_name", "specimen_type": "specimen_type",
                "claimed_legality": "claimed_legality", "platform_kind": "platform__platform_kind"}
CHUNK = 500
MAX_WORD = 255
#: How many indexed words a misspelt query word may stand for.
CORRECTIONS = 5


def body_digest(body: str) -> str:
    """A short digest of an index body: reconciling compares a million of them, not the texts."""
    return hashlib.blake2b(body.encode(), digest_size=12).hexdigest()


def encode_cursor(key: tuple[float, str, int]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode()


def decode_cursor(cursor: str) -> tuple[float, str, int] | None:
    """The sort key a cursor carries; ``None`` for a cursor that is not ours (treated as the first page)."""
    try:
        score, doc_type, doc_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        key = float(score), str(doc_type), int(doc_id)
    except (ValueError, TypeError, binascii.Error):
        return None
    # Its values become SQL parameters: an id beyond 64 bits or an unknown type (a NUL in it, say) would be a
    # database error, not an empty page.
    return key if key[1] in MODELS and 0 <= key[2] < 2**63 else None


@dataclass(frozen=True)
class Species:
    """The species a query names (``ids``), and the fingerprint of the species tables the matcher that found them
    was built at, with the SQL the search statement reads the current one with (``None``: known current)."""

    ids: list[int]
    fingerprint: str | None = None
    fingerprint_sql: str | None = None


@dataclass(frozen=True)
class Identified:
    """The entities a query is an identifier of: ``SELECT doc_id`` of them with its parameters (``None``: it is
    none) and their ids when they were read already (``None``: the search statement reads them)."""

    select: tuple[str, list[Any]] | None
    ids: list[int] | None

    def sql(self) -> tuple[str, list[Any]] | None:
        """The entities' ``SELECT doc_id``, for the search statement to return, when not read already."""
        return self.select if self.ids is None else None


class DatabaseBackend(SearchBackend):
    """Search without a search server: the index lives in the application database."""

    name = "database"

    # --- reading -------------------------------------------------------------------------------------------

    def search(self, viewer: Viewer, query: SearchQuery) -> SearchResult:
        """Visible matches ordered by score, then type and id (a total order, so cursors never skip or repeat).

        A document matches when its text contains every word and phrase, when it is a listing or case of the
        species the text names (misspelt names included), or when it is the entity the text is an identifier of.
        The database does the work in one statement (``statement.Statement``): each type's visible matches are
        computed once and the page, the texts to highlight, the total and the facets are all read from them, so
        the cost follows the matches' count in SQL, never a Python loop. The same statement returns the page's
        rows when the caller shows them (``SearchQuery.objects``), the entities the text is an identifier of and
        the species tables' fingerprint (the species matcher's freshness check: a stale matcher costs the
        statement once more when the current one names another species). Before it, only the viewer's mandates,
        once per request; a misspelt word that matches nothing visible costs its corrections and the statement
        once more.
        """
        parsed = parse(query.text)
        species = self._species(query.text)
        identified = self._identified(viewer, query.text, parsed)
        first = max(0, min(query.first, 100))
        after = decode_cursor(query.after) if query.after else None

        def run(parsed: ParsedQuery, species: Species) -> Found:
            matches = {t: part for t in self._types(query.filters)
                       if (part := self._ranked(viewer, t, parsed, query.filters, species.ids, identified.select))}
            if not matches:
                return Found()
            page = Page(after, first + 1, query.highlight and not parsed.empty, query.objects) if first else None
            return Statement(matches, FIELDS, MODELS).run(
                page, count=query.count, facets=query.facets, probe=self._correctable(parsed),
                identified=identified.sql(), fingerprint=species.fingerprint_sql)

        found = run(parsed, species)
        if species.fingerprint_sql is not None and found.fingerprint is not None \
                and found.fingerprint != species.fingerprint:
            # The species tables changed since the matcher was built: match again on the current tables, and
            # search again if that changes what the text names (once, however often the tables change).
            current = self._species(query.text, found.fingerprint)
            if current.ids != species.ids:
                found = run(parsed, current)
            species = current
        # Approximate matching is tried only when nothing visible matches, whatever the cursor: whether it is
        # tried depends on visible documents alone (an exact match in another agency's case changes nothing),
        # and is the same for every page of one search.
        if self._correctable(parsed) and not found.matched:
            corrected = self._corrected(parsed)
            if corrected is not None:
                parsed = corrected
                found = run(parsed, replace(species, fingerprint_sql=None))
        page = found.keys[:first]
        counted = query.count or query.facets
        return SearchResult(
            total=sum(found.counts.values()) if counted else None,
            hits=self._hits(page, found, parsed if query.highlight else None),
            facets={name: [FacetValue(v, n) for v, n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) if n]
                    for name, c in found.facets.items()} if query.facets else {},
            next_cursor=encode_cursor(page[-1]) if len(found.keys) > first and page else None,
            identified=identified.ids if identified.ids is not None else found.identified if found.ran else None,
            partial_facets=partial_facets(found.sampled) if query.facets else frozenset(),
        )

    def trends(self, viewer: Viewer, *, group_by: str, interval: str, filters: SearchFilters) -> list[Bucket]:
        """Listings per period and platform, species, country, listing fact or platform kind, over the listings the
        viewer may see."""
        listings = Listing.objects.filter(pk__in=self._listings(viewer, filters).values("pk"))
        trunc = INTERVALS[interval]("first_seen_at")
        counts: Counter[tuple[str, str]] = Counter()
        if group_by == "country":  # the ",ES,FR," keys are few distinct values: grouped in SQL, split here
            rows = listings.annotate(period=trunc).values("period", "case__jurisdiction_key").annotate(
                n=models.Count("pk"))
            for row in rows:
                for country in filter(None, row["case__jurisdiction_key"].split(",")):
                    counts[(row["period"].date().isoformat(), country)] += row["n"]
        else:
            field = TREND_FIELDS[group_by]
            # a platform of no kind is no group (a specimen not stated is one: "")
            grouped = listings.exclude(**{f"{field}__isnull": True}).exclude(
                **({"platform__platform_kind": ""} if group_by == "platform_kind" else {}))
            for row in (grouped.annotate(period=trunc).values("period", field)
                        .annotate(n=models.Count("pk", distinct=True))):
                counts[(row["period"].date().isoformat(), row[field])] += row["n"]
        return [Bucket(key=k, group=g, count=n) for (k, g), n in sorted(counts.items())]

    def top_keywords(self, viewer: Viewer, *, filters: SearchFilters, size: int = 20) -> list[FacetValue]:
        """The hashtags (``#tag``) and words found in the most visible listings (titles and texts).

        A count is a number of listings, as Elasticsearch's terms aggregation counts documents: a word repeated
        in one advert counts once, and the word of a hashtag counts as a word too (``#ivoire`` gives ``#ivoire``
        and ``ivoire``), as the analysed text of every backend has it. PostgreSQL counts in SQL (the lexemes of
        the indexed documents, the hashtags by regular expression); SQLite, the embedded default for small
        installations, reads the texts.
        """
        listings = self._listings(viewer, filters)
        if connection.vendor == "postgresql":
            counts = self._pg_keywords(listings, size)
        else:
            counts = Counter()
            for title, text in listings.values_list("title", "text").iterator(chunk_size=2000):
                content = f"{title} {text}"
                counts.update({f"#{tag.casefold()}" for tag in HASHTAG.findall(content)})
                counts.update(keywords(content))
        return [FacetValue(value, n) for value, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:size]]

    def _pg_keywords(self, listings: models.QuerySet[Any], size: int) -> Counter[str]:
        """Words (the lexemes of the indexed documents) and hashtags by number of listings, top ``size`` of each,
        in two statements."""
        try:
            ids_sql, ids_params = listings.values("pk").query.sql_with_params()
        except EmptyResultSet:
            return Counter()
        counts: Counter[str] = Counter()
        tags = ("SELECT '#' || lower(m[1]), COUNT(DISTINCT l.id) FROM cases_listing l, "  # noqa: S608 (placeholders)
                "regexp_matches(l.title || ' ' || l.text, '#([[:alnum:]][[:alnum:]_]*)', 'g') m "
                f"WHERE l.id IN ({ids_sql}) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %s")
        words = ("SELECT w, COUNT(*) FROM search_searchentry e, "  # noqa: S608 (placeholders)
                 "unnest(tsvector_to_array(e.document)) w "
                 f"WHERE e.doc_type = 'listing' AND e.doc_id IN ({ids_sql}) AND length(w) > 2 "
                 "AND w !~ '^[0-9]+$' AND NOT (w = ANY(%s)) GROUP BY w ORDER BY 2 DESC, 1 LIMIT %s")
        with connection.cursor() as cursor:
            cursor.execute(tags, [*ids_params, size])
            counts.update(dict(cursor.fetchall()))
            cursor.execute(words, [*ids_params, sorted(STOP_WORDS), size])
            counts.update(dict(cursor.fetchall()))
        return counts

    # --- writing -------------------------------------------------------------------------------------------

    def index(self, doc_type: str, ids: list[int]) -> None:
        """Store the folded text of these rows; rows that no longer exist leave the index. Idempotent.

        Entries are upserted (``INSERT … ON CONFLICT DO UPDATE``), so two workers indexing the same row at once
        both succeed, whichever writes last; on PostgreSQL the chunk's new words join the vocabulary.
        """
        model = MODELS[doc_type]
        for start in range(0, len(ids), CHUNK):
            chunk = list(dict.fromkeys(ids[start:start + CHUNK]))
            rows = model._default_manager.filter(pk__in=chunk).values_list("pk", *FIELDS[doc_type])
            bodies = {row[0]: index_body(*row[1:]) for row in rows}
            with transaction.atomic():
                self.delete(doc_type, [pk for pk in chunk if pk not in bodies])
                SearchEntry.objects.bulk_create(
                    [SearchEntry(doc_type=doc_type, doc_id=pk, body=body) for pk, body in bodies.items()],
                    update_conflicts=True, unique_fields=["doc_type", "doc_id"], update_fields=["body"])
                if connection.vendor == "sqlite":
                    entries = SearchEntry.objects.filter(doc_type=doc_type, doc_id__in=list(bodies))
                    self._fts_replace(list(entries.values_list("pk", "body")))
                else:
                    self._add_words(bodies.values())

    @staticmethod
    def _add_words(bodies: Iterable[str]) -> None:
        """Add the bodies' words to the vocabulary typos are corrected against (PostgreSQL).

        Words with a digit (prices, phone numbers, references) and words under three letters are left out: no
        one misspells them in a way worth correcting, and they would swell the vocabulary. Inserted in sorted
        order, so that two workers adding overlapping words cannot deadlock.
        """
        words = sorted({word for body in bodies for word in body.split()
                        if 3 <= len(word) <= MAX_WORD and not any(c.isdigit() for c in word)})
        if words:
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO search_searchword (word) SELECT unnest(%s::text[]) "
                               "ON CONFLICT DO NOTHING", [words])

    def rebuild(self, progress: bool = False) -> int:
        """Re-index every row in place (searches go on meanwhile), then drop entries whose row is gone."""
        done = super().rebuild(progress=progress)
        for doc_type, model in MODELS.items():
            # NOT EXISTS (an anti-join), not NOT IN: PostgreSQL plans NOT IN over a million ids as a nested loop.
            gone = SearchEntry.objects.filter(doc_type=doc_type).exclude(
                Exists(model._default_manager.filter(pk=OuterRef("doc_id"))))
            self.delete(doc_type, list(gone.values_list("doc_id", flat=True)))
        return done

    # --- reconciling ---------------------------------------------------------------------------------------

    def indexed_digests(self, doc_type: str) -> dict[int, str]:
        """Every indexed id of ``doc_type`` with the digest of the body stored for it."""
        entries = SearchEntry.objects.filter(doc_type=doc_type).values_list("doc_id", "body")
        return {doc_id: body_digest(body) for doc_id, body in entries.iterator(chunk_size=CHUNK * 4)}

    @staticmethod
    def database_digests(doc_type: str) -> dict[int, str]:
        """Every row id of ``doc_type`` with the digest of the body it would be indexed with now."""
        rows = MODELS[doc_type]._default_manager.values_list("pk", *FIELDS[doc_type])
        return {row[0]: body_digest(index_body(*row[1:])) for row in rows.iterator(chunk_size=CHUNK * 4)}

    def delete(self, doc_type: str, ids: list[int]) -> None:
        if not ids:
            return
        entries = SearchEntry.objects.filter(doc_type=doc_type, doc_id__in=ids)
        if connection.vendor == "sqlite":
            self._fts_delete(list(entries.values_list("pk", flat=True)))
        entries.delete()

    def _fts_delete(self, entry_ids: list[int]) -> None:
        with connection.cursor() as cursor:
            for start in range(0, len(entry_ids), CHUNK):
                chunk = entry_ids[start:start + CHUNK]
                marks = ",".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({marks})", chunk)  # noqa: S608 (placeholders)

    def _fts_replace(self, rows: list[tuple[int, str]]) -> None:
        self._fts_delete([pk for pk, _ in rows])
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO search_fts(rowid, body) VALUES (%s, %s)", rows)

    # --- matching ------------------------------------------------------------------------------------------

    @cached_property
    def trigram(self) -> bool:
        """Whether pg_trgm is installed; without it misspelt words are not corrected."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            found = cursor.fetchone() is not None
        if not found:
            logger.warning("search: pg_trgm is not installed; misspelt words are not corrected")
        return found

    def _correctable(self, parsed: ParsedQuery) -> bool:
        """Plain words (no phrase), on PostgreSQL with pg_trgm: what a typo correction applies to."""
        return (connection.vendor == "postgresql" and bool(parsed.words) and not parsed.phrases
                and not parsed.variants and self.trigram)

    def _corrected(self, parsed: ParsedQuery) -> ParsedQuery | None:
        """``parsed`` with each word's closest indexed words as its variants; ``None`` when none is found.

        One nearest-neighbour scan of the trigram index over the vocabulary per word (``<->`` is the trigram
        distance; ``%`` keeps words above pg_trgm's similarity threshold).
        """
        variants = []
        with connection.cursor() as cursor:
            for word in parsed.words:
                cursor.execute("SELECT word FROM search_searchword WHERE word %% %s ORDER BY word <-> %s, word "
                               "LIMIT %s", [word, word, CORRECTIONS])
                variants.append(tuple(dict.fromkeys([word, *(found for found, in cursor.fetchall())])))
        if all(len(options) == 1 for options in variants):
            return None
        return replace(parsed, variants=tuple(variants))

    def _where(self, parsed: ParsedQuery) -> tuple[str, list[Any]]:
        """A condition on ``search_searchentry`` selecting the entries that match ``parsed``, and its params."""
        if connection.vendor == "sqlite":
            return "id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)", [self._fts_expression(parsed)]
        return "document @@ to_tsquery('simple', %s)", [self._tsquery(parsed)]

    def _scored(self, doc_type: str, parsed: ParsedQuery) -> tuple[str, list[Any]]:
        """``SELECT doc_id, score`` of the entries of ``doc_type`` matching ``parsed``: BM25 on SQLite (FTS5's
        auxiliary function, only valid in a query on the FTS table itself), ts_rank (+ trigram similarity for an
        approximate query) on PostgreSQL. The type reaches PostgreSQL as a value in the statement (Django binds
        parameters on the client), which is what lets the planner read the text index of that type's entries
        alone (migration search/0003); a generic plan of a prepared statement could not."""
        if connection.vendor == "sqlite":
            return ("SELECT e.doc_id AS doc_id, -bm25(search_fts) AS score FROM search_fts "
                    "JOIN search_searchentry e ON e.id = search_fts.rowid "
                    "WHERE search_fts MATCH %s AND e.doc_type = %s", [self._fts_expression(parsed), doc_type])
        where, where_params = self._where(parsed)
        sql = (f"SELECT doc_id, ts_rank(document, to_tsquery('simple', %s)) AS score "  # noqa: S608 (constant)
               f"FROM search_searchentry WHERE doc_type = %s AND {where}")
        return sql, [self._tsquery(parsed), doc_type, *where_params]

    def _ranked(self, viewer: Viewer, doc_type: str, parsed: ParsedQuery, filters: SearchFilters,
                species_ids: list[int], identified: tuple[str, list[Any]] | None) -> tuple[str, list[Any]] | None:
        """``SELECT doc_type, doc_id, score`` of the visible matches of one type, as SQL and params.

        The visible, filtered rows are joined to the matches — the scored entries, plus the documents of the
        species or identifier the text names (scoring 1 when the text itself does not match them) — so the text
        is matched once and the database can start from the matches, however many rows are visible. ``None``
        when the policy or the filters leave nothing to match.
        """
        model = MODELS[doc_type]
        filtered = self._filter(viewer, doc_type, filters)

        def build(who: Viewer) -> models.QuerySet[Any]:
            base = model._default_manager.order_by()
            return visible(who, base if filtered is None else base.filter(filtered))

        extra = self._extra(doc_type, species_ids, identified)
        real = "double precision" if connection.vendor == "postgresql" else "REAL"
        try:
            if parsed.empty:
                if species_ids or identified is not None:  # the text names a species or an identifier, nothing else
                    if extra is None:
                        return None
                    named = RawSQL(*extra)  # noqa: S611 (``_extra``'s SQL: constants, the text bound as parameters)
                    sql, params = build(viewer).filter(pk__in=named).values(doc_id=F("pk")).query.sql_with_params()
                else:
                    sql, params = build(viewer).values(doc_id=F("pk")).query.sql_with_params()
                score = "1.0" if extra is not None else "0.0"
                return (f"SELECT %s AS doc_type, v.doc_id AS doc_id, CAST({score} AS {real}) AS score "  # noqa: S608
                        f"FROM ({sql}) v", [doc_type, *params])
            if filtered is None:  # the viewer's visible rows alone: kept compiled per process (``access.prepared``)
                sql, params = prepared.sql(viewer, model, ("search", doc_type),
                                           lambda who: build(who).values(doc_id=F("pk")))
            else:
                sql, params = build(viewer).values(doc_id=F("pk")).query.sql_with_params()
            scored, scored_params = self._scored(doc_type, parsed)
            if extra is not None:
                extra_sql, extra_params = extra
                scored = ("SELECT m.doc_id, COALESCE(MAX(CASE WHEN m.text = 1 THEN m.score END), 1.0) AS score "  # noqa: S608
                          f"FROM (SELECT t.doc_id, t.score, 1 AS text FROM ({scored}) t UNION ALL "
                          f"SELECT e.doc_id, 0.0, 0 FROM ({extra_sql}) e) m GROUP BY m.doc_id")
                scored_params = [*scored_params, *extra_params]
        except EmptyResultSet:
            return None
        return (f"SELECT %s AS doc_type, v.doc_id AS doc_id, CAST(s.score AS {real}) AS score "  # noqa: S608
                f"FROM ({sql}) v JOIN ({scored}) s ON s.doc_id = v.doc_id",
                [doc_type, *params, *scored_params])

    @staticmethod
    def _extra(doc_type: str, species_ids: list[int],
               identified: tuple[str, list[Any]] | None) -> tuple[str, list[Any]] | None:
        """What the text names besides its words, as ``SELECT doc_id``: the species' cases and listings, the
        identified entities."""
        if species_ids and doc_type in ("case", "listing"):
            species = MODELS[doc_type]._default_manager.order_by().filter(species__in=species_ids)
            sql, params = species.values(doc_id=F("pk")).query.sql_with_params()
            return sql, list(params)
        if identified is not None and doc_type == "entity":
            return identified
        return None

    @staticmethod
    def _fts_expression(parsed: ParsedQuery) -> str:
        """FTS5 syntax: every word and every quoted phrase must occur (words are ``[a-z0-9]+``: no escaping)."""
        return " ".join(f'"{" ".join(p)}"' for p in (*((w,) for w in parsed.words), *parsed.phrases))

    @staticmethod
    def _tsquery(parsed: ParsedQuery) -> str:
        """``tsquery`` syntax (words are folded ``[^\\W_]+`` tokens: no quote to escape); a word with variants
        matches any of them."""
        words = [" | ".join(f"'{v}'" for v in options) for options in parsed.variants] or [
            f"'{w}'" for w in parsed.words]
        return " & ".join([f"({w})" for w in words]
                          + ["(" + " <-> ".join(f"'{w}'" for w in p) + ")" for p in parsed.phrases])

    @staticmethod
    def _species(text: str, fingerprint: str | None = None) -> Species:
        """The species whose listings and cases the query adds: the one its words name as a whole (misspelt
        or not), never one that merely resembles a word of it ("south", "feather").

        The matcher built last is used as it is, and the search statement reads the species tables' fingerprint
        to tell whether it was current (``search``): no statement of its own. Before the first build, or with
        the ``fingerprint`` the statement read, the matcher is made current here.
        """
        if not text.strip():
            return Species(ids=[])
        cached = cached_index() if fingerprint is None else None
        if cached is None:
            species_id = species_named_by(text, get_text_index(get_index(fingerprint)))
            return Species(ids=[] if species_id is None else [species_id])
        species_id = species_named_by(text, get_text_index(cached[1]))
        return Species(ids=[] if species_id is None else [species_id], fingerprint=cached[0],
                       fingerprint_sql=fingerprint_sql())

    @staticmethod
    def _identified(viewer: Viewer, text: str, parsed: ParsedQuery) -> Identified:
        """The entities the text is an identifier of (read as ``viewer`` types it, ``search.identifiers``), as a
        subquery of the search statement, which also returns their ids (for the hits the caller records).

        A text without a word matches by what it names alone, and names nothing when no entity has its key (it is
        then an empty query, which every visible document matches): only then are they read before the search.
        """
        if not text.strip():
            return Identified(None, [])
        found = identifier_select(viewer, text)
        if found is None:
            return Identified(None, [])
        if not parsed.empty:
            return Identified(found, None)
        with connection.cursor() as cursor:
            cursor.execute(*found)
            ids = [pk for pk, in cursor.fetchall()]
        if not ids:
            return Identified(None, ids)
        sql, params = Entity.objects.filter(pk__in=ids).values(doc_id=F("pk")).query.sql_with_params()
        return Identified((sql, list(params)), ids)

    @staticmethod
    def _types(filters: SearchFilters) -> list[str]:
        return filters.types_searched(DOCUMENT_TYPES)

    def _listings(self, viewer: Viewer, filters: SearchFilters) -> models.QuerySet[Listing]:
        """The visible listings the filters keep (what trends and top keywords count)."""
        listings = Listing.objects.order_by()
        filtered = self._filter(viewer, "listing", filters)
        if filtered is not None:
            listings = listings.filter(filtered)
        return visible(viewer, listings)

    def _filter(self, viewer: Viewer, doc_type: str, filters: SearchFilters) -> Q | None:
        """Filters as a ``Q``; an entity is filtered through the visible claims on it, never through others."""
        if doc_type == "entity":
            claims = self._case_filter("case__", "entity", filters)
            if claims is None:
                return None
            return Q(pk__in=visible(viewer, CaseEntity.objects.filter(claims)).values("entity_id"))
        return self._case_filter(CASE_PATH[doc_type], doc_type, filters)

    @staticmethod
    def _case_filter(path: str, doc_type: str, f: SearchFilters) -> Q | None:
        parts: list[Q] = []
        own = "" if doc_type == "listing" else path
        if f.species_ids:
            parts.append(Q(**{f"{own}species__in": f.species_ids}))
        if f.platform_codes:
            field = "platform__code__in" if doc_type == "listing" else f"{path}platforms__code__in"
            parts.append(Q(**{field: f.platform_codes}))
        if f.platform_kinds:
            field = "platform__platform_kind__in" if doc_type == "listing" else f"{path}platforms__platform_kind__in"
            parts.append(Q(**{field: f.platform_kinds}))
        if doc_type == "listing":
            for values, field in ((f.specimen_types, "specimen_type"), (f.claimed_legalities, "claimed_legality"),
                                  (f.legality_verifications, "legality_verified")):
                if values:
                    parts.append(Q(**{f"{field}__in": values}))
        if f.statuses:
            parts.append(Q(**{f"{own}status__in": f.statuses}))
        if f.agency_codes:
            parts.append(Q(**{f"{path}owner_agency__code__in": f.agency_codes}))
        for codes, field in ((f.countries, "jurisdiction_key"), (f.cites_appendices, "appendix_key")):
            if codes:
                any_of = Q(pk__in=[])
                for code in codes:
                    any_of |= Q(**{f"{path}{field}__contains": f",{code},"})
                parts.append(any_of)
        date = {"listing": "first_seen_at", "entity": "created_at"}.get(doc_type, "created_at")
        if f.date_from:
            parts.append(Q(**{f"{date}__gte": f.date_from}))
        if f.date_to:
            parts.append(Q(**{f"{date}__lt": f.date_to}))
        if not parts:
            return None
        combined = Q()
        for part in parts:
            combined &= part
        if doc_type == "entity":
            return combined
        return Q(pk__in=MODELS[doc_type]._default_manager.filter(combined).values("pk"))

    # --- shaping -------------------------------------------------------------------------------------------

    @staticmethod
    def _hits(page: list[tuple[float, str, int]], found: Found, parsed: ParsedQuery | None) -> list[SearchHit]:
        """The page as hits, each field of a hit that contains a term highlighted (``parsed``: ``None`` for none),
        with its object when the statement read it (the matches it was among are the policy's)."""
        hits = []
        terms = parsed.terms if parsed is not None else set()
        for score, doc_type, pk in page:
            marks: dict[str, list[str]] = {}
            for name, value in found.texts.get((doc_type, pk), {}).items() if terms else ():
                snippet = highlight(value or "", terms)
                if snippet:
                    marks[name] = [snippet]
            hits.append(SearchHit(type=doc_type, id=pk, score=score, highlights=marks,
                                  object=found.objects.get((doc_type, pk))))
        return hits
