"""The national coordinator's compliance dashboard and its drill-down, through the test client (no JavaScript).

Beside the demo, a small world of March and April 2024 (no demo notice is dated then) gives figures computed
by hand; French agencies' notices to leboncoin, March 2024:

    notice  sent               acknowledged   items (outcome, effective after sent)
    F1      4 March 09:00      +3h05m         A removed +20h, B rejected "Not illegal in FR"
    F2      10 March 09:00     +1h            C removed +80h (after its 48 h deadline; re-listed since)
    F3      2 April 09:00      —              D pending
    S1      5 March (SEPRONA → Wallapop)      +2h   E removed +5h

→ 2 notices, both acknowledged; time to acknowledge 1 h 00 min (median, rank ⌈2·0.5⌉ = 1) and 3 h 05 min
(p90); time to action 20 h 00 min and 80 h 00 min; 1 of 2 acted items by the deadline (50.0 %); removal rate
2 of 3 (66.7 %); re-listing 1 of 2 (50.0 %).
"""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from compliance.models import Relisting, TakedownNotice
from console.templatetags.console import duration, percent
from officers.models import Officer
from tests.compliance.test_metrics import PENDING, REJECTED, REMOVED, World
from tests.console.test_pages import _statements
from tests.console.test_shell import signed_in

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)
MARCH_2024 = "/compliance/dashboard/?period=2024-03"
NOTICES = "/compliance/dashboard/notices/"


