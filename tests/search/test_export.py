"""The intelligence export (``GET /search/export.csv``): what it grants, what it refuses, what it costs and records.

The world is the search contract's: OFB (inv.ofb) holds a French ivory case with three listings, a phone claim
and an informant report; OCLAESP (inv.oclaesp) holds its own case with the same words, which OFB cannot see.
"""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphql_relay import to_global_id

from audit.models import AuditEvent, Outcome
from cases import actions as case_actions
from cases.models import Case, Entity, Listing
from officers.actions import issue_token
from officers.models import Officer
from outbox.actions import deliver_due
from search.backends import get_backend
from search.backends.base import SearchHit, SearchQuery, SearchResult
from search.views import COLUMNS, parse_export, safe_cell
from sharing import actions as sharing_actions
from sharing.models import Hit

from .contract import PHONE, World, viewer

pytestmark = pytest.mark.django_db

URL = "/search/export.csv"
INVESTIGATION = {"HTTP_X_WILDNET_PURPOSE": "investigation"}
AUTH = 1  # the session with its officer, their agency and its mandates in force


def export(client: Client, username: str | None, headers: dict[str, str] | None = None, **params: Any) -> Any:
    if username is not None:
        client.force_login(Officer.objects.get(username=username))
    return client.get(URL, params, **(INVESTIGATION if headers is None else headers))


