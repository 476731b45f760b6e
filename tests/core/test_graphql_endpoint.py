"""The endpoint resists abuse: limits, CSRF, no introspection in production, errors that reveal nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", [
    "{ viewer { id } mandates { totalCount } officers { totalCount } auditEvents { totalCount } }",
    'mutation { issueApiToken(name: "x", scopes: [READ]) { errors { code } } }',
])
def test_an_anonymous_call_gets_a_json_401_and_runs_nothing(gql: Any, demo: Any, query: str) -> None:
    response = gql.post(query)
    assert response.status_code == 401
    assert response.json() == {"errors": [{
        "message": "Sign in, or send an API token in the Authorization header (Bearer wn_…).",
        "extensions": {"code": "UNAUTHENTICATED"}}]}


def test_depth_limit(gql: Any, demo: Any) -> None:
    nested = "parent { " * 14 + "code" + " }" * 14
    response = gql.login("inv.ofb").post("{ agencies { edges { node { " + nested + " } } } }")
    assert response.status_code == 400
    assert "exceeds maximum operation depth" in response.json()["errors"][0]["message"]


def test_alias_limit(gql: Any, demo: Any) -> None:
    query = "{ " + " ".join(f"a{i}: viewer {{ id }}" for i in range(60)) + " }"
    response = gql.login("inv.ofb").post(query)
    assert response.status_code == 400
    assert "Too many aliases" in response.json()["errors"][0]["message"]


def test_cost_limit_counts_nested_pages(gql: Any, demo: Any) -> None:
    query = """{ taskForces(first: 100) { edges { node { memberships { agency { name code country
      parent { name code country parent { name code } } } } } } }
      officers(first: 100) { edges { node { agency { name } } } }
      mandates(first: 100) { edges { node { agency { name } grantedBy { username } } } } }"""
    with override_settings(GRAPHQL_MAX_COST=500):
        response = gql.login("inv.ofb").post(query)
    assert response.status_code == 400
    assert "Query too expensive" in response.json()["errors"][0]["message"]
    assert response.json().get("data") is None


def test_page_size_is_capped(gql: Any, demo: Any) -> None:
    response = gql.login("inv.ofb").post("{ agencies(first: 1000) { totalCount } }")
    body = response.json()
    assert body["data"]["agencies"] is None
    assert body["errors"][0]["message"] == "`first` must be between 0 and 100."


def test_internal_errors_are_masked(gql: Any, demo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from officers.schema import Query

    def explode(root: Any, info: Any) -> Any:
        raise RuntimeError("SELECT secret FROM officers_officer -- /srv/wildnet/app.py line 42")

    monkeypatch.setattr(Query, "resolve_viewer", staticmethod(explode))
    from wildnet.schema import schema

    field = schema.graphql_schema.query_type.fields["viewer"]
    monkeypatch.setattr(field, "resolve", explode)
    response = gql.login("inv.ofb").post("{ viewer { id } }", HTTP_X_REQUEST_ID="req-12345678")
    text = response.content.decode()
    assert "SELECT" not in text and "Traceback" not in text and "app.py" not in text
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "INTERNAL_ERROR", "requestId": "req-12345678"}
    assert response["X-Request-ID"] == "req-12345678"


def test_session_post_needs_csrf_token(demo: Any) -> None:
    from officers.models import Officer

    client = Client(enforce_csrf_checks=True)
    client.force_login(Officer.objects.get(username="inv.ofb"))
    response = client.post("/graphql/", json.dumps({"query": "{ viewer { username } }"}),
                           content_type="application/json")
    assert response.status_code == 403
    client.get("/graphql/", HTTP_ACCEPT="application/json")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post("/graphql/", json.dumps({"query": "{ viewer { username } }"}),
                           content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.json() == {"data": {"viewer": {"username": "inv.ofb"}}}


def test_mutation_over_get_is_refused(gql: Any, demo: Any) -> None:
    gql.login("inv.ofb")
    response = gql.client.get("/graphql/", {"query": 'mutation { issueApiToken(name: "x", scopes: [READ]) '
                                                     "{ errors { code } } }"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 405


def test_batching_is_off(gql: Any, demo: Any) -> None:
    response = gql.login("inv.ofb").client.post("/graphql/", json.dumps([{"query": "{ viewer { id } }"}] * 2),
                                                 content_type="application/json")
    assert response.status_code == 400


@override_settings(GRAPHQL_INTROSPECTION=False)
@pytest.mark.parametrize("query", ["{ __schema { types { name } } }", '{ __type(name: "Case") { fields { name } } }',
                                   "{ viewer { __typename } __schema { queryType { name } } }"])
def test_no_introspection_or_suggestions_when_disabled(gql: Any, demo: Any, query: str) -> None:
    gql.login("inv.ofb")
    response = gql.post(query)
    assert response.status_code == 400
    assert "introspection is disabled" in response.json()["errors"][0]["message"].lower()
    assert "data" not in response.json() or response.json()["data"] is None
    response = gql.post("{ mandate { id } }")
    assert "Did you mean" not in response.content.decode()


@override_settings(GRAPHQL_INTROSPECTION=False)
def test_typename_works_without_introspection_as_standard_clients_send_it(gql: Any, demo: Any) -> None:
    """Apollo, Relay and urql add ``__typename`` to every selection set."""
    from access.policy import viewer_for
    from cases import actions as case_actions
    from officers.models import Officer

    case_actions.create_case(viewer_for(Officer.objects.get(username="inv.ofb")),
                             case_actions.CaseInput(title="Ivoire", jurisdictions=["FR"]))
    data = gql.login("inv.ofb")("""{ __typename viewer { __typename username }
                                   cases(first: 1) { __typename edges { __typename node { __typename id } } } }""")
    assert data["__typename"] == "Query" and data["viewer"] == {"__typename": "Officer", "username": "inv.ofb"}
    assert data["cases"]["__typename"] == "CaseConnection"
    assert {edge["node"]["__typename"] for edge in data["cases"]["edges"]} == {"Case"}
    mutation = gql("""mutation { declarePurpose(purpose: INVESTIGATION) { __typename purpose } }""")
    assert mutation["declarePurpose"]["__typename"] == "DeclarePurpose"


def test_suggestions_are_shown_in_development(gql: Any, demo: Any) -> None:
    response = gql.login("inv.ofb").post("{ mandate { id } }")
    assert "Did you mean" in response.content.decode()


def test_healthz(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_graphiql_asks_for_sign_in_and_sign_in_returns_there(client: Client, demo: Any) -> None:
    from wildnet.demo import DEMO_PASSWORD

    assert client.get("/graphql/", HTTP_ACCEPT="text/html")["Location"] == "/accounts/login/?next=/graphql/"
    response = client.post("/accounts/login/?next=/graphql/",
                           {"username": "inv.ofb", "password": DEMO_PASSWORD, "next": "/graphql/"})
    assert response.status_code == 302 and response["Location"] == "/graphql/"
    page = client.get("/graphql/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and b"GraphiQL" in page.content


@pytest.mark.parametrize("query", [
    "{ viewer " + "{ agency " * 3000 + "}" * 3001,
    "query($a: [[[[" + "[" * 5000 + "Int" + "]" * 5004 + ") { viewer { id } }",
    "{ viewer { id } }" + " " * 200_000,
])
def test_huge_or_deeply_nested_documents_are_refused_before_parsing(gql: Any, demo: Any, query: str) -> None:
    response = gql.login("inv.ofb").post(query)
    assert response.status_code == 400
    assert "too large or too deeply nested" in response.json()["errors"][0]["message"]


def test_nesting_scan_ignores_strings_and_comments() -> None:
    from api.limits import nesting_depth

    assert nesting_depth('{ a(x: "{{{{") { b } } # {{{{') == 2
    assert nesting_depth('{ a(x: """ {{{ """) }') == 2


def test_only_a_text_with_more_brackets_than_the_limit_is_scanned() -> None:
    from api.limits import nested_deeper_than

    wide = "{ " + " ".join(f"f{i} {{ a }}" for i in range(100)) + " }"  # 101 braces, two levels deep
    assert not nested_deeper_than(wide, 64)
    assert nested_deeper_than("{" * 65 + "}" * 65, 64)
    assert not nested_deeper_than("{" * 64 + "}" * 64, 64)
    assert not nested_deeper_than('{ a(x: "' + "{" * 100 + '") }', 64)  # brackets in a string do not nest


def test_a_too_deep_document_is_refused_again_from_the_cache_and_a_changed_one_validated_anew(
        gql: Any, demo: Any) -> None:
    from api.documents import prepare

    prepare.cache_clear()
    deep = "{ agencies { edges { node { " + "parent { " * 14 + "code" + " }" * 14 + " } } } }"
    gql.login("inv.ofb")
    for _ in range(2):
        response = gql.post(deep)
        assert response.status_code == 400
        assert "exceeds maximum operation depth" in response.json()["errors"][0]["message"]
    assert prepare.cache_info()[:2] == (1, 1)  # hits, misses: refused the second time without validating again
    assert "exceeds maximum operation depth" in gql.post(deep + " ").json()["errors"][0]["message"]
    assert prepare.cache_info()[:2] == (1, 2)


def test_introspection_refused_in_production_stays_refused_from_the_cache(gql: Any, demo: Any) -> None:
    from api.documents import prepare

    prepare.cache_clear()
    query = "{ __schema { queryType { name } } }"
    gql.login("inv.ofb")
    with override_settings(GRAPHQL_INTROSPECTION=False):
        for _ in range(2):
            assert "introspection is disabled" in gql.post(query).json()["errors"][0]["message"]
    assert prepare.cache_info()[:2] == (1, 1)
    with override_settings(GRAPHQL_INTROSPECTION=True):  # other settings: another key, validated again
        assert gql(query)["__schema"]["queryType"]["name"] == "Query"
    assert prepare.cache_info()[:2] == (1, 2)


def test_the_document_cache_is_bounded_and_keeps_the_most_recently_used() -> None:
    from api.documents import DocumentCache, limits_key
    from wildnet.schema import schema

    cache = DocumentCache(maxsize=3)
    documents = [f"{{ viewer {{ a{i}: id }} }}" for i in range(5)]
    for text in documents:
        assert not cache(schema.graphql_schema, text, limits_key()).errors
    cache(schema.graphql_schema, documents[2], limits_key())  # used again: the most recent
    cache(schema.graphql_schema, "{ viewer { b: id } }", limits_key())
    assert cache.cache_info().currsize == 3
    assert cache.cache_info()[:2] == (1, 6)
    cache(schema.graphql_schema, documents[2], limits_key())  # kept
    cache(schema.graphql_schema, documents[0], limits_key())  # evicted long ago: prepared again
    assert cache.cache_info()[:2] == (2, 7) and cache.cache_info().currsize == 3


def test_a_document_is_parsed_and_validated_once_and_its_variables_checked_every_time(gql: Any,
                                                                                    demo: Any) -> None:
    from api.documents import prepare

    prepare.cache_clear()
    query = "query ($size: Int) { topKeywords(size: $size) { value } }"
    gql.login("inv.ofb")
    gql(query, {"size": 3}, HTTP_X_WILDNET_PURPOSE="investigation")
    gql(query, {}, HTTP_X_WILDNET_PURPOSE="investigation")
    refused = gql.post(query, {"size": None}, HTTP_X_WILDNET_PURPOSE="investigation").json()
    assert refused["errors"][0]["extensions"] == {"code": "INVALID", "field": "size"}
    info = prepare.cache_info()
    assert (info.misses, info.hits) == (1, 2)
    with override_settings(GRAPHQL_MAX_DEPTH=2):  # other limits: validated again, and refused
        deep = gql.post("{ agencies { edges { node { parent { code } } } } }").json()
    assert "exceeds maximum operation depth" in deep["errors"][0]["message"]
    assert gql("{ agencies { edges { node { parent { code } } } } }")["agencies"]["edges"]


def test_answers_are_compact_utf_8_json_and_pretty_when_asked(gql: Any, demo: Any) -> None:
    query = "{ agencies(first: 100) { edges { node { code name } } } }"
    compact = gql.login("inv.ofb").post(query)
    assert compact.status_code == 200 and compact["Content-Type"] == "application/json"
    names = [edge["node"]["name"] for edge in compact.json()["data"]["agencies"]["edges"]]
    accented = next(name for name in names if "é" in name)  # "SPF Santé publique — CITES"
    assert accented.encode() in compact.content and b"\\u00e9" not in compact.content
    assert b"\n" not in compact.content and b'":' in compact.content and b'": ' not in compact.content
    pretty = gql.client.post("/graphql/?pretty=1", data=json.dumps({"query": query}),
                             content_type="application/json")
    assert pretty.json() == compact.json()
    assert pretty.content.decode() == json.dumps(compact.json(), sort_keys=True, indent=2, separators=(",", ": "))


def test_what_orjson_cannot_write_is_written_by_json_dumps(rf: Any) -> None:
    from wildnet.graphql_view import WildnetGraphQLView

    answer = {"data": {"big": 2**70, "text": "défense"}}
    written = WildnetGraphQLView().json_encode(rf.post("/graphql/"), answer)
    assert written == json.dumps(answer, separators=(",", ":"))
    assert WildnetGraphQLView().json_encode(rf.post("/graphql/"), {"data": {"n": 1}}) == b'{"data":{"n":1}}'
