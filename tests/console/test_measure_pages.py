"""The model-measure pages: a coordinator's assessments, one assessment, a measure's form, sign-off, revision and
the printable national report, in the reader's language; refusals answer as pages that do not exist."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from graphql_relay import to_global_id

from access.policy import viewer_for
from compliance.measures import actions
from compliance.measures.models import MeasureEvidence, NationalAssessment
from officers.models import Officer
from tests.console.test_pages import _statements
from tests.console.test_shell import signed_in


def _page(client: Any, path: str, language: str = "en") -> str:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return str(response.content.decode())


def test_the_coordinator_lists_their_countrys_assessments_and_no_other_countrys_draft(world: None) -> None:
    page = _page(signed_in("coord.fr"), "/measures/")
    assert 'href="/measures/FR/2025/"' in page and 'href="/measures/FR/2026/"' in page
    assert "/measures/ES/2026/" not in page
    assert 'name="period"' in page and 'value="FR"' in page


@pytest.mark.parametrize("username", ["inv.ofb", "admin.ofb", "sup.ofb", "pf.leboncoin", "spotter.ifaw"])
@pytest.mark.parametrize("path", ["/measures/", "/measures/FR/2025/", "/measures/FR/2026/measures/BP-A-01/",
                                  "/measures/FR/2026/report/"])
def test_the_pages_are_the_coordinators_only(world: None, username: str, path: str) -> None:
    assert signed_in(username).get(path).status_code == 404


@pytest.mark.parametrize(("username", "status"), [
    ("inv.ofb", 200), ("admin.ofb", 200), ("inv.seprona", 404), ("pf.leboncoin", 404), ("spotter.ifaw", 404)])
def test_the_signed_off_report_goes_to_whom_the_api_gives_it(world: None, username: str, status: int) -> None:
    response = signed_in(username).get("/measures/FR/2025/report/")
    assert response.status_code == status
    if status == 200:
        assert 'href="/measures/FR/2025/"' not in response.content.decode()  # the assessment page is not theirs


def test_another_countrys_signed_off_assessment_cannot_be_edited_by_url(world: None) -> None:
    assert signed_in("coord.es").get("/measures/FR/2025/measures/BP-A-01/").status_code == 404
    own = signed_in("coord.fr").get("/measures/FR/2025/measures/BP-A-01/")
    assert own.status_code == 302 and own["Location"] == "/measures/FR/2025/"  # signed off: revise it first


def test_another_countrys_draft_answers_as_a_missing_assessment(world: None) -> None:
    client = signed_in("coord.fr")
    for path in ("/measures/ES/2026/", "/measures/ES/2026/report/", "/measures/ES/2026/measures/BP-A-02/"):
        draft, missing = client.get(path), client.get(path.replace("ES", "PT"))
        assert draft.status_code == missing.status_code == 404
        assert "Vigilancia de Wallapop" not in draft.content.decode()
    spain = NationalAssessment.objects.get(country="ES")
    for action in ("sign-off", "revise"):
        refused = client.post(f"/measures/ES/2026/{action}/", {"id": to_global_id("NationalAssessment", spain.pk)})
        assert refused.status_code == 404
    assert NationalAssessment.objects.get(country="ES").status == "draft"


def test_another_countrys_signed_off_assessment_is_a_summary(world: None) -> None:
    page = _page(signed_in("coord.es"), "/measures/FR/2025/")
    assert "BP-A-04" in page and "Office français de la biodiversité" in page
    assert "Protocole de veille en ligne" not in page and "Veille hebdomadaire" not in page  # evidence and notes
    assert "Indicators from WildNet" not in page and "Sign off" not in page


def test_an_assessment_groups_its_measures_and_shows_real_indicators_of_its_period(world: None) -> None:
    page = _page(signed_in("coord.fr"), "/measures/FR/2025/")
    assert page.index("<h2>Best practices</h2>") < page.index("<h2>Legislation and methods</h2>")
    assert ">Model best practices for regulating online marketplaces and social media platforms</h3>" in page
    assert 'id="measure-BP-A-04"' in page and "Weekly" not in page
    assert "Protocole de veille en ligne OFB, version 2." in page  # evidence (a note)
    assert 'href="https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000033035432"' in page
    # The demo's spotters reported in the last days only: 2025 has no citizens' report, and says so.
    assert page.count('class="indicator"') == 7 and page.count("No data recorded in the period.") == 1
    unanswered = page[page.index('id="indicator-citizen_reports"'):]
    assert unanswered.index("No data recorded in the period.") < unanswered.index("</section>")
    assert "Method:" in page and '<time datetime="2025-12-31">' in page
    assert "Sign off" not in page and "Open a new revision" in page  # signed off: revise, never edit
    assert "/compliance/national-report/FR/2025.csv" in page and "/compliance/national-report/FR/2025.json" in page
    assert 'href="/measures/FR/2025/report/"' in page


def test_the_2026_draft_shows_its_own_indicators(world: None) -> None:
    page = _page(signed_in("coord.fr"), "/measures/FR/2026/")
    assert page.count('class="indicator"') == 7 and "No data recorded in the period." not in page
    assert 'data-confirm="' in page and "Edit BP-A-01" in page


def test_a_french_reader_reads_french_titles_and_headings(world: None) -> None:
    page = _page(signed_in("coord.fr"), "/measures/FR/2026/", "fr")
    assert "Plateforme nationale de collaboration interinstitutions" in page
    assert "<h2>Meilleures pratiques</h2>" in page and "National inter-agency collaboration platform" not in page


def test_the_spanish_report_has_spanish_titles_and_no_french_ones(world: None) -> None:
    page = _page(signed_in("coord.es"), "/measures/ES/2026/report/", "es")
    assert "Plataforma nacional de colaboración interinstitucional" in page
    assert "<h2>Mejores prácticas</h2>" in page and "<h2>Legislación y métodos</h2>" in page
    assert "Plateforme nationale" not in page and "Meilleures pratiques" not in page


def test_the_report_is_printable_with_its_downloads_and_a_print_button_from_a_static_file(world: None) -> None:
    page = _page(signed_in("coord.fr"), "/measures/FR/2025/report/")
    assert 'id="print-report" hidden' in page and "/static/compliance/measures-print.js" in page
    assert "/static/compliance/measures.css" in page and "<script>" not in page and "style=" not in page
    assert "/compliance/national-report/FR/2025.csv" in page and "/compliance/national-report/FR/2025.json" in page
    assert "No signed-off assessment of an earlier period." in page
    later = _page(signed_in("coord.fr"), "/measures/FR/2026/report/")
    assert "Compared with the signed-off assessment of 2025 (revision 1): 3 measures changed status." in later


def test_a_measure_is_set_with_a_link_a_note_and_a_file(world: None, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = signed_in("coord.fr")
    form = _page(client, "/measures/FR/2026/measures/BP-A-05/")
    ofb = re.search(r'<option value="([^"]+)">Office français de la biodiversité</option>', form)
    assert ofb and 'enctype="multipart/form-data"' in form
    response = client.post("/measures/FR/2026/measures/BP-A-05/", {
        "status": "IMPLEMENTED", "responsibleAgencyId": ofb.group(1), "notes": "Quarterly review.",
        "linkUrl": "https://www.ofb.gouv.fr/osint", "linkText": "OSINT protocol", "noteText": "Signed in May.",
        "file": SimpleUploadedFile("protocol.pdf", b"%PDF-1.4 protocol"), "fileText": "Protocol (PDF)"})
    assert response.status_code == 302 and response["Location"] == "/measures/FR/2026/#measure-BP-A-05"
    page = _page(client, "/measures/FR/2026/")
    assert "OSINT protocol" in page and "Signed in May." in page and "Quarterly review." in page
    item = MeasureEvidence.objects.get(kind="file", text="Protocol (PDF)")
    assert f'href="/compliance/measure-evidence/{item.pk}/download"' in page
    assert b"".join(client.get(f"/compliance/measure-evidence/{item.pk}/download").streaming_content) == \
        b"%PDF-1.4 protocol"


def test_the_apis_typed_errors_stand_beside_their_fields(world: None) -> None:
    client = signed_in("coord.fr")
    response = client.post("/measures/FR/2026/measures/LM-A-02/", {"status": "NOT_APPLICABLE", "reason": ""})
    page = response.content.decode()
    assert response.status_code == 400 and 'id="error_reason" role="alert"' in page
    assert 'aria-describedby="hint_reason error_reason" aria-invalid="true"' in page
    bad_link = client.post("/measures/FR/2026/measures/LM-A-02/", {"status": "PLANNED", "linkUrl": "ftp://x"})
    assert bad_link.status_code == 400 and 'id="error_evidence" role="alert"' in bad_link.content.decode()
    assert 'value="ftp://x"' in bad_link.content.decode()  # what was typed stays


def test_sign_off_freezes_the_draft_and_revision_opens_the_next(world: None) -> None:
    client = signed_in("coord.fr")
    draft = NationalAssessment.objects.get(country="FR", period_start__year=2026)
    ident = to_global_id("NationalAssessment", draft.pk)
    assert client.post("/measures/FR/2026/sign-off/", {"id": ident}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "signed_off" and draft.signed_off_by.username == "coord.fr"
    assert client.get("/measures/FR/2026/measures/BP-A-01/").status_code == 302  # frozen: back to the assessment
    again = client.post("/measures/FR/2026/sign-off/", {"id": ident}, follow=True)
    assert "This assessment is signed off: revise it to change it." in again.content.decode()
    assert client.post("/measures/FR/2026/revise/", {"id": ident}).status_code == 302
    page = _page(client, "/measures/FR/2026/")
    assert "supersedes revision 1" in page and "Edit BP-A-01" in page


def test_a_coordinator_opens_an_assessment_for_a_period(world: None) -> None:
    client = signed_in("coord.fr")
    response = client.post("/measures/new/", {"country": "FR", "period": "2027-01-01/2027-06-30"})
    assert response.status_code == 302 and response["Location"] == "/measures/FR/2027-01-01..2027-06-30/"
    assert "National inter-agency collaboration platform" in _page(client, response["Location"])
    bad = client.post("/measures/new/", {"country": "FR", "period": "last year"})
    assert bad.status_code == 400 and 'id="error_period" role="alert"' in bad.content.decode()
    twice = client.post("/measures/new/", {"country": "FR", "period": "2025"})
    assert twice.status_code == 400 and "This period is already assessed" in twice.content.decode()
    elsewhere = client.post("/measures/new/", {"country": "ES", "period": "2028"})
    assert elsewhere.status_code == 400 and not NationalAssessment.objects.filter(period_start__year=2028).exists()


def test_the_pages_cost_the_same_statements_whatever_the_evidence_and_the_assessments(world: None) -> None:
    client = signed_in("coord.fr")
    paths = ["/measures/", "/measures/FR/2026/", "/measures/FR/2026/report/",
             "/measures/FR/2026/measures/BP-A-01/"]
    before = [_statements(client, path) for path in paths]
    coord = viewer_for(Officer.objects.get(username="coord.fr"))
    draft = NationalAssessment.objects.get(country="FR", period_start__year=2026)
    for code in ("BP-A-01", "BP-A-03", "BP-A-05", "BP-A-06", "LM-B-02", "LM-B-03"):
        actions.set_measure_status(coord, draft, actions.StatusChange(
            measure_code=code, status="planned", notes="Planned.",
            evidence=[actions.EvidenceInput(kind="note", text=f"Note {n}") for n in range(3)]))
    for year in (2027, 2028, 2029):
        actions.create_assessment(coord, "FR", datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    assert [_statements(client, path) for path in paths] == before