def _at(day: int, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2024, month, day, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def figures(world: None) -> World:
    w = World()
    w.notice("F1", "inv.ofb", "pf-leboncoin", _at(4), acknowledged=3 * H + 5 * M,
             items={"A": (REMOVED, 20 * H, ""), "B": (REJECTED, 4 * H, "Not illegal in FR")})
    w.notice("F2", "inv.ofb", "pf-leboncoin", _at(10), acknowledged=H, items={"C": (REMOVED, 80 * H, "")})
    w.notice("F3", "inv.ofb", "pf-leboncoin", _at(2, 4), items={"D": (PENDING, None, "")})
    w.notice("S1", "inv.seprona", "pf-wallapop", _at(5), acknowledged=2 * H, items={"E": (REMOVED, 5 * H, "")})
    item = w.items["C"]
    again = item.listing
    again.pk, again.url, again.external_id = None, "https://www.leboncoin.example/ad/again", "again"
    again.save()
    Relisting.objects.create(listing=again, earlier_item=item, matched_on="seller")
    return w


def _text(html: str) -> str:
    """The page's words, without markup, one space between them."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _row(html: str, heading: str) -> str:
    """The cells of the figures table's row headed ``heading``, as text."""
    found = re.search(rf'<th scope="row">{re.escape(heading)}</th>(.*?)</tr>', html, re.S)
    assert found, heading
    return _text(found.group(1)).strip()


def test_the_figures_read_in_hours_and_minutes_and_percentages(figures: World) -> None:
    page = signed_in("coord.fr").get(MARCH_2024).content.decode()
    assert _row(page, "Notices sent") == "2"
    assert _row(page, "Acknowledged") == "2 100.0 %"
    assert _row(page, "Time to acknowledge, median") == "1 h 00 min"
    assert _row(page, "Time to acknowledge, 90th percentile") == "3 h 05 min"
    assert _row(page, "Time to action, median") == "20 h 00 min"
    assert _row(page, "Time to action, 90th percentile") == "80 h 00 min"
    assert _row(page, "Acted by the deadline, of items acted on") == "50.0 %"
    assert _row(page, "Removal rate") == "66.7 %"
    assert _row(page, "Re-listing rate") == "50.0 % 1 item re-listed"
    assert "Not illegal in FR" in page
    for raw in ("3900", "11100", "0.6666", "0.5", "72000"):  # seconds and ratios, as the API gives them
        assert raw not in _text(page), raw


def test_the_figures_are_written_in_the_readers_language(figures: World) -> None:
    client = signed_in("coord.fr")
    client.post("/language/", {"language": "fr"})
    page = client.get(MARCH_2024).content.decode()
    assert "3 h 05 min" in page and "66,7 %" in page and "66.7" not in page
    assert 'data-value="66.67"' in page  # the number the chart draws stays a plain number


def test_the_charts_are_tables_of_their_data_without_javascript(figures: World) -> None:
    page = signed_in("coord.fr").get("/compliance/dashboard/?period=2024").content.decode()
    tables = re.findall(r'<table class="chart" id="chart-([-a-z]+)" data-chart="(line|bar)" data-unit="(h|%)">',
                        page)
    assert tables == [("compare-times", "bar", "h"), ("compare-rates", "bar", "%"), ("acknowledge", "line", "h"),
                      ("action", "line", "h"), ("sla", "line", "%"), ("removal", "line", "%"),
                      ("relisting", "line", "%")]
    assert "<svg" not in page  # charts.js draws them; the page holds their data
    acknowledge = page[page.index('id="chart-acknowledge"'):page.index('id="chart-action"')]
    assert _text(acknowledge).split("Month")[1].strip().startswith("leboncoin: median leboncoin: 90th percentile")
    assert len(re.findall(r"<tr><th scope=\"row\"><time", acknowledge)) == 12  # every month of 2024
    assert re.search(r'<time datetime="2024-03">March 2024</time></th>\s*<td data-value="1.0">1 h 00 min</td>'
                     r'<td data-value="3.083">3 h 05 min</td>', acknowledge)
    assert re.search(r'<time datetime="2024-04">April 2024</time></th>\s*<td>No data</td><td>No data</td>',
                     acknowledge)
    assert '<script src="/static/console/charts.js" defer></script>' in page


def test_each_figure_links_to_the_notices_behind_it(figures: World) -> None:
    client = signed_in("coord.fr")
    page = client.get(MARCH_2024).content.decode()
    link = re.search(r'<a href="(/compliance/dashboard/notices/\?[^"]*figure=acted)">2 of 3</a>', page)
    assert link, "the acted items link to their notices"
    listed = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    references = set(re.findall(r"TD-TEST-[0-9]+", listed))
    assert references == {figures.notices["F1"].reference, figures.notices["F2"].reference}
    assert "2 notices" in listed and "https://www.leboncoin.example/ad/" in listed


@pytest.mark.parametrize(("figure", "expected"), [
    ("sent", {"F1", "F2"}), ("acknowledged", {"F1", "F2"}), ("acted", {"F1", "F2"}), ("rejected", {"F1"}),
    ("relisted", {"F2"}),
])
def test_the_drill_down_lists_the_notices_of_one_figure(figures: World, figure: str, expected: set[str]) -> None:
    listed = signed_in("coord.fr").get(
        NOTICES, {"period": "2024-03", "platform": "pf-leboncoin", "figure": figure}).content.decode()
    assert set(re.findall(r"TD-TEST-[0-9]+", listed)) == {figures.notices[name].reference for name in expected}


def test_the_drill_down_of_unacknowledged_notices_follows_the_period(figures: World) -> None:
    client = signed_in("coord.fr")
    march = client.get(NOTICES, {"period": "2024-03", "figure": "unacknowledged"}).content.decode()
    april = client.get(NOTICES, {"period": "2024-04", "figure": "unacknowledged"}).content.decode()
    assert "TD-TEST" not in march and "0 notices" in march
    assert set(re.findall(r"TD-TEST-[0-9]+", april)) == {figures.notices["F3"].reference}


@pytest.mark.parametrize(("period", "name", "start", "end"), [
    ("2024-03", "March 2024", "2024-03-01", "2024-04-01"),
    ("2024-Q1", "Q1 2024", "2024-01-01", "2024-04-01"),
    ("2024-Q4", "Q4 2024", "2024-10-01", "2025-01-01"),
    ("2024", "2024", "2024-01-01", "2025-01-01"),
])
def test_a_period_is_a_month_a_quarter_or_a_year(figures: World, period: str, name: str, start: str,
                                                 end: str) -> None:
    page = signed_in("coord.fr").get("/compliance/dashboard/", {"period": period}).content.decode()
    assert f'<h2 id="period">{name}' in page
    assert f'href="/compliance/metrics.csv?start={start}&amp;end={end}"' in page
    assert f'href="/compliance/statements.json?start={start}&amp;end={end}"' in page
    assert f'<option value="{period}" selected>' in page


def test_the_default_period_is_the_last_twelve_months_up_to_this_one(figures: World) -> None:
    page = signed_in("coord.fr").get("/compliance/dashboard/").content.decode()
    # The page counts in the coordinator's time zone: between 23:00 and midnight UTC it is already tomorrow in Paris.
    today = timezone.localdate(timezone=ZoneInfo(Officer.objects.get(username="coord.fr").zone_name))
    first = datetime.date(today.year - (today.month <= 11), (today.month - 12) % 12 + 1, 1)
    assert '<h2 id="period">Last 12 months' in page
    assert f"metrics.csv?start={first.isoformat()}&amp;end=" in page
    assert len(re.findall(r'<tr><th scope="row"><time', page[page.index('id="chart-acknowledge"'):
                                                              page.index('id="chart-action"')])) == 12


def test_the_downloads_carry_the_platform_chosen(figures: World) -> None:
    page = signed_in("coord.fr").get(MARCH_2024 + "&platform=pf-leboncoin").content.decode()
    assert 'href="/compliance/metrics.csv?start=2024-03-01&amp;end=2024-04-01&amp;platform=pf-leboncoin"' in page
    assert 'href="/compliance/statements.json?start=2024-03-01&amp;end=2024-04-01&amp;platform=pf-leboncoin"' \
        in page


@pytest.mark.parametrize("period", ["2024-13", "2024-Q5", "march", "24-03", "1900"])
def test_a_bad_period_is_refused_with_what_to_give(figures: World, period: str) -> None:
    response = signed_in("coord.fr").get("/compliance/dashboard/", {"period": period})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in page and 'id="compliance-period-error"' in page
    assert "Choose a period: a year (2026), a quarter (2026-Q1) or a month (2026-03)." in page
    assert 'aria-describedby="compliance-period-error"' in page and "Figures by platform" not in page


def test_a_bad_figure_or_period_of_the_drill_down_is_refused(figures: World) -> None:
    client = signed_in("coord.fr")
    unknown = client.get(NOTICES, {"period": "2024-03", "figure": "everything"})
    assert unknown.status_code == 400 and "This figure has no list of notices." in unknown.content.decode()
    assert client.get(NOTICES, {"period": "2024-99"}).status_code == 400


@pytest.mark.parametrize("username", ["inv.ofb", "sup.ofb", "admin.ofb", "pf.leboncoin"])
def test_anyone_but_a_coordinator_finds_nothing_there(figures: World, username: str) -> None:
    client = signed_in(username)
    missing = client.get("/compliance/no-such-page/")
    for path in (MARCH_2024, "/compliance/dashboard/?period=bad", NOTICES + "?period=2024-03&figure=acted"):
        refused = client.get(path)
        assert refused.status_code == missing.status_code == 404
        assert "TD-TEST" not in refused.content.decode()


def test_a_coordinator_sees_only_the_figures_of_their_countrys_notices(figures: World) -> None:
    spain = signed_in("coord.es")
    page = spain.get(MARCH_2024).content.decode()
    header = re.search(r'<table class="figures">.*?<thead>(.*?)</thead>', page, re.S)
    assert header and _text(header.group(1)).split() == ["Figure", "Wallapop"]
    assert _row(page, "Notices sent") == "1" and _row(page, "Time to action, median") == "5 h 00 min"
    listed = spain.get(NOTICES, {"period": "2024-03", "platform": "pf-leboncoin", "figure": "sent"})
    assert "0 notices" in listed.content.decode() and "TD-TEST" not in listed.content.decode()
    france = signed_in("coord.fr").get(MARCH_2024).content.decode()
    header = re.search(r'<table class="figures">.*?<thead>(.*?)</thead>', france, re.S)
    assert header and _text(header.group(1)).split() == ["Figure", "leboncoin"]


def test_a_period_without_notices_says_so(figures: World) -> None:
    page = signed_in("coord.fr").get("/compliance/dashboard/?period=2023").content.decode()
    assert "No notice was sent to a platform in this period." in page and 'class="chart"' not in page


def test_the_demo_gives_the_french_coordinator_a_dashboard(world: None) -> None:
    page = signed_in("coord.fr").get("/compliance/dashboard/").content.decode()
    assert "Figures by platform" in page and "leboncoin" in page


def _more_notices(w: World, count: int) -> None:
    """Notices of the French agencies to leboncoin, one a month back from April 2024."""
    for number in range(count):
        month = datetime.datetime(2024 - number // 12, 12 - number % 12, 3, 9, 0, tzinfo=datetime.UTC)
        w.notice(f"extra-{number}", "inv.ofb", "pf-leboncoin", month, acknowledged=2 * H,
                 items={f"X{number}": (REMOVED, 6 * H, ""), f"Y{number}": (REJECTED, 3 * H, f"Reason {number}")})


def test_the_dashboard_costs_the_same_statements_whatever_the_notices_and_months(figures: World) -> None:
    client = signed_in("coord.fr")
    few = _statements(client, "/compliance/dashboard/?period=2024")
    _more_notices(figures, 24)
    # the session with the officer (their agency and its mandates in force, which the shell reads), the
    # platforms, five for the period's figures and five for its months
    assert _statements(client, "/compliance/dashboard/?period=2024") == few == 12


def test_the_drill_down_costs_the_same_statements_whatever_its_length(figures: World) -> None:
    client = signed_in("coord.fr")
    few = _statements(client, NOTICES + "?period=2024&figure=acted")
    _more_notices(figures, 24)
    assert TakedownNotice.objects.filter(issuing_agency__country="FR", sent_at__year=2024).count() == 15
    # the session with the officer (and the mandates the shell reads), the notices with their count, their
    # agencies, items and re-listings
    assert _statements(client, NOTICES + "?period=2024&figure=acted&size=50") == few == 5


@pytest.mark.parametrize(("seconds", "written"), [
    (None, ""), (0, "0 h 00 min"), (29, "0 h 00 min"), (3599.9, "1 h 00 min"), (3607, "1 h 00 min"),
    (11100, "3 h 05 min"), (180000, "50 h 00 min"), (3_600_000, "1,000 h 00 min"),
])
def test_a_duration_is_written_in_hours_and_minutes(seconds: float | None, written: str) -> None:
    with translation.override("en"):
        assert duration(seconds) == written


def test_a_rate_is_written_as_a_percentage_in_the_pages_language() -> None:
    with translation.override("en"):
        assert (percent(None), percent(2 / 3), percent(1), percent(0)) == ("", "66.7 %", "100.0 %", "0.0 %")
    with translation.override("fr"):
        assert percent(0.375) == "37,5 %"
