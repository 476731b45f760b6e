"""Case intelligence connections cost a fixed number of SQL queries for 1, 10 or 100 items."""

from __future__ import annotations

from typing import Any

import pytest

from access.policy import viewer_for
from cases import actions
from officers.models import Officer

pytestmark = pytest.mark.django_db

SIZES = [1, 10, 100]
AUTH = 1  # the session with its officer, their agency and its mandates in force
#: After the response, the access audit asks which of the cases read belong to another agency — unless every
#: case read was itself in the response (then the cases said it), as in the lists below; see the last test.
READ_AUDIT = 0


def populate(n: int, species: dict[str, Any]) -> None:
    """``n`` cases of inv.ofb, each with a species, one listing (with its seller and species) and one phone
    claim."""
    officer = Officer.objects.get(username="inv.ofb")
    viewer = viewer_for(officer)
    elephant = species["Loxodonta africana"].pk
    for i in range(n):
        case = actions.create_case(viewer, actions.CaseInput(title=f"Case {i}", jurisdictions=["FR"],
                                                             team_ids=[officer.pk], species_ids=[elephant]))
        actions.add_listing(viewer, case, actions.ListingInput(url=f"https://www.leboncoin.fr/ad/{i}",
                                                               seller=f"seller{i}", price="10", currency="EUR",
                                                               species_ids=[elephant]))
        actions.link_entity(viewer, case, actions.ClaimInput(kind="phone", value=f"+3361234{i:04d}", role="seller"))


@pytest.mark.parametrize("n", SIZES)
def test_case_list_with_nested_listings_and_entities(gql: Any, demo: Any, django_assert_num_queries: Any,
                                                     species: Any, n: int) -> None:
    populate(n, species)
    query = """{ cases(first: 100) { totalCount edges { node { reference ownerAgency { code } leadOfficer { username }
      team { username } species { scientificName } platforms { code }
      listings { url platform { code } seller { normalised } species { scientificName } }
      entityLinks { role entity { kind normalised } } } } } }"""
    gql.login("inv.ofb")
    # the page with its count; then, per execution round, one batched query per loader: team (through +
    # officers), species (through + rows), platforms (through; no rows), listings, claims; agencies (listing
    # platforms), entities (sellers and claimed entities share one loader), listing species (through + rows).
    # The owner agency is the officer's own, loaded with them: the agency loader has it in hand. One case's
    # listings and claims read their platforms and entities in their own statements (``api.loaders.children``;
    # the sellers are claimed, so the entity loader has them from the claims).
    with django_assert_num_queries(READ_AUDIT + AUTH + 1 + (9 if n == 1 else 11)):
        data = gql(query)
    assert data["cases"]["totalCount"] == n
    assert all(len(e["node"]["listings"]) == 1 and len(e["node"]["entityLinks"]) == 2
               for e in data["cases"]["edges"])


def test_a_field_that_a_variable_includes_is_read_with_its_list_in_every_request(
        gql: Any, demo: Any, species: Any, django_assert_num_queries: Any) -> None:
    """The columns a list loads are kept with a kept document only when no ``@include`` or ``@skip`` of it reads
    a variable (``api.selection.subfields_of``): the same document, asked without the listings' titles and then
    with them, reads them with the list each time it asks, never a statement per listing for a deferred
    column."""
    populate(10, species)
    gql.login("inv.ofb")
    query = """query Q($full: Boolean!) { cases(first: 100) { edges { node { reference
      listings { url title @include(if: $full) } } } } }"""
    for full in (False, True, False, True):
        with django_assert_num_queries(READ_AUDIT + AUTH + 1 + 1):  # the page, the listings
            data = gql(query, {"full": full})
        listings = [listing for edge in data["cases"]["edges"] for listing in edge["node"]["listings"]]
        assert len(listings) >= 10 and all(("title" in listing) is full for listing in listings)


@pytest.mark.parametrize("n", SIZES)
def test_listing_list(gql: Any, demo: Any, species: Any, django_assert_num_queries: Any, n: int) -> None:
    populate(n, species)
    query = """{ listings(first: 100) { totalCount edges { node { url price case { reference }
      platform { code } seller { normalised } species { scientificName } } } } }"""
    gql.login("inv.ofb")
    # the page with its count, cases, platforms, sellers, species (through + rows)
    with django_assert_num_queries(READ_AUDIT + AUTH + 1 + 5):
        data = gql(query)
    assert data["listings"]["totalCount"] == n


