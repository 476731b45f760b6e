"""Alerts, watchlists, trends and the cyber alert pages: what the API lets the officer see, and nothing else."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from graphql_relay import to_global_id

from access.policy import viewer_for
from cases.actions import ListingInput, add_listing
from cases.models import Case, WatchAlert, Watchlist
from officers.models import Officer
from outbox.actions import deliver_due
from search.pages.charts import periods_between, time_chart
from tests.console.test_pages import _statements
from tests.console.test_shell import CSRF, signed_in

OFB_LIST = "Ivoire — termes codés"
SEPRONA_LIST = "Loros sin papeles"


@pytest.fixture
def alerts(world: None) -> None:
    """The demo world with its watchlists evaluated: the worker would have raised these alerts."""
    deliver_due()


def _gid(alert: WatchAlert) -> str:
    return to_global_id("WatchAlert", alert.pk)


def _graphql(client: Any, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/graphql/", data=json.dumps({"query": query, "variables": variables}),
                           content_type="application/json")
    return response.json()["data"]  # type: ignore[no-any-return]


def test_alerts_show_only_the_viewers_agency_watchlists(alerts: None) -> None:
    ofb = WatchAlert.objects.filter(watchlist__owner_agency__code="fr-ofb")
    assert ofb.exists() and WatchAlert.objects.filter(watchlist__owner_agency__code="es-seprona").exists()
    page = signed_in("inv.ofb").get("/search/alerts/").content.decode()
    assert OFB_LIST in page and SEPRONA_LIST not in page
    assert f"{ofb.count()} alerts to handle" in page
    for alert in ofb.select_related("listing__case"):
        assert _gid(alert) in page and alert.listing.case.reference in page
    theirs = signed_in("inv.seprona").get("/search/alerts/").content.decode()
    assert SEPRONA_LIST in theirs and OFB_LIST not in theirs


def test_an_alert_shows_its_listing_term_and_watchlist(alerts: None) -> None:
    alert = WatchAlert.objects.filter(watchlist__owner_agency__code="fr-ofb").select_related(
        "listing__platform", "listing__case", "term").first()
    assert alert is not None
    page = signed_in("inv.ofb").get("/search/alerts/").content.decode()
    assert f'href="{alert.listing.url}"' in page and alert.listing.title in page
    assert alert.listing.platform.name in page and alert.term.term in page
    assert f'href="/cases/{alert.listing.case.reference}/"' in page


def test_marking_another_agencys_alert_answers_as_a_missing_one(alerts: None) -> None:
    theirs = WatchAlert.objects.filter(watchlist__owner_agency__code="es-seprona").first()
    assert theirs is not None
    client = signed_in("inv.ofb")
    missing_id = to_global_id("WatchAlert", 999_999)
    hidden = client.post("/search/alerts/handled/", {"alert": _gid(theirs), "next": "/search/alerts/"})
    missing = client.post("/search/alerts/handled/", {"alert": missing_id, "next": "/search/alerts/"})
    assert hidden.status_code == missing.status_code == 404
    assert CSRF.sub(b"", hidden.content) == CSRF.sub(b"", missing.content)
    theirs.refresh_from_db()
    assert theirs.handled_at is None
    mutation = "mutation($id: ID!) { markAlertHandled(id: $id) { errors { code field message } } }"
    refused = [_graphql(client, mutation, {"id": gid})["markAlertHandled"]["errors"]
               for gid in (_gid(theirs), missing_id)]
    assert refused[0] == refused[1] and refused[0][0]["code"] == "NOT_FOUND"


def test_marking_an_alert_handled_takes_it_off_the_unhandled_list(alerts: None) -> None:
    client = signed_in("inv.ofb")
    alert = WatchAlert.objects.filter(watchlist__owner_agency__code="fr-ofb").first()
    assert alert is not None
    response = client.post("/search/alerts/handled/", {"alert": _gid(alert), "next": "/search/alerts/"})
    assert response.status_code == 302 and response["Location"] == "/search/alerts/"
    alert.refresh_from_db()
    assert alert.handled_by == Officer.objects.get(username="inv.ofb")
    assert _gid(alert) not in client.get("/search/alerts/").content.decode()
    handled = client.get("/search/alerts/", {"state": "handled"}).content.decode()
    assert "1 alert<" in handled and "Handled by Thomas Lefèvre" in handled


def test_htmx_gets_the_handled_row_alone(alerts: None) -> None:
    client = signed_in("inv.ofb")
    alert = WatchAlert.objects.filter(watchlist__owner_agency__code="fr-ofb").first()
    assert alert is not None
    response = client.post("/search/alerts/handled/", {"alert": _gid(alert), "next": "/search/alerts/"},
                           HTTP_HX_REQUEST="true")
    row = response.content.decode()
    assert response.status_code == 200 and row.lstrip().startswith("<tr>") and "<html" not in row
    assert "Handled by" in row and "Mark handled" not in row


def test_the_alert_list_costs_the_same_statements_whatever_its_length(alerts: None) -> None:
    client = signed_in("inv.ofb")
    few = _statements(client, "/search/alerts/")
    viewer = viewer_for(Officer.objects.get(username="inv.ofb"))
    ivory = Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")
    before = WatchAlert.objects.count()
    for number in range(25):
        add_listing(viewer, ivory, ListingInput(url=f"https://www.leboncoin.fr/ad/extra/{number}",
                                                title=f"Statuette en vieil os {number}", text="Matière blanche"))
    deliver_due()
    assert WatchAlert.objects.count() >= before + 50
    assert _statements(client, "/search/alerts/?size=100") == few


def test_a_watchlist_without_a_name_is_refused_beside_the_field(alerts: None) -> None:
    client = signed_in("inv.ofb")
    response = client.post("/search/watchlists/", {"form": "create", "name": "  ", "description": "x"})
    page = response.content.decode()
    assert response.status_code == 400 and 'role="alert"' in page
    assert re.search(r'id="watchlist-name-error">Name the watchlist\.<', page)
    assert 'aria-describedby="watchlist-name-error"' in page
    assert not Watchlist.objects.filter(description="x").exists()


def test_a_watchlist_is_created_and_given_terms(alerts: None) -> None:
    client = signed_in("inv.ofb")
    created = client.post("/search/watchlists/", {"form": "create", "name": "Pangolins", "description": ""})
    assert created.status_code == 302
    watchlist = Watchlist.objects.get(owner_agency__code="fr-ofb", name="Pangolins")
    gid = to_global_id("Watchlist", watchlist.pk)
    added = client.post("/search/watchlists/", {"form": "term", "watchlist": gid, "term": "écailles",
                                                "kind": "CODE_WORD", "language": "fr"})
    assert added.status_code == 302
    short = client.post("/search/watchlists/", {"form": "term", "watchlist": gid, "term": "x",
                                                "kind": "CODE_WORD", "language": ""})
    assert short.status_code == 400 and 'aria-invalid="true" aria-describedby="term-' in short.content.decode()
    page = client.get("/search/watchlists/").content.decode()
    assert "Pangolins" in page and "écailles" in page and SEPRONA_LIST not in page


def test_a_term_for_another_agencys_watchlist_is_refused_as_missing(alerts: None) -> None:
    theirs = Watchlist.objects.get(owner_agency__code="es-seprona")
    client = signed_in("inv.ofb")
    response = client.post("/search/watchlists/", {"form": "term", "watchlist": to_global_id("Watchlist", theirs.pk),
                                                   "term": "loro", "kind": "COMMON_NAME", "language": "es"})
    assert response.status_code == 400 and theirs.name not in response.content.decode()
    assert not theirs.terms.filter(term="loro").exists()


def _table(page: str, key: str) -> dict[str, list[int]]:
    """The rows of a chart's table: group → the counts per period, then the total."""
    table = page.split(f'id="chart-{key}-table"', 1)[1].split("</table>", 1)[0]
    return {name: [int(n) for n in re.findall(r'<td class="number">(\d+)</td>', cells)]
            for name, cells in re.findall(r'<th scope="row">([^<]+)</th>(.*?)</tr>', table)}


