from __future__ import annotations

from typing import Any

import pytest

from access.policy import viewer_for
from cases import actions
from cases.models import Case, Species
from officers.models import Officer


@pytest.fixture
def species(db: Any) -> dict[str, Species]:
    """A few real taxa, enough for the case tests (the full curated fixture is tested on its own)."""
    rows = [
        ("Loxodonta africana", "I/II", ["I", "II"], "elephants", [("African elephant", "en"),
                                                                   ("éléphant d'Afrique", "fr"),
                                                                   ("elefante africano", "es")]),
        ("Manis javanica", "I", ["I"], "pangolins", [("Sunda pangolin", "en"), ("pangolin de Java", "fr")]),
        ("Psittacus erithacus", "I", ["I"], "parrots", [("Grey parrot", "en"), ("perroquet gris", "fr"),
                                                        ("loro gris africano", "es")]),
        ("Python regius", "II", ["II"], "snakes", [("Ball python", "en"), ("python royal", "fr")]),
    ]
    found = {}
    for name, listing, appendices, group, names in rows:
        genus = name.split()[0]
        taxon = Species.objects.create(scientific_name=name, cites_listing=listing, cites_appendices=appendices,
                                       group=group, genus=genus)
        for common, language in names:
            taxon.names.create(name=common, language=language, kind="common")
        found[name] = taxon
    return found


@pytest.fixture
def make_case(demo: Any) -> Any:
    def make(username: str = "inv.ofb", **kwargs: Any) -> Case:
        officer = Officer.objects.get(username=username)
        data = {"title": "Ivory on leboncoin", "jurisdictions": [officer.agency.country], **kwargs}
        return actions.create_case(viewer_for(officer), actions.CaseInput(**data))

    return make
