"""Spotters' reports through the API: submitting, the limits, who sees a report, and what a spotter never sees."""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from graphql_relay import to_global_id

from access.errors import ActionError
from access.policy import viewer_for
from cases.actions import CaseInput, ListingInput, add_listing, create_case
from cases.models import Case, Listing
from compliance.models import TakedownNotice
from officers.models import Officer
from outbox.models import OutboxMessage
from reports.actions import set_report_status
from reports.models import ReportScreenshot, SpotterReport

from .conftest import PNG, submit

pytestmark = pytest.mark.django_db

READ = """query($id: ID!) { report(id: $id) { id status } node(id: $id) { id } }"""
LISTS = """{ myReports { totalCount edges { node { id } } } spotterReports { totalCount } }"""


def spotter_client(username: str = "spotter.ifaw") -> Client:
    client = Client()
    client.force_login(Officer.objects.get(username=username))
    return client


def test_a_spotter_s_report_is_received_normalised_recognised_and_matched(demo: Any, species: Any,
                                                                         media: Path) -> None:
    cases, listings, notices = Case.objects.count(), Listing.objects.count(), TakedownNotice.objects.count()
    outcome = submit(spotter_client())
    assert outcome["errors"] == []
    report = outcome["report"]
    assert report["url"] == "https://es.wallapop.com/item/loro-gris-88123"
    assert report["urlAsGiven"] == "https://es.wallapop.com/item/loro-gris-88123?utm_source=app#fotos"
    assert report["platform"] == {"code": "pf-wallapop"}
    assert report["species"] == {"scientificName": "Psittacus erithacus"}
    assert report["speciesSuggested"] == "psitacus eritacus"
    assert report["status"] == "RECEIVED" and report["reason"] is None
    assert [step["status"] for step in report["history"]] == ["RECEIVED"]
    # a report writes nothing outside the reports' tables
    assert (Case.objects.count(), Listing.objects.count(), TakedownNotice.objects.count()) == (cases, listings,
                                                                                               notices)


def test_screenshots_are_stored_with_their_hash_size_and_detected_type(demo: Any, media: Path) -> None:
    pdf = b"%PDF-1.4\n" + b"x" * 100
    outcome = submit(spotter_client(), files=[("annonce.png", PNG), ("page.pdf", pdf)])
    assert outcome["errors"] == []
    assert outcome["report"]["screenshots"] == [
        {"originalName": "annonce.png", "sha256": hashlib.sha256(PNG).hexdigest(), "size": len(PNG),
         "contentType": "image/png"},
        {"originalName": "page.pdf", "sha256": hashlib.sha256(pdf).hexdigest(), "size": len(pdf),
         "contentType": "application/pdf"}]
    stored = [path for path in media.rglob("*") if path.is_file()]
    assert [path.parent.name for path in stored] == ["reports", "reports"]
    assert sorted(path.read_bytes() for path in stored) == sorted([PNG, pdf])


@pytest.mark.parametrize(("content", "name"), [
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "photo.png"),
    (b"<html><body>hello</body></html>", "page.pdf"),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "setup.jpg"),
    (b"", "empty.png"),
])
def test_a_file_that_is_not_an_image_or_a_pdf_is_refused_and_nothing_is_written(demo: Any, media: Path,
                                                                                content: bytes, name: str) -> None:
    outcome = submit(spotter_client(), files=[("ok.png", PNG), (name, content)])
    assert outcome["report"] is None
    assert [(e["code"], e["field"]) for e in outcome["errors"]] == [("INVALID", "screenshots")]
    assert not SpotterReport.objects.exists() and not ReportScreenshot.objects.exists()
    assert not media.exists() or not [path for path in media.rglob("*") if path.is_file()]


def test_a_screenshot_over_the_size_limit_is_refused(demo: Any, media: Path, settings: Any) -> None:
    settings.REPORT_SCREENSHOT_MAX_BYTES = len(PNG) - 1
    outcome = submit(spotter_client(), files=[("big.png", PNG)])
    assert [(e["code"], e["field"]) for e in outcome["errors"]] == [("FILE_TOO_LARGE", "screenshots")]
    assert not SpotterReport.objects.exists()


def test_too_many_screenshots_are_refused(demo: Any, media: Path, settings: Any) -> None:
    settings.REPORT_SCREENSHOTS_MAX = 1
    outcome = submit(spotter_client(), files=[("a.png", PNG), ("b.png", PNG)])
    assert [(e["code"], e["field"]) for e in outcome["errors"]] == [("INVALID", "screenshots")]
    assert not SpotterReport.objects.exists()


def _future() -> str:
    return (timezone.now() + datetime.timedelta(hours=2)).isoformat()


