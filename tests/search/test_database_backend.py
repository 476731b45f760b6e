"""The contract suite on the database backend (SQLite FTS5 or PostgreSQL, whichever DATABASE_URL names)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction

from access.policy import viewer_for
from cases import actions as case_actions
from cases.models import Listing
from officers.models import Officer
from outbox.actions import deliver_due
from outbox.models import MessageStatus, OutboxMessage
from search.backends import statement
from search.backends.base import DOCUMENT_TYPES, SearchBackend, SearchQuery
from search.backends.database import MODELS, DatabaseBackend
from search.models import SearchWord
from search.text import parse

from .contract import SearchContract, World, build_world

#: The database backend itself, whichever backend the pass configures.
pytestmark = pytest.mark.usefixtures("database_search")

#: See the docstring of ``test_a_search_is_one_statement_after_the_mandates``.
STATEMENTS = 1 + 1


class TestDatabaseBackend(SearchContract):
    @pytest.fixture
    def backend(self) -> SearchBackend:
        return DatabaseBackend()

    def reindex(self) -> None:
        """The production path: drain the outbox rows the writes left, which index through the backend."""
        deliver_due(limit=10_000)
        assert not OutboxMessage.objects.filter(topic="search.index").exclude(status=MessageStatus.DONE).exists()

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm fuzzy terms are PostgreSQL's")
    def test_a_misspelt_word_matches_approximately_when_nothing_matches_exactly(self, backend: SearchBackend,
                                                                              world: World) -> None:
        assert ("listing", world.en.pk) in self.found(backend, "inv.ofb", "genuinne")
        assert ("listing", world.en.pk) not in self.found(backend, "inv.ofb", "ivory genuinne colmillos")


@pytest.fixture
def world_with_listings(demo: Any) -> Callable[[int], World]:
    """The contract's world plus ``n`` more matching listings in OFB's case, indexed through the outbox."""

    def build(n: int) -> World:
        world = build_world()
        inv = viewer_for(Officer.objects.select_related("agency").get(username="inv.ofb"), purpose="investigation")
        for i in range(n):
            case_actions.add_listing(inv, world.case, case_actions.ListingInput(
                url=f"https://www.leboncoin.fr/ad/{100 + i}", title=f"Ivoire lot {i}", text="Pièces en ivoire",
                platform_id=world.fr.platform_id))
        deliver_due(limit=10_000)
        return world

    return build


@pytest.mark.parametrize("highlight", [False, True])
@pytest.mark.parametrize("extra", [0, 60])
def test_a_search_is_one_statement_after_the_mandates(
        world_with_listings: Any, extra: int, highlight: bool, django_assert_num_queries: Any) -> None:
    """The page, its texts to highlight, the total and the facets are one statement, whatever the matches.

    Statements (after a first search has built the species matcher): the viewer's mandates (once per request:
    the policy is built from them) and the search itself, where each type's visible matches are computed once
    and read by the page, the counts and the facets, and which reads the species tables' fingerprint too (the
    matcher's freshness check). 60 more matching listings cost no extra statement, nor does highlighting.
    """
    backend = DatabaseBackend()
    world_with_listings(extra)
    query = SearchQuery(text="ivoire", first=20, highlight=highlight)
    backend.search(viewer_for(Officer.objects.select_related("agency").get(username="inv.ofb")), query)
    viewer = viewer_for(Officer.objects.select_related("agency").get(username="inv.ofb"), purpose="investigation")
    with django_assert_num_queries(STATEMENTS):
        result = backend.search(viewer, query)
    assert result.total == 2 + extra
    assert len(result.hits) == min(20, 2 + extra)
    assert {f.value: f.count for f in result.facets["type"]} == {"case": 1, "listing": 1 + extra}
    assert all(hit.highlights for hit in result.hits) is highlight


def test_a_walk_without_count_pages_alike_and_counts_nothing(world_with_listings: Any,
                                                             django_assert_num_queries: Any) -> None:
    """An export walks every page with ``count=False``: the same pages, and each costs the search statement
    alone (the viewer's mandates are read once per request, by the first page); on PostgreSQL the same
    statement also says whether anything matches at all, which decides whether approximate matching applies."""
    world_with_listings(30)
    backend = DatabaseBackend()
    viewer = viewer_for(Officer.objects.select_related("agency").get(username="inv.ofb"), purpose="investigation")
    counted = SearchQuery(text="ivoire", first=7, highlight=False)
    walk = SearchQuery(text="ivoire", first=7, highlight=False, facets=False, count=False)
    backend.search(viewer, walk)  # warms the species matcher
    pages: dict[bool, list[tuple[str, int]]] = {True: [], False: []}
    for query in (counted, walk):
        after = None
        while True:
            if query.count:
                result = backend.search(viewer, replace(query, after=after))
            else:
                with django_assert_num_queries(1):
                    result = backend.search(viewer, replace(query, after=after))
                assert result.total is None
            pages[query.count] += [(hit.type, hit.id) for hit in result.hits]
            if result.next_cursor is None:
                break
            after = result.next_cursor
    assert pages[True] == pages[False] and len(pages[True]) == 32


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the vocabulary of typo corrections is PostgreSQL's")
def test_a_typo_is_corrected_against_the_indexed_words(world_with_listings: Any) -> None:
    """Indexing keeps the words (not numbers, not one- or two-letter words); a misspelt word stands for its
    nearest indexed words, so ``ivoir`` finds what ``ivoire`` finds (and what ``ivory`` finds: it is close
    too) — and only what the viewer may see."""
    world = world_with_listings(0)
    words = set(SearchWord.objects.values_list("word", flat=True))
    assert {"ivoire", "genuine", "colmillos"} <= words
    assert not {w for w in words if len(w) < 3 or any(c.isdigit() for c in w)}
    viewer = viewer_for(Officer.objects.select_related("agency").get(username="inv.ofb"), purpose="investigation")
    exact = DatabaseBackend().search(viewer, SearchQuery(text="ivoire"))
    typo = DatabaseBackend().search(viewer, SearchQuery(text="ivoir"))
    assert {(h.type, h.id) for h in typo.hits} >= {(h.type, h.id) for h in exact.hits} != set()
    assert ("case", world.hidden.pk) not in {(h.type, h.id) for h in typo.hits}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the tsvector's GIN indexes are PostgreSQL's")
@pytest.mark.parametrize("doc_type", DOCUMENT_TYPES)
def test_each_type_reads_the_text_index_of_its_own_entries(world_with_listings: Any, doc_type: str) -> None:
    """The text of each type is looked up in the index of that type's entries (the listings', or every other
    type's: migration search/0003), never in one over all entries: the planner must prove the index's predicate
    from the search's own condition, which it does only while the type is written into the statement."""
    world_with_listings(0)
    sql, params = DatabaseBackend()._scored(doc_type, parse("ivoire"))
    expected = "search_entry_document_listing" if doc_type == "listing" else "search_entry_document_other"
    with transaction.atomic(), connection.cursor() as cursor:
        # With this test's few rows the (type, id) index or a scan would be cheapest: both are taken out for the
        # length of the savepoint, so that the plan shows which text index the condition can use (none: a scan).
        cursor.execute("ALTER TABLE search_searchentry DROP CONSTRAINT search_entry_once")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (COSTS OFF) {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    assert f"Bitmap Index Scan on {expected}\n" in f"{plan}\n" and "Seq Scan" not in plan, plan


@pytest.mark.parametrize("objects", [False, True])
def test_the_hits_objects_are_the_rows_the_orm_reads(world_with_listings: Any, objects: bool) -> None:
    """Asked for, each hit carries its row as the statement read it: every field equal, of the same type (the
    price with its scale, aware date-times, JSON lists), as the ORM reads it — and only the viewer's rows.

    The empty text matches every visible document, so the page holds every type: cases, listings, entities and
    reports. Without ``objects`` no hit carries one (the caller loads them).
    """
    world = world_with_listings(0)
    Listing.objects.filter(pk=world.fr.pk).update(price=Decimal("1250.50"), currency="EUR")  # a price, as imported
    viewer = viewer_for(Officer.objects.select_related("agency").get(username="inv.ofb"), purpose="investigation")
    result = DatabaseBackend().search(viewer, SearchQuery(first=100, objects=objects))
    assert {hit.type for hit in result.hits} == {"case", "listing", "entity", "report"}
    assert ("case", world.hidden.pk) not in {(hit.type, hit.id) for hit in result.hits}
    if not objects:
        assert all(hit.object is None for hit in result.hits)
        return
    for hit in result.hits:
        model = type(hit.object)
        assert model is MODELS[hit.type] and hit.object.pk == hit.id
        fresh = model._default_manager.get(pk=hit.id)
        for concrete in model._meta.concrete_fields:
            read, expected = getattr(hit.object, concrete.attname), getattr(fresh, concrete.attname)
            assert (read, type(read), str(read)) == (expected, type(expected), str(expected)), concrete.name
    listing = next(hit.object for hit in result.hits if hit.type == "listing" and hit.id == world.fr.pk)
    assert str(listing.price) == "1250.50" and listing.first_seen_at.tzinfo is not None


def test_a_species_named_after_the_matcher_was_built_is_found_by_the_next_search(
        world_with_listings: Any) -> None:
    """No statement checks the species matcher before a search: the search statement reads the species tables'
    fingerprint, and a search made with an older matcher is made again with the current one — a name added a
    moment ago finds its species' listings and cases at once, as it did when the check came first."""
    world = world_with_listings(0)
    backend = DatabaseBackend()
    viewer = viewer_for(Officer.objects.select_related("agency").get(username="inv.ofb"), purpose="investigation")
    assert backend.search(viewer, SearchQuery(text="olifant")).total == 0  # builds the matcher
    world.elephant.names.create(name="Olifant", language="en", kind="common")
    found = {(hit.type, hit.id) for hit in backend.search(viewer, SearchQuery(text="olifant")).hits}
    assert found == {("case", world.case.pk), ("listing", world.fr.pk)}
    world.elephant.names.filter(name="Olifant").delete()
    assert backend.search(viewer, SearchQuery(text="olifant")).total == 0


def test_facets_count_the_best_ranked_matches_and_say_so_above_the_sample(
        world_with_listings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above ``FACET_SAMPLE`` visible matches of a type, its facets count its best-ranked ones only and say so
    (``partial_facets``: each count is then a lower bound); the total and the type facet still count every
    match, and only visible ones are ever counted (OCLAESP's leboncoin listing of "ivoire" is in no count)."""
    world_with_listings(10)
    viewer = viewer_for(Officer.objects.select_related("agency").get(username="inv.ofb"), purpose="investigation")
    query = SearchQuery(text="ivoire", first=3)
    full = DatabaseBackend().search(viewer, query)
    assert full.partial_facets == frozenset()
    counts = {name: {v.value: v.count for v in values} for name, values in full.facets.items()}
    assert counts["type"] == {"case": 1, "listing": 11} and counts["platform"] == {"pf-leboncoin": 11}
    monkeypatch.setattr(statement, "FACET_SAMPLE", 4)
    sampled = DatabaseBackend().search(viewer, query)
    assert sampled.total == full.total == 12 and sampled.hits == full.hits
    assert sampled.partial_facets == {"country", "cites_appendix", "status", "platform", "species"}
    counted = {name: {v.value: v.count for v in values} for name, values in sampled.facets.items()}
    assert counted["type"] == counts["type"]  # every match
    assert counted["platform"] == {"pf-leboncoin": 4}  # the 4 best listings
    assert sum(counted["status"].values()) == sum(counts["status"].values()) - (11 - 4)  # the case's and theirs
    for name, values in counted.items():
        assert all(n <= counts[name][value] for value, n in values.items()), name