def test_the_trends_tables_give_the_apis_figures(alerts: None) -> None:
    client = signed_in("inv.ofb")
    page = client.get("/search/trends/", {"interval": "WEEK"}).content.decode()
    assert page.count("<svg") >= 4 and "style=" not in page  # three time charts, the words (no hashtag here)
    figures = _graphql(client, "{ trends(groupBy: SPECIES, interval: WEEK) { key group count } }", {})["trends"]
    table = _table(page, "species")
    assert set(table) == {bucket["group"] for bucket in figures}
    for group, counts in table.items():
        mine = [bucket["count"] for bucket in figures if bucket["group"] == group]
        assert sorted(n for n in counts[:-1] if n) == sorted(mine) and counts[-1] == sum(mine)
    platforms = _table(page, "platform")
    # the OFB's eight leboncoin adverts, and the listings of the two spotters' reports it triaged into cases
    assert set(platforms) == {"leboncoin", "Meta — Facebook Marketplace"}
    assert platforms["leboncoin"][-1] == 9 and platforms["Meta — Facebook Marketplace"][-1] == 1


def test_trends_show_nothing_of_another_agencys_listings(alerts: None) -> None:
    page = signed_in("inv.ofb").get("/search/trends/").content.decode()
    assert "Psittacus erithacus" not in page and "Wallapop</th>" not in page
    theirs = signed_in("inv.seprona").get("/search/trends/").content.decode()
    assert "Psittacus erithacus" in theirs


