from __future__ import annotations

from typing import Any

import pytest

from access.policy import viewer_for
from cases import actions as case_actions
from cases.models import Case
from officers.models import Officer
from sharing import actions
from sharing.models import Share

INVESTIGATION = {"HTTP_X_WILDNET_PURPOSE": "investigation"}


def viewer(username: str, purpose: str | None = "investigation") -> Any:
    return viewer_for(Officer.objects.get(username=username), purpose=purpose)


@pytest.fixture
def ofb_case(demo: Any) -> Case:
    """An OFB case with a listing (and its seller), a phone claim and a report."""
    inv = viewer("inv.ofb")
    case = case_actions.create_case(inv, case_actions.CaseInput(title="Ivoire", jurisdictions=["FR"],
                                                                handling_code="H1"))
    case_actions.add_listing(inv, case, case_actions.ListingInput(url="https://www.leboncoin.fr/ad/1",
                                                                  seller="ivory_seller"))
    case_actions.link_entity(inv, case, case_actions.ClaimInput(kind="phone", value="+33612345678", role="seller",
                                                                source_reliability="B",
                                                                information_credibility="2"))
    case_actions.add_report(inv, case, case_actions.ReportInput(text="Informant", source_evaluation="B",
                                                                information_assessment="2"))
    return case


@pytest.fixture
def share(demo: Any) -> Any:
    def make(case: Case, recipient: str = "fr-oclaesp", by: str = "inv.ofb", **kwargs: Any) -> Share:
        from agencies.models import Agency

        data = actions.ShareInput(justification="Joint investigation", **kwargs)
        if "recipient_task_force" not in kwargs:
            data.recipient_agency = Agency.objects.get(code=recipient)
        return actions.share_case(viewer(by), case, data)

    return make
