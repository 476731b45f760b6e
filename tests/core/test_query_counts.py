"""Every connection costs a fixed number of SQL queries, whatever the page size (no N+1).

Each case builds N rows (1, 10, 100), asks for the connection with its nested fields, and pins the number of
queries. The numbers are: session + officer lookup for the request, then the connection's page (which counts the
rows when ``totalCount`` is asked), then one batched query per nested loader.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from agencies.models import Agency, AgencyType, TaskForce, TaskForceMembership
from audit.actions import record
from mandates.models import Mandate
from officers.actions import issue_token
from officers.models import Officer, Role

pytestmark = pytest.mark.django_db

SIZES = [1, 10, 100]
#: The session with the signed-in officer (their agency, its mandates in force): one query before any resolver.
AUTH = 1


def make_agencies(n: int, coordinator: Officer) -> list[Agency]:
    parent = Agency.objects.create(code="fr-parent", name="Parent", country="FR",
                                   agency_type=AgencyType.WILDLIFE_AUTHORITY)
    return [Agency.objects.create(code=f"fr-unit-{i}", name=f"Unit {i}", country="FR", parent=parent,
                                  agency_type=AgencyType.POLICE) for i in range(n)]


@pytest.fixture
def coordinator(db: Any) -> Officer:
    home = Agency.objects.create(code="fr-home", name="Home", country="FR",
                                 agency_type=AgencyType.CITES_MANAGEMENT_AUTHORITY)
    return Officer.objects.create(username="coord", role=Role.NATIONAL_COORDINATOR, agency=home, clearance=3)


@pytest.mark.parametrize("n", SIZES)
def test_agencies(gql: Any, coordinator: Officer, django_assert_num_queries: Any, n: int) -> None:
    make_agencies(n, coordinator)
    gql.login(coordinator)
    with django_assert_num_queries(AUTH + 1 + 1):  # the page with its count, parents
        data = gql("{ agencies(first: 100) { totalCount edges { node { code parent { code } } } } }")
    assert data["agencies"]["totalCount"] == n + 2  # the units, their parent, the coordinator's agency


@pytest.mark.parametrize("n", SIZES)
def test_officers(gql: Any, coordinator: Officer, django_assert_num_queries: Any, n: int) -> None:
    for i in range(n - 1):
        Officer.objects.create(username=f"colleague{i}", role=Role.ANALYST, agency=coordinator.agency)
    gql.login(coordinator)
    with django_assert_num_queries(AUTH + 1):  # the page with its count; their agency is the coordinator's own, in hand
        data = gql("{ officers(first: 100) { totalCount edges { node { username agency { code } } } } }")
    assert data["officers"]["totalCount"] == n


def test_the_officers_own_agency_is_read_from_the_agency_loader_only_while_the_directory_shows_every_agency(
        gql: Any, coordinator: Officer, django_assert_num_queries: Any) -> None:
    """The signed-in officer's agency, loaded with them, answers ``agency`` without a statement; another agency
    is read; and were the directory narrowed, the agency in hand would be checked like any other."""
    from django.db.models import Q

    from access.policy import register_visibility
    from agencies.rules import directory
    from api.loaders import by_id

    now = timezone.now()
    for agency in [coordinator.agency, *make_agencies(1, coordinator)]:
        Mandate.objects.create(agency=agency, legal_basis="b", legal_reference="r", jurisdictions=["FR"],
                               crime_areas=["online_trade"], cites_appendices=["I"], purposes=["investigation"],
                               max_classification=1, valid_from=now, valid_until=now + datetime.timedelta(days=9),
                               granted_by=coordinator)
    gql.login(coordinator)
    query = "{ mandates(first: 10) { edges { node { agency { code } } } } }"
    with django_assert_num_queries(AUTH + 1 + 1):  # the page (short: no count), the other agency
        data = gql(query)
    assert sorted(e["node"]["agency"]["code"] for e in data["mandates"]["edges"]) == ["fr-home", "fr-unit-0"]
    officer = Officer.objects.select_related("agency").get(pk=coordinator.pk)

    def request() -> SimpleNamespace:
        return SimpleNamespace(context=SimpleNamespace(user=officer, headers={}))

    with django_assert_num_queries(0):
        assert by_id(request(), Agency).load(coordinator.agency_id).result() == coordinator.agency
    try:
        register_visibility(Agency)(lambda who: Q(code="fr-unit-0"))
        info = request()
        with django_assert_num_queries(1):
            home = by_id(info, Agency).load(coordinator.agency_id)
            by_id(info, Agency).dispatch_queue()
        assert home.result() is None
    finally:
        register_visibility(Agency)(directory)


@pytest.mark.parametrize("n", SIZES)
def test_mandates(gql: Any, coordinator: Officer, django_assert_num_queries: Any, n: int) -> None:
    now = timezone.now()
    for agency in make_agencies(n, coordinator):
        Mandate.objects.create(agency=agency, legal_basis="b", legal_reference="r", jurisdictions=["FR"],
                               crime_areas=["online_trade"], cites_appendices=["I"], purposes=["investigation"],
                               max_classification=1, valid_from=now, valid_until=now + datetime.timedelta(days=9),
                               granted_by=coordinator)
    gql.login(coordinator)
    query = """{ mandates(first: 100) { totalCount edges { node { state inForce canChangeStatus
                 agency { code parent { code } } grantedBy { username } } } } }"""
    with django_assert_num_queries(AUTH + 1 + 3):  # the page with its count, agencies, parents, granting officers
        data = gql(query)
    assert data["mandates"]["totalCount"] == n


@pytest.mark.parametrize("n", SIZES)
def test_task_forces(gql: Any, coordinator: Officer, django_assert_num_queries: Any, n: int) -> None:
    agencies = make_agencies(3, coordinator)
    today = timezone.now().date()
    for i in range(n):
        task_force = TaskForce.objects.create(name=f"TF {i}", starts_on=today)
        for agency in agencies:
            TaskForceMembership.objects.create(task_force=task_force, agency=agency, joined_on=today)
    gql.login(coordinator)
    query = "{ taskForces(first: 100) { totalCount edges { node { name memberships { agency { code } } } } } }"
    # the page with its count, memberships, agencies (one task force's memberships read them in their statement)
    with django_assert_num_queries(AUTH + 1 + (1 if n == 1 else 2)):
        data = gql(query)
    assert data["taskForces"]["totalCount"] == n


@pytest.mark.parametrize("n", SIZES)
def test_api_tokens(gql: Any, coordinator: Officer, django_assert_num_queries: Any, n: int) -> None:
    for i in range(n):
        issue_token(coordinator, name=f"t{i}", scopes=["read"])
    gql.login(coordinator)
    with django_assert_num_queries(AUTH + 1 + 1):  # the page with its count, officers
        data = gql("{ apiTokens(first: 100) { totalCount edges { node { prefix isUsable officer { username } } } } }")
    assert data["apiTokens"]["totalCount"] == n


@pytest.mark.parametrize("n", SIZES)
def test_audit_events(gql: Any, coordinator: Officer, django_assert_num_queries: Any, n: int) -> None:
    for i in range(n):
        record("test.event", actor=coordinator, details={"i": i})
    gql.login(coordinator)
    with django_assert_num_queries(AUTH + 1):  # the page with its count
        data = gql("""{ auditEvents(first: 100, action: "test.event") {
            totalCount edges { node { action actorUsername details } } } }""")
    assert data["auditEvents"]["totalCount"] == n


def test_a_counted_page_counts_in_its_own_statement_and_only_past_the_end_or_backwards_apart(
        gql: Any, coordinator: Officer, django_assert_num_queries: Any) -> None:
    """``totalCount`` comes with the page's rows (``COUNT(*) OVER ()``); a page past the last row has no row to
    carry it and counts apart, as does paging backwards. Every answer agrees with the whole list."""
    make_agencies(5, coordinator)
    gql.login(coordinator)
    everything = gql("{ agencies(first: 100) { edges { node { code } } } }")["agencies"]["edges"]
    codes = [e["node"]["code"] for e in everything]
    assert len(codes) == 7  # the five units, their parent and the coordinator's own agency
    query = """query($first: Int, $last: Int, $after: String) { agencies(first: $first, last: $last, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { code } } } }"""

    def page(statements: int, **variables: Any) -> dict[str, Any]:
        with django_assert_num_queries(AUTH + statements):
            return gql(query, variables)["agencies"]

    first = page(1, first=3)
    assert (first["totalCount"], first["pageInfo"]["hasNextPage"]) == (7, True)
    assert [e["node"]["code"] for e in first["edges"]] == codes[:3]
    rest = page(1, first=10, after=first["pageInfo"]["endCursor"])
    assert (rest["totalCount"], rest["pageInfo"]["hasNextPage"]) == (7, False)
    assert [e["node"]["code"] for e in rest["edges"]] == codes[3:]
    beyond = page(2, first=3, after=rest["pageInfo"]["endCursor"])  # the page, then the count
    assert (beyond["totalCount"], beyond["edges"]) == (7, [])
    backwards = page(2, last=2)  # the count, then the page
    assert backwards["totalCount"] == 7
    assert [e["node"]["code"] for e in backwards["edges"]] == codes[-2:]
