"""The audit log tells who did what to which object, never what the object says (issue "Hardening").

Canaries — a case title, a listing URL, a phone, a report's text, an evidence digest, a revocation reason, the
words of a search and a measure's notes and evidence link — are written through the product's own actions; then
every demo officer reads ``auditEvents`` and ``accessLog`` with every field, page after page. A canary may reach
a reader only if the policy lets that reader see the object it belongs to; the grants are pinned too, so the
test cannot pass by showing nobody anything.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone
from graphql_relay import to_global_id

from access.policy import visible
from cases import actions as case_actions
from cases.evidence import attach_evidence
from cases.models import CaptureMethod, CaseEntity, Evidence, IntelReport, Listing
from compliance.measures import actions as measures
from compliance.measures.catalogue import load_catalogue
from compliance.measures.models import NationalAssessment
from compliance.measures.rules import sees_details
from officers.models import Officer
from sharing import actions as sharing_actions
from sharing.models import Share
from wildnet.demo import OFFICERS

from .conftest import INVESTIGATION, viewer

PNG = b"\x89PNG\r\n\x1a\n" + b"canary screenshot 7f3a" * 10
FIELDS = """id occurredAt actorUsername country action objectType objectId outcome mandateId purpose requestId
            details seq content agencyId objectAgencyId"""
READ = """query($id: ID!) { node(id: $id) { ... on Case { title listings { url } reports { text } } } }"""
PAGE = """query($since: DateTime!, $after: String) {
  %s(occurredAt_Gte: $since, first: 100, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { %s } } } }"""


@dataclass(frozen=True)
class Canary:
    text: str
    obj: models.Model | None  # None: the words of a search, which belong to the officer who typed them

    def readable_by(self, officer: Officer) -> bool:
        """Whether the policy lets ``officer`` see the object the canary belongs to."""
        if self.obj is None:
            return officer.username == "inv.ofb"
        who = viewer(officer.username)
        if isinstance(self.obj, NationalAssessment):
            return sees_details(who, self.obj)
        return visible(who, type(self.obj)._default_manager.filter(pk=self.obj.pk)).exists()


@pytest.fixture
def canaries(demo: Any, client: Any, settings: Any, tmp_path: Any) -> tuple[datetime.datetime, dict[str, Canary]]:
    settings.MEDIA_ROOT = str(tmp_path)
    since = timezone.now()
    inv = viewer("inv.ofb")
    case = case_actions.create_case(inv, case_actions.CaseInput(title="Canary title 7f3a", jurisdictions=["FR"]))
    listing, _ = case_actions.add_listing(inv, case, case_actions.ListingInput(
        url="https://www.leboncoin.fr/ad/canary-url-7f3a", seller="canary_seller_7f3a"))
    claim = case_actions.link_entity(inv, case, case_actions.ClaimInput(
        kind="phone", value="+33699887766", role="seller", source_reliability="B", information_credibility="2"))
    report = case_actions.add_report(inv, case, case_actions.ReportInput(
        text="Canary report text 7f3a", source_evaluation="B", information_assessment="2"))
    evidence = attach_evidence(inv, case, SimpleUploadedFile("advert.png", PNG),
                               capture_method=CaptureMethod.SCREENSHOT,
                               captured_at=timezone.now() - datetime.timedelta(hours=1))
    from agencies.models import Agency

    share = sharing_actions.share_case(inv, case, sharing_actions.ShareInput(
        justification="Joint investigation", recipient_agency=Agency.objects.get(code="fr-oclaesp")))
    client.force_login(Officer.objects.get(username="inv.oclaesp"))
    read = client.post("/graphql/", {"query": READ, "variables": {"id": to_global_id("Case", case.pk)}},
                       content_type="application/json", **INVESTIGATION)
    assert "canary-url-7f3a" in read.content.decode()  # the recipient read it while shared: an access-log entry
    sharing_actions.revoke_share(viewer("sup.ofb"), share, "Canary revoke reason 7f3a")
    client.force_login(Officer.objects.get(username="inv.ofb"))
    exported = client.get("/search/export.csv", {"q": "+33 6 99 88 77 66"}, HTTP_SEC_FETCH_SITE="same-origin",
                          **INVESTIGATION)
    assert exported.status_code == 200
    load_catalogue()
    draft = measures.create_assessment(viewer("coord.fr"), "FR", datetime.date(2027, 1, 1),
                                       datetime.date(2027, 12, 31))
    measures.set_measure_status(viewer("coord.fr"), draft, measures.StatusChange(
        measure_code="BP-A-02", status="in_progress", notes="Canary measure note 7f3a",
        evidence=[measures.EvidenceInput(kind="link", url="https://canary-7f3a.example/evidence")]))
    return since, {
        "title": Canary("Canary title 7f3a", case),
        "url": Canary("canary-url-7f3a", Listing.objects.get(pk=listing.pk)),
        "phone": Canary("699887766", CaseEntity.objects.get(pk=claim.pk)),
        "report": Canary("Canary report text 7f3a", IntelReport.objects.get(pk=report.pk)),
        "digest": Canary(evidence.sha256, Evidence.objects.get(pk=evidence.pk)),
        "revoke reason": Canary("Canary revoke reason 7f3a", Share.objects.get(pk=share.pk)),
        "search words": Canary("99 88 77 66", None),
        "measure note": Canary("Canary measure note 7f3a", draft),
        "measure evidence": Canary("canary-7f3a.example", draft),
    }


def read_log(gql: Any, username: str, since: datetime.datetime, field: str) -> tuple[str, list[dict[str, Any]]]:
    """Everything ``username`` receives from ``field`` since ``since``: the raw text and the events."""
    gql.login(username)
    texts, events, after = [], [], None
    while True:
        response = gql.post(PAGE % (field, FIELDS), {"since": since.isoformat(), "after": after}, **INVESTIGATION)
        texts.append(response.content.decode())
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        page = body["data"][field]
        if page is None:
            return "".join(texts), events
        events += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return "".join(texts), events
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize("username", [username for username, *_ in OFFICERS])
@pytest.mark.parametrize("field", ["auditEvents", "accessLog"])
def test_no_reader_receives_what_an_object_hidden_from_them_says(gql: Any, canaries: Any, username: str,
                                                                  field: str) -> None:
    since, planted = canaries
    officer = Officer.objects.get(username=username)
    text, _ = read_log(gql, username, since, field)
    leaked = [name for name, canary in planted.items() if canary.text in text and not canary.readable_by(officer)]
    assert leaked == []


def contents(events: list[dict[str, Any]], action: str) -> list[Any]:
    return [event["content"] for event in events if event["action"] == action]


def test_who_may_see_the_object_reads_what_the_event_says(gql: Any, canaries: Any) -> None:
    since, planted = canaries
    _, mine = read_log(gql, "inv.ofb", since, "auditEvents")
    assert contents(mine, "case.add_listing") == [{"url": "https://www.leboncoin.fr/ad/canary-url-7f3a"}]
    assert contents(mine, "evidence.attach") == [{"sha256": planted["digest"].text}]
    assert contents(mine, "search.export")[0]["query"] == "+33 6 99 88 77 66"
    _, supervisor = read_log(gql, "sup.ofb", since, "auditEvents")
    assert contents(supervisor, "case.add_listing") == [{"url": "https://www.leboncoin.fr/ad/canary-url-7f3a"}]
    assert contents(supervisor, "share.revoke") == [{"reason": "Canary revoke reason 7f3a"}]
    _, coordinator = read_log(gql, "coord.fr", since, "auditEvents")
    [status_change] = contents(coordinator, "assessment.set_status")
    assert status_change["after"]["notes"] == "Canary measure note 7f3a"
    assert status_change["evidence_added"] == [{"kind": "link", "url": "https://canary-7f3a.example/evidence"}]


def test_auditors_learn_who_did_what_to_which_object_without_its_content(gql: Any, canaries: Any) -> None:
    since, _ = canaries
    _, supervisor = read_log(gql, "sup.ofb", since, "auditEvents")
    export = next(event for event in supervisor if event["action"] == "search.export")
    assert export["actorUsername"] == "inv.ofb" and export["details"]["rows"] >= 0
    assert export["content"] is None  # the words an officer searched for are theirs alone
    _, coordinator = read_log(gql, "coord.fr", since, "auditEvents")
    listing = next(event for event in coordinator if event["action"] == "case.add_listing")
    assert listing["actorUsername"] == "inv.ofb" and listing["objectType"] == "cases.listing"
    assert listing["content"] is None and listing["details"]["case"]
    _, operator = read_log(gql, "sysadmin", since, "auditEvents")
    assert {event["action"] for event in operator} >= {"case.add_listing", "evidence.attach",
                                                       "assessment.set_status", "search.export"}
    assert all(event["content"] is None for event in operator)
    _, log = read_log(gql, "sup.ofb", since, "accessLog")
    [read] = log
    assert read["actorUsername"] == "inv.oclaesp" and read["content"] is None
    assert set(read["details"]["cases"]) == {read["objectId"]}

