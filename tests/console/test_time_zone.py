"""Times in the reader's zone: their own choice, else their agency's, else its country's principal zone."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.utils import timezone

from agencies.models import Agency
from agencies.zones import country_zone, validate_time_zone
from officers.middleware import TimeZoneMiddleware
from officers.models import Officer
from tests.console.test_shell import signed_in

pytestmark = pytest.mark.django_db

NOON_UTC = datetime.datetime(2026, 7, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(("country", "zone"), [("FR", "Europe/Paris"), ("ES", "Europe/Madrid"),
                                                ("US", "America/New_York"), ("ZZ", "UTC")])
def test_a_country_reads_times_in_its_principal_zone(country: str, zone: str) -> None:
    assert country_zone(country) == zone


def test_an_unknown_zone_is_not_valid() -> None:
    validate_time_zone("America/Argentina/Buenos_Aires")
    with pytest.raises(ValidationError):
        validate_time_zone("Mars/Olympus_Mons")


def _shown_at_noon_utc(officer: Officer) -> str:
    request = RequestFactory().get("/")
    request.user = officer

    def render(request: object) -> str:
        shown = Template('{{ at|date:"H:i" }}').render(Context({"at": NOON_UTC}))
        return f"{shown} {timezone.get_current_timezone_name()}"

    try:
        return TimeZoneMiddleware(render)(request)  # type: ignore[arg-type,return-value]
    finally:
        timezone.deactivate()


def test_the_officer_choice_wins_over_the_agency_and_the_country(world: None) -> None:
    officer = Officer.objects.get(username="inv.ofb")
    assert _shown_at_noon_utc(officer) == "14:00 Europe/Paris"
    Agency.objects.filter(pk=officer.agency_id).update(time_zone="Indian/Reunion")
    officer.refresh_from_db()
    officer.agency.refresh_from_db()
    assert _shown_at_noon_utc(officer) == "16:00 Indian/Reunion"
    officer.time_zone = "America/Cayenne"
    assert _shown_at_noon_utc(officer) == "09:00 America/Cayenne"


def test_an_anonymous_request_reads_utc() -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    timezone.activate("Europe/Paris")
    seen: list[str] = []
    TimeZoneMiddleware(lambda r: seen.append(timezone.get_current_timezone_name()))(request)  # type: ignore[arg-type,func-returns-value]
    assert seen == ["UTC"]


def test_an_officer_chooses_a_zone_on_the_preferences_page(world: None) -> None:
    client = signed_in("inv.ofb")
    page = client.get("/preferences/").content.decode()
    assert "Dates and deadlines are shown in Europe/Paris." in page
    assert re.search(r'<option value="" selected>Your agency(&#x27;|\')s \(Europe/Paris\)</option>', page), page
    response = client.post("/preferences/", {"time_zone": "America/Cayenne"})
    assert response.status_code == 302
    assert Officer.objects.get(username="inv.ofb").time_zone == "America/Cayenne"
    page = client.get("/preferences/").content.decode()
    assert "Dates and deadlines are shown in America/Cayenne." in page
    assert '<option value="America/Cayenne" selected>' in page
    client.post("/preferences/", {"time_zone": ""})
    assert Officer.objects.get(username="inv.ofb").time_zone == ""


def test_a_zone_that_does_not_exist_is_a_clear_error_that_changes_nothing(world: None) -> None:
    client = signed_in("inv.ofb")
    response = client.post("/preferences/", {"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 400
    assert "Choose a time zone from the list, such as Europe/Paris." in response.content.decode()
    assert 'aria-describedby="time-zone-error"' in response.content.decode()
    assert Officer.objects.get(username="inv.ofb").time_zone == ""


def test_the_api_gives_the_zone_in_force_and_the_choice(world: None) -> None:
    client = signed_in("inv.ofb")
    query = "{ viewer { timeZone chosenTimeZone agency { timeZone } } }"
    body = client.post("/graphql/", {"query": query}, content_type="application/json").json()
    assert body["data"]["viewer"] == {"timeZone": "Europe/Paris", "chosenTimeZone": "",
                                      "agency": {"timeZone": "Europe/Paris"}}
    mutation = 'mutation { setTimeZone(timeZone: "Nowhere") { errors { code field } } }'
    body = client.post("/graphql/", {"query": mutation}, content_type="application/json").json()
    assert body["data"]["setTimeZone"]["errors"] == [{"code": "INVALID", "field": "timeZone"}]


def test_an_anonymous_visitor_has_no_preferences() -> None:
    response = Client().get("/preferences/")
    assert response.status_code == 302
