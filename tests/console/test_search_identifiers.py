"""The search page with identifiers as people type them, and the notices of identifiers held elsewhere.

In the demo, the OFB ivory case and the SEPRONA parrot case both hold +33 6 12 34 56 78; the ivory case's share
with the customs (DGDDI) has expired, so inv.douane sees neither.
"""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from cases.models import Case
from sharing.models import AccessRequest, Hit
from tests.console.test_shell import signed_in

TYPED = "06 12 34 56 78"
INVESTIGATION = {"purpose": "INVESTIGATION"}


def ivory() -> Case:
    return Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")


def notices(page: str) -> str:
    """The "Held by other agencies" section of a search page ("" when there is none)."""
    found = re.search(r'<section aria-labelledby="held-title">.*?</section>', page, re.S)
    return found.group(0) if found else ""


def searcher(username: str) -> Client:
    client = signed_in(username)
    client.post("/purpose/", INVESTIGATION)
    return client


def held(client: Client, text: str = TYPED) -> str:
    response = client.get("/search/", {"q": text})
    assert response.status_code == 200
    return notices(response.content.decode())


def douane_hit() -> Hit:
    return Hit.objects.get(officer__username="inv.douane", case=ivory())


def test_a_phone_typed_in_national_format_finds_the_identifier(world: None) -> None:
    for typed in ("0612345678", "06.12.34.56.78", "0033 6 12 34 56 78"):
        page = searcher("inv.ofb").get("/search/", {"q": typed}).content.decode()
        identifiers = re.search(r'<section aria-labelledby="results-ENTITY">.*?</section>', page, re.S)
        assert identifiers and ivory().reference in identifiers.group(0), typed


def test_an_identifier_held_elsewhere_shows_the_holder_and_the_kind_and_a_request_form(world: None) -> None:
    section = held(searcher("inv.douane"))
    assert "Office français de la biodiversité holds intelligence with this identifier (Phone number)." in section
    assert 'name="justification"' in section and "Request access from Office français de la biodiversité" in section
    assert f'value="{_gid(douane_hit())}"' in section
    case = ivory()
    for secret in (case.reference, case.title, "+33612345678", "06 12 34 56 78", "inv.ofb"):
        assert secret not in section


def test_no_notice_of_ones_own_agencys_intelligence(world: None) -> None:
    section = held(searcher("inv.ofb"))
    assert "Office français de la biodiversité" not in section
    assert not Hit.objects.filter(officer__username="inv.ofb", case=ivory()).exists()


def test_no_notice_when_the_text_names_no_identifier(world: None) -> None:
    assert held(searcher("inv.douane"), "ivoire") == ""


def test_requesting_access_creates_the_request_the_holders_supervisor_sees(world: None) -> None:
    client = searcher("inv.douane")
    held(client)
    response = client.post(f"/search/?q={TYPED}", {"hit": _gid(douane_hit()), "purpose": "INVESTIGATION",
                                                  "justification": "Same number on a parcel we seized."})
    assert response.status_code == 302 and response["Location"] == f"/search/?q={TYPED.replace(' ', '%20')}"
    request = AccessRequest.objects.get(requester__username="inv.douane")
    assert (request.case, request.hit, request.purpose) == (ivory(), douane_hit(), "investigation")
    assert "Access requested" in client.get(response["Location"]).content.decode()
    home = searcher("sup.ofb").get("/").content.decode()
    panel = re.search(r'aria-labelledby="requests-title".*?</section>', home, re.S)
    assert panel and ivory().reference in panel.group(0) and "douanes" in panel.group(0)


def test_a_request_without_justification_is_refused_beside_the_field(world: None) -> None:
    client = searcher("inv.douane")
    held(client)
    response = client.post(f"/search/?q={TYPED}", {"hit": _gid(douane_hit()), "purpose": "INVESTIGATION",
                                                  "justification": "  "})
    page = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'<span class="error" id="held-\d-justification-error" role="alert">Say why you need access.',
                     page)
    assert re.search(r'aria-invalid="true" aria-describedby="held-\d-justification-error"', page)
    assert not AccessRequest.objects.filter(requester__username="inv.douane").exists()


def test_another_officers_notice_cannot_be_used(world: None) -> None:
    held(searcher("inv.douane"))
    response = searcher("inv.oclaesp").post(f"/search/?q={TYPED}", {
        "hit": _gid(douane_hit()), "purpose": "INVESTIGATION", "justification": "Curious."})
    assert response.status_code == 400 and "Nothing was changed" in response.content.decode()
    assert not AccessRequest.objects.filter(requester__username="inv.oclaesp").exists()


def _gid(obj: Any) -> str:
    from graphql_relay import to_global_id

    return to_global_id("Hit", obj.pk)


def test_facets_counted_over_the_best_ranked_results_say_each_count_is_a_minimum(
        world: None, monkeypatch: Any) -> None:
    """The search page writes "at least N" and a note under a facet the database backend counted over its
    best-ranked matches only, and plain counts when every match was counted (the type facet always is)."""
    from search.backends import statement

    client = searcher("inv.ofb")
    note = "Counted in the best-ranked results only: each count is a minimum."
    complete = client.get("/search/", {"q": "ivoire"}).content.decode()
    assert note not in complete and "at least" not in complete
    monkeypatch.setattr(statement, "FACET_SAMPLE", 1)
    sampled = client.get("/search/", {"q": "ivoire"}).content.decode()
    assert note in sampled and re.search(r'<span class="total">\(at least \d+\)</span>', sampled)
    type_facet = re.search(r"<fieldset>\s*<legend>[^<]*</legend>.*?</fieldset>", sampled, re.S)
    assert type_facet is not None and note not in type_facet.group(0) and "at least" not in type_facet.group(0)
