"""Trusted flaggers (DSA Art. 22) in the console: the platform's inbox marks their notices and filters on them, the
notice page names the flagger and its status reference, and the coordinator's dashboard has their column.

The dashboard's world, French agencies' notices to leboncoin, March 2024 (no demo notice is dated then):

    notice  trusted flagger   sent             acknowledged   items (outcome, effective after sent)
    F1      IFAW Europe       4 March 09:00    +3h05m         A removed +20h, B rejected "Not illegal in FR"
    F2      —                 10 March 09:00   +1h            C removed +80h (after its 48 h deadline)

→ 1 trusted-flagger notice with 2 items, 1 acted on by the deadline: 50.0 % within the SLA.
"""

from __future__ import annotations

import datetime
import re

import pytest

from access.policy import viewer_for
from agencies.models import Agency
from cases import actions as case_actions
from compliance import actions
from compliance.models import TakedownNotice
from officers.models import Officer
from tests.compliance.test_metrics import REJECTED, REMOVED, World
from tests.console.test_compliance_dashboard import _row, _text
from tests.console.test_notice_pages import references
from tests.console.test_shell import CSRF, signed_in

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)
STATUS = "DSC-BE/2026/TF-0042"
BADGE = "Trusted flagger (DSA Art. 22)"


@pytest.fixture
def flagger(world: None) -> Agency:
    ngo = Agency.objects.get(code="ngo-ifaw")
    ngo.trusted_flagger_reference = STATUS
    ngo.save(update_fields=["trusted_flagger_reference"])
    return ngo


def issue(trusted_flagger: Agency | None, number: int) -> TakedownNotice:
    """A notice from the OFB to leboncoin, on ``trusted_flagger``'s report when one is given."""
    viewer = viewer_for(Officer.objects.get(username="inv.ofb"), purpose="investigation")
    case = case_actions.create_case(viewer, case_actions.CaseInput(title="Ivoire signalé", jurisdictions=["FR"]))
    listing = case_actions.add_listing(viewer, case, case_actions.ListingInput(
        url=f"https://www.leboncoin.fr/ad/antiquites/{910000 + number}"))[0]
    return actions.issue_notice(viewer, case, [listing], actions.NoticeInput(
        legal_basis_law="Code de l'environnement", legal_basis_article="L415-3",
        statement_of_reasons="Ivoire d'éléphant sans certificat.", requested_actions=["remove"],
        territorial_scope=["FR"]), trusted_flagger=trusted_flagger)


# --- the platform's inbox and notice page ---------------------------------------------------------------------


def test_the_inbox_marks_a_trusted_flaggers_notice(flagger: Agency) -> None:
    trusted, ordinary = issue(flagger, 1), issue(None, 2)
    page = signed_in("pf.leboncoin").get("/notices/").content.decode()
    rows = {reference: row for row in re.findall(r"<tr.*?</tr>", page, re.S)
            for reference in references(row)}
    assert BADGE in rows[trusted.reference] and "IFAW Europe" in rows[trusted.reference]
    assert BADGE not in rows[ordinary.reference]


def test_the_inbox_filters_the_trusted_flaggers_notices_only(flagger: Agency) -> None:
    trusted, _ = issue(flagger, 1), issue(None, 2)
    client = signed_in("pf.leboncoin")
    assert len(references(client.get("/notices/").content.decode())) > 1
    page = client.get("/notices/", {"trusted": "1"}).content.decode()
    assert references(page) == [trusted.reference]
    assert '<input type="checkbox" id="filter-trusted" name="trusted" value="1" checked>' in page
    assert '<label for="filter-trusted">From trusted flaggers only</label>' in page


def test_the_notice_page_names_the_trusted_flagger_and_its_status(flagger: Agency) -> None:
    notice = issue(flagger, 1)
    page = _text(signed_in("pf.leboncoin").get(f"/notices/{notice.reference}/").content.decode())
    assert BADGE in page
    assert (f"This notice acts on a report by IFAW Europe, a trusted flagger (status {STATUS}): please process "
            "it with priority.") in page
    assert f"IFAW Europe (BE) — status {STATUS}" in page


def test_an_ordinary_notice_page_has_no_badge(flagger: Agency) -> None:
    notice = issue(None, 2)
    assert BADGE not in signed_in("pf.leboncoin").get(f"/notices/{notice.reference}/").content.decode()


def test_another_platform_finds_a_trusted_flaggers_notice_as_a_missing_one(flagger: Agency) -> None:
    notice = issue(flagger, 1)
    client = signed_in("pf.wallapop")
    hidden, missing = client.get(f"/notices/{notice.reference}/"), client.get("/notices/TD-XX-0000-000000/")
    assert hidden.status_code == missing.status_code == 404
    assert (CSRF.sub(b"", hidden.content).replace(notice.reference.encode(), b"TD-XX-0000-000000")
            == CSRF.sub(b"", missing.content))
    assert references(client.get("/notices/", {"trusted": "1"}).content.decode()) == []


# --- the coordinator's dashboard ------------------------------------------------------------------------------


def _at(day: int) -> datetime.datetime:
    return datetime.datetime(2024, 3, day, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def figures(flagger: Agency) -> World:
    w = World()
    w.notice("F1", "inv.ofb", "pf-leboncoin", _at(4), acknowledged=3 * H + 5 * M,
             items={"A": (REMOVED, 20 * H, ""), "B": (REJECTED, 4 * H, "Not illegal in FR")})
    w.notice("F2", "inv.ofb", "pf-leboncoin", _at(10), acknowledged=H, items={"C": (REMOVED, 80 * H, "")})
    TakedownNotice.objects.filter(pk=w.notices["F1"].pk).update(trusted_flagger=flagger,
                                                                 trusted_flagger_reference=STATUS)
    return w


def test_the_dashboard_has_the_trusted_flaggers_columns(figures: World) -> None:
    page = signed_in("coord.fr").get("/compliance/dashboard/?period=2024-03").content.decode()
    assert _row(page, "Notices sent") == "2"
    assert _row(page, "Trusted-flagger notices") == "1 2 items"
    assert _row(page, "Within SLA (trusted flaggers)") == "50.0 %"


def test_the_trusted_flaggers_figure_links_to_their_notices(figures: World) -> None:
    client = signed_in("coord.fr")
    page = client.get("/compliance/dashboard/?period=2024-03").content.decode()
    link = re.search(r'<a href="(/compliance/dashboard/notices/\?[^"]*figure=trusted)">1</a>', page)
    assert link, "the trusted flaggers' notices are a drill-down"
    listed = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert set(re.findall(r"TD-TEST-[0-9]+", listed)) == {figures.notices["F1"].reference}
    assert "Notices acting on a trusted flagger's report (DSA Art. 22)" in listed
