"""The coordinator's mandate pages and the access log: what the API allows, shown; what it refuses, said next to
the field; another country's mandate, and another agency's reads, answered as nothing."""

from __future__ import annotations

import datetime
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from graphql_relay import to_global_id

from access.policy import viewer_for
from agencies.models import Agency
from api.context import CONFIRMED_SESSION_KEY
from audit.actions import record
from console.middleware import PASSWORD_FIELD
from mandates import actions
from mandates.models import Mandate, MandateStatus
from officers.models import Officer
from tests.console.test_pages import _statements
from tests.console.test_reauthentication import confirm
from tests.console.test_shell import CSRF, signed_in
from wildnet.demo import DEMO_PASSWORD

IVOIRE = "Ivoire"
DECREE = "Décret n° 2004-612, art. 2"  # OCLAESP's mandate in the demo


def oclaesp_mandate() -> Mandate:
    return Mandate.objects.get(agency__code="fr-oclaesp")


def with_purpose(username: str) -> Client:
    client = signed_in(username)
    client.post("/purpose/", {"purpose": "INVESTIGATION"})
    return client


def ivory_reference() -> str:
    from cases.models import Case

    return Case.objects.get(owner_agency__code="fr-ofb", title__startswith=IVOIRE).reference


def grant(code: str, reference: str, *, days: float = 365, starts: float = -1) -> Mandate:
    """A mandate for ``code`` granted by coord.fr, running from ``starts`` days from now for ``days`` days."""
    now = timezone.now()
    return actions.grant_mandate(
        viewer_for(Officer.objects.get(username="coord.fr")), Agency.objects.get(code=code),
        actions.MandateInput(legal_basis="Test", legal_reference=reference, jurisdictions=["FR"],
                             crime_areas=["border"], cites_appendices=["I"], purposes=["investigation"],
                             max_classification=1, valid_from=now + datetime.timedelta(days=starts),
                             valid_until=now + datetime.timedelta(days=starts + days)))


def main(response: Any) -> str:
    page = response.content.decode()
    return page[page.index("<main"):page.index("</main>")]


# --- the list and its timelines ---------------------------------------------------------------------------------

def test_the_list_shows_each_mandate_of_the_country_on_a_timeline(world: None) -> None:
    response = signed_in("coord.fr").get("/mandates/")
    page = main(response)
    assert response.status_code == 200
    assert DECREE in page and f'href="/mandates/{oclaesp_mandate().pk}/"' in page
    assert "Ley 42/2007" not in page  # SEPRONA's, a Spanish mandate
    assert "6 mandates" in page and page.count('class="bar state-active"') == 6
    assert page.count("<svg") == 7 and "style=" not in page  # an axis and one bar per mandate, no inline style
    assert 'class="years"' in page and "Expires soon" not in page.split("</caption>", 1)[1]


def test_a_mandate_about_to_end_is_flagged_in_words_not_only_colour(world: None) -> None:
    grant("fr-dgddi", "Arrêté de test", days=11, starts=-1)  # ends in ten days
    page = main(signed_in("coord.fr").get("/mandates/"))
    row = re.search(r'<tr class="expiring">.*?</tr>', page, re.S)
    assert row and "Arrêté de test" in row.group(0) and "Expires soon: in 10 days" in row.group(0)
    assert page.count('<tr class="expiring">') == 1


def test_the_list_filters_by_status_and_agency(world: None) -> None:
    client = signed_in("coord.fr")
    mandate = grant("fr-dgddi", "Arrêté suspendu")
    actions.change_status(viewer_for(Officer.objects.get(username="coord.fr")), mandate, "suspend", "Audit")
    suspended = main(client.get("/mandates/?status=SUSPENDED"))
    assert "1 mandate" in suspended and "Arrêté suspendu" in suspended and DECREE not in suspended
    agency = main(client.get("/mandates/?agency=fr-oclaesp"))
    assert "1 mandate" in agency and DECREE in agency


