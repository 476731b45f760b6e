"""The link chart: a case's identifiers, listings and the other cases the officer may see that share them.

Nothing outside the officer's access is drawn or tabled beyond the "held by another agency" marker; a case the
officer may not see answers as a missing one; the page costs the same statements whatever the graph's size.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.test import Client
from django.urls import reverse
from graphql_relay import to_global_id

from access.policy import viewer_for
from cases.actions import CaseInput, ClaimInput, ListingInput, add_listing, create_case, link_entity
from cases.models import Case, Entity
from officers.models import Officer
from tests.console.test_pages import _statements
from tests.console.test_shell import CSRF, signed_in

PHONE = "+33612345678"


def shown(normalised: str = PHONE) -> str:
    """An identifier as the chart labels it: as first recorded (the ivory case's phone: "06 12 34 56 78")."""
    return Entity.objects.get(normalised=normalised).value


def ivory() -> Case:
    return Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")


def viewer(username: str) -> Any:
    return viewer_for(Officer.objects.get(username=username))


def chart_data(page: str) -> dict[str, Any]:
    match = re.search(r'<script id="linkchart-data" type="application/json">(.*?)</script>', page, re.S)
    assert match, page
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def identifiers_table(page: str) -> str:
    return page.split('id="identifiers-title"', 1)[1].split("</table>", 1)[0]


def second_ofb_case_with_the_phone(sellers: tuple[str, ...] = ("vieux_bibelots", "antiquites_bx")) -> Case:
    """Another OFB case, recorded through the actions, whose sellers give the ivory case's phone."""
    inv = viewer("inv.ofb")
    case = create_case(inv, CaseInput(title="Défenses — Gironde, second réseau", jurisdictions=["FR"]))
    for number, seller in enumerate(sellers):
        add_listing(inv, case, ListingInput(url=f"https://www.leboncoin.fr/ad/antiquites/99{number}",
                                            title=f"Défense {number}", seller=seller))
    link_entity(inv, case, ClaimInput(kind="phone", value="06.12.34.56.78", role="seller"))
    return case


def test_the_case_page_links_to_its_chart(world: None) -> None:
    page = signed_in("inv.ofb").get(f"/cases/{ivory().reference}/").content.decode()

    assert f'href="/cases/{ivory().reference}/graph/"' in page


def test_the_chart_joins_a_phone_to_the_other_case_that_has_it(world: None) -> None:
    other = second_ofb_case_with_the_phone()

    page = signed_in("inv.ofb").get(reverse("case-graph", args=[ivory().reference])).content.decode()

    table = identifiers_table(page)
    phone_row = next(row for row in table.split("<tr>") if shown() in row)
    assert other.reference in phone_row and other.title in phone_row
    data = chart_data(page)
    nodes = {node["id"]: node for node in data["nodes"]}
    phone = next(node for node in data["nodes"] if node["label"] == shown())
    other_node = next(node for node in data["nodes"] if node["label"] == other.reference)
    assert {"source": phone["id"], "target": other_node["id"], "label": "Seller"} in data["edges"]
    assert nodes[to_global_id("Case", ivory().pk)]["focus"] is True
    assert {node["type"] for node in data["nodes"]} >= {"case", "entity", "listing"}


def test_listings_are_drawn_with_their_seller(world: None) -> None:
    page = signed_in("inv.ofb").get(reverse("case-graph", args=[ivory().reference])).content.decode()

    data = chart_data(page)
    seller = next(node for node in data["nodes"] if node["label"] == "collection_anciens33")
    listings = {node["id"] for node in data["nodes"] if node["type"] == "listing"}
    sold = [edge for edge in data["edges"] if edge["target"] == seller["id"] and edge["source"] in listings]
    assert len(sold) == ivory().listings.filter(seller__value="collection_anciens33").count() >= 4
    assert "Statuette ancienne en vieil os sculpté" in identifiers_table(page)


def test_a_case_the_officer_cannot_see_shows_only_the_held_elsewhere_marker(world: None) -> None:
    """The SEPRONA parrot case holds the ivory case's phone; OFB sees a marker, never SEPRONA's case."""
    seprona = Case.objects.get(owner_agency__code="es-seprona")

    page = signed_in("inv.ofb").get(reverse("case-graph", args=[ivory().reference])).content.decode()

    assert seprona.reference not in page and seprona.title not in page and "SEPRONA" not in page.upper()
    phone_row = next(row for row in identifiers_table(page).split("<tr>") if shown() in row)
    assert "also appears in intelligence you cannot see" in phone_row
    data = chart_data(page)
    phone = next(node for node in data["nodes"] if node["label"] == shown())
    markers = [node for node in data["nodes"] if node["type"] == "held"]
    assert [edge["target"] for edge in data["edges"] if edge["source"] == phone["id"]] == [markers[0]["id"]]
    assert len(markers) == 1 and markers[0]["href"] == ""


def test_the_holder_sees_the_same_marker_from_the_other_side(world: None) -> None:
    seprona = Case.objects.get(owner_agency__code="es-seprona")

    page = signed_in("inv.seprona").get(reverse("case-graph", args=[seprona.reference])).content.decode()

    assert ivory().reference not in page and "Ivoire" not in page
    assert "also appears in intelligence you cannot see" in identifiers_table(page)


def test_a_shared_case_joins_the_chart_once_a_purpose_shows_it(world: None) -> None:
    """OCLAESP records the ivory phone in its own case; the ivory case is shared with it for investigation."""
    pangolin = Case.objects.get(owner_agency__code="fr-oclaesp")
    link_entity(viewer("inv.oclaesp"), pangolin, ClaimInput(kind="phone", value=PHONE, role="supplier"))
    client = signed_in("inv.oclaesp")
    path = reverse("case-graph", args=[pangolin.reference])

    before = client.get(path).content.decode()
    client.post("/purpose/", {"purpose": "INVESTIGATION"})
    after = client.get(path).content.decode()

    phone_row = next(row for row in identifiers_table(before).split("<tr>") if shown() in row)
    assert ivory().reference not in before and "also appears in intelligence you cannot see" in phone_row
    phone_row = next(row for row in identifiers_table(after).split("<tr>") if shown() in row)
    assert ivory().reference in phone_row  # SEPRONA's copy still shows only as the marker
    assert Case.objects.get(owner_agency__code="es-seprona").reference not in after


def test_another_agencys_case_chart_is_the_missing_page(world: None) -> None:
    client = signed_in("inv.ofb")
    seprona = Case.objects.get(owner_agency__code="es-seprona")

    refused = client.get(reverse("case-graph", args=[seprona.reference]))
    missing = client.get(reverse("case-graph", args=["FR-OFB-1999-999"]))

    assert refused.status_code == missing.status_code == 404
    assert CSRF.sub(b"", refused.content).replace(seprona.reference.encode(), b"FR-OFB-1999-999") == \
        CSRF.sub(b"", missing.content)


def test_an_identifier_chart_shows_the_cases_the_officer_may_see(world: None) -> None:
    other = second_ofb_case_with_the_phone()
    phone = Entity.objects.get(normalised=PHONE)

    page = signed_in("inv.ofb").get(reverse("entity-graph", args=[to_global_id("Entity", phone.pk)])).content.decode()

    table = identifiers_table(page)
    assert ivory().reference in table and other.reference in table
    assert "also appears in intelligence you cannot see" in table  # SEPRONA's, unnamed
    assert Case.objects.get(owner_agency__code="es-seprona").reference not in page


def test_an_identifier_only_another_agency_holds_is_the_missing_page(world: None) -> None:
    client = signed_in("inv.ofb")
    pangolin_phone = Entity.objects.get(normalised="+2250707123456")

    refused = client.get(reverse("entity-graph", args=[to_global_id("Entity", pangolin_phone.pk)]))
    not_an_entity = client.get(reverse("entity-graph", args=[to_global_id("Case", ivory().pk)]))
    missing = client.get(reverse("entity-graph", args=[to_global_id("Entity", 999_999)]))

    assert refused.status_code == not_an_entity.status_code == missing.status_code == 404


def test_without_javascript_the_table_is_the_page(world: None) -> None:
    page = signed_in("inv.ofb").get(reverse("case-graph", args=[ivory().reference])).content.decode()

    assert re.search(r'<figure class="linkchart" id="linkchart" hidden', page)
    assert '<th scope="row">' in identifiers_table(page)
    assert "style=" not in page and "<script>" not in page


def test_the_chart_costs_the_same_statements_whatever_its_size(world: None) -> None:
    client: Client = signed_in("inv.ofb")
    small = create_case(viewer("inv.ofb"), CaseInput(title="Petit", jurisdictions=["FR"]))
    link_entity(viewer("inv.ofb"), small, ClaimInput(kind="phone", value="+33698765499", role="seller"))
    link_entity(viewer("inv.ofb"), ivory(), ClaimInput(kind="phone", value="+33698765499", role="associate"))
    add_listing(viewer("inv.ofb"), small, ListingInput(url="https://www.leboncoin.fr/ad/x/99", seller="vendeur"))
    few = _statements(client, reverse("case-graph", args=[small.reference]))
    big = create_case(viewer("inv.ofb"), CaseInput(title="Grand", jurisdictions=["FR"]))
    for number in range(12):
        phone = f"+336987654{number:02d}"
        link_entity(viewer("inv.ofb"), big, ClaimInput(kind="phone", value=phone, role="seller"))
        link_entity(viewer("inv.ofb"), small if number % 2 else ivory(), ClaimInput(kind="phone", value=phone,
                                                                                    role="associate"))
        add_listing(viewer("inv.ofb"), big, ListingInput(url=f"https://www.leboncoin.fr/ad/x/{number}",
                                                         seller=f"vendeur_{number}"))
    assert _statements(client, reverse("case-graph", args=[big.reference])) == few


def test_a_chart_shown_again_costs_the_same_statements_whatever_is_held_elsewhere(world: None) -> None:
    """Identifiers another agency holds record hits the first time they are shown on a day; afterwards the page
    reads the day's hits in one statement, however many identifiers are held elsewhere."""
    client = signed_in("inv.ofb")
    pangolin = Case.objects.get(owner_agency__code="fr-oclaesp")

    def case_with(phones: int) -> str:
        case = create_case(viewer("inv.ofb"), CaseInput(title=f"{phones} numéros", jurisdictions=["FR"]))
        for number in range(phones):
            phone = f"+336876543{number:02d}"
            link_entity(viewer("inv.oclaesp"), pangolin, ClaimInput(kind="phone", value=phone, role="associate"))
            link_entity(viewer("inv.ofb"), case, ClaimInput(kind="phone", value=phone, role="seller"))
        path = reverse("case-graph", args=[case.reference])
        client.get(path)  # the day's hits
        return path

    few, many = case_with(1), case_with(12)

    assert _statements(client, many) == _statements(client, few)
