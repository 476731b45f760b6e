"""Every page of the console speaks English, French and Spanish: its heading and its labels come from the
catalogue in the reader's language (the catalogue's own test checks that every message is translated)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from reports.models import SpotterReport
from tests.console.test_shell import signed_in

pytestmark = pytest.mark.django_db

PAGES = [
    ("pf.leboncoin", "/notices/"),
    ("pf.leboncoin", "/integration/"),
    ("coord.fr", "/compliance/dashboard/"),
    ("coord.fr", "/mandates/"),
    ("coord.fr", "/measures/"),
    ("coord.fr", "/measures/FR/2025/"),
    ("coord.fr", "/measures/FR/2025/report/"),
    ("coord.fr", "/access-log/"),
    ("sup.ofb", "/sharing/"),
    ("admin.ofb", "/officers/"),
    ("admin.ofb", "/officers/new/"),
    ("inv.ofb", "/preferences/"),
    ("inv.ofb", "/accounts/second-factor/"),
    ("inv.ofb", "/accounts/second-factor/passkey/"),
    ("sup.ofb", "/sign-in-events/"),
    ("spotter.ifaw", "/reports/"),
    ("spotter.ifaw", "/reports/new/"),
    ("ana.ofb", "/triage/"),
    ("ana.ofb", "/triage/{ivory}/"),  # the demo's ivory report, routed to the OFB (its number varies by database)
    ("coord.ifaw", "/reports/figures/"),
]


def heading(page: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert match, page[:2000]
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip()


@pytest.mark.parametrize(("username", "path"), PAGES, ids=[path for _user, path in PAGES])
def test_a_page_reads_in_each_language(world: None, username: str, path: str) -> None:
    client = signed_in(username)
    if "{ivory}" in path:
        path = path.format(ivory=SpotterReport.objects.get(url="https://www.leboncoin.fr/ad/antiquites/2461100987").pk)
    headings = {}
    for language in ("en", "fr", "es"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(path)
        page = response.content.decode()
        assert response.status_code == 200, (language, page[:500])
        assert f'<html lang="{language}">' in page
        headings[language] = heading(page)
    assert len(set(headings.values())) == 3, headings  # three languages, three headings