def test_the_mandate_page_shows_its_scope_window_and_grantor(world: None) -> None:
    page = main(signed_in("coord.fr").get(f"/mandates/{oclaesp_mandate().pk}/"))
    assert DECREE in page and "Office central de lutte" in page and "Border and customs" in page
    assert "Appendix I" in page and "Investigation" in page and "Claire Moreau" in page
    assert 'value="suspend"' in page and 'value="revoke"' in page and 'value="reinstate"' not in page
    assert 'data-confirm="Suspend this mandate?' in page and 'data-confirm="Revoke this mandate for good?' in page


# --- grant, suspend, reinstate, revoke ----------------------------------------------------------------------------

def _grant_form(**overrides: Any) -> dict[str, Any]:
    now = timezone.localtime()
    form = {"agencyId": to_global_id("Agency", Agency.objects.get(code="fr-dgddi").pk),
            "legalReference": "Arrêté du 1er mars", "legalBasis": "Contrôles postaux", "jurisdictions": "fr",
            "crimeAreas": ["BORDER"], "citesAppendices": ["I", "II"], "purposes": ["INVESTIGATION"],
            "maxClassification": "RESTRICTED",
            "validFrom": now.strftime("%Y-%m-%dT%H:%M"),
            "validUntil": (now + datetime.timedelta(days=200)).strftime("%Y-%m-%dT%H:%M")}
    return form | overrides


def test_granting_through_the_form_creates_the_mandate(world: None) -> None:
    response = signed_in("coord.fr").post("/mandates/new/", _grant_form())
    mandate = Mandate.objects.get(legal_reference="Arrêté du 1er mars")
    assert response.status_code == 302 and response["Location"] == f"/mandates/{mandate.pk}/"
    assert mandate.agency.code == "fr-dgddi" and mandate.jurisdictions == ["FR"]
    assert mandate.cites_appendices == ["I", "II"] and mandate.purposes == ["investigation"]
    assert mandate.granted_by.username == "coord.fr" and mandate.status == MandateStatus.ACTIVE


def test_the_grant_form_shows_the_apis_errors_next_to_their_fields(world: None) -> None:
    client = signed_in("coord.fr")
    basis = main(client.post("/mandates/new/", _grant_form(legalBasis=" ")))
    assert 'id="error_legalBasis" role="alert">State the legal basis.' in basis
    assert 'aria-describedby="hint_legalBasis error_legalBasis" aria-invalid="true"' in basis
    assert 'value="Arrêté du 1er mars"' in basis  # what was typed stays
    purposes = main(client.post("/mandates/new/", _grant_form(purposes=[])))
    assert 'id="error_purposes" role="alert">Choose at least one.' in purposes
    ended = main(client.post("/mandates/new/", _grant_form(validFrom="2001-01-01T10:00",
                                                            validUntil="2001-06-01T10:00")))
    assert 'id="error_validUntil" role="alert">The mandate would already have ended.' in ended
    undated = client.post("/mandates/new/", _grant_form(validUntil="soon"))
    assert undated.status_code == 400 and 'id="error_validUntil"' in main(undated)
    own = main(client.post("/mandates/new/", _grant_form(
        agencyId=to_global_id("Agency", Agency.objects.get(code="fr-cites-ma").pk))))
    assert 'id="error_agencyId" role="alert">A coordinator cannot grant or change their own agency' in own
    assert not Mandate.objects.filter(legal_reference="Arrêté du 1er mars").exists()


