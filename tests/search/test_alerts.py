"""Watchlists raise alerts on new and changed listings, shown only to officers who may see the listing."""

from __future__ import annotations

from typing import Any

import pytest
from graphql_relay import to_global_id

from access.policy import viewer_for
from cases import actions as case_actions
from cases.models import WatchAlert
from officers.models import Officer
from outbox.actions import deliver_due
from search import alerts

pytestmark = pytest.mark.django_db


def v(username: str) -> Any:
    return viewer_for(Officer.objects.get(username=username), purpose="investigation")


@pytest.fixture
def watchlist(demo: Any, species: Any) -> Any:
    watch = case_actions.create_watchlist(v("inv.ofb"), "Ivoire")
    case_actions.add_watch_term(v("inv.ofb"), watch, "vieil os", "code_word", "fr")
    case_actions.add_watch_term(v("inv.ofb"), watch, "#ivoire", "hashtag", "fr")
    case_actions.add_watch_term(v("inv.ofb"), watch, "python royal", "common_name", "fr",
                                species_id=species["Python regius"].pk)
    return watch


def test_terms_hashtags_and_species_raise_alerts_once(watchlist: Any, species: Any) -> None:
    case = case_actions.create_case(v("inv.ofb"), case_actions.CaseInput(title="x", jurisdictions=["FR"]))
    hits = [case_actions.add_listing(v("inv.ofb"), case, case_actions.ListingInput(url=url, text=text))[0]
            for url, text in [("https://www.leboncoin.fr/ad/1", "Statuette en VIEIL OS sculpté"),
                              ("https://www.leboncoin.fr/ad/2", "Bracelet #ivoire ancien"),
                              ("https://www.leboncoin.fr/ad/3", "Vieil osier tressé")]]
    snake, _ = case_actions.add_listing(v("inv.ofb"), case, case_actions.ListingInput(
        url="https://www.leboncoin.fr/ad/4", text="Serpent", species_ids=[species["Python regius"].pk]))
    deliver_due()  # the search.index rows written with the listings evaluate the watchlists
    matched = set(WatchAlert.objects.values_list("listing_id", "term__kind"))
    assert matched == {(hits[0].pk, "code_word"), (hits[1].pk, "hashtag"), (snake.pk, "common_name")}
    assert alerts.evaluate([h.pk for h in hits]) == 0  # idempotent


def test_alerts_show_only_on_visible_listings_and_are_handled_once(gql: Any, watchlist: Any) -> None:
    own = case_actions.create_case(v("inv.ofb"), case_actions.CaseInput(title="x", jurisdictions=["FR"]))
    other = case_actions.create_case(v("inv.oclaesp"), case_actions.CaseInput(title="y", jurisdictions=["FR"]))
    case_actions.add_listing(v("inv.ofb"), own, case_actions.ListingInput(url="https://www.leboncoin.fr/ad/1",
                                                                         text="vieil os"))
    case_actions.add_listing(v("inv.oclaesp"), other, case_actions.ListingInput(
        url="https://www.leboncoin.fr/ad/9", text="vieil os"))
    deliver_due()
    assert WatchAlert.objects.count() == 2  # raised for both; OCLAESP's listing stays invisible to the OFB
    query = "{ alerts(handledAt_Isnull: true) { totalCount edges { node { id listing { url } term { term } } } } }"
    data = gql.login("inv.ofb")(query)["alerts"]
    assert data["totalCount"] == 1 and data["edges"][0]["node"]["listing"]["url"].endswith("/ad/1")
    assert gql.login("inv.oclaesp")(query)["alerts"]["totalCount"] == 0  # not their watchlist
    mark = "mutation($id: ID!) { markAlertHandled(id: $id) { alert { handledAt } errors { code } } }"
    aid = data["edges"][0]["node"]["id"]
    assert gql(mark, {"id": aid})["markAlertHandled"]["errors"] == [{"code": "NOT_FOUND"}]
    gql.login("ana.ofb")
    first = gql(mark, {"id": aid})["markAlertHandled"]
    second = gql(mark, {"id": aid})["markAlertHandled"]
    assert first["errors"] == [] and first == second
    hidden = WatchAlert.objects.exclude(listing__case=own).get()
    out = gql(mark, {"id": to_global_id("WatchAlert", hidden.pk)})["markAlertHandled"]
    assert out["errors"] == [{"code": "NOT_FOUND"}]
    assert WatchAlert.objects.filter(handled_at__isnull=False).count() == 1
