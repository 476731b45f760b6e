"""Evidence: upload through GraphQL multipart, integrity from the bytes, isolation, download, custody, checks."""

from __future__ import annotations

import datetime
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory
from django.utils import timezone
from graphql_relay import to_global_id

from access.policy import viewer_for
from api.upload import multipart_operations
from audit.models import AuditEvent, Outcome
from cases import actions
from cases.evidence import attach_evidence
from cases.models import CaptureMethod, Case, CustodyAction, CustodyEvent, Evidence
from officers.actions import issue_token
from officers.models import Officer

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00" + bytes(range(256))

ATTACH = """mutation($caseId: ID!, $file: Upload!, $method: CaptureMethod!, $at: DateTime!, $listingId: ID) {
  attachEvidence(caseId: $caseId, file: $file, captureMethod: $method, capturedAt: $at, listingId: $listingId,
                 description: "Advert for raw ivory") {
    evidence { id originalName sha256 size contentType captureMethod description }
    errors { code field message } } }"""

CUSTODY = """mutation($id: ID!, $action: CustodyAction!, $to: String) {
  recordCustodyEvent(evidenceId: $id, action: $action, fromHolder: "OFB Paris", toHolder: $to) {
    custodyEvent { action fromHolder toHolder } errors { code field message } } }"""


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()]


def an_hour_ago() -> str:
    return (timezone.now() - datetime.timedelta(hours=1)).isoformat()


def upload(client: Client, case: Case, content: bytes = PNG, *, name: str = "notes.txt",
           variables: dict[str, Any] | None = None, file_map: str | None = None) -> Any:
    """Post ``attachEvidence`` as a GraphQL multipart request (operations, map, then the file)."""
    operations = {"query": ATTACH, "variables": {"caseId": to_global_id("Case", case.pk), "file": None,
                                                 "method": "SCREENSHOT", "at": an_hour_ago(), **(variables or {})}}
    return client.post("/graphql/", data={
        "operations": json.dumps(operations),
        "map": file_map if file_map is not None else json.dumps({"0": ["variables.file"]}),
        "0": SimpleUploadedFile(name, content, content_type="text/plain"),
    })


def attach(case: Case, username: str = "inv.ofb", content: bytes = PNG, name: str = "advert.png") -> Evidence:
    return attach_evidence(viewer_for(Officer.objects.get(username=username)), case,
                           SimpleUploadedFile(name, content), capture_method=CaptureMethod.SCREENSHOT,
                           captured_at=timezone.now() - datetime.timedelta(hours=1))


def test_upload_stores_the_bytes_with_their_hash_size_and_detected_type(gql: Any, make_case: Any,
                                                                        media: Path) -> None:
    case = make_case()
    response = upload(gql.login("inv.ofb").client, case, name="notes.txt")
    body = response.json()
    assert "data" in body, body
    result = body["data"]["attachEvidence"]
    assert result["errors"] == []
    assert result["evidence"] == {
        "id": result["evidence"]["id"], "originalName": "notes.txt", "sha256": hashlib.sha256(PNG).hexdigest(),
        "size": len(PNG), "contentType": "image/png", "captureMethod": "SCREENSHOT",
        "description": "Advert for raw ivory",
    }
    evidence = Evidence.objects.get()
    assert evidence.captured_by.username == "inv.ofb"
    assert [path.read_bytes() for path in stored_files(media)] == [PNG]
    assert "notes" not in evidence.file.name, "the client's name is data, never a path"
    first = evidence.custody.get()
    assert (first.action, first.sha256, first.actor_id) == (CustodyAction.CAPTURED, evidence.sha256,
                                                            evidence.captured_by_id)
    assert AuditEvent.objects.filter(action="evidence.attach", object_id=str(evidence.pk),
                                     outcome=Outcome.ALLOWED).count() == 1


def test_a_large_upload_is_hashed_as_it_is_stored(gql: Any, make_case: Any, media: Path) -> None:
    content = PNG + bytes(3 * 1024 * 1024)  # over the in-memory threshold: Django spools it to a temporary file
    result = upload(gql.login("inv.ofb").client, make_case(), content).json()["data"]["attachEvidence"]
    assert result["errors"] == []
    assert result["evidence"]["sha256"] == hashlib.sha256(content).hexdigest()
    assert result["evidence"]["size"] == len(content)
    assert [path.read_bytes() == content for path in stored_files(media)] == [True]


def test_unrecognised_bytes_are_octet_stream(make_case: Any, media: Path) -> None:
    assert attach(make_case(), content=b"just some words", name="page.html").content_type == \
        "application/octet-stream"