def test_suspending_needs_a_reason_then_the_recipient_loses_access_until_reinstated(world: None) -> None:
    mandate = oclaesp_mandate()
    path = f"/mandates/{mandate.pk}/"
    recipient = with_purpose("inv.oclaesp")
    case = f"/cases/{ivory_reference()}/"
    assert recipient.get(case).status_code == 200
    client = signed_in("coord.fr")
    refused = client.post(path, {"action": "suspend", "reason": "  "})
    assert refused.status_code == 400
    assert 'id="suspend-error" role="alert">Give a reason; the agency will read it.' in main(refused)
    assert 'aria-describedby="suspend-error"' in main(refused)
    assert Mandate.objects.get(pk=mandate.pk).status == MandateStatus.ACTIVE
    done = client.post(path, {"action": "suspend", "reason": "Audit of the unit"}, follow=True)
    assert done.redirect_chain == [(path, 302)] and "Mandate suspended" in done.content.decode()
    assert Mandate.objects.get(pk=mandate.pk).status == MandateStatus.SUSPENDED
    assert "Audit of the unit" in main(done) and 'value="reinstate"' in main(done)
    assert recipient.get(case).status_code == 404
    again = client.post(path, {"action": "suspend", "reason": "Twice"})
    assert again.status_code == 400 and "This mandate cannot be suspended: it is suspended." in main(again)
    reinstated = client.post(path, {"action": "reinstate", "reason": "Audit closed"})
    assert reinstated.status_code == 302
    assert Mandate.objects.get(pk=mandate.pk).status == MandateStatus.ACTIVE
    assert recipient.get(case).status_code == 200


def test_revoking_ends_the_mandate_for_good(world: None) -> None:
    mandate = oclaesp_mandate()
    client = signed_in("coord.fr")
    path = f"/mandates/{mandate.pk}/"
    refused = client.post(path, {"action": "revoke", "reason": ""})
    assert refused.status_code == 400 and 'id="revoke-error"' in main(refused)
    assert client.post(path, {"action": "revoke", "reason": "Unit dissolved"}).status_code == 302
    assert Mandate.objects.get(pk=mandate.pk).status == MandateStatus.REVOKED
    page = main(client.get(path))
    assert "Revoked" in page and "Unit dissolved" in page and 'name="action"' not in page
    assert client.post(path, {"action": "reinstate", "reason": "Back"}).status_code == 400
    assert Mandate.objects.get(pk=mandate.pk).status == MandateStatus.REVOKED


def test_an_unknown_action_changes_nothing(world: None) -> None:
    mandate = oclaesp_mandate()
    assert signed_in("coord.fr").post(f"/mandates/{mandate.pk}/", {"action": "delete"}).status_code == 404
    assert Mandate.objects.get(pk=mandate.pk).status == MandateStatus.ACTIVE


# --- refusals -------------------------------------------------------------------------------------------------

def test_another_countrys_mandate_answers_as_a_missing_one(world: None) -> None:
    spanish = Mandate.objects.get(agency__code="es-seprona")
    client = signed_in("coord.fr")
    hidden = client.get(f"/mandates/{spanish.pk}/")
    missing = client.get("/mandates/999999/")
    assert hidden.status_code == missing.status_code == 404
    # the same page but for the address asked for, which it echoes
    assert CSRF.sub(b"", hidden.content).replace(f"/mandates/{spanish.pk}/".encode(), b"/mandates/999999/") == \
        CSRF.sub(b"", missing.content)
    posted = client.post(f"/mandates/{spanish.pk}/", {"action": "suspend", "reason": "x"})
    assert posted.status_code == 404 and Mandate.objects.get(pk=spanish.pk).status == MandateStatus.ACTIVE


