"""The report figures page (/reports/figures/), over the demo's IFAW programme as it is.

The demo's seven IFAW reports (sent in the last twenty days): four about leboncoin (FR, routed to the OFB, none
triaged yet but the one passed to an investigation after 26 h), two about Facebook Marketplace (IE, routed to
the OFB by IFAW's route: one sent to the platform after 3 h and removed, one under review), one about Wallapop
(ES, routed to the Guardia Civil: not actionable after 48 h).
"""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from reports.models import SpotterReport
from tests.console.test_pages import _statements
from tests.console.test_shell import signed_in

PATH = "/reports/figures/"
H = datetime.timedelta(hours=1)


def page(client: Client, query: str = "") -> str:
    response = client.get(PATH + query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return str(response.content.decode())


def test_the_programme_coordinator_reads_their_programmes_figures(world: None) -> None:
    html = page(signed_in("coord.ifaw"))
    assert "<h1>Report figures</h1>" in html and "Last 12 months" in html
    assert "<caption>By programme</caption>" in html and '<th scope="row">IFAW Europe</th>' in html
    # Received 7, triaged 3, acted on 2 (one sent to the platform, one passed to an investigation), one not
    # actionable: 66.7 %; one removal; triaged after 3 h, 26 h and 48 h: median 26 h, p90 48 h.
    assert ("<td>7</td><td>3</td><td>2</td><td>1</td>\n<td>1</td><td>1</td>\n<td>66.7 %</td><td>1</td>\n"
            "<td>26 h 00 min</td><td>48 h 00 min</td>") in html
    assert "IFAW Europe — FR" in html and "IFAW Europe — ES" in html and "IFAW Europe — IE" in html


def test_the_monthly_chart_is_a_table_of_received_and_acted_on(world: None) -> None:
    html = page(signed_in("coord.ifaw"))
    assert 'data-chart="bar"' in html and "Reports received and acted on, by month" in html
    assert "IFAW Europe: received" in html and "IFAW Europe: acted on" in html
    assert html.count("<time datetime=") >= 12  # one row per month of the last twelve
    assert 'src="/static/console/charts.js"' in html


def test_a_national_coordinator_reads_the_figures_of_reports_about_their_country(world: None) -> None:
    html = page(signed_in("coord.es"))
    assert "IFAW Europe — ES" in html and "IFAW Europe — FR" not in html
    assert "<td>1</td><td>1</td><td>0</td><td>0</td>" in html  # Wallapop's: received, triaged, not acted on


@pytest.mark.parametrize("username", ["sup.ofb", "admin.ofb"])
def test_a_supervisor_reads_the_figures_of_reports_routed_to_their_agency(world: None, username: str) -> None:
    html = page(signed_in(username))
    assert "IFAW Europe — FR" in html and "IFAW Europe — IE" in html and "IFAW Europe — ES" not in html


def test_an_empty_period_says_so(world: None) -> None:
    html = page(signed_in("coord.ifaw"), "?period=2020")
    assert "No report was received in this period." in html and "<caption>By programme</caption>" not in html


@pytest.mark.parametrize("username", ["spotter.ifaw", "pf.leboncoin", "sysadmin"])
def test_anyone_the_api_refuses_gets_the_404_of_a_missing_page(world: None, username: str) -> None:
    client = signed_in(username)
    assert client.get(PATH).status_code == 404
    assert client.get(PATH + "?period=last-year").status_code == 404


def test_an_unreadable_period_is_shown_beside_its_field(world: None) -> None:
    response = signed_in("coord.ifaw").get(PATH + "?period=last-year", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 400 and 'role="alert"' in html
    assert 'aria-describedby="figures-period-error"' in html and "<caption>By programme</caption>" not in html


def test_the_navigation_offers_the_page_to_the_programme_coordinator(world: None) -> None:
    assert f'href="{PATH}"' in page(signed_in("coord.ifaw"), "")


def test_the_page_costs_the_same_statements_whatever_the_number_of_reports(world: None) -> None:
    client = signed_in("coord.ifaw")
    before = _statements(client, PATH)
    report = SpotterReport.objects.filter(platform__code="pf-leboncoin").first()
    assert report is not None
    for _ in range(20):
        report.pk = None
        report.save()
    assert _statements(client, PATH) == before
