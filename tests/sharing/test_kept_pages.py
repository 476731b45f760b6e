"""A connection's page of its model's whole visible list is read by a kept statement (``api.nodes.KeptList``,
``access.prepared.page``): it must page, count and refuse exactly as the queryset it stands for — for another
instant, another officer, any bounds — and any list that is not the whole visible list is built as before."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.db.models import Count, Window
from django.utils import timezone

from access import prepared
from access.policy import Viewer, visible
from api.nodes import _whole
from cases import actions as case_actions
from cases.models import Case, Listing

from .conftest import INVESTIGATION, viewer

pytestmark = pytest.mark.django_db

PAGE = "query($after: String) { cases(first: 2, after: $after) { totalCount edges { cursor node { title } } " \
       "pageInfo { hasNextPage } } }"


@pytest.fixture(autouse=True)
def empty() -> Iterator[None]:
    prepared.forget()
    yield
    prepared.forget()


def shared_cases(share: Any, count: int, **share_options: Any) -> list[Case]:
    inv = viewer("inv.ofb")
    cases = [case_actions.create_case(inv, case_actions.CaseInput(title=f"Kept {n}", jurisdictions=["FR"]))
             for n in range(count)]
    for case in cases:
        share(case, **share_options)
    return cases


def titles(ask: Any) -> tuple[list[str], int]:
    """Every title of the viewer's case list, page by page through the cursors, and the last page's count."""
    found: list[str] = []
    after, total = None, -1
    while True:
        page = ask(PAGE, {"after": after}, **INVESTIGATION)["cases"]
        found += [edge["node"]["title"] for edge in page["edges"]]
        total = page["totalCount"]
        if not page["pageInfo"]["hasNextPage"]:
            return found, total
        after = page["edges"][-1]["cursor"]


def kept_pages() -> list[Any]:
    return [statement for key, statement in prepared._statements.items()
            if isinstance(key, tuple) and isinstance(key[0], tuple) and key[0][0] == "page"]


def test_each_model_keeps_its_own_page_under_the_same_shape(gql: Any, ofb_case: Any) -> None:
    inv = viewer("inv.ofb")
    for model in (Case, Listing, Case, Listing):
        rows = prepared.page(inv, model, ("same shape",), 0, 50, lambda who, m=model: visible(who, m.objects.all()))
        assert rows and {type(row) for row in rows} == {model}
        assert rows == list(visible(inv, model.objects.all())[0:50])
    assert len(kept_pages()) == 2 and None not in kept_pages()
    body = gql.login("inv.ofb")("{ cases(first: 5) { edges { node { id } } } intelReports(first: 5) { edges { "
                                "node { id } } } }")
    assert body["cases"]["edges"] and body["intelReports"]["edges"]


def test_pages_through_the_kept_statement_are_the_querysets_pages(gql: Any, ofb_case: Any, share: Any) -> None:
    shared = shared_cases(share, 4)
    ask = gql.login("inv.oclaesp")
    found, total = titles(ask)
    assert sorted(found) == sorted(case.title for case in shared) and total == 4 == len(found)
    assert kept_pages() and None not in kept_pages()
    assert ofb_case.title not in found  # never shared: refused, and not counted

    mine, total = titles(gql.login("inv.ofb"))
    owned = list(visible(viewer("inv.ofb"), Case.objects.all()).values_list("title", flat=True))
    assert mine == owned and total == len(owned) > 4


def test_a_kept_page_takes_each_request_instant_and_officer(gql: Any, share: Any) -> None:
    expiring = timezone.now() + datetime.timedelta(hours=1)
    shared = shared_cases(share, 3, expires_at=expiring)
    inv = viewer("inv.oclaesp")

    def page(who: Viewer, start: int, size: int) -> list[Any]:
        return prepared.page(who, Case, ("test", True), start, size, counted)

    def counted(who: Viewer) -> Any:
        return visible(who, Case.objects.all()).annotate(total=Window(Count("*")))

    first = page(inv, 0, 2)
    assert [case.pk for case in first] == [case.pk for case in counted(inv)[0:2]] and first[0].total == 3
    assert {case.pk for case in page(inv, 2, 5)} <= {case.pk for case in shared} and len(page(inv, 2, 5)) == 1
    later = dataclasses.replace(inv, at=inv.at + datetime.timedelta(hours=2), cache={})
    assert page(later, 0, 2) == [] == list(counted(later))  # the shares expired: refused, as building it says
    assert page(viewer("inv.ofb"), 0, 50) == list(counted(viewer("inv.ofb"))[0:50])
    assert page(viewer("inv.seprona"), 0, 50) == list(counted(viewer("inv.seprona"))[0:50])
    assert None not in prepared.kept(("page", ("test", True)))


def test_backwards_and_past_the_end_read_the_same_list(gql: Any, share: Any) -> None:
    shared = shared_cases(share, 3)
    ask = gql.login("inv.oclaesp")
    ordered = [edge["node"]["title"] for edge in ask(
        "{ cases(first: 10) { edges { node { title } } } }", **INVESTIGATION)["cases"]["edges"]]
    assert sorted(ordered) == sorted(case.title for case in shared)
    last = ask("{ cases(last: 2) { totalCount edges { node { title } } } }", **INVESTIGATION)["cases"]
    assert [edge["node"]["title"] for edge in last["edges"]] == ordered[1:] and last["totalCount"] == 3
    beyond = ask("{ cases(first: 2, offset: 7) { totalCount edges { node { title } } } }",
                 **INVESTIGATION)["cases"]
    assert beyond == {"totalCount": 3, "edges": []}


def test_only_the_whole_list_of_a_model_is_kept(ofb_case: Any) -> None:
    assert _whole(Case.objects.all()) and _whole(Listing.objects.all())
    for narrowed in (Case.objects.filter(title="Ivoire"), Case.objects.order_by("title"), Case.objects.only("id"),
                     Case.objects.select_related("owner_agency"), Case.objects.all()[:5],
                     Case.objects.annotate(n=Count("listings")), Case.objects.distinct(),
                     Case.objects.prefetch_related("listings"), Case.objects.values("id"),
                     Case.objects.using("default").filter(pk__in=Case.objects.filter(title="x")),
                     Case.objects.all().union(Case.objects.all())):
        assert not _whole(narrowed), narrowed.query


def test_a_filtered_list_is_built_every_time(gql: Any, share: Any) -> None:
    shared_cases(share, 2)
    ask = gql.login("inv.oclaesp")
    found = ask('{ cases(first: 5, search: "Kept 1") { totalCount edges { node { title } } } }',
                **INVESTIGATION)
    assert found["cases"]["totalCount"] == 1
    assert kept_pages() == []
