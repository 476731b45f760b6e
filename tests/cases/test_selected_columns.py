"""A list loads the columns its selection reads, and whole rows when a field's resolver may read anything."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case, Listing

from .test_query_counts import populate

pytestmark = pytest.mark.django_db

PURPOSE = {"HTTP_X_WILDNET_PURPOSE": "investigation"}


def statements_on(queries: CaptureQueriesContext, table: str) -> list[str]:
    """The statements that load rows of ``table`` (their first column is its key)."""
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith(f'SELECT "{table}"."id", ')]


@pytest.fixture
def three_cases(demo: Any, species: Any) -> None:
    populate(3, species)


def run(gql: Any, query: str, variables: dict[str, Any] | None = None) -> tuple[dict[str, Any], CaptureQueriesContext]:
    gql.login("inv.ofb")
    with CaptureQueriesContext(connection) as queries:
        data = gql(query, variables or {}, **PURPOSE)
    return data, queries


def test_a_page_of_cases_and_listings_reads_only_the_selected_columns(gql: Any, three_cases: None) -> None:
    data, queries = run(gql, "{ cases(first: 100) { edges { node { id reference listings { url status } } } } }")
    [cases] = statements_on(queries, Case._meta.db_table)
    [listings] = statements_on(queries, Listing._meta.db_table)
    assert '"reference"' in cases and '"summary"' not in cases and '"owner_agency_id"' in cases
    assert '"url"' in listings and '"text"' not in listings and '"case_id"' in listings
    urls = {e["node"]["reference"]: sorted(item["url"] for item in e["node"]["listings"])
            for e in data["cases"]["edges"]}
    expected = {case.reference: sorted(case.listings.values_list("url", flat=True))
                for case in Case.objects.filter(reference__in=urls)}
    assert urls == expected and any(urls.values())


def test_a_field_with_a_resolver_of_its_own_loads_whole_rows(gql: Any, three_cases: None) -> None:
    data, queries = run(gql, "{ cases(first: 5) { edges { node { reference canEdit } } } }")
    [cases] = statements_on(queries, Case._meta.db_table)
    assert '"summary"' in cases
    assert all(isinstance(e["node"]["canEdit"], bool) for e in data["cases"]["edges"])


def test_fields_in_fragments_and_conditional_fields_are_loaded(gql: Any, three_cases: None) -> None:
    query = """query ($withText: Boolean!) { cases(first: 100) { edges { node { reference
        listings { ...Advert text @include(if: $withText) } } } } }
      fragment Advert on Listing { title }"""
    data, queries = run(gql, query, {"withText": True})
    [listings] = statements_on(queries, Listing._meta.db_table)
    assert '"title"' in listings and '"text"' in listings
    texts = {item["text"] for e in data["cases"]["edges"] for item in e["node"]["listings"]}
    assert texts == set(Listing.objects.filter(case__reference__in=[e["node"]["reference"]
                                                                    for e in data["cases"]["edges"]])
                        .values_list("text", flat=True))
    _, queries = run(gql, query, {"withText": False})
    [listings] = statements_on(queries, Listing._meta.db_table)
    assert '"title"' in listings and '"text"' not in listings


def test_only_rows_without_union_or_select_related_are_narrowed() -> None:
    from api.selection import narrowable

    assert narrowable(Case.objects.filter(year=2026))
    assert not narrowable(Case.objects.values("pk"))
    assert not narrowable(Case.objects.filter(year=2026).union(Case.objects.filter(year=2025)))
    assert not narrowable(Case.objects.select_related("owner_agency"))
    assert not narrowable([])