def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(gql: Any, make_case: Any, media: Path,
                                                                settings: Any) -> None:
    settings.EVIDENCE_MAX_BYTES = 64
    result = upload(gql.login("inv.ofb").client, make_case()).json()["data"]["attachEvidence"]
    assert result["evidence"] is None
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("FILE_TOO_LARGE", "file")]
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_another_agency_cannot_attach_and_learns_only_not_found(gql: Any, make_case: Any, media: Path) -> None:
    case = make_case()
    client = gql.login("inv.oclaesp").client
    refused = upload(client, case).json()["data"]["attachEvidence"]
    missing = upload(client, case, variables={"caseId": to_global_id("Case", case.pk + 1000)}).json()
    assert refused == missing["data"]["attachEvidence"]
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("NOT_FOUND", "caseId")]
    assert not Evidence.objects.exists()
    assert stored_files(media) == []
    assert AuditEvent.objects.filter(action="evidence.attach", outcome=Outcome.DENIED).count() == 2


def test_a_listing_of_another_case_is_not_found(gql: Any, make_case: Any, media: Path) -> None:
    inv = viewer_for(Officer.objects.get(username="inv.ofb"))
    case, other = make_case(), make_case(title="Pangolin scales")
    listing, _ = actions.add_listing(inv, other, actions.ListingInput(url="https://www.leboncoin.fr/ad/1"))
    result = upload(gql.login("inv.ofb").client, case,
                    variables={"listingId": to_global_id("Listing", listing.pk)}).json()["data"]["attachEvidence"]
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("NOT_FOUND", "listingId")]
    assert stored_files(media) == []
    own, _ = actions.add_listing(inv, case, actions.ListingInput(url="https://www.leboncoin.fr/ad/2"))
    result = upload(gql.client, case, variables={"listingId": to_global_id("Listing", own.pk)}).json()
    assert result["data"]["attachEvidence"]["errors"] == []
    assert Evidence.objects.get().listing == own


def test_a_capture_in_the_future_is_invalid(gql: Any, make_case: Any, media: Path) -> None:
    tomorrow = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    result = upload(gql.login("inv.ofb").client, make_case(), variables={"at": tomorrow}).json()
    assert [(e["code"], e["field"]) for e in result["data"]["attachEvidence"]["errors"]] == [
        ("INVALID", "capturedAt")]
    assert stored_files(media) == []


