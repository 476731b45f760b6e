"""The spotter's console pages: their reports with status and history, and the report form (no JavaScript)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.policy import viewer_for
from officers.models import Officer
from reports.actions import ReportInput, submit_report
from reports.models import ReportScreenshot, SpotterReport
from tests.console.test_shell import signed_in

from .conftest import PNG


@pytest.fixture
def world(db: Any, media: Path) -> None:
    """The whole demo world, with IFAW's demo reports."""
    call_command("load_demo", verbosity=0)


def form(**changes: Any) -> dict[str, Any]:
    return {"url": "https://www.leboncoin.fr/ad/animaux/2480000001", "description": "Perroquet gris sans papiers.",
            "speciesSuggested": "perroquet gri", "seenAt": "2026-01-10T09:30", "language": "fr", **changes}


def test_the_spotter_s_reports_show_status_reason_and_history(world: None) -> None:
    page = signed_in("spotter.ifaw").get("/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "5 reports" in html
    assert "Under review" in html and "Not actionable: Not enough information to act on" in html
    assert html.count("<li>Received") == 5 and "https://es.wallapop.com/item/loro-gris-hablador-88123" in html
    assert "Wallapop" in html and "<i>Psittacus erithacus</i> (psitacus eritacus)" in html


def test_nothing_on_the_page_tells_a_duplicate_or_known_intelligence(world: None) -> None:
    assert SpotterReport.objects.filter(already_known=True).exists()
    assert SpotterReport.objects.filter(duplicate_of__isnull=False).exists()
    html = signed_in("spotter.ifaw").get("/reports/").content.decode().lower()
    assert "duplicate" not in html and "already" not in html and "known" not in html and "case" not in html


def test_the_navigation_offers_reports_to_spotters_only(world: None) -> None:
    assert 'href="/reports/"' in signed_in("spotter.ifaw").get("/").content.decode()
    assert 'href="/reports/"' not in signed_in("inv.ofb").get("/").content.decode()


@pytest.mark.parametrize("username", ["inv.ofb", "ana.ofb", "pf.leboncoin", "admin.ofb", "coord.fr", "sysadmin"])
@pytest.mark.parametrize("path", ["/reports/", "/reports/new/"])
def test_other_roles_get_the_404_of_a_missing_page(world: None, username: str, path: str) -> None:
    assert signed_in(username).get(path).status_code == 404


def test_a_report_sent_from_the_form_with_a_screenshot_is_listed_as_received(world: None) -> None:
    client = signed_in("spotter.ifaw")
    assert client.get("/reports/new/").status_code == 200
    answer = client.post("/reports/new/", form(screenshots=[SimpleUploadedFile("annonce.png", PNG)]))
    assert answer.status_code == 302 and answer["Location"] == "/reports/?sent=1"
    report = SpotterReport.objects.get(url="https://www.leboncoin.fr/ad/animaux/2480000001")
    assert report.species is not None and report.species.scientific_name == "Psittacus erithacus"
    assert ReportScreenshot.objects.get(report=report).content_type == "image/png"
    html = client.get(answer["Location"]).content.decode()
    assert "your report was received" in html and "6 reports" in html and "1 screenshot" in html


def test_typed_errors_are_shown_beside_their_fields_and_nothing_is_written(world: None) -> None:
    client = signed_in("spotter.ifaw")
    before = SpotterReport.objects.count()
    answer = client.post("/reports/new/", form(url="ftp://example.org/x"))
    assert answer.status_code == 400
    html = answer.content.decode()
    assert 'id="error_url" role="alert"' in html and 'aria-invalid="true"' in html
    assert 'value="perroquet gri"' in html  # what was typed stays
    answer = client.post("/reports/new/", form(seenAt=""))
    assert 'id="error_seenAt"' in answer.content.decode()
    answer = client.post("/reports/new/", form(screenshots=[SimpleUploadedFile("x.png", b"<html></html>")]))
    assert 'id="error_screenshots" role="alert"' in answer.content.decode()
    assert SpotterReport.objects.count() == before


def test_input_is_escaped_on_the_pages(world: None, settings: Any) -> None:
    client = signed_in("spotter.ifaw")
    script = "<script>alert('x')</script>"
    answer = client.post("/reports/new/", form(description=script, speciesSuggested=script, url="bad" + script))
    assert script not in answer.content.decode() and "&lt;script&gt;" in answer.content.decode()
    assert client.post("/reports/new/", form(description=script, speciesSuggested=script)).status_code == 302
    html = client.get("/reports/").content.decode()
    assert script not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_the_report_list_costs_the_same_statements_whatever_its_length(world: None, settings: Any) -> None:
    client = signed_in("spotter.ifaw")

    def statements(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    few = statements("/reports/")
    spotter = viewer_for(Officer.objects.get(username="spotter.ifaw"))
    settings.REPORTS_PER_HOUR = 100
    for number in range(40):
        submit_report(spotter, ReportInput(url=f"https://www.leboncoin.fr/ad/animaux/{number}",
                                           description="Another one.", species_suggested="python regius",
                                           seen_at=timezone.now() - datetime.timedelta(hours=1)),
                      [SimpleUploadedFile("a.png", PNG)])
    assert statements("/reports/?size=50") == few


def test_an_anonymous_visitor_is_sent_to_sign_in(world: None) -> None:
    answer = Client().get("/reports/")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")


def test_the_rate_limit_is_shown_above_the_form(world: None, settings: Any) -> None:
    settings.REPORTS_PER_HOUR = 1
    client = signed_in("spotter.ifaw")
    assert client.post("/reports/new/", form()).status_code == 302
    answer = client.post("/reports/new/", form(url="https://www.leboncoin.fr/ad/animaux/2480000002"))
    html = answer.content.decode()
    assert answer.status_code == 400 and 'class="problems" role="alert"' in html and "in the last hour" in html
    assert not SpotterReport.objects.filter(url__endswith="/2480000002").exists()


def test_the_programme_coordinator_reads_the_programme_s_reports_and_nothing_behind_them(world: None) -> None:
    client = signed_in("coord.ifaw")
    assert 'href="/reports/"' in client.get("/").content.decode()
    html = client.get("/reports/").content.decode()
    assert "<h1>The programme's reports</h1>" in html and "Emma Wouters" in html and "Lucas Fontaine" in html
    assert "7 reports" in html and "Acted on: sent to the platform" in html
    lowered = html.lower()
    assert "duplicate" not in lowered and "already" not in lowered and "FR-OFB" not in html and "TD-" not in html


def test_an_administrator_of_an_agency_that_is_no_programme_has_no_reports_page(world: None) -> None:
    client = signed_in("admin.ofb")
    assert 'href="/reports/"' not in client.get("/").content.decode()
    assert client.get("/reports/").status_code == 404