@pytest.mark.parametrize(("changes", "code", "field"), [
    ({"url": ""}, "REQUIRED", "url"),
    ({"url": "ftp://example.org/x"}, "INVALID", "url"),
    ({"url": "javascript:alert(1)"}, "INVALID", "url"),
    ({"url": "https://example.org/" + "a" * 2000}, "INVALID", "url"),
    ({"description": "   "}, "REQUIRED", "description"),
    ({"description": "x" * 5001}, "INVALID", "description"),
    ({"speciesSuggested": "x" * 201}, "INVALID", "speciesSuggested"),
    ({"seenAt": None}, "REQUIRED", "seenAt"),
    ({"seenAt": "2026-01-10T09:30:00"}, "INVALID", "seenAt"),
    ({"seenAt": "future"}, "INVALID", "seenAt"),
    ({"language": "klingon"}, "INVALID", "language"),
    ({"language": "qq"}, "INVALID", "language"),
])
def test_each_bad_input_is_a_typed_error_and_writes_nothing(demo: Any, media: Path, changes: dict[str, Any],
                                                            code: str, field: str) -> None:
    if changes.get("seenAt") == "future":
        changes = {"seenAt": _future()}
    outcome = submit(spotter_client(), files=[("ok.png", PNG)], **changes)
    assert outcome["report"] is None
    assert [(e["code"], e["field"]) for e in outcome["errors"]] == [(code, field)]
    assert not SpotterReport.objects.exists()
    assert not media.exists() or not [path for path in media.rglob("*") if path.is_file()]


def test_a_spotter_is_rate_limited_per_hour_counted_from_the_table(demo: Any, media: Path, settings: Any) -> None:
    settings.REPORTS_PER_HOUR = 2
    client = spotter_client()
    assert submit(client)["errors"] == [] and submit(client)["errors"] == []
    refused = submit(client)
    assert [e["code"] for e in refused["errors"]] == ["RATE_LIMITED"] and refused["report"] is None
    assert SpotterReport.objects.count() == 2
    SpotterReport.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=61))
    assert submit(client)["errors"] == []


@pytest.mark.parametrize("username", ["inv.ofb", "ana.ofb", "pf.leboncoin", "coord.fr", "admin.ofb", "sysadmin"])
def test_only_trusted_reporters_submit_reports(demo: Any, media: Path, username: str) -> None:
    outcome = submit(spotter_client(username))
    assert [e["code"] for e in outcome["errors"]] == ["PERMISSION_DENIED"]
    assert not SpotterReport.objects.exists()


def test_another_spotter_s_report_answers_exactly_like_a_missing_one(gql: Any, demo: Any, media: Path,
                                                                     other_spotter: Officer) -> None:
    report_id = submit(spotter_client())["report"]["id"]
    missing = to_global_id("SpotterReport", 999999)
    gql.login(other_spotter)
    assert gql(READ, {"id": report_id}) == gql(READ, {"id": missing}) == {"report": None, "node": None}
    assert gql(LISTS) == {"myReports": {"totalCount": 0, "edges": []}, "spotterReports": {"totalCount": 0}}
    gql.login("spotter.ifaw")
    assert gql(READ, {"id": report_id}) == {"report": {"id": report_id, "status": "RECEIVED"},
                                            "node": {"id": report_id}}


@pytest.mark.parametrize("username", ["inv.ofb", "ana.ofb", "sup.ofb", "pf.wallapop", "coord.es", "admin.ofb",
                                      "ana.interpol", "sysadmin"])
def test_officers_outside_the_programme_cannot_see_reports(gql: Any, demo: Any, media: Path, username: str) -> None:
    report_id = submit(spotter_client())["report"]["id"]
    gql.login(username)
    assert gql(READ, {"id": report_id}) == {"report": None, "node": None}
    assert gql(LISTS) == {"myReports": {"totalCount": 0, "edges": []}, "spotterReports": {"totalCount": 0}}


def test_the_programme_coordinator_sees_the_programme_s_reports(gql: Any, demo: Any, media: Path,
                                                                coordinator: Officer, other_spotter: Officer) -> None:
    first = submit(spotter_client())["report"]["id"]
    second = submit(spotter_client("spotter2.ifaw"), url="https://www.leboncoin.fr/ad/animaux/1")["report"]["id"]
    gql.login(coordinator)
    assert gql(READ, {"id": first})["report"] == {"id": first, "status": "RECEIVED"}
    assert gql("{ spotterReports { totalCount edges { node { id reporter { username } } } } }") == {
        "spotterReports": {"totalCount": 2, "edges": [
            {"node": {"id": second, "reporter": {"username": "spotter2.ifaw"}}},
            {"node": {"id": first, "reporter": {"username": "spotter.ifaw"}}}]}}
    assert gql(LISTS)["myReports"] == {"totalCount": 0, "edges": []}


