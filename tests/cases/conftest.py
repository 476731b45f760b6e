from __future__ import annotations

from typing import Any

import pytest

from access.policy import viewer_for
from cases import actions
from cases.models import Case
from officers.models import Officer


@pytest.fixture
def make_case(demo: Any) -> Any:
    def make(username: str = "inv.ofb", **kwargs: Any) -> Case:
        officer = Officer.objects.get(username=username)
        data = {"title": "Ivory on leboncoin", "jurisdictions": [officer.agency.country], **kwargs}
        return actions.create_case(viewer_for(officer), actions.CaseInput(**data))

    return make
