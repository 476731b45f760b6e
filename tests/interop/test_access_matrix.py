"""Access matrix of the MISP export and of imports: every relation to an OFB case × each operation.

The case is CONFIDENTIAL and H1, with an advert, a phone claim and a report. Each relation says how the viewer
stands to it; each cell says what they get: the event (whole, or with a share's withheld groups absent), or the
404 a missing case gets; an import allowed, ``NOT_FOUND`` (a case of another agency, or above one's clearance,
looks missing), or refused to roles that record no intelligence.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from access.markings import Classification
from agencies.models import Agency
from cases import actions as case_actions
from cases.models import Case
from officers.models import Officer
from sharing import actions as sharing_actions
from sharing.models import Share

from .conftest import viewer

VISIBLE, REDACTED, ABSENT = "visible", "redacted", "absent"
ALLOWED, NOT_FOUND, REFUSED, SIGN_IN = "allowed", "NOT_FOUND", "PERMISSION_DENIED", "UNAUTHENTICATED"
PURPOSE = {"HTTP_X_WILDNET_PURPOSE": "investigation"}

EVENT = json.dumps({"Event": {"uuid": "0b7d2c4e-1f3a-4b5c-8d6e-7f8091a2b3c4", "info": "One advert",
                              "distribution": "1", "Tag": [{"name": "tlp:amber"}],
                              "Attribute": [{"uuid": "0b7d2c4e-0001-4b5c-8d6e-7f8091a2b3c4", "type": "url",
                                             "category": "Network activity", "timestamp": "1792483200",
                                             "value": "https://www.leboncoin.fr/ad/matrix"}]}})
IMPORT = """mutation($caseId: ID, $caseTitle: String, $event: String!) {
  importMispEvent(caseId: $caseId, caseTitle: $caseTitle, event: $event) { errors { code } }
}"""


def _share(**options: Any) -> Callable[[Case], None]:
    def setup(case: Case) -> None:
        sharing_actions.share_case(viewer("inv.ofb"), case, sharing_actions.ShareInput(
            justification="Joint investigation", recipient_agency=Agency.objects.get(code="fr-oclaesp"),
            **options))
    return setup


def _revoked(case: Case) -> None:
    _share()(case)
    sharing_actions.revoke_share(viewer("sup.ofb"), Share.objects.get(case=case), "Investigation closed.")


def _expired(case: Case) -> None:
    _share(expires_at=timezone.now() + datetime.timedelta(days=1))(case)
    Share.objects.filter(case=case).update(expires_at=timezone.now() - datetime.timedelta(days=1))


@dataclass
class Relation:
    username: str | None
    export: str
    import_into_case: str
    import_new_case: str
    setup: Callable[[Case], None] | None = None
    headers: dict[str, str] = field(default_factory=lambda: dict(PURPOSE))


RELATIONS: dict[str, Relation] = {
    "owner-investigator": Relation("inv.ofb", VISIBLE, ALLOWED, ALLOWED),
    "owner-supervisor": Relation("sup.ofb", VISIBLE, ALLOWED, ALLOWED),
    "owner-analyst-below-clearance": Relation("ana.ofb", ABSENT, NOT_FOUND, ALLOWED),
    "owner-agency-admin": Relation("admin.ofb", ABSENT, REFUSED, REFUSED),
    "recipient-active-share": Relation("inv.oclaesp", VISIBLE, NOT_FOUND, ALLOWED, _share()),
    "recipient-share-for-contribution": Relation("inv.oclaesp", VISIBLE, NOT_FOUND, ALLOWED,
                                                 _share(can_contribute=True)),
    "recipient-redacted-share": Relation("inv.oclaesp", REDACTED, NOT_FOUND, ALLOWED,
                                         _share(redact_personal_data=True, redact_sources=True)),
    "recipient-without-purpose": Relation("inv.oclaesp", ABSENT, NOT_FOUND, ALLOWED, _share(), {}),
    "recipient-revoked-share": Relation("inv.oclaesp", ABSENT, NOT_FOUND, ALLOWED, _revoked),
    "recipient-expired-share": Relation("inv.oclaesp", ABSENT, NOT_FOUND, ALLOWED, _expired),
    "other-agency-no-share": Relation("inv.seprona", ABSENT, NOT_FOUND, ALLOWED),
    "national-coordinator": Relation("coord.fr", ABSENT, REFUSED, REFUSED),
    "spotter": Relation("spotter.ifaw", ABSENT, REFUSED, REFUSED),
    "platform-officer": Relation("pf.leboncoin", ABSENT, REFUSED, REFUSED),
    "system-administrator": Relation("sysadmin", ABSENT, REFUSED, REFUSED),
    "anonymous": Relation(None, ABSENT, SIGN_IN, SIGN_IN),
}


def world() -> Case:
    inv = viewer("inv.ofb")
    case = case_actions.create_case(inv, case_actions.CaseInput(
        title="Ivoire", jurisdictions=["FR"], handling_code="H1", classification=Classification.CONFIDENTIAL))
    case_actions.add_listing(inv, case, case_actions.ListingInput(url="https://www.leboncoin.fr/ad/1"))
    case_actions.link_entity(inv, case, case_actions.ClaimInput(kind="phone", value="+33612345678", role="seller"))
    case_actions.add_report(inv, case, case_actions.ReportInput(text="Informant", source_evaluation="B",
                                                                information_assessment="2"))
    return case


def _client(client: Any, relation: Relation) -> Any:
    if relation.username is not None:
        client.force_login(Officer.objects.get(username=relation.username))
    return client


def exported(client: Any, case: Case, relation: Relation) -> str:
    response = client.get(f"/interop/misp/cases/{case.reference}.json", **relation.headers)
    if response.status_code == 404:
        assert response.content == client.get("/interop/misp/cases/FR-OFB-2026-99999.json",
                                              **relation.headers).content
        return ABSENT
    assert response.status_code == 200
    types = {a["type"] for a in response.json()["Event"].get("Attribute", [])}
    return VISIBLE if {"phone-number", "text"} <= types else REDACTED


def imported(client: Any, relation: Relation, **variables: Any) -> str:
    response = client.post("/graphql/", data=json.dumps({"query": IMPORT, "variables": {"event": EVENT,
                                                                                         **variables}}),
                           content_type="application/json", **relation.headers)
    body = response.json()
    if body.get("data") is None:  # the endpoint itself refuses a caller who is not signed in
        return str(body["errors"][0]["extensions"]["code"])
    errors = body["data"]["importMispEvent"]["errors"]
    return ALLOWED if not errors else str(errors[0]["code"])


@pytest.mark.parametrize("name", RELATIONS)
def test_misp_export_and_import_cells(client: Any, demo: Any, name: str) -> None:
    relation = RELATIONS[name]
    case = world()
    if relation.setup is not None:
        relation.setup(case)
    client = _client(client, relation)
    assert exported(client, case, relation) == relation.export
    assert imported(client, relation, caseId=to_global_id("Case", case.pk)) == relation.import_into_case
    assert imported(client, relation, caseTitle="Imported") == relation.import_new_case
