"""An answered GraphQL operation lets go of the rows it read: reference counting frees them, not the collector.

A Django request is always in a reference cycle; loaders kept on it (and loaders whose batch function reads the
loader itself) made every row of an answer wait for a garbage collection, which then walked them all: 7 % of the
CPU of a page of 100 cases (``make bench-graphql``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from access.policy import viewer_for
from cases import actions
from cases.models import CaseEntity, Entity, Listing
from officers.models import Officer

pytestmark = pytest.mark.django_db

ROWS = (Listing, CaseEntity, Entity)
PAGE = """{ cases(first: 20) { edges { node {
  reference listings { url platform { code } seller { value } } entityLinks { role entity { value } } reports { text }
} } } }"""


def rows_alive() -> int:
    return sum(1 for held in gc.get_objects() if type(held) in ROWS)  # not isinstance: it would wake lazy objects


@pytest.fixture
def collector_saving_garbage() -> Iterator[list[Any]]:
    """The collector off, and what a collection finds unreachable kept in ``gc.garbage`` to be looked at."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


@pytest.fixture
def cases(demo: Any) -> None:
    viewer = viewer_for(Officer.objects.get(username="inv.ofb"))
    for number in range(3):
        case = actions.create_case(viewer, actions.CaseInput(title=f"Ivory {number}", jurisdictions=["FR"]))
        for item in range(3):
            actions.add_listing(viewer, case, actions.ListingInput(
                url=f"https://www.leboncoin.fr/ad/antiquites/{number}00{item}", seller=f"seller{number}{item}"))
        for phone in ("+33 6 12 34 56 78", "+33 6 98 76 54 32"):
            actions.link_entity(viewer, case, actions.ClaimInput(kind="phone", value=phone))
        actions.add_report(viewer, case, actions.ReportInput(text="Seen at a market", source_evaluation="B",
                                                             information_assessment="2"))


def test_a_page_s_rows_are_neither_kept_nor_left_in_cycles(gql: Any, cases: None,
                                                             collector_saving_garbage: list[Any]) -> None:
    gql.login("inv.ofb")
    before = rows_alive()
    data = gql(PAGE)
    listings = sum(len(edge["node"]["listings"]) for edge in data["cases"]["edges"])
    claims = sum(len(edge["node"]["entityLinks"]) for edge in data["cases"]["edges"])
    assert (listings, claims) == (9, 15)  # a seller is a claim too: rows of every kind checked were read
    assert rows_alive() == before  # none kept alive by the request, its loaders or anything else
    gc.collect()
    assert [row for row in collector_saving_garbage if type(row) in ROWS] == []  # none left in a cycle