@pytest.mark.parametrize("n", SIZES)
def test_entity_list(gql: Any, demo: Any, species: Any, django_assert_num_queries: Any, n: int) -> None:
    populate(n, species)
    query = """{ entities(first: 100) { totalCount edges { node { kind normalised platform { code }
      claims { role case { reference } } } } } }"""
    gql.login("inv.ofb")
    with django_assert_num_queries(READ_AUDIT + AUTH + 1 + 3):  # the page with its count, platforms, claims, cases
        data = gql(query)
    assert data["entities"]["totalCount"] == 2 * n


def test_listings_read_without_their_case_cost_the_audit_one_question(gql: Any, demo: Any, species: Any,
                                                                       django_assert_num_queries: Any) -> None:
    populate(10, species)
    gql.login("inv.ofb")
    # which agency owns those listings' cases; the page with its count, …
    with django_assert_num_queries(1 + AUTH + 1 + 1):
        data = gql("{ listings(first: 100) { totalCount edges { node { url platform { code } } } } }")
    assert data["listings"]["totalCount"] == 10


def test_a_page_without_total_count_counts_nothing_and_pages_alike(gql: Any, demo: Any, species: Any) -> None:
    """Paging forwards without ``totalCount`` reads one row past the page instead of counting the list: the same
    pages, cursors and ``hasNextPage`` as with the count, one statement fewer."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    populate(7, species)
    gql.login("inv.ofb")
    page = "{ edges { cursor node { url } } pageInfo { hasNextPage endCursor } }"
    walks: dict[bool, list[tuple[list[tuple[str, str]], bool]]] = {}
    for counted in (True, False):
        selection = page.replace("{ edges", "{ totalCount edges") if counted else page
        walks[counted], after = [], None
        while True:
            with CaptureQueriesContext(connection) as queries:
                data = gql(f"query($after: String) {{ listings(first: 3, after: $after) {selection} }}",
                           {"after": after})["listings"]
            assert any("COUNT(" in q["sql"] for q in queries.captured_queries) is counted
            walks[counted].append(([(e["cursor"], e["node"]["url"]) for e in data["edges"]],
                                   data["pageInfo"]["hasNextPage"]))
            if not data["pageInfo"]["hasNextPage"]:
                break
            after = data["pageInfo"]["endCursor"]
    assert walks[True] == walks[False] and [more for _, more in walks[False]] == [True, True, False]
    every = [edge for edges, _ in walks[False] for edge in edges]
    offset = gql("{ listings(first: 2, offset: 5) { edges { cursor node { url } } pageInfo { hasNextPage } } }")
    assert [(e["cursor"], e["node"]["url"]) for e in offset["listings"]["edges"]] == every[5:7]
    assert offset["listings"]["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize("n", SIZES)
def test_listing_list_with_suggested_species(gql: Any, demo: Any, species: Any, django_assert_num_queries: Any,
                                             n: int) -> None:
    viewer = viewer_for(Officer.objects.get(username="inv.ofb"))
    case = actions.create_case(viewer, actions.CaseInput(title="Reptiles", jurisdictions=["FR"]))
    for i in range(n):
        actions.add_listing(viewer, case, actions.ListingInput(url=f"https://www.leboncoin.fr/ad/{i}",
                                                               title="Python royal", text="et un perroquet gris"))
    query = """{ listings(first: 100) { totalCount edges { node { url case { reference }
      suggestedSpecies { species { scientificName } span { source start end } score matchedName } } } } }"""
    gql.login("inv.ofb")
    # the page with its count, cases, suggestions, their species
    with django_assert_num_queries(READ_AUDIT + AUTH + 1 + 3):
        data = gql(query)
    assert all(len(e["node"]["suggestedSpecies"]) == 2 for e in data["listings"]["edges"])


def test_a_list_without_filter_arguments_answers_as_the_filterset_would(gql: Any, demo: Any, species: Any) -> None:
    """No filter argument: the filterset is not built (``PolicyConnectionField.resolve_queryset``); an empty one
    still goes through it, and every empty filter leaves the rows as they are. A filter still filters."""
    populate(3, species)
    gql.login("inv.ofb")
    page = "edges { node { reference } }"
    plain = gql(f"{{ cases(first: 50) {{ totalCount {page} }} }}")
    assert plain["cases"]["totalCount"] > 1
    assert gql(f'{{ cases(first: 50, search: "", orderBy: "") {{ totalCount {page} }} }}') == plain
    assert gql(f"{{ cases(first: 50, search: null, status: null) {{ totalCount {page} }} }}") == plain
    first = plain["cases"]["edges"][0]["node"]["reference"]
    assert gql(f'{{ cases(first: 50, search: "{first}") {{ totalCount {page} }} }}')["cases"] == {
        "totalCount": 1, "edges": [{"node": {"reference": first}}]}


AHEAD = """{ cases(first: 100) { edges { node { reference
  listings { url platform { code } seller { normalised } } entityLinks { role entity { normalised } } } } } }"""


def _fields_through_the_full_path(monkeypatch: Any) -> list[tuple[str, str]]:
    """The ``(type, field)`` of every field that goes through graphql-core's ``execute_field`` from now on."""
    from api.execution import BatchingExecutionContext

    executed: list[tuple[str, str]] = []
    full_path = BatchingExecutionContext.execute_field

    def spy(self: Any, parent_type: Any, source: Any, field_nodes: Any, path: Any) -> Any:
        executed.append((parent_type.name, field_nodes[0].name.value))
        return full_path(self, parent_type, source, field_nodes, path)

    monkeypatch.setattr(BatchingExecutionContext, "execute_field", spy)
    return executed


