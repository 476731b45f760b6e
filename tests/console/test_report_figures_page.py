"""The report figures page (/reports/figures/), over the demo's IFAW reports moved on by hand.

The demo's five IFAW reports (sent in the last nine days): three about leboncoin (FR), one about Wallapop (ES,
not actionable), one about Facebook Marketplace (IE, under review). Here the leboncoin ones are routed to OFB
and the first of them is sent to the platform 3 h after it arrived; the Wallapop one was triaged after 48 h. The
demo has no programme coordinator: IFAW's is created here.
"""

from __future__ import annotations

import datetime

import pytest
from django.db.models import F
from django.test import Client

from agencies.models import Agency
from officers.models import Officer, Role
from reports.models import SpotterReport
from tests.console.test_pages import _statements
from tests.console.test_shell import signed_in
from wildnet.demo import DEMO_PASSWORD

PATH = "/reports/figures/"
H = datetime.timedelta(hours=1)


@pytest.fixture
def reports(world: None) -> None:
    ifaw = Agency.objects.get(code="ngo-ifaw")
    Officer.objects.create_user("coord.ifaw", "coord.ifaw@wildnet.example", DEMO_PASSWORD, role=Role.AGENCY_ADMIN,
                                agency=ifaw)
    leboncoin = SpotterReport.objects.filter(platform__code="pf-leboncoin").order_by("created_at")
    leboncoin.update(routed_to=Agency.objects.get(code="fr-ofb"))
    SpotterReport.objects.filter(pk=leboncoin[0].pk).update(status="sent_to_platform",
                                                           triaged_at=F("created_at") + 3 * H)
    SpotterReport.objects.filter(platform__code="pf-wallapop").update(triaged_at=F("created_at") + 48 * H)


def page(client: Client, query: str = "") -> str:
    response = client.get(PATH + query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return str(response.content.decode())


def test_the_programme_coordinator_reads_their_programmes_figures(reports: None) -> None:
    html = page(signed_in("coord.ifaw"))
    assert "<h1>Report figures</h1>" in html and "Last 12 months" in html
    assert "<caption>By programme</caption>" in html and '<th scope="row">IFAW Europe</th>' in html
    # Received 5, triaged 2, acted on 1 (sent to the platform), not actionable 1: 50 %; 3 h and 48 h.
    assert ("<td>5</td><td>2</td><td>1</td><td>1</td>\n<td>0</td><td>1</td>\n<td>50.0 %</td><td>0</td>\n"
            "<td>3 h 00 min</td><td>48 h 00 min</td>") in html
    assert "IFAW Europe — FR" in html and "IFAW Europe — ES" in html and "IFAW Europe — IE" in html


def test_the_monthly_chart_is_a_table_of_received_and_acted_on(reports: None) -> None:
    html = page(signed_in("coord.ifaw"))
    assert 'data-chart="bar"' in html and "Reports received and acted on, by month" in html
    assert "IFAW Europe: received" in html and "IFAW Europe: acted on" in html
    assert html.count("<time datetime=") >= 12  # one row per month of the last twelve
    assert 'src="/static/console/charts.js"' in html


def test_a_national_coordinator_reads_the_figures_of_reports_about_their_country(reports: None) -> None:
    html = page(signed_in("coord.es"))
    assert "IFAW Europe — ES" in html and "IFAW Europe — FR" not in html
    assert "<td>1</td><td>1</td><td>0</td><td>0</td>" in html  # Wallapop's: received, triaged, not acted on


def test_a_supervisor_reads_the_figures_of_reports_routed_to_their_agency(reports: None) -> None:
    html = page(signed_in("sup.ofb"))
    assert "IFAW Europe — FR" in html and "IFAW Europe — ES" not in html and "IFAW Europe — IE" not in html


def test_an_empty_period_says_so(reports: None) -> None:
    html = page(signed_in("coord.ifaw"), "?period=2020")
    assert "No report was received in this period." in html and "<caption>By programme</caption>" not in html


@pytest.mark.parametrize("username", ["spotter.ifaw", "pf.leboncoin", "admin.ofb"])
def test_anyone_the_api_refuses_gets_the_404_of_a_missing_page(reports: None, username: str) -> None:
    client = signed_in(username)
    assert client.get(PATH).status_code == 404
    assert client.get(PATH + "?period=last-year").status_code == 404


def test_an_unreadable_period_is_shown_beside_its_field(reports: None) -> None:
    response = signed_in("coord.ifaw").get(PATH + "?period=last-year", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 400 and 'role="alert"' in html
    assert 'aria-describedby="figures-period-error"' in html and "<caption>By programme</caption>" not in html


def test_the_navigation_offers_the_page_to_the_programme_coordinator(reports: None) -> None:
    assert f'href="{PATH}"' in page(signed_in("coord.ifaw"), "")


def test_the_page_costs_the_same_statements_whatever_the_number_of_reports(reports: None) -> None:
    client = signed_in("coord.ifaw")
    before = _statements(client, PATH)
    report = SpotterReport.objects.filter(platform__code="pf-leboncoin").first()
    assert report is not None
    for _ in range(20):
        report.pk = None
        report.save()
    assert _statements(client, PATH) == before
