"""Shared fixtures: the demo world, and a GraphQL client that goes through the real HTTP stack."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from cases.models import Species
from officers.models import Officer


class GraphQL:
    """Posts to /graphql/ like a real client: middleware, CSRF, limits and error masking all apply."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.headers: dict[str, str] = {}

    def login(self, officer: Officer | str) -> GraphQL:
        if isinstance(officer, str):
            officer = Officer.objects.get(username=officer)
        self.client.force_login(officer)
        return self

    def bearer(self, raw_token: str) -> GraphQL:
        self.headers["HTTP_AUTHORIZATION"] = f"Bearer {raw_token}"
        return self

    def post(self, query: str, variables: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.post(
            "/graphql/", data=json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json", **{**self.headers, **headers},
        )

    def __call__(self, query: str, variables: dict[str, Any] | None = None, **headers: str) -> dict[str, Any]:
        response = self.post(query, variables, **headers)
        body: dict[str, Any] = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]


@pytest.fixture
def gql(client: Client) -> GraphQL:
    return GraphQL(client)


@pytest.fixture
def demo(db: Any) -> dict[str, int]:
    from wildnet import demo as demo_world

    return demo_world.load()


@pytest.fixture
def officer(demo: Any) -> Any:
    def get(username: str) -> Officer:
        return Officer.objects.select_related("agency").get(username=username)

    return get


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