def test_a_failure_after_storing_removes_the_file(make_case: Any, media: Path, monkeypatch: Any) -> None:
    case = make_case()

    def broken_audit(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("cases.evidence.record", broken_audit)
    with pytest.raises(RuntimeError):
        attach(case)
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_download_streams_the_exact_bytes_and_records_the_access(client: Client, make_case: Any,
                                                                  media: Path) -> None:
    evidence = attach(make_case(), name='saisie "ivoire" é.png')
    client.force_login(Officer.objects.get(username="ana.ofb"))
    response = client.get(f"/cases/evidence/{evidence.pk}/download")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''saisie%20%22ivoire%22%20%C3%A9.png"
    accessed = evidence.custody.get(action=CustodyAction.ACCESSED)
    assert accessed.actor.username == "ana.ofb"
    assert AuditEvent.objects.filter(action="evidence.download", object_id=str(evidence.pk),
                                     actor__username="ana.ofb").count() == 1


def test_download_with_an_api_token(client: Client, make_case: Any, media: Path) -> None:
    evidence = attach(make_case())
    _, raw = issue_token(Officer.objects.get(username="inv.ofb"), name="forensics", scopes=["read"])
    response = client.get(f"/cases/evidence/{evidence.pk}/download", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG


@pytest.mark.parametrize("username", ["inv.oclaesp", "inv.seprona", "coord.fr", "sysadmin", None])
def test_download_refused_looks_like_missing(client: Client, make_case: Any, media: Path,
                                             username: str | None) -> None:
    evidence = attach(make_case())
    if username:
        client.force_login(Officer.objects.get(username=username))
    refused = client.get(f"/cases/evidence/{evidence.pk}/download")
    missing = client.get(f"/cases/evidence/{evidence.pk + 1000}/download")
    assert refused.status_code == missing.status_code == 404
    assert refused.content == missing.content
    assert not evidence.custody.filter(action=CustodyAction.ACCESSED).exists()


def test_download_is_get_only(client: Client, make_case: Any, media: Path) -> None:
    evidence = attach(make_case())
    client.force_login(Officer.objects.get(username="inv.ofb"))
    assert client.post(f"/cases/evidence/{evidence.pk}/download").status_code == 405


def test_custody_events_are_append_only(make_case: Any, media: Path) -> None:
    event = attach(make_case()).custody.get()
    event.note = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    assert CustodyEvent.objects.get().note == ""


def test_officers_declare_transfers_but_not_system_events(gql: Any, make_case: Any, media: Path) -> None:
    evidence = attach(make_case())
    gid = to_global_id("Evidence", evidence.pk)
    gql.login("inv.ofb")
    done = gql(CUSTODY, {"id": gid, "action": "TRANSFERRED", "to": "Parquet de Paris"})["recordCustodyEvent"]
    assert done == {"custodyEvent": {"action": "TRANSFERRED", "fromHolder": "OFB Paris",
                                     "toHolder": "Parquet de Paris"}, "errors": []}
    for action, to, error in [("ACCESSED", "x", ("INVALID", "action")), ("VERIFIED", "x", ("INVALID", "action")),
                              ("TRANSFERRED", "", ("REQUIRED", "toHolder"))]:
        result = gql(CUSTODY, {"id": gid, "action": action, "to": to})["recordCustodyEvent"]
        assert [(e["code"], e["field"]) for e in result["errors"]] == [error]
    assert list(evidence.custody.values_list("action", flat=True)) == ["captured", "transferred"]
    other = gql.login("inv.oclaesp")(CUSTODY, {"id": gid, "action": "SEALED"})["recordCustodyEvent"]
    assert [(e["code"], e["field"]) for e in other["errors"]] == [("NOT_FOUND", "evidenceId")]


def test_verify_evidence_flags_tampered_and_missing_files(make_case: Any, media: Path) -> None:
    case = make_case()
    intact, tampered, deleted = attach(case), attach(case, content=PNG + b"1"), attach(case, content=PNG + b"2")
    Path(tampered.file.path).write_bytes(PNG + b"X")
    Path(deleted.file.path).unlink()
    with pytest.raises(CommandError) as failure:
        call_command("verify_evidence", "--case", case.reference)
    assert "2 of 3" in str(failure.value)
    assert f"evidence {tampered.pk} " in str(failure.value) and f"evidence {deleted.pk} " in str(failure.value)
    assert f"evidence {intact.pk} " not in str(failure.value)
    checks = dict(CustodyEvent.objects.exclude(action=CustodyAction.CAPTURED).values_list("evidence_id", "action"))
    assert checks == {intact.pk: CustodyAction.VERIFIED, tampered.pk: CustodyAction.VERIFICATION_FAILED,
                      deleted.pk: CustodyAction.VERIFICATION_FAILED}
    failed = CustodyEvent.objects.get(evidence=tampered, action=CustodyAction.VERIFICATION_FAILED)
    assert failed.actor is None and failed.sha256 == hashlib.sha256(PNG + b"X").hexdigest()


def test_verify_evidence_reports_intact_files(make_case: Any, media: Path, capsys: Any) -> None:
    attach(make_case())
    call_command("verify_evidence")
    assert "1 evidence files verified intact" in capsys.readouterr().out


@pytest.mark.parametrize(("file_map", "message"), [
    ("{not json", "`map` is not valid JSON."),
    ('{"0": "variables.file"}', "`map` must be a JSON object of file keys to lists of paths."),
    ('{"0": ["query"]}', "`map` path 'query' must point inside `variables`."),
    ('{"0": ["variables.nope"]}', "`map` path 'variables.nope' does not exist in `operations`."),
    ('{"0": ["variables.method"]}', "`map` path 'variables.method' must point at a null placeholder."),
    ('{"7": ["variables.file"]}', "`map` names the file '7', which the request does not carry."),
])
def test_a_malformed_multipart_request_is_a_clean_400(gql: Any, make_case: Any, media: Path, file_map: str,
                                                       message: str) -> None:
    response = upload(gql.login("inv.ofb").client, make_case(), file_map=file_map)
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": message, "extensions": {
        "code": "BAD_REQUEST", "requestId": response["X-Request-ID"]}}]}
    assert stored_files(media) == []


def test_multipart_files_reach_nested_variables_and_lists() -> None:
    first, second = SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.png", PNG)
    operations = {"query": "…", "variables": {"input": {"files": [None, None], "cover": None}}}
    request = RequestFactory().post("/graphql/", data={
        "operations": json.dumps(operations), "0": first, "1": second,
        "map": json.dumps({"0": ["variables.input.files.0", "variables.input.cover"],
                           "1": ["variables.input.files.1"]}),
    })
    placed = multipart_operations(request)
    assert placed is not None
    assert [f.name for f in placed["variables"]["input"]["files"]] == ["a.png", "b.png"]
    assert placed["variables"]["input"]["cover"].name == "a.png"


def test_a_file_cannot_be_sent_as_a_plain_variable(gql: Any, make_case: Any, media: Path) -> None:
    response = gql.login("inv.ofb").post(ATTACH, {"caseId": to_global_id("Case", make_case().pk), "file": "x",
                                                  "method": "SCREENSHOT", "at": an_hour_ago()})
    assert "Expected a file sent as a multipart part" in response.json()["errors"][0]["message"]
    assert not Evidence.objects.exists()


def test_an_unreadable_multipart_body_is_a_clean_400(gql: Any, demo: Any) -> None:
    response = gql.login("inv.ofb").client.post("/graphql/", data=b"--x\r\nbroken",
                                                 content_type="multipart/form-data; boundary=")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "The multipart body could not be read."
