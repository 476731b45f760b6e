"""A batch of one key is read with ``= %s``, several with ``= ANY(%s)`` (``api.loaders._batch``): the two
shapes are kept apart, read the same rows for the same viewer, and refuse the same ones. On PostgreSQL the
one-key shape lets the server keep one plan for a case detail's listings instead of planning them again on
every request."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from cases import actions as case_actions
from cases.models import Case, CaseEntity, Entity, EntityKind

from .conftest import INVESTIGATION, viewer

pytestmark = pytest.mark.django_db

CHILDREN = "reference listings { url } entityLinks { role entity { value } } reports { grading }"
DETAIL = "query($id: ID!) { node(id: $id) { ... on Case { " + CHILDREN + " } } }"
PAGE = "{ cases(first: 50) { edges { node { " + CHILDREN + " } } } }"


def other_case(title: str) -> Any:
    inv = viewer("inv.ofb")
    case = case_actions.create_case(inv, case_actions.CaseInput(title=title, jurisdictions=["FR"]))
    case_actions.add_listing(inv, case, case_actions.ListingInput(url=f"https://www.leboncoin.fr/ad/{title}",
                                                                  seller=f"seller_{title}"))
    case_actions.link_entity(inv, case, case_actions.ClaimInput(kind="phone", value="+33698765432", role="seller"))
    return case


def test_one_case_and_a_page_of_cases_read_the_same_children(gql: Any, ofb_case: Any, share: Any) -> None:
    second, hidden = other_case("second"), other_case("hidden")
    share(ofb_case)
    share(second)
    ask = gql.login("inv.oclaesp")
    page = {edge["node"]["reference"]: edge["node"] for edge in ask(PAGE, {}, **INVESTIGATION)["cases"]["edges"]}
    assert set(page) == {ofb_case.reference, second.reference}  # two keys: the array shape
    for case in (ofb_case, second):
        alone = ask(DETAIL, {"id": to_global_id("Case", case.pk)}, **INVESTIGATION)["node"]
        assert alone == page[case.reference] and alone["listings"] and alone["entityLinks"]
    assert ask(DETAIL, {"id": to_global_id("Case", hidden.pk)}, **INVESTIGATION)["node"] is None
    owner = gql.login("inv.ofb")(DETAIL, {"id": to_global_id("Case", hidden.pk)})["node"]
    assert owner["listings"] == [{"url": "https://www.leboncoin.fr/ad/hidden"}]


def test_one_key_is_compared_as_one_value(gql: Any, ofb_case: Any) -> None:
    ask = gql.login("inv.ofb")
    variables = {"id": to_global_id("Case", ofb_case.pk)}
    ask(DETAIL, variables)
    with CaptureQueriesContext(connection) as captured:
        assert ask(DETAIL, variables)["node"]["listings"]
    [listings] = [each["sql"] for each in captured.captured_queries if each["sql"].startswith('SELECT "cases_listing"')]
    assert re.search(r'WHERE \("cases_listing"\."case_id" = \d+ AND', listings), listings


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_case_detail_keeps_one_plan_for_its_children(gql: Any, ofb_case: Any) -> None:
    """PostgreSQL tries a prepared statement's first five runs with plans made for their values, then keeps a
    generic plan if it looks no costlier: a case's listings, claims and reports must get there."""
    ask = gql.login("inv.ofb")
    variables = {"id": to_global_id("Case", ofb_case.pk)}
    for _ in range(8):
        assert ask(DETAIL, variables)["node"]["listings"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans FROM pg_prepared_statements WHERE statement LIKE "
                       "ANY(ARRAY['SELECT \"cases_listing\".%', 'SELECT \"cases_caseentity\".%', "
                       "'SELECT \"cases_intelreport\".%'])")
        kept = cursor.fetchall()
    assert len(kept) == 3 and all("_id\" = $1 AND" in text and generic for text, generic in kept), kept


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_short_list_of_keys_keeps_one_plan_and_reads_each_row_once(gql: Any, ofb_case: Any) -> None:
    """PostgreSQL's generic plan assumes ten elements in an array it does not know: a batch of four entities
    (two cases' claims; one case's come with its claims), asked as four, was planned again on every run;
    filled up to ten with a repeated key it keeps one plan."""
    inv = viewer("inv.ofb")
    # Enough entities and claims elsewhere for index lookups to be planned (tiny tables are read whole, whatever
    # the number of keys), and the planner told; that case is older, so the page is the two others.
    filler = other_case("filler")
    Case.objects.filter(pk=filler.pk).update(created_at=ofb_case.created_at - datetime.timedelta(days=1))
    entities = Entity.objects.bulk_create(Entity(kind=EntityKind.ONLINE_ACCOUNT, value=f"filler_{n}",
                                                 normalised=f"filler_{n}") for n in range(2_000))
    CaseEntity.objects.bulk_create(CaseEntity(case=filler, entity=entity, role="seller", created_by=inv.officer)
                                   for entity in entities)
    second = other_case("second")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_entity, cases_caseentity, cases_case")
    ask = gql.login("inv.ofb")
    page = "{ cases(first: 2) { edges { node { reference entityLinks { entity { value } } } } } }"
    for _ in range(10):  # the first builds the statement; five plans for the values at hand, then it decides
        read = {edge["node"]["reference"]: [link["entity"]["value"] for link in edge["node"]["entityLinks"]]
                for edge in ask(page)["cases"]["edges"]}
        assert set(read) == {ofb_case.reference, second.reference}
        assert sorted(read[ofb_case.reference]) == ["+33612345678", "ivory_seller"]
        assert sorted(read[second.reference]) == ["+33698765432", "seller_second"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE "
                       "'SELECT \"cases_entity\".%'")
        [(generic, custom)] = cursor.fetchall()
    assert generic >= 3 and custom <= 6, (generic, custom)
