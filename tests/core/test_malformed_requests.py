"""Every malformed request to /graphql/ gets its HTTP status and a typed code, never ``INTERNAL_ERROR`` or a 500.

Each answer carries a plain message and the request id, and nothing runs: no audit event is written.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from audit.models import AuditEvent
from officers.models import Officer

QUERY = "{ viewer { username } }"


def post(client: Client, body: bytes | str, content_type: str = "application/json") -> Any:
    return client.post("/graphql/", data=body, content_type=content_type)


CASES: list[tuple[str, Any, int, str]] = [
    ("a JSON array (batching)", lambda c: post(c, json.dumps([{"query": QUERY}] * 2)), 400, "BATCHING_DISABLED"),
    ("invalid JSON", lambda c: post(c, "{not json"), 400, "BAD_REQUEST"),
    ("JSON nested 100,000 deep", lambda c: post(c, "[" * 100_000 + "]" * 100_000), 400, "BAD_REQUEST"),
    ("a query that is a number", lambda c: post(c, json.dumps({"query": 42})), 400, "BAD_REQUEST"),
    ("a null query", lambda c: post(c, json.dumps({"query": None})), 400, "BAD_REQUEST"),
    ("variables that are not an object", lambda c: post(c, json.dumps({"query": QUERY, "variables": [1]})), 400,
     "BAD_REQUEST"),
    ("an operation name that is not a string", lambda c: post(c, json.dumps({"query": QUERY, "operationName": 3})),
     400, "BAD_REQUEST"),
    ("an empty body", lambda c: post(c, ""), 400, "BAD_REQUEST"),
    ("a text/plain body", lambda c: post(c, QUERY, "text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("invalid UTF-8", lambda c: post(c, b'{"query": "\xff\xfe"}'), 400, "BAD_REQUEST"),
    ("a 2.5 MB body", lambda c: post(c, json.dumps({"query": QUERY, "padding": "a" * 2_600_000})), 413,
     "PAYLOAD_TOO_LARGE"),
    ("a broken multipart boundary",
     lambda c: post(c, b"--xx\r\nbroken", "multipart/form-data; boundary=yy"), 400, "BAD_REQUEST"),
    ("GET without a query", lambda c: c.get("/graphql/", HTTP_ACCEPT="application/json"), 400, "BAD_REQUEST"),
    ("a mutation over GET", lambda c: c.get(
        "/graphql/", {"query": "mutation { declarePurpose(purpose: INVESTIGATION) { purpose } }"},
        HTTP_ACCEPT="application/json"), 405, "METHOD_NOT_ALLOWED"),
    ("PUT", lambda c: c.put("/graphql/", data=json.dumps({"query": QUERY}), content_type="application/json"), 405,
     "METHOD_NOT_ALLOWED"),
    ("DELETE", lambda c: c.delete("/graphql/"), 405, "METHOD_NOT_ALLOWED"),
]


@pytest.mark.parametrize(("label", "send", "status", "code"), CASES, ids=[case[0] for case in CASES])
def test_a_malformed_request_gets_its_status_and_a_typed_code(client: Client, demo: Any, label: str, send: Any,
                                                              status: int, code: str) -> None:
    client.force_login(Officer.objects.get(username="inv.ofb"))
    before = AuditEvent.objects.count()
    response = send(client)
    assert response.status_code == status, (label, response.content[:300])
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == code, (label, error)
    assert error["extensions"]["requestId"] == response["X-Request-ID"] != ""
    assert error["message"] and "Internal error" not in error["message"] and "Traceback" not in error["message"]
    assert AuditEvent.objects.count() == before


def test_a_well_formed_request_still_runs(client: Client, demo: Any) -> None:
    client.force_login(Officer.objects.get(username="inv.ofb"))
    response = post(client, json.dumps({"query": QUERY, "variables": None, "operationName": None}))
    assert response.status_code == 200 and response.json()["data"]["viewer"]["username"] == "inv.ofb"
    response = post(client, QUERY, "application/graphql")
    assert response.status_code == 200 and response.json()["data"]["viewer"]["username"] == "inv.ofb"


# --- inside a valid document -----------------------------------------------------------------------------------

INVESTIGATION = {"HTTP_X_WILDNET_PURPOSE": "investigation"}

DOCUMENTS: list[tuple[str, str, dict[str, Any], str, str | None]] = [
    ("topKeywords(size: null)", "{ topKeywords(size: null) { value } }", {}, "INVALID", "size"),
    ("speciesMatches(limit: null)", '{ speciesMatches(text: "python", limit: null) { __typename } }', {},
     "INVALID", "limit"),
    ("search(query: null)", "{ search(query: null) { totalCount } }", {}, "INVALID", "query"),
    ("search(first: null)", '{ search(query: "x", first: null) { totalCount } }', {}, "INVALID", "first"),
    ("trends(interval: null)", "{ trends(groupBy: PLATFORM, interval: null) { key } }", {}, "INVALID", "interval"),
    ("a variable set to null for an argument with a default",
     "query ($size: Int) { topKeywords(size: $size) { value } }", {"size": None}, "INVALID", "size"),
    ("a bad cursor", '{ mandates(offset: 1, after: "x") { totalCount } }', {}, "INVALID", "after"),
    ("a negative cursor (after)", '{ mandates(after: "YXJyYXljb25uZWN0aW9uOi01") { totalCount } }', {},
     "INVALID", "after"),  # arrayconnection:-5
    ("a negative cursor (before)", '{ officers(last: 3, before: "YXJyYXljb25uZWN0aW9uOi0xMDA=") { totalCount } }',
     {}, "INVALID", "before"),  # arrayconnection:-100
    ("a time UTC cannot hold, in a filter", '{ cases(createdAfter: "9999-12-31T23:00:00-10:00") { totalCount } }',
     {}, "INVALID", None),
    ("a time UTC cannot hold, in search filters",
     '{ trends(groupBy: PLATFORM, filters: {dateFrom: "0001-01-01T00:00:00+14:00"}) { key } }', {}, "INVALID",
     None),
    ("a time UTC cannot hold, in a variable", "query ($f: SearchFiltersInput) { trends(groupBy: PLATFORM, "
     "filters: $f) { key } }", {"f": {"dateTo": "9999-12-31T23:00:00-10:00"}}, "INVALID", None),
    ("an unknown sort key", '{ cases(orderBy: "password") { totalCount } }', {}, "INVALID", None),
    ("a NUL in a string literal", '{ case(reference: "FR\\u0000") { id } }', {}, "INVALID", "reference"),
    ("a NUL in a nested literal", '{ search(query: "x", filters: {countries: ["\\u0000"]}) { totalCount } }', {},
     "INVALID", "filters"),
    ("a NUL in a variable", "query ($r: String!) { case(reference: $r) { id } }", {"r": "FR\x00"}, "INVALID",
     "reference"),
    ("an id of another type in a filter", '{ search(query: "x", filters: {speciesIds: ["Q2FzZTox"]}) '
     "{ totalCount } }", {}, "NOT_FOUND", "speciesIds"),
    ("a NUL character deep in an input", "mutation ($input: CreateCaseInput!) { createCase(input: $input) "
     "{ errors { code } } }", {"input": {"title": "a", "jurisdictions": ["F\x00R"]}}, "INVALID", "input"),
]


@pytest.mark.parametrize(("label", "query", "variables", "code", "field"), DOCUMENTS,
                         ids=[case[0] for case in DOCUMENTS])
def test_a_bad_argument_is_a_typed_error_not_a_fault(gql: Any, demo: Any, label: str, query: str,
                                                     variables: dict[str, Any], code: str, field: str | None) -> None:
    response = gql.login("inv.ofb").post(query, variables, **INVESTIGATION)
    assert response.status_code in (200, 400), label
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == code, (label, error)
    assert error["extensions"].get("field") == field and "Internal error" not in error["message"]


def test_leaving_out_an_argument_or_its_variable_uses_its_default(gql: Any, demo: Any) -> None:
    gql.login("inv.ofb")
    assert gql("query ($size: Int) { topKeywords(size: $size) { value } }", {}, **INVESTIGATION)["topKeywords"] == []
    assert gql("{ search(query: \"x\") { totalCount } }", **INVESTIGATION)["search"]["totalCount"] == 0