def test_the_report_type_has_no_field_about_duplicates_or_intelligence(gql: Any, demo: Any) -> None:
    gql.login("spotter.ifaw")
    fields = gql('{ __type(name: "SpotterReport") { fields { name } } }')["__type"]["fields"]
    names = {field["name"] for field in fields}
    assert {"url", "status", "history", "screenshots"} <= names
    assert not {name for name in names if "duplicate" in name.lower() or "known" in name.lower()
                or "case" in name.lower() or "listing" in name.lower()}


def test_a_duplicate_of_known_intelligence_looks_exactly_like_a_new_report(demo: Any, media: Path,
                                                                          other_spotter: Officer) -> None:
    analyst = viewer_for(Officer.objects.get(username="ana.ofb"))
    case = create_case(analyst, CaseInput(title="Ivory on leboncoin", jurisdictions=["FR"]))
    known, _created = add_listing(analyst, case, ListingInput(url="https://www.leboncoin.fr/ad/antiquites/246"))
    fresh = submit(spotter_client("spotter2.ifaw"), url="https://www.leboncoin.fr/ad/animaux/2")["report"]
    again = submit(spotter_client(), url=known.url + "?utm_source=x")["report"]
    repeat = submit(spotter_client(), url=known.url)["report"]
    first, second = SpotterReport.objects.get(url=known.url, duplicate_of=None), SpotterReport.objects.get(
        url=known.url, duplicate_of__isnull=False)
    assert first.already_known and second.already_known and second.duplicate_of == first
    assert not SpotterReport.objects.get(url__endswith="/ad/animaux/2").already_known

    def shape(report: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in report.items() if key not in {"id", "url", "urlAsGiven", "createdAt",
                                                                          "history"}} | {
            "history": [step["status"] for step in report["history"]]}

    assert shape(again) == shape(repeat) == shape(fresh)


def test_a_status_change_is_recorded_and_the_spotter_is_told_in_their_language(demo: Any, media: Path) -> None:
    Officer.objects.filter(username="spotter.ifaw").update(preferred_language="fr")
    submit(spotter_client())
    report = SpotterReport.objects.get()
    operator = viewer_for(Officer.objects.get(username="inv.seprona"))  # a Wallapop report goes to Spain's police
    set_report_status(operator, report, "under_review")
    set_report_status(operator, report, "not_actionable", "listing_unavailable")
    report.refresh_from_db()
    assert (report.status, report.reason) == ("not_actionable", "listing_unavailable")
    assert [(step.status, step.reason) for step in report.history.all()] == [
        ("received", ""), ("under_review", ""), ("not_actionable", "listing_unavailable")]
    mails = [m.payload for m in OutboxMessage.objects.filter(topic="mail.send")
             if "spotter.ifaw@demo.wildnet.invalid" in m.payload["to"]]
    assert len(mails) == 2
    with translation.override("fr"):
        subject = "[WildNet] " + _("Your report is now: %(status)s") % {"status": _("Not actionable")}
        reason = _("The listing is no longer online")
    assert mails[1]["subject"] == subject
    assert report.url in mails[1]["body"] and reason in mails[1]["body"]


@pytest.mark.parametrize(("steps", "field"), [
    ([("received", "")], "status"),
    ([("not_actionable", "")], "reason"),
    ([("under_review", "out_of_scope")], "reason"),
    ([("sent_to_platform", ""), ("under_review", "")], "status"),
    ([("bogus", "")], "status"),
])
def test_status_changes_are_checked(demo: Any, media: Path, steps: list[tuple[str, str]], field: str) -> None:
    submit(spotter_client())
    report = SpotterReport.objects.get()
    operator = viewer_for(Officer.objects.get(username="inv.seprona"))  # a Wallapop report goes to Spain's police
    *done, (status, reason) = steps
    for earlier in done:
        set_report_status(operator, report, *earlier)
    with pytest.raises(ActionError) as refused:
        set_report_status(operator, report, status, reason)
    assert refused.value.field == field


@pytest.mark.parametrize("username", ["spotter.ifaw", "inv.ofb", "admin.ofb", "sysadmin", "coord.ifaw"])
def test_only_the_agency_the_report_is_routed_to_changes_its_status(demo: Any, media: Path, username: str) -> None:
    submit(spotter_client())
    with pytest.raises(ActionError) as refused:
        set_report_status(viewer_for(Officer.objects.get(username=username)), SpotterReport.objects.get(),
                          "under_review")
    assert refused.value.code == "PERMISSION_DENIED"