def test_the_foreign_keys_a_list_reads_are_loaded_ahead_and_answered_in_line(
        gql: Any, demo: Any, species: Any, django_assert_num_queries: Any, monkeypatch: Any) -> None:
    """A listing's platform and seller, a claim's entity: loaded in the round that loads the listings and
    claims (one batch per loader, sellers and claimed entities together), then completed without a resolver
    call, a resolve-info or a future each (``api.execution.ForeignField``), a listing without a seller or a
    platform too; the answer is the rows'."""
    from cases.models import CaseEntity, Listing

    populate(10, species)
    Listing.objects.filter(pk=Listing.objects.filter(url__endswith="/ad/3").get().pk).update(seller=None,
                                                                                            platform=None)
    gql.login("inv.ofb")
    executed = _fields_through_the_full_path(monkeypatch)
    with django_assert_num_queries(READ_AUDIT + AUTH + 1 + 4):  # the page; listings, claims; agencies, entities
        data = gql(AHEAD)
    assert not {("Listing", "platform"), ("Listing", "seller"), ("CaseEntity", "entity")} & set(executed)
    assert ("Case", "listings") in executed  # the lists themselves still go through their resolvers
    listings = {row.url: row for row in Listing.objects.select_related("platform", "seller")}
    claims = {(row.case.reference, row.entity.normalised) for row in CaseEntity.objects.select_related("case",
                                                                                                        "entity")}
    read = [e["node"] for e in data["cases"]["edges"]]
    assert sum(len(node["listings"]) for node in read) >= 10
    for node in read:
        for listing in node["listings"]:
            row = listings[listing["url"]]
            assert listing["platform"] == ({"code": row.platform.code} if row.platform else None)
            assert listing["seller"] == ({"normalised": row.seller.normalised} if row.seller else None)
        assert all((node["reference"], link["entity"]["normalised"]) in claims for link in node["entityLinks"])
    assert any(listing["seller"] is None and listing["platform"] is None
               for node in read for listing in node["listings"])


def test_a_foreign_key_loaded_ahead_that_the_policy_hides_answers_null_as_before(
        gql: Any, demo: Any, species: Any, django_assert_num_queries: Any, monkeypatch: Any) -> None:
    """Loading ahead goes through the same policy-checked loader: with the directory narrowed to the officer's
    own agency, every listing's platform is null, with the same statements, and the rest is unchanged; the
    null is answered in line, not by the field's resolver."""
    from django.db.models import Q

    from access.policy import register_visibility
    from agencies.models import Agency
    from agencies.rules import directory

    populate(10, species)
    gql.login("inv.ofb")
    visible = gql(AHEAD)
    platforms = {listing["platform"]["code"] for e in visible["cases"]["edges"] for listing in e["node"]["listings"]
                 if listing["platform"]}
    assert "pf-leboncoin" in platforms
    executed = _fields_through_the_full_path(monkeypatch)
    try:
        register_visibility(Agency)(lambda who: Q(code="fr-ofb"))
        with django_assert_num_queries(READ_AUDIT + AUTH + 1 + 4):
            hidden = gql(AHEAD)
    finally:
        register_visibility(Agency)(directory)
    assert ("Listing", "platform") not in executed
    listings = [listing for e in hidden["cases"]["edges"] for listing in e["node"]["listings"]]
    assert listings and all(listing["platform"] is None for listing in listings)
    for shown, refused in zip(visible["cases"]["edges"], hidden["cases"]["edges"], strict=True):
        assert [{**listing, "platform": None} for listing in shown["node"]["listings"]] == \
            refused["node"]["listings"]


