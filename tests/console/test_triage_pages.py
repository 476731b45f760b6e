"""The analysts' triage pages over the demo's IFAW reports: the queue, a report, each action's form with the API's
typed errors beside its fields, and the refusals (a report outside the viewer's queue is a missing page)."""

from __future__ import annotations

import re

import pytest
from graphql_relay import to_global_id

from cases.models import Case, IntelReport
from compliance.models import TakedownNotice
from reports.models import SpotterReport
from tests.console.test_pages import _statements
from tests.console.test_shell import CSRF, signed_in

IVORY = "https://www.leboncoin.fr/ad/antiquites/2461100987"
PYTHON = "https://www.leboncoin.fr/ad/animaux/2479001122"
TORTOISE = "https://www.facebook.com/marketplace/item/7712093345"


def report(url: str, first: bool = True) -> SpotterReport:
    return SpotterReport.objects.filter(url=url).order_by("pk")[0 if first else 1]


def path(found: SpotterReport) -> str:
    return f"/triage/{found.pk}/"


def queue(html: str) -> list[str]:
    return re.findall(r'<a class="url" href="/triage/\d+/">([^<]+)</a>', html)


def test_the_queue_lists_the_open_reports_routed_to_the_agency_highest_score_first(world: None) -> None:
    html = signed_in("ana.ofb").get("/triage/").content.decode()
    assert queue(html) == [TORTOISE, IVORY, PYTHON]  # 45, then 30 and 30 oldest first; the repeat is not listed
    assert "Reported 1 more time" in html and "Already in intelligence" in html
    assert "CITES appendix of the species (+40)" in html and "Matches your watchlists (+15)" in html
    everything = queue(signed_in("ana.ofb").get("/triage/", {"all": "1"}).content.decode())
    assert len(everything) == 6 and "https://es.wallapop.com/item/loro-gris-hablador-88123" not in everything


def test_each_agency_sees_only_its_own_queue(world: None) -> None:
    assert queue(signed_in("inv.seprona").get("/triage/", {"all": "1"}).content.decode()) == [
        "https://es.wallapop.com/item/loro-gris-hablador-88123"]
    assert queue(signed_in("inv.oclaesp").get("/triage/").content.decode()) == []


def test_the_queue_page_pins_its_statements(world: None) -> None:
    client = signed_in("ana.ofb")
    client.get("/triage/")
    assert _statements(client, "/triage/") <= 18


def test_a_report_page_shows_what_the_spotter_sent_and_why_it_ranks(world: None) -> None:
    html = signed_in("sup.ofb").get(path(report(PYTHON))).content.decode()
    assert "Jeune python royal" in html and "<i>Python regius</i> (CITES II)" in html
    assert "Emma Wouters, IFAW Europe" in html and "Trusted flagger (DSA Art. 22)" in html
    assert "Other reports of the same thing" in html and "Lucas Fontaine" in html
    assert "Pass to an investigation" in html and "Send a takedown notice to the platform" in html
    repeat = signed_in("sup.ofb").get(path(report(PYTHON, first=False))).content.decode()
    assert "merged into" in repeat


@pytest.mark.parametrize("username", ["inv.seprona", "inv.oclaesp", "spotter.ifaw", "coord.ifaw", "coord.fr",
                                      "admin.ofb", "pf.leboncoin", "sysadmin"])
def test_outside_the_queue_a_report_page_is_a_missing_page(world: None, username: str) -> None:
    client = signed_in(username)
    hidden_path, missing_path = path(report(IVORY)), "/triage/999999/"
    hidden, missing = client.get(hidden_path), client.get(missing_path)
    assert hidden.status_code == missing.status_code == 404
    # the same page, but for the address asked for (which the page echoes in its links)
    assert (CSRF.sub(b"", hidden.content).replace(hidden_path.encode(), missing_path.encode())
            == CSRF.sub(b"", missing.content))
    refused = client.post(path(report(IVORY)), {"action": "not_actionable", "n_reason": "OUT_OF_SCOPE"})
    assert refused.status_code == 404 and report(IVORY).status == "received"


def test_passing_to_a_new_case_from_the_page(world: None) -> None:
    client = signed_in("ana.ofb")
    answer = client.post(path(report(IVORY)), {"action": "investigate", "i_caseId": "",
                                               "i_caseTitle": "Ivoire — socles leboncoin"})
    assert answer.status_code == 302 and answer["Location"] == path(report(IVORY))
    page = client.get(answer["Location"]).content.decode()
    case = Case.objects.get(title="Ivoire — socles leboncoin")
    assert "Acted on: passed to an investigation" in page and f'href="/cases/{case.reference}/"' in page
    assert IntelReport.objects.filter(case=case, text__contains="Emma Wouters").exists()
    assert "Pass to an investigation" not in page  # a triaged report offers no action any more


def test_a_notice_form_with_missing_fields_shows_the_api_s_errors_and_changes_nothing(world: None) -> None:
    client = signed_in("ana.ofb")
    notices, cases = TakedownNotice.objects.count(), Case.objects.count()
    answer = client.post(path(report(PYTHON)), {"action": "platform", "p_legalBasisLaw": "", "p_legalBasisArticle": "",
                                                "p_statementOfReasons": "", "p_territorialScope": "FR",
                                                "p_priority": "HIGH", "p_requestedActions": ["REMOVE"]})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert 'id="error_p_legalBasisLaw" role="alert"' in html and 'aria-invalid="true"' in html
    assert (TakedownNotice.objects.count(), Case.objects.count()) == (notices, cases)
    assert report(PYTHON).status == "received"


def test_sending_a_notice_from_the_page_marks_it_as_a_trusted_flagger_s(world: None) -> None:
    client = signed_in("ana.ofb")
    answer = client.post(path(report(PYTHON)), {
        "action": "platform", "p_caseTitle": "Python royal — leboncoin", "p_legalBasisLaw": "Code de l'environnement",
        "p_legalBasisArticle": "L415-3", "p_statementOfReasons": "Vente de Python regius sans justificatif.",
        "p_territorialScope": "FR", "p_priority": "HIGH", "p_requestedActions": ["REMOVE"]})
    assert answer.status_code == 302
    notice = TakedownNotice.objects.get(case__title="Python royal — leboncoin")
    assert notice.trusted_flagger.code == "ngo-ifaw" and notice.platform.code == "pf-leboncoin"
    assert {r.status for r in SpotterReport.objects.filter(url=PYTHON)} == {"sent_to_platform"}  # the repeat too
    assert f"Notice {notice.reference} sent to the platform" in client.get(answer["Location"]).content.decode()


def test_not_actionable_needs_a_reason_from_the_form(world: None) -> None:
    client = signed_in("ana.ofb")
    answer = client.post(path(report(IVORY)), {"action": "not_actionable", "n_reason": ""})
    assert answer.status_code == 400 and 'id="error_n_reason"' in answer.content.decode()
    done = client.post(path(report(IVORY)), {"action": "not_actionable", "n_reason": "OUT_OF_SCOPE"})
    assert done.status_code == 302 and report(IVORY).reason == "out_of_scope"


def test_merging_from_the_page(world: None) -> None:
    client = signed_in("ana.ofb")
    into = report(PYTHON)
    answer = client.post(path(report(IVORY)), {"action": "merge", "m_intoId": to_global_id("TriageReport", into.pk)})
    assert answer.status_code == 302 and report(IVORY).duplicate_of == into
