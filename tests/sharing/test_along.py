"""A case's redaction flags ride along with the case (``CaseNode.along``): fetched by id, the case carries them,
and its redacted groups and its claims' gradings cost no statement of their own — and say exactly what the
separate statement said, shared or not (pages still read them in a statement of their own: test_sharing)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from .conftest import INVESTIGATION

pytestmark = pytest.mark.django_db

FLAGGED = """query($id: ID!) { node(id: $id) { ... on Case { reference redactedGroups
  listings { url } entityLinks { role sourceReliability informationCredibility } reports { grading } } } }"""
PLAIN = """query($id: ID!) { node(id: $id) { ... on Case { reference
  listings { url } entityLinks { role } reports { grading } } } }"""


def statements(ask: Any, query: str, variables: dict[str, Any] | None = None) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        data = ask(query, variables or {}, **INVESTIGATION)
    return data, [each["sql"] for each in captured.captured_queries]


@pytest.mark.parametrize(("redact", "groups"), [
    ({}, []),
    ({"redact_sources": True}, ["sources"]),
    ({"redact_evidence": True, "redact_sources": True}, ["sources", "evidence"]),
])
def test_a_case_by_id_carries_its_flags(gql: Any, ofb_case: Any, share: Any, redact: dict[str, bool],
                                        groups: list[str]) -> None:
    share(ofb_case, **redact)
    ask = gql.login("inv.oclaesp")
    variables = {"id": to_global_id("Case", ofb_case.pk)}
    ask(FLAGGED, variables, **INVESTIGATION)  # the statements are kept from the first request on
    _, plain = statements(ask, PLAIN, variables)
    data, flagged = statements(ask, FLAGGED, variables)
    assert len(flagged) == len(plain)  # the flags asked nothing more of the database
    case = data["node"]
    owner = gql.login("inv.ofb")(FLAGGED, variables)["node"]
    graded = sorted(link["sourceReliability"] for link in owner["entityLinks"])
    assert owner["redactedGroups"] == [] and "B" in graded
    assert case["redactedGroups"] == groups
    assert sorted(link["sourceReliability"] or "" for link in case["entityLinks"]) == \
        ([""] * len(graded) if "sources" in groups else graded)
    assert case["reports"] == ([] if "sources" in groups else [{"grading": "B2"}])


def test_a_case_that_is_not_shared_carries_nothing(gql: Any, ofb_case: Any) -> None:
    """Refused: no row, so no flags; the answer and the statements are those of an id that names nothing."""
    ask = gql.login("inv.oclaesp")
    hidden, absent = to_global_id("Case", ofb_case.pk), to_global_id("Case", ofb_case.pk + 1000)
    ask(FLAGGED, {"id": hidden}, **INVESTIGATION)
    refused, refused_sql = statements(ask, FLAGGED, {"id": hidden})
    missing, missing_sql = statements(ask, FLAGGED, {"id": absent})
    assert refused == missing == {"node": None}
    assert len(refused_sql) == len(missing_sql)