DETAIL = """query($id: ID!) { node(id: $id) { ... on Case { reference
  listings { url platform { code } seller { normalised } } entityLinks { role entity { normalised } } } } }"""


def test_one_cases_lists_read_the_rows_the_policy_shows_with_them_in_their_own_statements(
        gql: Any, demo: Any, species: Any, django_assert_num_queries: Any, monkeypatch: Any) -> None:
    """A case detail's listings come with their platforms (every agency is visible) and its claims with their
    entities (the entity rule shows every entity that a visible claim names, ``register_visible_through``); the
    sellers are claimed, so the entity loader has them from the claims. A later app that replaces the entity
    rule is applied as it is: the entities are read by key through it again, and one it hides is refused; so is
    a directory narrowed to the officer's own agency (the platform is then null)."""
    from django.db.models import Q
    from graphql_relay import to_global_id

    from access.policy import register_visibility
    from agencies.models import Agency
    from agencies.rules import directory
    from cases.models import Case, Entity
    from cases.rules import entities

    populate(3, species)
    case = Case.objects.get(listings__url__endswith="/ad/1")
    variables = {"id": to_global_id("Case", case.pk)}
    gql.login("inv.ofb")
    executed = _fields_through_the_full_path(monkeypatch)
    with django_assert_num_queries(READ_AUDIT + AUTH + 3):  # the case; listings, claims
        before = gql(DETAIL, variables)["node"]
    assert not {("Listing", "platform"), ("Listing", "seller"), ("CaseEntity", "entity")} & set(executed)
    assert before["listings"] == [{"url": "https://www.leboncoin.fr/ad/1", "platform": {"code": "pf-leboncoin"},
                                   "seller": {"normalised": "pf-leboncoin:seller1"}}]
    assert sorted(link["entity"]["normalised"] for link in before["entityLinks"]) == [
        "+33612340001", "pf-leboncoin:seller1"]
    sellers = "query($id: ID!) { node(id: $id) { ... on Case { listings { seller { normalised } } } } }"
    try:
        register_visibility(Entity)(lambda who: entities(who))
        with django_assert_num_queries(READ_AUDIT + AUTH + 4):  # the case; listings, claims; entities by key
            assert gql(DETAIL, variables)["node"] == before
        register_visibility(Entity)(lambda who: entities(who) & ~Q(normalised="pf-leboncoin:seller1"))
        hidden = gql(sellers, variables)["node"]
    finally:
        register_visibility(Entity)(entities)
    assert hidden == {"listings": [{"seller": None}]}
    assert gql(sellers, variables)["node"] == {"listings": [{"seller": {"normalised": "pf-leboncoin:seller1"}}]}
    try:
        register_visibility(Agency)(lambda who: Q(code="fr-ofb"))
        with django_assert_num_queries(READ_AUDIT + AUTH + 4):  # the case; listings, claims; agencies by key
            narrowed = gql(DETAIL, variables)["node"]
    finally:
        register_visibility(Agency)(directory)
    assert narrowed == {**before, "listings": [{**before["listings"][0], "platform": None}]}


def test_a_filter_that_makes_the_list_distinct_counts_in_a_statement_of_its_own(
        gql: Any, demo: Any, species: Any, django_assert_num_queries: Any) -> None:
    """``COUNT(*) OVER ()`` runs before ``DISTINCT``: a list made distinct (the species filter joins through the
    case's species) is counted apart, and counts each case once."""
    populate(3, species)
    elephant = species["Loxodonta africana"].pk
    gql.login("inv.ofb")
    with django_assert_num_queries(READ_AUDIT + AUTH + 2):  # the page, then its count
        data = gql("query($s: Decimal) { cases(first: 2, species: $s) { totalCount edges { node { title } } } }",
                   {"s": elephant})
    assert data["cases"]["totalCount"] == 3
    assert len(data["cases"]["edges"]) == 2
