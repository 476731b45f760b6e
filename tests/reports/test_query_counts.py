"""The reports' connections cost a fixed number of SQL queries at 1, 10 and 100 reports (no N+1)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from agencies.models import Agency
from cases.models import Species
from officers.models import Officer
from reports.models import ReportScreenshot, ReportStatusChange, SpotterReport

pytestmark = pytest.mark.django_db

#: The session with the signed-in officer (their agency, its mandates in force): one query before any resolver.
AUTH = 1
NESTED = """{ %s(first: 100) { totalCount edges { node { id url status reporter { username } platform { code }
  species { scientificName } history { status changedAt } screenshots { sha256 contentType } } } } }"""


def make_reports(n: int, spotter: Officer, species: Species) -> None:
    """Rows as the actions leave them (a history step and a screenshot each), without the actions' checks."""
    platform = Agency.objects.get(code="pf-leboncoin")
    for i in range(n):
        report = SpotterReport.objects.create(
            reporter=spotter, organisation=spotter.agency, url_as_given=f"https://www.leboncoin.fr/ad/{i}",
            url=f"https://www.leboncoin.fr/ad/{i}", url_digest=f"{i:064d}", platform=platform,
            description="Ivory.", species=species, seen_at=timezone.now() - datetime.timedelta(hours=1))
        ReportStatusChange.objects.create(report=report, status="received")
        ReportScreenshot.objects.create(report=report, file=f"reports/{i}", original_name="a.png", sha256="0" * 64,
                                        size=1, content_type="image/png")


@pytest.mark.parametrize("n", [1, 10, 100])
@pytest.mark.parametrize("field", ["myReports", "spotterReports"])
def test_the_reports_connections_cost_the_same_whatever_their_length(
        gql: Any, demo: Any, species: dict[str, Species], django_assert_num_queries: Any, n: int,
        field: str) -> None:
    spotter = Officer.objects.get(username="spotter.ifaw")
    make_reports(n, spotter, next(iter(species.values())))
    gql.login(spotter)
    # the page with its count, then one batched query each for reporters, platforms, species, history, screenshots
    with django_assert_num_queries(AUTH + 1 + 5):
        data = gql(NESTED % field)
    assert data[field]["totalCount"] == n