@pytest.mark.parametrize("username", ["sup.ofb", "inv.ofb", "admin.ofb", "pf.leboncoin"])
def test_the_mandate_pages_are_for_coordinators_only(world: None, username: str) -> None:
    client = signed_in(username)
    own = Mandate.objects.get(agency__code="fr-ofb")
    for path in ("/mandates/", "/mandates/new/", f"/mandates/{own.pk}/"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/mandates/{own.pk}/", {"action": "suspend", "reason": "x"}).status_code == 404
    assert client.post("/mandates/new/", _grant_form()).status_code == 404
    assert Mandate.objects.get(pk=own.pk).status == MandateStatus.ACTIVE
    assert 'href="/mandates/"' not in client.get("/").content.decode()


def test_a_coordinators_navigation_leads_to_the_mandates_and_the_access_log(world: None) -> None:
    page = signed_in("coord.fr").get("/").content.decode()
    assert 'href="/mandates/"' in page and 'href="/access-log/"' in page


# --- the access log -------------------------------------------------------------------------------------------

def test_the_access_log_shows_who_read_whose_intelligence_under_which_mandate_and_purpose(world: None) -> None:
    with_purpose("inv.oclaesp").get(f"/cases/{ivory_reference()}/")
    page = main(signed_in("coord.fr").get("/access-log/"))
    row = re.search(r"<tr><th scope=\"row\">.*?</tr>", page, re.S)
    assert row, page
    text = row.group(0)
    assert "inv.oclaesp" in text and "Office central de lutte" in text and "Office français de la biodiversité" in text
    assert f'<a href="/mandates/{oclaesp_mandate().pk}/">{DECREE}</a>' in text and "Investigation" in text
    supervisor = main(signed_in("sup.ofb").get("/access-log/"))
    assert "inv.oclaesp" in supervisor and DECREE in supervisor and "/mandates/" not in supervisor


def test_the_access_log_never_shows_another_countrys_or_agencys_reads(world: None) -> None:
    from cases.models import Case

    with_purpose("inv.oclaesp").get(f"/cases/{ivory_reference()}/")  # OFB's case, read by OCLAESP
    pangolin = Case.objects.get(owner_agency__code="fr-oclaesp", title__startswith="Écailles")
    with_purpose("inv.douane").get(f"/cases/{pangolin.reference}/")  # OCLAESP's case, read by customs
    spanish = main(signed_in("coord.es").get("/access-log/"))
    assert "0 accesses" in spanish and "inv.oclaesp" not in spanish and "inv.douane" not in spanish
    seprona = main(signed_in("sup.seprona").get("/access-log/"))
    assert "0 accesses" in seprona
    ofb = main(signed_in("sup.ofb").get("/access-log/"))
    assert "inv.oclaesp" in ofb and "inv.douane" not in ofb
    french = main(signed_in("coord.fr").get("/access-log/"))
    assert "inv.oclaesp" in french and "inv.douane" in french


def test_the_access_log_filters_by_agency_officer_outcome_and_period(world: None) -> None:
    from cases.models import Case

    with_purpose("inv.oclaesp").get(f"/cases/{ivory_reference()}/")
    pangolin = Case.objects.get(owner_agency__code="fr-oclaesp", title__startswith="Écailles")
    with_purpose("inv.douane").get(f"/cases/{pangolin.reference}/")
    client = signed_in("coord.fr")
    owner = main(client.get("/access-log/?owner=fr-oclaesp"))
    assert "1 access" in owner and "inv.douane<span" in owner and "inv.oclaesp<span" not in owner
    reader = main(client.get("/access-log/?reader=fr-oclaesp"))
    assert "1 access" in reader and "inv.oclaesp<span" in reader and "inv.douane<span" not in reader
    assert "1 access" in main(client.get("/access-log/?actor=inv.douane"))
    assert "0 accesses" in main(client.get("/access-log/?outcome=DENIED"))
    # The log reads its days in the coordinator's time zone: between 23:00 and midnight UTC, Paris is a day ahead.
    day = timezone.localdate(timezone=ZoneInfo(Officer.objects.get(username="coord.fr").zone_name))
    today = day.isoformat()
    assert "2 accesses" in main(client.get(f"/access-log/?since={today}&until={today}"))
    tomorrow = (day + datetime.timedelta(days=1)).isoformat()
    assert "0 accesses" in main(client.get(f"/access-log/?since={tomorrow}"))
    bad = client.get("/access-log/?since=yesterday")
    assert bad.status_code == 400 and "Enter a day, e.g. 2026-03-31." in main(bad)
    assert 'id="log-since" name="since" value="yesterday" aria-invalid="true"' in main(bad)


def test_the_mandate_page_lists_the_reads_under_it_and_links_to_them_in_the_log(world: None) -> None:
    with_purpose("inv.oclaesp").get(f"/cases/{ivory_reference()}/")
    mandate = oclaesp_mandate()
    client = signed_in("coord.fr")
    page = main(client.get(f"/mandates/{mandate.pk}/"))
    reads = page[page.index('id="reads-title"'):]
    assert "inv.oclaesp" in reads and "Office français de la biodiversité" in reads and "Investigation" in reads
    assert f'href="/access-log/?mandate={mandate.pk}"' in reads
    other = main(client.get(f"/mandates/{Mandate.objects.get(agency__code='fr-dgddi').pk}/"))
    assert "Nothing was read under this mandate." in other and "inv.oclaesp" not in other
    log = main(client.get(f"/access-log/?mandate={mandate.pk}"))
    assert "1 access" in log and "Only the reads under one mandate." in log
    assert f'name="mandate" value="{mandate.pk}"' in log
    none = main(client.get(f"/access-log/?mandate={Mandate.objects.get(agency__code='fr-dgddi').pk}"))
    assert "0 accesses" in none


@pytest.mark.parametrize("username", ["inv.ofb", "admin.ofb", "pf.leboncoin", "inv.oclaesp"])
def test_the_access_log_page_is_for_supervisors_and_coordinators(world: None, username: str) -> None:
    assert signed_in(username).get("/access-log/").status_code == 404


# --- statement counts -----------------------------------------------------------------------------------------

def test_the_mandate_list_costs_the_same_statements_whatever_its_length(world: None) -> None:
    client = signed_in("coord.fr")
    few = _statements(client, "/mandates/?size=50")
    for number in range(25):
        grant("fr-dgddi", f"Arrêté {number}", days=30 + number)
    assert "31 mandates" in main(client.get("/mandates/?size=50"))
    assert _statements(client, "/mandates/?size=50") == few


def test_the_access_log_costs_the_same_statements_whatever_its_length(world: None) -> None:
    with_purpose("inv.oclaesp").get(f"/cases/{ivory_reference()}/")
    client = signed_in("coord.fr")
    few = _statements(client, "/access-log/?size=50")
    reader = Officer.objects.get(username="inv.douane")
    owners = [Agency.objects.get(code=code).pk for code in ("fr-ofb", "fr-oclaesp", "fr-pnr")]
    mandates = list(Mandate.objects.filter(agency__country="FR").values_list("pk", flat=True))
    for number in range(30):
        record("intel.read", actor=reader, object_type="cases.case", object_agency_id=owners[number % 3],
               mandate_id=mandates[number % len(mandates)], purpose="investigation",
               details={"cases": {str(number): {}}})
    assert "31 accesses" in main(client.get("/access-log/?size=50"))
    assert _statements(client, "/access-log/?size=50") == few


def test_the_mandate_page_costs_the_same_statements_whatever_the_reads_under_it(world: None) -> None:
    mandate = oclaesp_mandate()
    reader = Officer.objects.get(username="inv.oclaesp")
    owners = [Agency.objects.get(code=code).pk for code in ("fr-ofb", "fr-dgddi")]

    def read(count: int) -> None:
        for number in range(count):
            record("intel.read", actor=reader, object_type="cases.case", object_agency_id=owners[number % 2],
                   mandate_id=mandate.pk, purpose="investigation", details={"cases": {str(number): {}}})

    read(1)
    client = signed_in("coord.fr")
    few = _statements(client, f"/mandates/{mandate.pk}/")
    read(15)
    assert main(client.get(f"/mandates/{mandate.pk}/")).count("<td>inv.oclaesp</td>") == 10
    assert _statements(client, f"/mandates/{mandate.pk}/") == few


def test_a_stale_session_confirms_its_password_then_the_suspension_is_made_as_asked(world: None,
                                                                                   settings: Any) -> None:
    mandate = oclaesp_mandate()
    client = signed_in("coord.fr")
    session = client.session
    session[CONFIRMED_SESSION_KEY] = 0.0
    session.save()
    path = f"/mandates/{mandate.pk}/"
    asked = client.post(path, {"action": "suspend", "reason": "Audit"})
    assert asked.status_code == 200 and "Confirm your password" in asked.content.decode()
    assert Mandate.objects.get(pk=mandate.pk).status == MandateStatus.ACTIVE
    done = confirm(client, path, {"action": "suspend", "reason": "Audit", PASSWORD_FIELD: DEMO_PASSWORD})
    assert done.status_code == 302 and done["Location"] == path
    assert Mandate.objects.get(pk=mandate.pk).status == MandateStatus.SUSPENDED
