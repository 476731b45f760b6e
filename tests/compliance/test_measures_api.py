"""National assessments through the API: the lifecycle, its history, and who sees and changes what.

The access rules (``compliance.measures.rules``) restated as a matrix: for each viewer relation, the outcome of
each operation on three assessments — France 2025 signed off, France 2026 draft, Spain 2026 draft. A refusal
to read looks like absence (null, left out of lists), and a refused change on another country's assessment is
``NOT_FOUND`` like a missing one.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from graphql_relay import to_global_id

from access.policy import viewer_for
from audit.models import AuditEvent
from compliance.measures import actions
from compliance.measures.catalogue import load_catalogue
from compliance.measures.models import MeasureEvidence, MeasureStatusEntry, NationalAssessment
from officers.models import Officer

pytestmark = pytest.mark.django_db

Y2025 = (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
Y2026 = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))


def v(username: str) -> Any:
    return viewer_for(Officer.objects.get(username=username))


def gid(assessment: NationalAssessment) -> str:
    return to_global_id("NationalAssessment", assessment.pk)


@pytest.fixture
def world(demo: Any) -> dict[str, NationalAssessment]:
    load_catalogue()
    fr_signed = actions.create_assessment(v("coord.fr"), "FR", *Y2025)
    actions.set_measure_status(v("coord.fr"), fr_signed, actions.StatusChange(
        measure_code="BP-A-04", status="implemented", notes="Weekly monitoring",
        evidence=[actions.EvidenceInput(kind="note", text="Protocol v2")]))
    actions.sign_off(v("coord.fr"), fr_signed)
    return {"fr_signed": fr_signed,
            "fr_draft": actions.create_assessment(v("coord.fr"), "FR", *Y2026),
            "es_draft": actions.create_assessment(v("coord.es"), "ES", *Y2026)}


SET = """mutation($input: SetMeasureStatusInput!) { setMeasureStatus(input: $input) {
  entry { status reason notes responsibleAgency { code } evidence { kind url text } measure { code } }
  errors { code field } } }"""


def set_status(gql: Any, assessment: NationalAssessment, **values: Any) -> dict[str, Any]:
    data = {"assessmentId": gid(assessment), "measureCode": "BP-A-02", "status": "IN_PROGRESS", **values}
    return gql(SET, {"input": data})["setMeasureStatus"]  # type: ignore[no-any-return]


# --- lifecycle --------------------------------------------------------------------------------------------


def test_a_coordinator_opens_an_assessment_with_every_measure_not_started(gql: Any, demo: Any) -> None:
    load_catalogue()
    create = """mutation { createAssessment(country: "fr", period: "2027") {
      assessment { country period periodStart periodEnd status revision canEdit
                   summary { status count } catalogue { version } } errors { code field } } }"""
    out = gql.login("coord.fr")(create)["createAssessment"]
    assert out["errors"] == []
    assert {k: v for k, v in out["assessment"].items() if k != "summary"} == {
        "country": "FR", "period": "2027", "periodStart": "2027-01-01", "periodEnd": "2027-12-31",
        "status": "DRAFT", "revision": 1, "canEdit": True, "catalogue": {"version": "2024-11"}}
    assert {"status": "NOT_STARTED", "count": 45} in out["assessment"]["summary"]
    assert gql(create)["createAssessment"]["errors"] == [{"code": "CONFLICT", "field": "period"}]
    other = gql('mutation { createAssessment(country: "ES", period: "2027") { errors { code field } } }')
    assert other["createAssessment"]["errors"] == [{"code": "PERMISSION_DENIED", "field": "country"}]
    refused = gql.login("inv.ofb")('mutation { createAssessment(country: "FR", period: "2028") { errors { code } } }')
    assert refused["createAssessment"]["errors"] == [{"code": "PERMISSION_DENIED"}]
    assert NationalAssessment.objects.count() == 1


def test_status_with_agency_evidence_and_reviewer(gql: Any, world: dict[str, NationalAssessment]) -> None:
    ofb = to_global_id("Agency", Officer.objects.get(username="inv.ofb").agency_id)
    out = set_status(gql.login("coord.fr"), world["fr_draft"], responsibleAgencyId=ofb, notes="Unit being set up",
                     evidence=[{"kind": "LINK", "url": "https://www.ofb.gouv.fr/cyber"},
                               {"kind": "NOTE", "text": "Signed memo, March 2026"}])
    assert out == {"errors": [], "entry": {
        "status": "IN_PROGRESS", "reason": "", "notes": "Unit being set up", "responsibleAgency": {"code": "fr-ofb"},
        "measure": {"code": "BP-A-02"},
        "evidence": [{"kind": "LINK", "url": "https://www.ofb.gouv.fr/cyber", "text": ""},
                     {"kind": "NOTE", "url": "", "text": "Signed memo, March 2026"}]}}
    entry = MeasureStatusEntry.objects.get(assessment=world["fr_draft"], measure__code="BP-A-02")
    assert entry.reviewer is not None and entry.reviewer.username == "coord.fr" and entry.last_reviewed_at


@pytest.mark.parametrize(("values", "error"), [
    ({"status": "NOT_APPLICABLE"}, {"code": "REQUIRED", "field": "reason"}),
    ({"status": "NOT_APPLICABLE", "reason": "   "}, {"code": "REQUIRED", "field": "reason"}),
    ({"measureCode": "XX-00"}, {"code": "NOT_FOUND", "field": "measureCode"}),
    ({"evidence": [{"kind": "LINK", "url": "javascript:alert(1)"}]}, {"code": "INVALID", "field": "evidence"}),
    ({"evidence": [{"kind": "NOTE", "text": ""}]}, {"code": "REQUIRED", "field": "evidence"}),
    ("spanish_agency", {"code": "INVALID", "field": "responsibleAgencyId"}),
])
def test_bad_input_is_refused_and_writes_nothing(gql: Any, world: dict[str, NationalAssessment], values: Any,
                                                 error: dict[str, str]) -> None:
    if values == "spanish_agency":
        values = {"responsibleAgencyId": to_global_id("Agency", Officer.objects.get(username="coord.es").agency_id)}
    out = set_status(gql.login("coord.fr"), world["fr_draft"], **values)
    assert out == {"entry": None, "errors": [error]}
    assert not MeasureStatusEntry.objects.filter(assessment=world["fr_draft"]).exclude(status="not_started").exists()
    assert not MeasureEvidence.objects.filter(entry__assessment=world["fr_draft"]).exists()


def test_not_applicable_with_a_reason(gql: Any, world: dict[str, NationalAssessment]) -> None:
    out = set_status(gql.login("coord.fr"), world["fr_draft"], status="NOT_APPLICABLE", reason="EU law covers it")
    assert out["entry"]["status"] == "NOT_APPLICABLE" and out["entry"]["reason"] == "EU law covers it"


SIGN = """mutation($id: ID!) { signOffAssessment(id: $id) {
  assessment { status signedOffAt canEdit } errors { code field } } }"""
REVISE = """mutation($id: ID!) { reviseAssessment(id: $id) { assessment { id status revision
  previous { revision status } entries { measure { code } status notes evidence { text } } }
  errors { code field } } }"""


def test_sign_off_then_change_is_refused_and_a_revision_copies_it(gql: Any,
                                                                   world: dict[str, NationalAssessment]) -> None:
    gql.login("coord.fr")
    draft = world["fr_draft"]
    set_status(gql, draft, measureCode="BP-A-01", status="IMPLEMENTED",
               evidence=[{"kind": "NOTE", "text": "National committee"}])
    signed = gql(SIGN, {"id": gid(draft)})["signOffAssessment"]
    assert signed["errors"] == [] and signed["assessment"]["status"] == "SIGNED_OFF"
    assert signed["assessment"]["canEdit"] is False and signed["assessment"]["signedOffAt"]
    assert set_status(gql, draft)["errors"] == [{"code": "INVALID_STATE", "field": "id"}]
    assert gql(SIGN, {"id": gid(draft)})["signOffAssessment"]["errors"] == [{"code": "INVALID_STATE", "field": "id"}]

    revised = gql(REVISE, {"id": gid(draft)})["reviseAssessment"]
    assert revised["errors"] == []
    second = revised["assessment"]
    assert (second["status"], second["revision"], second["previous"]) == ("DRAFT", 2,
                                                                          {"revision": 1, "status": "SIGNED_OFF"})
    copied = {e["measure"]["code"]: e for e in second["entries"]}
    assert len(copied) == 45 and copied["BP-A-01"]["status"] == "IMPLEMENTED"
    assert copied["BP-A-01"]["evidence"] == [{"text": "National committee"}]
    assert gql(REVISE, {"id": gid(draft)})["reviseAssessment"]["errors"] == [{"code": "INVALID_STATE",
                                                                               "field": "id"}]
    assert gql(REVISE, {"id": second["id"]})["reviseAssessment"]["errors"] == [{"code": "INVALID_STATE",
                                                                                 "field": "id"}]
    # the first revision is untouched by changes to the second
    set_status(gql, NationalAssessment.objects.get(revision=2, country="FR", period_start=Y2026[0]),
               measureCode="BP-A-01", status="IN_PROGRESS")
    assert MeasureStatusEntry.objects.get(assessment=draft, measure__code="BP-A-01").status == "implemented"

    latest = '{ nationalAssessment(country: "FR", period: "2026-01-01/2026-12-31") { revision status } }'
    assert gql(latest)["nationalAssessment"] == {"revision": 2, "status": "DRAFT"}
    assert gql.login("coord.es")(latest)["nationalAssessment"] == {"revision": 1, "status": "SIGNED_OFF"}


def test_the_audit_log_holds_the_full_history(gql: Any, world: dict[str, NationalAssessment]) -> None:
    gql.login("coord.fr")
    draft = world["fr_draft"]
    set_status(gql, draft, status="PLANNED")
    set_status(gql, draft, status="IMPLEMENTED")
    gql(SIGN, {"id": gid(draft)})
    set_status(gql, draft, status="NOT_STARTED")  # refused: signed off
    gql(REVISE, {"id": gid(draft)})
    events = list(AuditEvent.objects.filter(action__startswith="assessment.").order_by("id")
                  .values_list("action", "outcome", "object_id", "details"))
    mine = [(action, outcome, details.get("measure"), details.get("status", {}).get("before"),
             details.get("status", {}).get("after")) for action, outcome, object_id, details in events
            if object_id in ("", str(draft.pk)) or details.get("supersedes") == draft.pk]
    assert mine == [
        ("assessment.create", "allowed", None, None, None),
        ("assessment.set_status", "allowed", "BP-A-02", "not_started", "planned"),
        ("assessment.set_status", "allowed", "BP-A-02", "planned", "implemented"),
        ("assessment.sign_off", "allowed", None, None, None),
        ("assessment.set_status", "failed", None, None, None),
        ("assessment.revise", "allowed", None, None, None),
    ]


def test_a_file_is_evidence_too(world: dict[str, NationalAssessment], settings: Any, tmp_path: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from access.errors import ActionError

    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("../../etc/plan d'action.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
    entry = actions.set_measure_status(v("coord.fr"), world["fr_draft"], actions.StatusChange(
        measure_code="LM-A-05", status="implemented",
        evidence=[actions.EvidenceInput(kind="file", file=upload, text="National action plan")]))
    stored = entry.evidence.get()
    assert stored.file.name.startswith(f"measures/{world['fr_draft'].pk}/") and ".." not in stored.file.name
    assert stored.file.read() == b"%PDF-1.4 plan"
    with pytest.raises(ActionError) as refused:
        actions.set_measure_status(v("coord.fr"), world["fr_draft"], actions.StatusChange(
            measure_code="LM-A-05", status="implemented", evidence=[actions.EvidenceInput(kind="file")]))
    assert (refused.value.code, refused.value.field) == ("REQUIRED", "evidence")


def test_demo_holds_a_signed_off_assessment_and_drafts(settings: Any, tmp_path: Any) -> None:
    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo")
    call_command("load_demo")
    assert sorted(NationalAssessment.objects.values_list("country", "period_start__year", "status")) == [
        ("ES", 2026, "draft"), ("FR", 2025, "signed_off"), ("FR", 2026, "draft")]
    france = NationalAssessment.objects.get(country="FR", period_start__year=2025)
    statuses = set(france.entries.values_list("status", flat=True))
    assert statuses == {"not_started", "planned", "in_progress", "implemented", "not_applicable"}
    assert MeasureEvidence.objects.filter(entry__assessment=france).values("kind").distinct().count() == 2
    assert france.entries.filter(responsible_agency__isnull=False).values("responsible_agency").distinct().count() > 1


# --- the authorization matrix ---------------------------------------------------------------------------------

VISIBLE, ABSENT = "visible", "absent"
SUMMARY = "summary"  # visible, without evidence and notes
RELATIONS = {
    "own_coordinator": "coord.fr",
    "other_coordinator": "coord.es",
    "own_agency_officer": "inv.ofb",
    "own_agency_admin": "admin.ofb",
    "other_agency_officer": "inv.seprona",
    "platform_officer": "pf.leboncoin",
    "trusted_reporter": "spotter.ifaw",
    "system_admin": "sysadmin",
}
COUNTRY_READERS = {"own_coordinator", "own_agency_officer", "own_agency_admin"}


def expected(relation: str) -> dict[str, str]:
    """What each relation gets, derived from the rules (module docstring of ``compliance.measures.rules``)."""
    signed = (VISIBLE if relation in COUNTRY_READERS else SUMMARY if relation == "other_coordinator" else ABSENT)
    own_draft = VISIBLE if relation == "own_coordinator" else ABSENT
    es_draft = VISIBLE if relation == "other_coordinator" else ABSENT
    edit_signed = ("INVALID_STATE" if relation == "own_coordinator"
                   else "PERMISSION_DENIED" if relation in COUNTRY_READERS else "NOT_FOUND")
    return {
        "node:fr_signed": signed, "list:fr_signed": signed, "by_period:fr_signed": signed,
        "node:fr_draft": own_draft, "list:fr_draft": own_draft, "by_period:fr_draft": own_draft,
        "node:es_draft": es_draft, "list:es_draft": es_draft,
        "set_status:fr_draft": "ALLOWED" if relation == "own_coordinator" else "NOT_FOUND",
        "set_status:fr_signed": edit_signed,
        "sign_off:fr_signed": edit_signed,
        "revise:fr_signed": "ALLOWED" if relation == "own_coordinator" else edit_signed,
        "sign_off:es_draft": "ALLOWED" if relation == "other_coordinator" else "NOT_FOUND",
    }


NODE = """query($id: ID!) { node(id: $id) { ... on NationalAssessment { id country status
  entries { measure { code } notes evidence { text } } } } }"""


def _seen(node: dict[str, Any] | None) -> str:
    if node is None:
        return ABSENT
    entry = next(e for e in node["entries"] if e["measure"]["code"] == "BP-A-04") if node["entries"] else None
    if entry is not None and entry["notes"] is None and entry["evidence"] == []:
        return SUMMARY
    return VISIBLE


def observe(gql: Any, world: dict[str, NationalAssessment]) -> dict[str, str]:
    seen: dict[str, str] = {}
    listed = {e["node"]["id"]: e["node"] for e in gql("""{ nationalAssessments { edges { node { id country status
        entries { measure { code } notes evidence { text } } } } } }""")["nationalAssessments"]["edges"]}
    for name, assessment in world.items():
        seen[f"node:{name}"] = _seen(gql(NODE, {"id": gid(assessment)})["node"])
        seen[f"list:{name}"] = _seen(listed.get(gid(assessment)))
    for name, period in [("fr_signed", "2025"), ("fr_draft", "2026")]:
        found = gql(f'{{ nationalAssessment(country: "FR", period: "{period}") {{ id country status entries {{ '
                    f'measure {{ code }} notes evidence {{ text }} }} }} }}')["nationalAssessment"]
        seen[f"by_period:{name}"] = _seen(found) if found is None or found["id"] == gid(world[name]) else "other"
    for operation, name, query in [
        ("set_status", "fr_draft", None), ("set_status", "fr_signed", None),
        ("sign_off", "fr_signed", SIGN), ("revise", "fr_signed", REVISE), ("sign_off", "es_draft", SIGN),
    ]:
        if query is None:
            errors = set_status(gql, world[name])["errors"]
        else:
            field = "signOffAssessment" if query is SIGN else "reviseAssessment"
            errors = gql(query, {"id": gid(world[name])})[field]["errors"]
        seen[f"{operation}:{name}"] = errors[0]["code"] if errors else "ALLOWED"
        field_names = {e["field"] for e in errors if e["code"] == "NOT_FOUND"}
        assert field_names <= {"id", "assessmentId"}
    return seen


@pytest.mark.parametrize("relation", RELATIONS)
def test_matrix(gql: Any, world: dict[str, NationalAssessment], relation: str) -> None:
    gql.login(RELATIONS[relation])
    assert observe(gql, world) == expected(relation)


def test_another_countrys_refusal_is_worded_like_absence(gql: Any, world: dict[str, NationalAssessment]) -> None:
    gql.login("coord.es")
    visible_signed = set_status(gql, world["fr_signed"])["errors"]
    invisible_draft = set_status(gql, world["fr_draft"])["errors"]
    gone = world["fr_draft"].pk + 1000
    missing = gql(SET, {"input": {"assessmentId": to_global_id("NationalAssessment", gone), "measureCode": "BP-A-02",
                                  "status": "PLANNED"}})["setMeasureStatus"]["errors"]
    assert visible_signed == invisible_draft == missing == [{"code": "NOT_FOUND", "field": "assessmentId"}]


# --- query counts -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 10, 100])
def test_assessment_list_costs_the_same_for_1_10_and_100(gql: Any, demo: Any, django_assert_num_queries: Any,
                                                         n: int) -> None:
    load_catalogue()
    coord = v("coord.fr")
    for year in range(2000, 2000 + n):
        assessment = actions.create_assessment(coord, "FR", datetime.date(year, 1, 1), datetime.date(year, 12, 31))
        actions.set_measure_status(coord, assessment, actions.StatusChange(
            measure_code="BP-A-01", status="planned", responsible_agency=coord.officer.agency,
            evidence=[actions.EvidenceInput(kind="note", text="minutes")]))
    query = """{ nationalAssessments(first: 100) { totalCount edges { node { country period canEdit
      summary { status count } catalogue { version } previous { revision }
      entries { status notes measure { code } responsibleAgency { code } evidence { kind } } } } } }"""
    gql.login("coord.fr")
    # the session with its officer; the page with its count; then one batched query per loader: catalogues,
    # entries, measures, evidence, and the assessments the entries' notes check (the responsible agency is the
    # coordinator's own, loaded with them). One assessment's entries read their measures, which everyone may
    # see, in their own statement (``api.loaders.children``).
    with django_assert_num_queries(1 + 1 + (4 if n == 1 else 5)):
        data = gql(query)
    assert data["nationalAssessments"]["totalCount"] == n
    assert all(len(e["node"]["entries"]) == 45 for e in data["nationalAssessments"]["edges"])


def test_evidence_files_download_for_the_country_only(client: Any, world: dict[str, NationalAssessment],
                                                      settings: Any, tmp_path: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
    entry = actions.set_measure_status(v("coord.fr"), world["fr_draft"], actions.StatusChange(
        measure_code="LM-A-05", status="implemented", evidence=[actions.EvidenceInput(kind="file", file=upload)]))
    url = f"/compliance/measure-evidence/{entry.evidence.get().pk}/download"
    client.force_login(Officer.objects.get(username="coord.fr"))
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 plan"
    assert AuditEvent.objects.filter(action="assessment.evidence_download").count() == 1
    missing = client.get("/compliance/measure-evidence/999999/download")
    client.force_login(Officer.objects.get(username="coord.es"))
    refused = client.get(url)
    assert refused.status_code == missing.status_code == 404 and refused.content == missing.content
    note = MeasureEvidence.objects.filter(kind="note").first()
    assert note is not None
    client.force_login(Officer.objects.get(username="coord.fr"))
    assert client.get(f"/compliance/measure-evidence/{note.pk}/download").status_code == 404


# --- the reader's language, the indicators, what a page asks -------------------------------------------------


@pytest.mark.parametrize(("language", "title", "section", "subsection"), [
    ("en", "National inter-agency collaboration platform", "Best practices",
     "Best practices and model national measures to combat wildlife crime linked to the Internet"),
    ("fr", "Plateforme nationale de collaboration interinstitutions", "Meilleures pratiques",
     "Meilleures pratiques et mesures nationales types pour lutter contre la criminalité liée aux espèces "
     "sauvages sur Internet"),
    ("es", "Plataforma nacional de colaboración interinstitucional", "Mejores prácticas",
     "Mejores prácticas y medidas nacionales modelo para combatir los delitos contra la vida silvestre "
     "relacionados con Internet"),
    ("de", "National inter-agency collaboration platform", "Best practices",
     "Best practices and model national measures to combat wildlife crime linked to the Internet"),
])
def test_a_measure_speaks_the_requests_language_beside_its_three_texts(
        gql: Any, demo: Any, language: str, title: str, section: str, subsection: str) -> None:
    load_catalogue()
    query = """{ modelMeasures(code: "BP-A-01") { edges { node {
      title titleEn titleFr titleEs description descriptionFr sectionTitle subsectionTitle } } } }"""
    node = gql.login("inv.ofb")(query, HTTP_ACCEPT_LANGUAGE=language)["modelMeasures"]["edges"][0]["node"]
    assert (node["title"], node["sectionTitle"], node["subsectionTitle"]) == (title, section, subsection)
    assert node["titleFr"] == "Plateforme nationale de collaboration interinstitutions"
    assert node["titleEs"] == "Plataforma nacional de colaboración interinstitucional"
    if language == "fr":
        assert node["description"] == node["descriptionFr"]


def test_the_national_report_speaks_the_requests_language(gql: Any, world: Any) -> None:
    query = '{ nationalReport(country: "ES", period: "2026") }'
    report = gql.login("coord.es")(query, HTTP_ACCEPT_LANGUAGE="es")["nationalReport"]
    first = report["measures"][0]
    assert (first["title"], first["section_title"]) == (first["title_es"], "Mejores prácticas")
    assert first["subsection_title"].startswith("Mejores prácticas y medidas nacionales")


ASSESSMENT = """query($country: String!, $period: String!) { assessmentCountry
  nationalAssessment(country: $country, period: $period) { canEdit canRevise
    indicators { key title method available period { start end } value } } }"""


def test_indicators_go_to_the_assessments_own_country_with_their_period_and_method(gql: Any, world: Any) -> None:
    mine = gql.login("coord.fr")(ASSESSMENT, {"country": "FR", "period": "2025"})
    assert mine["assessmentCountry"] == "FR"
    listings = next(i for i in mine["nationalAssessment"]["indicators"] if i["key"] == "listings_monthly")
    assert listings["period"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert listings["method"].startswith("Listings recorded in WildNet") and listings["available"] is False
    assert len(listings["value"]["by_month"]) == 12
    theirs = gql.login("coord.es")(ASSESSMENT, {"country": "FR", "period": "2025"})
    assert theirs["assessmentCountry"] == "ES" and theirs["nationalAssessment"]["indicators"] is None


def test_only_the_countrys_coordinator_revises_the_latest_signed_off_revision(gql: Any, world: Any) -> None:
    assert gql.login("coord.fr")(ASSESSMENT, {"country": "FR", "period": "2025"})["nationalAssessment"][
        "canRevise"] is True
    assert gql(ASSESSMENT, {"country": "FR", "period": "2026"})["nationalAssessment"]["canRevise"] is False  # draft
    assert gql.login("coord.es")(ASSESSMENT, {"country": "FR", "period": "2025"})["nationalAssessment"][
        "canRevise"] is False
    actions.revise(v("coord.fr"), world["fr_signed"])
    signed = gql.login("coord.fr")("""{ nationalAssessments(country: "FR", status: SIGNED_OFF) {
      edges { node { revision canRevise } } } }""")["nationalAssessments"]["edges"]
    assert signed == [{"node": {"revision": 1, "canRevise": False}}]  # revision 2 is the draft to change


@pytest.mark.parametrize(("username", "country"), [
    ("coord.fr", "FR"), ("coord.es", "ES"), ("inv.ofb", None), ("admin.ofb", None), ("pf.leboncoin", None),
    ("sysadmin", None)])
def test_only_national_coordinators_have_a_country_to_assess(gql: Any, demo: Any, username: str,
                                                             country: str | None) -> None:
    assert gql.login(username)("{ assessmentCountry }") == {"assessmentCountry": country}
