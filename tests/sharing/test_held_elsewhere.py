"""``Entity.heldElsewhere``: a yes or no for an identifier another agency holds out of the viewer's sight.

It tells exactly what a hit tells a searcher (less: not even the holding agency), never the case, and asking is
recorded as a search is: a hit for the holder, once a day.
"""

from __future__ import annotations

from typing import Any

import pytest

from cases import actions as case_actions
from cases.models import Case
from officers.models import Officer
from outbox.models import OutboxMessage
from sharing.models import Hit

from .conftest import INVESTIGATION, viewer

pytestmark = pytest.mark.django_db

ENTITIES = """{ entities { edges { node { normalised heldElsewhere
  claims { role case { reference } } } } } }"""


def entities(data: dict[str, Any]) -> dict[str, Any]:
    return {edge["node"]["normalised"]: edge["node"] for edge in data["entities"]["edges"]}


def seprona_case_with(phone: str) -> Case:
    case = case_actions.create_case(viewer("inv.seprona"), case_actions.CaseInput(title="Loros",
                                                                                  jurisdictions=["ES"]))
    case_actions.link_entity(viewer("inv.seprona"), case, case_actions.ClaimInput(kind="phone", value=phone,
                                                                                  role="supplier"))
    return case


def test_an_identifier_another_agency_holds_is_flagged_without_its_case(gql: Any, ofb_case: Case) -> None:
    seprona_case_with("+33 6 12 34 56 78")

    seen = entities(gql.login("inv.seprona")(ENTITIES))

    phone = seen["+33612345678"]
    assert phone["heldElsewhere"] is True
    assert phone["claims"] == [{"role": "SUPPLIER", "case": {"reference": Case.objects.get(title="Loros").reference}}]
    assert ofb_case.reference not in str(seen)


def test_an_identifier_only_in_cases_the_viewer_sees_is_not_flagged(gql: Any, ofb_case: Case) -> None:
    seen = entities(gql.login("inv.ofb")(ENTITIES))

    assert seen["+33612345678"]["heldElsewhere"] is False
    assert {entity["heldElsewhere"] for entity in seen.values()} == {False}


def test_the_holder_is_told_of_the_other_agencys_copy_as_a_search_would(gql: Any, ofb_case: Case) -> None:
    """OFB does not see SEPRONA's case either: SEPRONA's claim flags the phone for OFB too, exactly as OFB
    searching it would give OFB a hit."""
    seprona_case_with("+33612345678")

    seen = entities(gql.login("inv.ofb")(ENTITIES))

    assert seen["+33612345678"]["heldElsewhere"] is True
    assert seen["+33612345678"]["claims"] == [{"role": "SELLER", "case": {"reference": ofb_case.reference}}]


def test_own_agency_cases_above_the_viewers_clearance_are_never_hinted_at(gql: Any, ofb_case: Case) -> None:
    secret = case_actions.create_case(viewer("sup.ofb"), case_actions.CaseInput(
        title="Dossier secret", jurisdictions=["FR"], classification=3))
    case_actions.link_entity(viewer("sup.ofb"), secret, case_actions.ClaimInput(kind="phone", value="+33612345678",
                                                                                role="seller"))
    Officer.objects.filter(username="inv.ofb").update(clearance=1)

    seen = entities(gql.login("inv.ofb")(ENTITIES))

    assert seen["+33612345678"]["heldElsewhere"] is False
    assert secret.reference not in str(seen)


def test_a_shared_case_flags_until_a_purpose_shows_it_then_its_claims_appear(gql: Any, ofb_case: Case,
                                                                             share: Any) -> None:
    pangolin = case_actions.create_case(viewer("inv.oclaesp"), case_actions.CaseInput(
        title="Écailles", jurisdictions=["FR"], crime_area="online_trade"))
    case_actions.link_entity(viewer("inv.oclaesp"), pangolin, case_actions.ClaimInput(
        kind="phone", value="+33612345678", role="seller"))
    share(ofb_case)
    gql.login("inv.oclaesp")

    hidden = entities(gql(ENTITIES))["+33612345678"]
    shown = entities(gql(ENTITIES, **INVESTIGATION))["+33612345678"]

    assert hidden["heldElsewhere"] is True and ofb_case.reference not in str(hidden)
    assert shown["heldElsewhere"] is False
    assert sorted(claim["case"]["reference"] for claim in shown["claims"]) == sorted(
        [pangolin.reference, ofb_case.reference])


def test_asking_is_recorded_as_a_hit_for_the_holder_once_a_day(gql: Any, ofb_case: Case) -> None:
    seprona_case_with("+33612345678")
    Hit.objects.all().delete()  # the one recording the phone made
    notices = OutboxMessage.objects.filter(topic="mail.send").count()
    gql.login("inv.seprona")

    gql(ENTITIES)
    gql(ENTITIES)

    hit = Hit.objects.get()
    assert (hit.holder_agency.code, hit.officer.username, hit.trigger) == ("fr-ofb", "inv.seprona", "search")
    assert OutboxMessage.objects.filter(topic="mail.send").count() == notices + 1


def test_nothing_held_elsewhere_records_no_hit(gql: Any, ofb_case: Case) -> None:
    gql.login("inv.ofb")(ENTITIES)

    assert not Hit.objects.exists()
