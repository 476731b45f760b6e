"""The TAXII 2.1 server, driven by OASIS's ``taxii2client.v21`` over HTTP against the live server.

OFB (inv.ofb) owns the ivory case and shares it with OCLAESP (inv.oclaesp) for investigation; OCLAESP owns the
pangolin case. Each polls with an API token, as a MISP or OpenCTI connector would.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import requests.auth
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from agencies.models import Agency as AgencyModel
from agencies.models import TaskForce
from audit.models import AuditEvent
from cases import actions as case_actions
from cases.models import Case
from compliance.models import TakedownNotice
from interop import markings
from officers.actions import issue_token
from officers.models import Officer
from sharing import actions as sharing_actions
from sharing.models import Share
from wildnet import demo_compliance

from .conftest import valid, viewer

TAXII = "application/taxii+json;version=2.1"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def token(username: str, scopes: tuple[str, ...] = ("read",)) -> str:
    return issue_token(Officer.objects.get(username=username), name="taxii", scopes=list(scopes))[1]


def ivory() -> Case:
    return Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")


def pangolin() -> Case:
    return Case.objects.get(owner_agency__code="fr-oclaesp", title__startswith="Écailles")


def report_id(case: Case) -> str:
    return markings.stix_id("report", "case", case.pk)


class TokenAndPurpose(requests.auth.HTTPBasicAuth):
    """The token as the Basic password (what a client configured with a user and a password sends), and the
    declared purpose; ``taxii2client`` hands an ``auth`` on from the server to its API roots and collections."""

    def __init__(self, raw: str, purpose: str | None) -> None:
        super().__init__("taxii", raw)
        self.purpose = purpose

    def __call__(self, request: Any) -> Any:
        if self.purpose is not None:
            request.headers["X-WildNet-Purpose"] = self.purpose
        return super().__call__(request)


class Agency:
    """A TAXII client of one officer."""

    def __init__(self, base: str, username: str, purpose: str | None = "investigation",
                 scopes: tuple[str, ...] = ("read",)) -> None:
        self.server = Server(f"{base}/taxii2/", auth=TokenAndPurpose(token(username, scopes), purpose))

    @property
    def connection(self) -> Any:
        return self.root._conn

    @property
    def root(self) -> ApiRoot:
        return self.server.default

    def collections(self) -> dict[str, Collection]:
        self.root.refresh_collections()
        return {c.title: c for c in self.root.collections}

    def everything(self, collection: Collection, **filters: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for page in as_pages(collection.get_objects, per_request=20, **filters):
            found += page.get("objects", [])
        return found


@pytest.fixture
def base(world: Any, live_server: Any) -> Iterator[str]:
    yield str(live_server.url)


def shared_title() -> str:
    return f"Shared with us: {ivory().reference}"


# --- discovery and collections -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_discovery_and_api_root_as_the_client_reads_them(base: str) -> None:
    ofb = Agency(base, "inv.ofb")
    assert ofb.server.title == "WildNet"
    assert ofb.root.url == f"{base}/taxii2/wildnet/"
    assert ofb.root.versions == [TAXII]


@pytest.mark.django_db(transaction=True)
def test_each_agency_receives_exactly_what_it_may_see(base: str) -> None:
    ofb, oclaesp = Agency(base, "inv.ofb"), Agency(base, "inv.oclaesp")
    ofb_collections = ofb.collections()
    assert list(ofb_collections) == ["Office français de la biodiversité: our cases"]
    [own] = ofb_collections.values()
    reports = {o["id"] for o in ofb.everything(own) if o["type"] == "report"}
    assert reports == {report_id(ivory())}

    received = oclaesp.collections()
    assert set(received) == {"Office central de lutte contre les atteintes à l'environnement: our cases",
                             shared_title()}
    own_reports = {o["id"] for o in oclaesp.everything(received[next(t for t in received if "our cases" in t)])
                   if o["type"] == "report"}
    assert own_reports == {report_id(pangolin())}
    shared = oclaesp.everything(received[shared_title()])
    assert {o["id"] for o in shared if o["type"] == "report"} == {report_id(ivory())}
    valid({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": shared})
    assert all(c.can_read and not c.can_write for c in received.values())


@pytest.mark.django_db(transaction=True)
def test_an_agency_without_a_share_has_only_its_own_collection(base: str) -> None:
    seprona = Agency(base, "inv.seprona")
    [own] = seprona.collections().values()
    assert report_id(ivory()) not in {o["id"] for o in seprona.everything(own)}


@pytest.mark.django_db(transaction=True)
def test_after_revoking_the_share_the_recipients_poll_returns_nothing(base: str) -> None:
    oclaesp = Agency(base, "inv.oclaesp")
    shared = oclaesp.collections()[shared_title()]
    assert oclaesp.everything(shared)
    share = Share.objects.get(case=ivory(), recipient_agency__code="fr-oclaesp")
    sharing_actions.revoke_share(viewer("sup.ofb"), share, "The investigation is closed.")
    assert shared_title() not in oclaesp.collections()
    with pytest.raises(requests.HTTPError) as refused:
        shared.get_objects()
    assert refused.value.response.status_code == 404
    for collection in oclaesp.collections().values():
        assert report_id(ivory()) not in {o["id"] for o in oclaesp.everything(collection)}


@pytest.mark.django_db(transaction=True)
def test_a_redacted_share_polls_without_its_withheld_groups(base: str) -> None:
    sharing_actions.share_case(viewer("inv.ofb"), ivory(), sharing_actions.ShareInput(
        justification="Customs check", recipient_agency=AgencyModel.objects.get(code="fr-dgddi"),
        redact_personal_data=True, redact_evidence=True))
    douane = Agency(base, "inv.douane")
    objects = douane.everything(douane.collections()[shared_title()])
    kinds = {o["type"] for o in objects}
    assert "report" in kinds and "url" in kinds
    assert not {"user-account", "email-addr", "x-wildnet-phone", "artifact"} & kinds


@pytest.mark.django_db(transaction=True)
def test_shared_objects_need_a_declared_purpose(base: str) -> None:
    oclaesp = Agency(base, "inv.oclaesp", purpose=None)
    shared = oclaesp.collections()[shared_title()]
    assert oclaesp.everything(shared) == []


@pytest.mark.django_db(transaction=True)
def test_the_readme_example_polls_a_shared_collection(base: str) -> None:
    raw = token("inv.oclaesp")

    class WildNet(requests.auth.AuthBase):  # the API token, and the purpose shared intelligence needs
        def __call__(self, r: Any) -> Any:
            r.headers.update({"Authorization": f"Bearer {raw}", "X-WildNet-Purpose": "investigation"})
            return r

    root = ApiRoot(f"{base}/taxii2/wildnet/", auth=WildNet())
    shared = next(c for c in root.collections if c.title.startswith("Shared with us"))
    ids = [obj["id"] for page in as_pages(shared.get_objects, per_request=100, added_after="2020-01-01T00:00:00Z")
           for obj in page.get("objects", [])]
    assert report_id(ivory()) in ids


# --- polling -------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_paging_by_next_gives_every_object_once(base: str) -> None:
    ofb = Agency(base, "inv.ofb")
    [own] = ofb.collections().values()
    whole = own.get_objects()["objects"]
    pages = list(as_pages(own.get_objects, per_request=7))
    assert len(pages) == -(-len(whole) // 7)
    paged = [o["id"] for page in pages for o in page.get("objects", [])]
    assert paged == [o["id"] for o in whole]
    assert all(page["more"] for page in pages[:-1]) and not pages[-1]["more"]


@pytest.mark.django_db(transaction=True)
def test_added_after_brings_only_what_is_new(base: str) -> None:
    ofb = Agency(base, "inv.ofb")
    [own] = ofb.collections().values()
    last = max(entry["date_added"] for entry in own.get_manifest()["objects"])
    assert own.get_objects(added_after=last).get("objects", []) == []
    case_actions.add_listing(viewer("inv.ofb"), ivory(), case_actions.ListingInput(
        url="https://www.leboncoin.fr/ad/777", title="Netsuke ancien"))
    new = own.get_objects(added_after=last)["objects"]
    assert {"url", "indicator", "report"} <= {o["type"] for o in new}  # the report holds one more listing
    assert "https://www.leboncoin.fr/ad/777" in {o.get("value") for o in new}
    assert not [o for o in new if o["type"] == "x-wildnet-phone"]  # the older content stays behind


@pytest.mark.django_db(transaction=True)
def test_added_after_brings_an_older_case_shared_since(base: str) -> None:
    before = timezone.now().astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    sharing_actions.share_case(viewer("inv.ofb"), ivory(), sharing_actions.ShareInput(
        justification="Customs check", recipient_agency=AgencyModel.objects.get(code="fr-dgddi")))
    douane = Agency(base, "inv.douane")
    new = douane.everything(douane.collections()[shared_title()], added_after=before)
    assert report_id(ivory()) in {o["id"] for o in new}
    assert {"marking-definition", "identity", "url"} <= {o["type"] for o in new}


@pytest.mark.django_db(transaction=True)
def test_match_filters_and_the_object_endpoints(base: str) -> None:
    ofb = Agency(base, "inv.ofb")
    [own] = ofb.collections().values()
    urls = own.get_objects(type="url")["objects"]
    assert urls and {o["type"] for o in urls} == {"url"}
    ident = report_id(ivory())
    [report] = own.get_object(ident)["objects"]
    assert report["id"] == ident
    assert ofb.connection.get(own.objects_url + ident + "/versions/")["versions"] == [report["modified"]]
    [listed] = own.get_objects(id=ident)["objects"]
    assert listed == report
    manifest = own.get_manifest(type="report")["objects"]
    assert [(m["id"], m["version"]) for m in manifest] == [(ident, report["modified"])]
    with pytest.raises(requests.HTTPError) as missing:
        own.get_object(report_id(pangolin()))
    assert missing.value.response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_date_added_headers_and_media_type(base: str) -> None:
    raw = token("inv.ofb")
    listing = requests.get(f"{base}/taxii2/wildnet/collections/", headers={"Authorization": f"Bearer {raw}",
                                                                            "Accept": TAXII}, timeout=10)
    assert listing.status_code == 200 and listing.headers["Content-Type"] == TAXII
    [own] = listing.json()["collections"]
    response = requests.get(f"{base}/taxii2/wildnet/collections/{own['id']}/objects/",
                            headers={"Authorization": f"Bearer {raw}", "Accept": TAXII}, timeout=10)
    dates = [e["date_added"] for e in requests.get(
        f"{base}/taxii2/wildnet/collections/{own['id']}/manifest/",
        headers={"Authorization": f"Bearer {raw}"}, timeout=10).json()["objects"]]
    assert response.headers["X-TAXII-Date-Added-First"] == dates[0]
    assert response.headers["X-TAXII-Date-Added-Last"] == dates[-1]
    assert requests.get(f"{base}/taxii2/", headers={"Authorization": f"Bearer {raw}", "Accept": "text/html"},
                        timeout=10).status_code == 406


# --- refusals ------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_unauthenticated_requests_get_401(base: str) -> None:
    for path in ("", "wildnet/", "wildnet/collections/"):
        response = requests.get(f"{base}/taxii2/{path}", headers={"Accept": TAXII}, timeout=10)
        assert response.status_code == 401
        assert response.headers["Content-Type"] == TAXII
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    with pytest.raises(requests.HTTPError) as refused:
        Server(f"{base}/taxii2/", user="taxii", password="wn_not-a-token").refresh()
    assert refused.value.response.status_code == 401


@pytest.mark.django_db(transaction=True)
def test_basic_auth_carries_a_token_only_under_taxii(base: str) -> None:
    raw = token("inv.ofb")
    assert requests.get(f"{base}/taxii2/", auth=("anyone", raw), timeout=10).status_code == 200
    assert requests.post(f"{base}/graphql/", auth=("anyone", raw), json={"query": "{ me { username } }"},
                         timeout=10).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_a_collection_of_another_agency_answers_as_a_missing_one(base: str) -> None:
    oclaesp, seprona = Agency(base, "inv.oclaesp"), Agency(base, "inv.seprona")
    shared = oclaesp.collections()[shared_title()]
    stolen = Collection(shared.url, conn=seprona.connection, collection_info=shared._raw)
    with pytest.raises(requests.HTTPError) as hidden:
        stolen.get_objects()
    nowhere = Collection(shared.url.replace(shared.id, "00000000-0000-5000-8000-000000000000"),
                         conn=seprona.connection, collection_info={**shared._raw, "id": "x"})
    with pytest.raises(requests.HTTPError) as missing:
        nowhere.get_objects()
    assert hidden.value.response.status_code == missing.value.response.status_code == 404
    assert hidden.value.response.content == missing.value.response.content


@pytest.mark.django_db(transaction=True)
def test_a_task_force_member_polls_what_is_shared_with_the_task_force(base: str) -> None:
    unit = TaskForce.objects.get(name__startswith="Cellule nationale")
    sharing_actions.share_case(viewer("inv.ofb"), ivory(), sharing_actions.ShareInput(
        justification="National unit", recipient_task_force=unit))
    douane, seprona = Agency(base, "inv.douane"), Agency(base, "inv.seprona")
    collection = douane.collections()[f"Task force: {unit.name}"]
    assert report_id(ivory()) in {o["id"] for o in douane.everything(collection)}
    assert f"Task force: {unit.name}" not in seprona.collections()


@pytest.mark.django_db(transaction=True)
def test_a_platform_polls_the_notices_sent_to_it_and_nothing_else(base: str) -> None:
    demo_compliance.load_notices()
    leboncoin, wallapop = Agency(base, "pf.leboncoin"), Agency(base, "pf.wallapop")
    [notices] = leboncoin.collections().values()
    objects = leboncoin.everything(notices)
    reports = [o for o in objects if o["type"] == "report"]
    sent = TakedownNotice.objects.filter(platform__code="pf-leboncoin").exclude(status="draft")
    assert {r["external_references"][0]["external_id"] for r in reports} == set(sent.values_list("reference",
                                                                                                    flat=True))
    assert all("leboncoin.fr" in o["value"] for o in objects if o["type"] == "url")
    assert not {"indicator", "note", "user-account", "x-wildnet-phone"} & {o["type"] for o in objects}
    valid({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": objects})
    [theirs] = wallapop.collections().values()
    assert not {r["id"] for r in reports} & {o["id"] for o in wallapop.everything(theirs)}


@pytest.mark.django_db(transaction=True)
def test_spotters_and_administrators_have_no_collection(base: str) -> None:
    for username in ("spotter.ifaw", "sysadmin"):
        assert Agency(base, username).collections() == {}


@pytest.mark.django_db(transaction=True)
def test_writes_are_refused_as_the_specification_says(base: str) -> None:
    raw = token("inv.ofb")
    ofb = Agency(base, "inv.ofb")
    [own] = ofb.collections().values()
    headers = {"Authorization": f"Bearer {raw}", "Accept": TAXII, "Content-Type": TAXII}
    posted = requests.post(own.objects_url, data=json.dumps({"objects": []}), headers=headers, timeout=10)
    assert posted.status_code == 403
    deleted = requests.delete(own.objects_url + report_id(ivory()) + "/", headers=headers, timeout=10)
    assert deleted.status_code == 403
    put = requests.put(own.objects_url, headers=headers, timeout=10)
    assert put.status_code == 405 and put.headers["Allow"] == "GET, POST"
    with pytest.raises(TAXIIServiceException):
        own.add_objects({"objects": []})  # the client itself refuses: the collection says can_write false


def opencti_envelope() -> dict[str, Any]:
    bundle = json.loads((FIXTURES / "opencti_bundle.json").read_text(encoding="utf-8"))
    return {"objects": bundle["objects"]}


@pytest.mark.django_db(transaction=True)
def test_objects_added_to_the_agency_s_collection_are_imported_with_a_status(base: str) -> None:
    ofb = Agency(base, "inv.ofb", scopes=("read", "write"))
    collections = ofb.collections()
    own = collections["Office français de la biodiversité: our cases"]
    assert own.can_write
    status = own.add_objects(opencti_envelope())  # OASIS's client posts the envelope and reads the status
    assert status.status == "complete" and status.pending_count == 0
    assert status.success_count == len(status.successes) > 0
    assert status.failure_count == 1  # the relationship between two non-identifiers, set aside and said so
    status.refresh()  # GET …/status/<id>/ answers the same
    assert status.status == "complete" and status.success_count == len(status.successes)
    case = Case.objects.get(owner_agency__code="fr-ofb", title="Online ivory trade, Île-de-France, October 2026")
    reports = {o["id"] for o in ofb.everything(own) if o["type"] == "report"}
    assert report_id(case) in reports
    again = own.add_objects(opencti_envelope())  # idempotent by STIX id
    assert {s["message"] for s in again.successes} == {"unchanged"}


@pytest.mark.django_db(transaction=True)
def test_adding_objects_is_refused_where_the_policy_says_so(base: str) -> None:
    oclaesp = Agency(base, "inv.oclaesp", scopes=("read", "write"))
    shared = oclaesp.collections()[shared_title()]
    assert not shared.can_write  # another agency's case, shared to read
    headers = {"Authorization": f"Bearer {token('inv.oclaesp', ('read', 'write'))}", "Accept": TAXII,
               "Content-Type": TAXII, "X-WildNet-Purpose": "investigation"}
    assert requests.post(shared.objects_url, data=json.dumps(opencti_envelope()), headers=headers,
                         timeout=10).status_code == 403
    cases = Case.objects.count()
    own = next(c for t, c in oclaesp.collections().items() if "our cases" in t)
    bad = {"objects": [{"type": "relationship", "spec_version": "2.1", "id": "relationship--1b1d7c1e-0000-4000-8000"
                        "-000000000001", "created": "2026-10-01T00:00:00Z", "modified": "2026-10-01T00:00:00Z",
                        "relationship_type": "related-to", "source_ref": "url--6f0a5d5c-0000-4000-8000-000000000001",
                        "target_ref": "url--6f0a5d5c-0000-4000-8000-000000000002"}]}
    refused = requests.post(own.objects_url, data=json.dumps(bad), headers=headers, timeout=10)
    assert refused.status_code == 422 and "relationship--1b1d7c1e" in refused.json()["description"]
    assert Case.objects.count() == cases
    too_large = requests.post(own.objects_url, data=b'{"objects": [' + b" " * (3 * 1024 * 1024) + b"]}",
                              headers=headers, timeout=30)
    assert too_large.status_code == 413 and Case.objects.count() == cases
    platform = Agency(base, "pf.leboncoin", scopes=("read", "write"))
    assert not any(c.can_write for c in platform.collections().values())


@pytest.mark.django_db(transaction=True)
def test_a_session_cannot_post_and_a_status_is_only_its_agency_s(base: str, world: Any) -> None:
    ofb = Agency(base, "inv.ofb", scopes=("read", "write"))
    own = ofb.collections()["Office français de la biodiversité: our cases"]
    status = own.add_objects(opencti_envelope())
    session = requests.Session()
    client = Client()
    client.force_login(Officer.objects.get(username="inv.ofb"))
    session.cookies.update({name: morsel.value for name, morsel in client.cookies.items()})
    posted = session.post(own.objects_url, data=json.dumps(opencti_envelope()),
                          headers={"Accept": TAXII, "Content-Type": TAXII}, timeout=10)
    assert posted.status_code == 403
    status_url = f"{base}/taxii2/wildnet/status/{status.id}/"
    theirs = requests.get(status_url, headers={"Authorization": f"Bearer {token('inv.seprona')}",
                                               "Accept": TAXII}, timeout=10)
    missing = requests.get(f"{base}/taxii2/wildnet/status/5d0092c5-5f74-4287-9642-33f4c354e56d/",
                           headers={"Authorization": f"Bearer {token('inv.seprona')}", "Accept": TAXII}, timeout=10)
    assert theirs.status_code == missing.status_code == 404 and theirs.json() == missing.json()


# --- audit ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_every_poll_is_audited_and_shared_reads_name_the_owner(base: str) -> None:
    oclaesp = Agency(base, "inv.oclaesp")
    shared = oclaesp.collections()[shared_title()]
    polls = AuditEvent.objects.filter(action="taxii.poll").count()
    shared.get_objects()
    shared.get_manifest()
    assert AuditEvent.objects.filter(action="taxii.poll").count() == polls + 2
    reads = AuditEvent.objects.filter(action="intel.read", actor__username="inv.oclaesp")
    assert reads.count() == 2
    for event in reads:
        assert (event.object_agency_id, event.purpose) == (ivory().owner_agency_id, "investigation")


# --- cost ----------------------------------------------------------------------------------------------------


def _page_queries(client: Client, raw: str, collection_id: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/taxii2/wildnet/collections/{collection_id}/objects/", {"limit": 10},
                              HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_X_WILDNET_PURPOSE="investigation")
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.django_db
def test_a_page_of_objects_costs_a_pinned_number_of_statements(world: Any, client: Client) -> None:
    raw = token("inv.oclaesp")
    listing = client.get("/taxii2/wildnet/collections/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    shared = next(c for c in listing.json()["collections"] if c["title"] == shared_title())
    _page_queries(client, raw, shared["id"])  # the token's once-a-minute touch is not part of a poll
    first = _page_queries(client, raw, shared["id"])
    inv = viewer("inv.ofb")
    for n in range(15):
        case_actions.add_listing(inv, ivory(), case_actions.ListingInput(
            url=f"https://www.leboncoin.fr/ad/{5000 + n}", seller=f"vendeur{n}"))
    assert _page_queries(client, raw, shared["id"]) == first == 15  # the token brings its agency's mandates
