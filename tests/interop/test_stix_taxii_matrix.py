"""The access matrix's cells for STIX export and TAXII polling: every relation of ``tests/sharing/test_matrix``
(owner, recipients, redactions, revoked and expired shares, mandates, task forces, purposes, other roles) ×
every kind of case content, with the outcome the same specification (``sees``) gives.

Each relation's world is built once, through the real actions, then probed through the real HTTP stack: the
case's bundle (``GET /interop/stix/cases/<ref>.json``) and every object of every TAXII collection the viewer has.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from interop.markings import stix_id
from officers.models import Officer
from tests.sharing.test_matrix import ABSENT, RELATIONS, VISIBLE, World, build_world, sees

pytestmark = pytest.mark.django_db

TYPES = ("case", "listing", "claim", "entity", "report", "evidence")
OPERATIONS = ("stix_export", "taxii_poll")


def stix_ids(world: World) -> dict[str, Callable[[dict[str, Any]], bool]]:
    """How to recognise each object of the world among STIX objects."""
    expected = {
        "case": stix_id("report", "case", world.case.pk), "listing": stix_id("indicator", "listing", world.listing.pk),
        "claim": stix_id("relationship", "claim", world.claim.pk), "report": stix_id("note", "report", world.report.pk),
    }
    tests: dict[str, Callable[[dict[str, Any]], bool]] = {
        kind: (lambda obj, wanted=wanted: obj["id"] == wanted) for kind, wanted in expected.items()}
    tests["entity"] = lambda obj: obj["type"] == "x-wildnet-phone" and obj["value"] == "+33612345678"
    tests["evidence"] = lambda obj: obj["type"] == "artifact" and obj["hashes"]["SHA-256"] == world.evidence.sha256
    return tests


def observe(relation: str, client: Client) -> dict[tuple[str, str], str]:
    world = build_world(relation)
    spec = RELATIONS[relation]
    client.force_login(Officer.objects.get(username=spec.viewer))
    headers = {"HTTP_X_WILDNET_PURPOSE": spec.purpose} if spec.purpose else {}
    exported = client.get(f"/interop/stix/cases/{world.case.reference}.json", **headers)
    assert exported.status_code in (200, 404), exported.content
    from_stix = exported.json().get("objects", []) if exported.status_code == 200 else []
    from_taxii: list[dict[str, Any]] = []
    listing = client.get("/taxii2/wildnet/collections/", **headers)
    assert listing.status_code == 200, listing.content
    for collection in listing.json()["collections"]:
        page = client.get(f"/taxii2/wildnet/collections/{collection['id']}/objects/", {"limit": 100}, **headers)
        assert page.status_code == 200 and not page.json()["more"], page.content
        from_taxii += page.json().get("objects", [])
    tests = stix_ids(world)
    return {(kind, operation): VISIBLE if any(tests[kind](obj) for obj in objects) else ABSENT
            for kind in TYPES for operation, objects in (("stix_export", from_stix), ("taxii_poll", from_taxii))}


_observed: dict[str, dict[tuple[str, str], str]] = {}


@pytest.fixture
def observations(request: pytest.FixtureRequest, settings: Any, tmp_path: Any) -> Callable[[str], Any]:
    def get(relation: str) -> dict[tuple[str, str], str]:
        if relation not in _observed:
            request.getfixturevalue("demo")
            settings.MEDIA_ROOT = str(tmp_path / "media")
            _observed[relation] = observe(relation, request.getfixturevalue("client"))
        return _observed[relation]

    return get


CELLS = [pytest.param(relation, kind, operation, id=f"{relation}-{kind}-{operation}")
         for relation in RELATIONS for kind in TYPES for operation in OPERATIONS]


@pytest.mark.parametrize(("relation", "kind", "operation"), CELLS)
def test_cell(observations: Callable[[str], Any], relation: str, kind: str, operation: str) -> None:
    """What a bundle or a poll holds is what the access rules let the viewer see, redactions included."""
    assert observations(relation)[(kind, operation)] == (VISIBLE if sees(relation, kind) else ABSENT)