def table(response: Any) -> list[dict[str, str]]:
    """The CSV body as rows keyed by column, after checking the header row."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert tuple(lines[0]) == COLUMNS
    return [dict(zip(COLUMNS, line, strict=True)) for line in lines[1:]]


def ids(response: Any) -> set[str]:
    return {row["id"] for row in table(response)}


def gid(obj: Any) -> str:
    name = {Case: "Case", Listing: "Listing"}.get(type(obj), "IntelReport")
    return to_global_id(name, obj.pk)


def exports() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="search.export").order_by("pk"))


# --- grant ----------------------------------------------------------------------------------------------------


def test_own_agency_rows_are_exported_with_every_column(client: Client, indexed: World) -> None:
    response = export(client, "inv.ofb", q="éléphant", type="listing")
    assert response["Content-Disposition"].startswith('attachment; filename="wildnet-search-')
    assert response["Cache-Control"] == "private, no-store"
    assert (response["X-WildNet-Export-Rows"], response["X-WildNet-Export-Truncated"]) == ("1", "false")
    [row] = table(response)
    first_seen = indexed.fr.first_seen_at.astimezone(datetime.UTC).isoformat(timespec="seconds")
    assert {k: v for k, v in row.items() if k != "score"} == {
        "type": "listing", "id": gid(indexed.fr), "reference": indexed.case.reference,
        "title": "Défenses d'éléphant", "url": indexed.fr.url, "platform": "pf-leboncoin",
        "platform_kind": "classified_ads", "species": "Loxodonta africana", "countries": "FR", "status": "active",
        "specimen_type": "part", "specimen_count": "2", "claimed_legality": "antique", "legality_reference": "",
        "legality_verified": "not_checked", "handling": "H0", "date": first_seen}
    assert float(row["score"]) > 0


def test_every_type_is_exported_in_the_search_order(client: Client, indexed: World) -> None:
    """With no text every score is 0, and the search orders by type, then id."""
    rows = table(export(client, "inv.ofb"))
    listings = [gid(listing) for listing in (indexed.fr, indexed.es, indexed.en)]
    claim = indexed.case.entity_links.get()
    report = indexed.case.reports.get()
    assert [row["id"] for row in rows] == [gid(indexed.case), to_global_id("Entity", claim.entity_id), *listings,
                                           gid(report)]
    case, entity, *_, last = rows
    assert (case["reference"], case["title"], case["status"], case["countries"]) == (
        indexed.case.reference, "Ivoire sur leboncoin", "open", "FR")
    assert (entity["title"], entity["reference"], entity["handling"]) == (f"'{PHONE}", "", "")  # "+": quoted
    assert (last["reference"], last["title"], last["handling"]) == (
        indexed.case.reference, "Informant: the courier drives a grey van", "H1 (not for judicial use); case H0")


@pytest.mark.parametrize(("params", "expected"), [
    ({"type": "listing", "platform": "pf-wallapop"}, ["es"]),
    ({"type": ["listing", "case"], "q": "ivoire"}, ["case", "fr"]),
    ({"type": "listing", "status": "removed"}, ["en"]),
    ({"type": "listing", "appendix": "i"}, ["fr", "es", "en"]),  # the case's appendices (its listing's elephant)
    ({"type": "listing", "appendix": "III"}, []),
    ({"type": "listing", "country": "es"}, []),  # the case's jurisdictions: France only
    ({"type": "listing", "agency": "fr-ofb", "q": "ivory"}, ["en"]),
    ({"type": "listing", "from": "2000-01-01", "to": "2000-01-02"}, []),
    ({"type": "listing", "platform": "", "country": ""}, ["fr", "es", "en"]),  # an empty form field: no filter
    ({"specimen_type": "part"}, ["fr", "es"]),  # a listing fact keeps listings only
    ({"specimen_type": ["unknown", "live"]}, ["en"]),
    ({"claimed_legality": "CITES_PERMIT", "legality_verified": "false"}, ["es"]),
    ({"legality_verified": "not_checked", "q": "ivoire"}, ["fr"]),
    ({"type": "listing", "platform_kind": "classified_ads", "q": "ivory"}, ["en"]),
    ({"platform_kind": "auction"}, []),
])
def test_filters_are_those_of_the_graphql_search(client: Client, indexed: World, params: dict[str, Any],
                                                 expected: list[str]) -> None:
    objects = {"case": indexed.case, "fr": indexed.fr, "es": indexed.es, "en": indexed.en}
    assert ids(export(client, "inv.ofb", **params)) == {gid(objects[name]) for name in expected}


def test_species_and_dates_filter_by_id_and_day(client: Client, indexed: World) -> None:
    today = timezone.now().date()
    tomorrow = today + datetime.timedelta(days=1)
    assert ids(export(client, "inv.ofb", type="listing", species=str(indexed.elephant.pk))) == {gid(indexed.fr)}
    assert ids(export(client, "inv.ofb", type="listing", **{"from": today.isoformat(), "to": tomorrow.isoformat()})
               ) == {gid(indexed.fr), gid(indexed.es), gid(indexed.en)}
    assert ids(export(client, "inv.ofb", type="listing", to=today.isoformat())) == set()  # ``to`` is exclusive


def test_shared_rows_are_exported_under_the_mandate_and_purpose(client: Client, indexed: World) -> None:
    assert ids(export(client, "inv.oclaesp", q="défenses")) == set()
    indexed.share()
    deliver_due()  # a grant reaches an Elasticsearch index when the worker re-indexes the case (a revocation: at once)
    assert ids(export(client, "inv.oclaesp", q="défenses")) == {gid(indexed.case), gid(indexed.fr)}
    assert ids(export(client, "inv.oclaesp", headers={}, q="défenses")) == set()  # no declared purpose
    assert ids(export(client, "inv.oclaesp", headers={"HTTP_X_WILDNET_PURPOSE": "prosecution"}, q="défenses")
               ) == set()  # a purpose its mandate does not allow


def test_a_bearer_token_exports_like_a_session(indexed: World) -> None:
    _, raw = issue_token(Officer.objects.get(username="inv.ofb"), name="cyber alerts", scopes=["read"])
    response = Client().get(URL, {"q": "éléphant", "type": "listing"}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert ids(response) == {gid(indexed.fr)}


# --- refusal ----------------------------------------------------------------------------------------------------


def test_another_agencys_unshared_case_is_not_exported_even_when_the_text_matches(client: Client,
                                                                                  indexed: World) -> None:
    matching = export(client, "inv.ofb", q="pangolin")  # only in OCLAESP's listing
    nothing = export(client, "inv.ofb", q="zzzznothing")
    assert table(matching) == table(nothing) == []
    found = ids(export(client, "inv.ofb", q="ivoire"))
    assert gid(indexed.hidden) not in found and found == {gid(indexed.case), gid(indexed.fr)}


def test_a_hit_the_policy_does_not_show_is_not_exported(client: Client, indexed: World, monkeypatch: Any) -> None:
    """Whatever the index answers (an Elasticsearch index lags behind a revoked share), rows come from the policy."""
    hidden = indexed.hidden.listings.get()

    class StaleIndex:
        def search(self, viewer: Any, query: SearchQuery) -> SearchResult:
            return SearchResult(total=2, hits=[SearchHit("listing", hidden.pk, 2.0),
                                               SearchHit("listing", indexed.fr.pk, 1.0)], facets={}, next_cursor=None)

    monkeypatch.setattr("search.views.get_backend", StaleIndex)
    assert ids(export(client, "inv.ofb", q="ivoire")) == {gid(indexed.fr)}
    assert exports()[0].details["rows"] == 1 and not AuditEvent.objects.filter(action="intel.read").exists()


def test_a_revoked_share_disappears_at_once(client: Client, indexed: World) -> None:
    granted = indexed.share()
    deliver_due()
    assert gid(indexed.fr) in ids(export(client, "inv.oclaesp", q="éléphant"))
    sharing_actions.revoke_share(viewer("sup.ofb"), granted, "Case closed")  # the index is not touched
    assert ids(export(client, "inv.oclaesp", q="éléphant")) == set()


def test_redacted_groups_are_not_exported(client: Client, indexed: World) -> None:
    indexed.share(redact_personal_data=True, redact_sources=True)
    deliver_due()
    rows = table(export(client, "inv.oclaesp", agency="fr-ofb"))
    assert sorted(row["type"] for row in rows) == ["case", "listing", "listing", "listing"]
    assert table(export(client, "inv.oclaesp", q=PHONE)) == []  # the redacted claim is no search oracle
    assert table(export(client, "inv.oclaesp", q="courier")) == []  # nor the report's text


def test_an_anonymous_caller_gets_the_404_of_a_missing_download(client: Client, indexed: World) -> None:
    response = client.get(URL, {"q": "ivoire"})
    missing = client.get("/cases/evidence/999999/download")
    assert response.status_code == missing.status_code == 404
    assert response.json() == {"errors": [{"message": "No such export.", "extensions": {"code": "NOT_FOUND"}}]}
    assert response.json().keys() == missing.json().keys()
    assert exports() == []


def test_a_platform_officer_gets_the_header_only(client: Client, indexed: World) -> None:
    response = export(client, "pf.leboncoin", headers={"HTTP_X_WILDNET_PURPOSE": "platform_compliance"})
    assert table(response) == []
    [event] = exports()
    assert (event.actor_username, event.details["rows"]) == ("pf.leboncoin", 0)


# --- the cap ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cap", "rows", "truncated"), [(10_000, 130, "false"), (130, 130, "false"),
                                                        (120, 120, "true")])
def test_the_export_walks_every_page_up_to_the_cap(client: Client, indexed: World, settings: Any, cap: int,
                                                   rows: int, truncated: str) -> None:
    settings.EXPORT_MAX_ROWS = cap
    for n in range(130):
        case_actions.add_listing(viewer("inv.ofb"), indexed.case, case_actions.ListingInput(
            url=f"https://www.leboncoin.fr/ad/lot-{n}", title=f"Lot {n}"))
    deliver_due(limit=1000)
    response = export(client, "inv.ofb", q="lot", type="listing")
    found = [row["id"] for row in table(response)]
    assert len(found) == len(set(found)) == rows
    assert (response["X-WildNet-Export-Rows"], response["X-WildNet-Export-Truncated"]) == (str(rows), truncated)
    [event] = exports()
    assert (event.details["rows"], event.details["truncated"]) == (rows, truncated == "true")


# --- CSV injection --------------------------------------------------------------------------------------------


def test_no_cell_can_start_a_formula(client: Client, indexed: World) -> None:
    titles = ["=HYPERLINK(\"http://evil\")", "+33 cmd", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "Plain = safe"]
    for n, title in enumerate(titles):
        listing, _ = case_actions.add_listing(viewer("inv.ofb"), indexed.case, case_actions.ListingInput(
            url=f"https://www.leboncoin.fr/ad/formula-{n}", text="formula"))
        Listing.objects.filter(pk=listing.pk).update(title=title)  # the actions strip a leading tab or CR
    deliver_due(limit=1000)
    exported = {row["title"] for row in table(export(client, "inv.ofb", q="formula", type="listing"))}
    assert exported == {f"'{title}" for title in titles[:-1]} | {"Plain = safe"}


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_formula_start_is_quoted_in_every_column(start: str) -> None:
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    assert safe_cell(f"a{start}") == f"a{start}"


# --- bad input --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-13-01"}, "from"),
    ({"from": "yesterday"}, "from"),
    ({"from": "2026-02-01", "to": "2026-01-01"}, "to"),
    ({"type": "seller"}, "type"),
    ({"species": "Loxodonta"}, "species"),
    ({"species": to_global_id("Species", 1)}, "species"),
    ({"species": "9" * 30}, "species"),  # no database integer is that large
    ({"country": "FRA"}, "country"),
    ({"appendix": "IV"}, "appendix"),
    ({"status": "lost"}, "status"),
    ({"platform": "pf leboncoin'"}, "platform"),
    ({"agency": "x" * 33}, "agency"),
    ({"q": "x" * 501}, "q"),
    ({"platfrom": "pf-leboncoin"}, "platfrom"),  # a misspelt filter would export too much
    ({"q": "ivoire\x00"}, "q"),  # PostgreSQL cannot take it as a parameter
    ({"country": "F\x00"}, "country"),
    ({"specimen_type": "egg"}, "specimen_type"),
    ({"claimed_legality": "permit"}, "claimed_legality"),
    ({"legality_verified": "yes"}, "legality_verified"),
    ({"platform_kind": "forum"}, "platform_kind"),
])
def test_bad_input_is_a_typed_400_and_nothing_is_audited(client: Client, indexed: World, params: dict[str, str],
                                                         field: str) -> None:
    client.force_login(Officer.objects.get(username="inv.seprona"))  # signing in is audited too
    before = AuditEvent.objects.count()
    response = export(client, None, **{"q": PHONE, **params})  # a hidden identifier: a valid query records a hit
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "INVALID", "field": field} and error["message"]
    assert AuditEvent.objects.count() == before and not Hit.objects.exists()


# --- audit ------------------------------------------------------------------------------------------------------


def test_reads_of_another_agencys_intelligence_are_audited_once_per_owner(client: Client, indexed: World) -> None:
    indexed.share()
    deliver_due()
    rows = table(export(client, "inv.oclaesp", q="ivoire"))
    assert {row["id"] for row in rows} == {gid(indexed.case), gid(indexed.fr), gid(indexed.hidden),
                                           gid(indexed.hidden.listings.get())}
    [read] = AuditEvent.objects.filter(action="intel.read")  # OCLAESP's own case is not a read event
    assert (read.actor_username, read.object_agency.code, read.outcome) == ("inv.oclaesp", "fr-ofb", Outcome.ALLOWED)
    assert read.purpose == "investigation" and read.mandate_id is not None
    assert read.details["cases"] == {str(indexed.case.pk): {"Case": [str(indexed.case.pk)],
                                                            "Listing": [str(indexed.fr.pk)]}}
    [event] = exports()
    assert (event.actor_username, event.agency.code, event.purpose) == ("inv.oclaesp", "fr-oclaesp", "investigation")
    assert event.details == {"rows": 4, "truncated": False}
    assert event.content == {"query": "ivoire", "filters": {}}


def test_the_export_event_records_the_filters(client: Client, indexed: World) -> None:
    table(export(client, "inv.ofb", q="ivoire", type=["listing", "case"], country="fr", **{"from": "2026-01-01"}))
    [event] = exports()
    assert event.content["filters"] == {"types": ["case", "listing"], "countries": ["FR"],
                                        "date_from": "2026-01-01"}
    assert not AuditEvent.objects.filter(action="intel.read").exists()  # OFB read only its own intelligence


def test_exporting_a_hidden_identifier_records_a_hit_and_shows_nothing(client: Client, indexed: World) -> None:
    assert table(export(client, "inv.seprona", q=PHONE)) == []
    hit = Hit.objects.get()
    assert (hit.entity.normalised, hit.case_id, hit.trigger) == (PHONE, indexed.case.pk, "search")


@pytest.mark.parametrize("typed", ["0612345678", "06.12.34.56.78", "0033 6 12 34 56 78"])
def test_a_phone_as_people_type_it_exports_the_rows_the_search_finds(client: Client, indexed: World,
                                                                     typed: str) -> None:
    [row] = table(export(client, "inv.ofb", q=typed))
    assert (row["type"], row["id"]) == ("entity", to_global_id("Entity", Entity.objects.get(normalised=PHONE).pk))


def test_exporting_a_national_number_held_elsewhere_records_a_hit(client: Client, indexed: World) -> None:
    assert table(export(client, "inv.douane", q="06 12 34 56 78")) == []
    hit = Hit.objects.get()
    assert (hit.entity.normalised, hit.case_id, hit.officer.username) == (PHONE, indexed.case.pk, "inv.douane")


# --- cost ---------------------------------------------------------------------------------------------------------


def search_cost(username: str, text: str) -> int:
    """The SQL queries of one page of the backend's search, for a viewer new to the request (as the view's is)."""
    query = parse_export(QueryDict(urlencode({"q": text})))
    searcher = viewer(username)
    with CaptureQueriesContext(connection) as captured:
        get_backend().search(searcher, query)
    return len(captured)


@pytest.mark.parametrize("n", [10, 100])
def test_the_number_of_queries_does_not_grow_with_the_rows(client: Client, demo: Any,
                                                           django_assert_num_queries: Any, n: int) -> None:
    """``n`` rows (a case, a report, listings) shared with OCLAESP: one page of the search plus a fixed cost."""
    inv = viewer("inv.ofb")
    case = case_actions.create_case(inv, case_actions.CaseInput(title="Zqx export", jurisdictions=["FR"]))
    case_actions.add_report(inv, case, case_actions.ReportInput(text="Zqx informant", source_evaluation="B",
                                                                information_assessment="2"))
    for i in range(n - 2):
        case_actions.add_listing(inv, case, case_actions.ListingInput(url=f"https://www.leboncoin.fr/ad/{i}",
                                                                      title=f"Zqx {i}"))
    deliver_due(limit=1000)
    sharing_actions.share_case(inv, case, sharing_actions.ShareInput(
        justification="Joint investigation", recipient_agency=Officer.objects.get(username="inv.oclaesp").agency))
    deliver_due(limit=1000)
    client.force_login(Officer.objects.get(username="inv.oclaesp"))
    search_cost("inv.oclaesp", "zqx")  # warms the per-process caches (species names)
    # the search without its viewer's mandates (they come with the request's officer); loads: cases (+ species,
    # platforms), listings (+ species), reports (+ case species, case platforms); audit: the identifier the text
    # may be, a savepoint around the owners of the cases read, the read event and the export event
    with django_assert_num_queries(AUTH + search_cost("inv.oclaesp", "zqx") - 1 + 8 + 1 + 2 + 3):
        rows = table(client.get(URL, {"q": "zqx"}, **INVESTIGATION))  # the CSV text is written inside too
    assert len(rows) == n
