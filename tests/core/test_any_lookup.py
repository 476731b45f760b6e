"""``__any``: the same rows as ``__in``, one array parameter on PostgreSQL, ``IN`` elsewhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

import access.lookups  # noqa: F401  (registers ``__any``)
from agencies.models import Agency
from officers.models import Officer

pytestmark = pytest.mark.django_db


def test_any_finds_what_in_finds_through_keys_and_foreign_keys(demo: Any) -> None:
    ids = list(Agency.objects.values_list("pk", flat=True)[:3])
    assert set(Agency.objects.filter(pk__any=ids)) == set(Agency.objects.filter(pk__in=ids))
    assert set(Officer.objects.filter(agency__any=ids)) == set(Officer.objects.filter(agency__in=ids))


def test_any_of_no_keys_matches_nothing_without_a_statement(demo: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert list(Agency.objects.filter(pk__any=[])) == []
    assert not queries.captured_queries
    assert Agency.objects.filter(Q(pk__any=[]) | Q(code="fr-ofb")).count() == 1


def test_any_sends_the_keys_as_one_parameter_on_postgresql(demo: Any) -> None:
    ids = list(Agency.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        assert len(list(Agency.objects.filter(pk__any=ids))) == len(ids)
    statement = queries.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in statement and " IN (" not in statement
    else:
        assert " IN (" in statement
