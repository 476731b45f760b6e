"""The link chart in a real browser: drawn as SVG under the strict CSP, keyboard-usable, no axe violation.

Screenshot for the README with WILDNET_SCREENSHOTS=1 ("link-chart").
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from access.policy import viewer_for
from cases.actions import CaseInput, ClaimInput, ListingInput, add_listing, create_case, link_entity
from cases.models import Case
from officers.models import Officer
from tests.console.browser import axe_violations, screenshot, sign_in


def test_an_investigator_follows_a_phone_from_the_case_to_its_link_chart(page: Page) -> None:
    ivory = Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")
    inv = viewer_for(Officer.objects.get(username="inv.ofb"))
    other = create_case(inv, CaseInput(title="Défenses — Gironde, second réseau", jurisdictions=["FR"]))
    for number, seller in enumerate(("vieux_bibelots", "antiquites_bx")):
        add_listing(inv, other, ListingInput(url=f"https://www.leboncoin.fr/ad/antiquites/99{number}",
                                             title=f"Défense sculptée {number}", seller=seller))
    link_entity(inv, other, ClaimInput(kind="phone", value="06.12.34.56.78", role="seller"))

    sign_in(page, "inv.ofb", next_path=f"/cases/{ivory.reference}/")
    page.get_by_role("link", name="Link chart").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(ivory.reference)
    chart = page.locator("svg.linkchart-svg")
    expect(chart).to_be_visible()
    expect(chart.locator(".node-entity").first).to_be_visible()
    assert chart.locator(".node").count() == page.evaluate(
        "JSON.parse(document.getElementById('linkchart-data').textContent).nodes.length")
    expect(chart.locator(".node-held")).to_have_count(1)  # SEPRONA's copy of the phone, as a marker only
    expect(chart.get_by_role("link", name=f"Case: {other.reference}", exact=False)).to_have_count(1)

    phone = chart.get_by_role("link", name="Phone number: 06 12 34 56 78", exact=False)
    phone.focus()
    expect(page.locator("#linkchart-details")).to_contain_text(other.reference)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('node')")

    assert axe_violations(page) == []
    screenshot(page, "link-chart")
