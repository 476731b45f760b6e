"""Console pages: every document validates; search and case pages show what the policy allows, safely."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql import parse, validate

from access.policy import viewer_for
from api.documents import validation_rules
from cases.actions import CaseInput, create_case
from cases.models import Case
from console.documents import schema
from console.templatetags.console import marked
from officers.models import Officer
from tests.console.test_shell import signed_in

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted(path for folder in ("platform", "cases", "sharing", "compliance", "search", "reports")
                   for path in (ROOT / folder).rglob("*.graphql"))


def test_the_console_has_documents() -> None:
    assert len(DOCUMENTS) >= 6, DOCUMENTS


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_console_document_validates_against_the_schema_and_its_limits(path: Path) -> None:
    document = parse(path.read_text(encoding="utf-8"))
    assert validate(schema(), document, validation_rules()) == []
    operations = [d for d in document.definitions if getattr(d, "operation", None) is not None]
    assert len(operations) == 1 and operations[0].name is not None  # one named operation per file


def test_snippets_keep_their_marks_and_nothing_else_as_html() -> None:
    assert marked("ivoire <mark>d&#x27;éléphant</mark>") == "ivoire <mark>d&#x27;éléphant</mark>"
    assert marked("<script>alert(1)</script> <mark>x</mark>") == \
        "&lt;script&gt;alert(1)&lt;/script&gt; <mark>x</mark>"
    assert marked("&lt;img src=x onerror=alert(1)&gt;") == "&lt;img src=x onerror=alert(1)&gt;"


def test_search_finds_by_words_and_shows_facets_and_the_export_link(world: None) -> None:
    client = signed_in("inv.ofb")
    page = client.get("/search/", {"q": "ivoire"}).content.decode()
    assert "result" in page and 'name="type"' in page
    assert '/search/export.csv?q=ivoire' in page
    ivory = Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")
    assert ivory.reference in page


def test_search_facets_filter_and_the_export_repeats_the_search(world: None) -> None:
    client = signed_in("inv.ofb")
    page = client.get("/search/", {"q": "ivoire", "type": "case"}).content.decode()
    assert 'value="case" id="facet-type-1" checked' in page or "checked" in page
    export = client.get("/search/export.csv", {"q": "ivoire", "type": "case"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0] and all(row[0] == "case" for row in rows[1:]) and len(rows) > 1


def test_search_shows_nothing_of_another_agencys_case(world: None) -> None:
    pangolin = Case.objects.get(owner_agency__code="fr-oclaesp", title__startswith="Écailles")
    words = pangolin.title.split()[0]
    mine = signed_in("inv.oclaesp").get("/search/", {"q": words}).content.decode()
    assert pangolin.reference in mine
    theirs = signed_in("inv.ofb").get("/search/", {"q": words}).content.decode()
    assert pangolin.reference not in theirs and pangolin.title not in theirs


def test_a_bad_search_parameter_is_a_clear_error(world: None) -> None:
    page = signed_in("inv.ofb").get("/search/", {"q": "x" * 5000})
    assert page.status_code == 200 and "Nothing was changed" not in page.content.decode()


def _statements(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_case_list_costs_the_same_statements_whatever_its_length(world: None) -> None:
    client = signed_in("inv.ofb")
    few = _statements(client, "/cases/")
    viewer = viewer_for(Officer.objects.get(username="inv.ofb"))
    for number in range(25):
        create_case(viewer, CaseInput(title=f"Extra {number}", jurisdictions=["FR"]))
    assert _statements(client, "/cases/?size=50") == few


def test_a_case_page_costs_the_same_statements_whatever_its_size(world: None) -> None:
    client = signed_in("inv.ofb")
    ivory = Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")
    before = _statements(client, f"/cases/{ivory.reference}/")
    first = ivory.listings.first()
    for number in range(10):
        first.pk = None
        first.url = f"https://example.org/annonce/{number}"
        first.external_id = f"extra-{number}"
        first.save()
    assert _statements(client, f"/cases/{ivory.reference}/") == before


def test_the_workspace_costs_the_same_statements_whatever_the_number_of_cases(world: None) -> None:
    client = signed_in("inv.ofb")
    viewer = viewer_for(Officer.objects.get(username="inv.ofb"))
    create_case(viewer, CaseInput(title="Extra", jurisdictions=["FR"]))  # one open case of the agency's own
    few = _statements(client, "/")
    for number in range(25):
        create_case(viewer, CaseInput(title=f"Extra {number}", jurisdictions=["FR"]))
    assert _statements(client, "/") == few


def test_the_search_page_costs_the_same_statements_whatever_the_number_of_matches(world: None) -> None:
    client = signed_in("inv.ofb")
    viewer = viewer_for(Officer.objects.get(username="inv.ofb"))
    create_case(viewer, CaseInput(title="Pangolin scales", jurisdictions=["FR"]))
    few = _statements(client, "/search/?q=pangolin+scales")
    for number in range(25):
        create_case(viewer, CaseInput(title=f"Pangolin scales lot {number}", jurisdictions=["FR"]))
    assert _statements(client, "/search/?q=pangolin+scales") == few


def test_a_case_page_lists_its_shares_to_the_owner_only(world: None) -> None:
    ivory = Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")
    owner = signed_in("inv.ofb").get(f"/cases/{ivory.reference}/").content.decode()
    assert 'id="shares-title"' in owner and "Office central de lutte" in owner
    recipient = signed_in("inv.oclaesp")
    recipient.post("/purpose/", {"purpose": "INVESTIGATION"})
    page = recipient.get(f"/cases/{ivory.reference}/").content.decode()
    assert ivory.title in page and 'id="shares-title"' not in page


def test_prices_are_written_in_the_pages_language(world: None) -> None:
    ivory = Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")
    listing = ivory.listings.exclude(price=None).first()
    listing.price = 1250
    listing.save()
    client = signed_in("inv.ofb")
    assert "1,250.00" in client.get(f"/cases/{ivory.reference}/").content.decode()
    client.post("/language/", {"language": "fr"})
    assert "1\\u202f250,00" in ascii(client.get(f"/cases/{ivory.reference}/").content.decode()) or \
        "1\\xa0250,00" in ascii(client.get(f"/cases/{ivory.reference}/").content.decode())


def test_a_supervisor_sees_who_of_another_agency_read_the_case_and_no_one_else_does(world: None) -> None:
    ivory = Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")
    reader = signed_in("inv.oclaesp")
    reader.post("/purpose/", {"purpose": "INVESTIGATION"})
    assert reader.get(f"/cases/{ivory.reference}/").status_code == 200  # a read of the OFB's case, audited
    supervisor = signed_in("sup.ofb").get(f"/cases/{ivory.reference}/").content.decode()
    assert 'id="reads-title"' in supervisor and "inv.oclaesp" in supervisor
    investigator = signed_in("inv.ofb").get(f"/cases/{ivory.reference}/").content.decode()
    assert 'id="reads-title"' not in investigator
    assert 'id="reads-title"' not in reader.get(f"/cases/{ivory.reference}/").content.decode()


def test_another_agencys_supervisor_gets_no_reads_of_the_case(world: None) -> None:
    ivory = Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")
    reader = signed_in("inv.oclaesp")
    reader.post("/purpose/", {"purpose": "INVESTIGATION"})
    reader.get(f"/cases/{ivory.reference}/")
    query = {"query": "query ($r: String) { accessLog(caseReference: $r) { totalCount } }",
             "variables": {"r": ivory.reference}}
    own = signed_in("sup.ofb").post("/graphql/", query, content_type="application/json").json()
    other = signed_in("sup.seprona").post("/graphql/", query, content_type="application/json").json()
    assert own["data"]["accessLog"]["totalCount"] >= 1
    assert other["data"]["accessLog"]["totalCount"] == 0


def test_a_case_of_many_listings_pages_through_them(world: None) -> None:
    ivory = Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")
    first = ivory.listings.first()
    for number in range(60):
        first.pk = None
        first.url = f"https://example.org/annonce/many-{number}"
        first.external_id = f"many-{number}"
        first.save()
    total = ivory.listings.count()
    client = signed_in("inv.ofb")
    page = client.get(f"/cases/{ivory.reference}/").content.decode()
    cursor = re.search(r'href="\?listings=([^"#]+)#listings-title"', page)
    assert cursor and page.count("example.org/annonce/many-") + page.count("leboncoin") >= 50
    rest = client.get(f"/cases/{ivory.reference}/", {"listings": unquote(cursor.group(1))}).content.decode()
    shown = len(re.findall(r'<tr><td><a href="https?://', page)) + len(re.findall(r'<tr><td><a href="https?://', rest))
    assert shown == total and 'href="?listings=' not in rest


def test_search_by_period_filters_and_a_bad_day_is_a_clear_error(world: None) -> None:
    client = signed_in("inv.ofb")
    everything = client.get("/search/", {"q": "ivoire"}).content.decode()
    assert "Export as CSV" in everything
    nothing = client.get("/search/", {"q": "ivoire", "from": "2099-01-01"}).content.decode()
    assert "Nothing you may see matches." in nothing and 'value="2099-01-01"' in nothing
    wrong = client.get("/search/", {"q": "ivoire", "from": "yesterday"}).content.decode()
    assert "Give the day as YYYY-MM-DD." in wrong and "Export as CSV" not in wrong