def test_trend_filters_are_checked_beside_their_fields(alerts: None) -> None:
    response = signed_in("inv.ofb").get("/search/trends/", {"start": "2026-05-10", "end": "2026-05-01",
                                                             "country": "FRA"})
    page = response.content.decode()
    assert response.status_code == 400 and 'role="alert"' in page and "<svg" not in page
    assert 'id="id_end-error"' in page and 'id="id_country-error"' in page


def test_the_cyber_alert_sums_up_the_period_for_print(alerts: None) -> None:
    page = signed_in("inv.ofb").get("/search/trends/cyber-alert/").content.decode()
    assert "Cyber alert" in page and "data-print hidden" in page and "search/print.js" in page
    assert "Loxodonta africana" in page and "<svg" in page and "style=" not in page
    assert re.search(r"<dt>Watchlist matches</dt><dd>\d+</dd>", page)


def test_the_navigation_marks_alerts_and_trends_not_search_as_current(alerts: None) -> None:
    client = signed_in("inv.ofb")
    for path, label in (("/search/alerts/", "Alerts"), ("/search/trends/", "Trends"), ("/search/", "Search")):
        page = client.get(path).content.decode()
        assert re.findall(r'aria-current="page">(\w+)', page) == [label], path


def test_a_time_chart_has_every_period_between_the_first_and_the_last() -> None:
    assert periods_between(date(2025, 11, 1), date(2026, 2, 1), "MONTH") == \
        [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    chart = time_chart([{"key": "2026-01-05", "group": "pf-a", "count": 2},
                        {"key": "2026-01-19", "group": "pf-a", "count": 4},
                        {"key": "2026-01-19", "group": "pf-b", "count": 1}], "WEEK", {"pf-a": "A"}, limit=1)
    assert chart.periods == [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)]
    assert [(row.label, row.counts, row.total) for row in chart.rows] == [("A", [2, 0, 4], 6)]
    assert chart.hidden_groups == 1 and [bar.count for bar in chart.rows[0].bars] == [2, 4]


def test_trends_count_listings_by_their_facts_and_kind_of_platform(alerts: None) -> None:
    client = signed_in("inv.ofb")
    page = client.get("/search/trends/", {"interval": "MONTH"}).content.decode()
    totals = {key: {group: counts[-1] for group, counts in _table(page, key).items()}
              for key in ("specimen_type", "claimed_legality", "platform_kind")}
    for key, group_by in (("specimen_type", "SPECIMEN_TYPE"), ("claimed_legality", "CLAIMED_LEGALITY"),
                          ("platform_kind", "PLATFORM_KIND")):
        figures = _graphql(client, "query($g: TrendGroupEnum!) { trends(groupBy: $g) { group count } }",
                           {"g": group_by})["trends"]
        assert sum(totals[key].values()) == sum(bucket["count"] for bucket in figures), key
    # the ivory case: six carvings and a pair of tusks; the spotters' listings triaged into cases state nothing
    assert totals["specimen_type"]["Derivative (carving, leather goods, medicine)"] == 6
    assert totals["specimen_type"]["Part (skin, scales, raw tusk, horn, feathers)"] == 1
    assert totals["claimed_legality"]["Antique / pre-Convention"] == 2
    assert totals["claimed_legality"]["EU certificate (Article 10)"] == 1
    assert set(totals["platform_kind"]) == {"Classified ads", "Social network"}
    assert "Captive-bred" not in page  # SEPRONA's parrots are not OFB's to count
