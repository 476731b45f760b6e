"""The API's typed errors speak the request's language: the language cookie, else Accept-Language, else English."""

from __future__ import annotations

from typing import Any

import pytest
from graphql_relay import to_global_id

pytestmark = pytest.mark.django_db

CREATE_CASE = """mutation($input: CreateCaseInput!) {
  createCase(input: $input) { case { id } errors { code field message } } }"""

SUSPEND_MANDATE = """mutation($id: ID!, $reason: String!) {
  suspendMandate(id: $id, reason: $reason) { mandate { id } errors { code field message } } }"""


@pytest.mark.parametrize(("headers", "message"), [
    ({}, "Give the case a title."),
    ({"HTTP_ACCEPT_LANGUAGE": "fr"}, "Donnez un titre au dossier."),
    ({"HTTP_ACCEPT_LANGUAGE": "es"}, "Indique un título para el caso."),
    ({"HTTP_ACCEPT_LANGUAGE": "de"}, "Give the case a title."),
])
def test_a_typed_error_comes_back_in_the_language_the_client_accepts(gql: Any, demo: Any, headers: dict[str, str],
                                                                      message: str) -> None:
    errors = gql.login("inv.ofb")(CREATE_CASE, {"input": {"title": " ", "jurisdictions": ["FR"]}},
                                  **headers)["createCase"]["errors"]
    assert errors == [{"code": "REQUIRED", "field": "title", "message": message}]


@pytest.mark.parametrize(("headers", "message"), [
    ({}, "No such mandate."),
    ({"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}, "Mandat introuvable."),
    ({"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}, "Mandato no encontrado."),
])
def test_not_found_names_the_missing_object_in_the_clients_language(gql: Any, demo: Any, headers: dict[str, str],
                                                                     message: str) -> None:
    out = gql.login("coord.fr")(SUSPEND_MANDATE, {"id": to_global_id("Mandate", 999999), "reason": "Audit"},
                                **headers)["suspendMandate"]
    assert out["errors"] == [{"code": "NOT_FOUND", "field": "id", "message": message}]


def test_the_language_cookie_comes_before_accept_language(gql: Any, demo: Any) -> None:
    gql.client.cookies["django_language"] = "es"
    errors = gql.login("inv.ofb")(CREATE_CASE, {"input": {"title": " ", "jurisdictions": ["FR"]}},
                                  HTTP_ACCEPT_LANGUAGE="fr")["createCase"]["errors"]
    assert errors[0]["message"] == "Indique un título para el caso."
