"""Every Elasticsearch write and maintenance path, against a real node (``make elasticsearch``; CI's third pass).

Nothing here imitates Elasticsearch: failures are provoked on the node itself (a write block, an index template,
a rebuild process killed with SIGKILL, the node stopped and started again) and the outcome is read back from it.
Each test writes under an index prefix of its own (``conftest.search_indices``). Skipped without
``ELASTICSEARCH_URL``.
"""

from __future__ import annotations

import csv
import gzip
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from access.policy import viewer_for
from cases import actions as case_actions
from cases.models import Case, Listing, Species, WatchAlert, Watchlist
from officers.models import Officer
from outbox.actions import deliver_due
from outbox.models import MessageStatus, OutboxMessage
from search import indexing
from search.alerts import python_matches
from search.backends.base import SearchFilters, SearchQuery
from search.backends.elasticsearch import ElasticsearchBackend, IndexingError, RebuildInProgress
from search.es_documents import WATCH, alias, rebuild_alias
from search.indexing import TOPIC, enqueue_index
from tests.core.test_outbox_worker import database_url

from .contract import World, build_world

ROOT = Path(__file__).resolve().parents[2]
ADVERTS = ROOT.parent / "shared" / "data" / "bird_classified_ads_au_stemmed.csv.gz"
#: The script that starts and stops the development node; set by CI's third pass, which owns that node.
NODE_CONTROL = os.environ.get("ELASTICSEARCH_CONTROL")


def v(username: str) -> Any:
    return viewer_for(Officer.objects.select_related("agency").get(username=username), purpose="investigation")


def found(es: ElasticsearchBackend, text: str, username: str = "inv.ofb") -> set[tuple[str, int]]:
    result = es.search(v(username), SearchQuery(text=text, first=100, filters=SearchFilters()))
    return {(hit.type, hit.id) for hit in result.hits}


def aliased(es: ElasticsearchBackend, name: str) -> set[str]:
    """The indices an alias names now (none when it does not exist)."""
    if not es.client.indices.exists_alias(name=name):
        return set()
    return set(es.client.indices.get_alias(name=name))


@pytest.fixture
def requests(elasticsearch: ElasticsearchBackend, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every HTTP request the backend's client sends from now on, as ``(method, path)``; sent unchanged."""
    sent: list[tuple[str, str]] = []
    transport = elasticsearch.client.transport
    perform = transport.perform_request

    def counted(method: str, target: str, **options: Any) -> Any:
        sent.append((method, target.partition("?")[0]))
        return perform(method, target, **options)

    monkeypatch.setattr(transport, "perform_request", counted)
    return sent


@pytest.fixture
def world(elasticsearch: ElasticsearchBackend, demo: Any) -> World:
    built = build_world()
    deliver_due(limit=10_000)
    return built


# --- reading -------------------------------------------------------------------------------------------------------


def test_a_search_trends_and_top_keywords_are_one_request_each(elasticsearch: ElasticsearchBackend, world: World,
                                                                requests: list[tuple[str, str]]) -> None:
    viewer = v("inv.ofb")
    result = elasticsearch.search(viewer, SearchQuery(text="ivoire", filters=SearchFilters()))
    assert {(hit.type, hit.id) for hit in result.hits} == {("case", world.case.pk), ("listing", world.fr.pk)}
    assert result.facets["type"] and result.total == 2
    elasticsearch.trends(viewer, group_by="platform", interval="month", filters=SearchFilters())
    elasticsearch.top_keywords(viewer, filters=SearchFilters())
    assert [method for method, _ in requests] == ["POST", "POST", "POST"]
    assert all(path.endswith("/_search") for _, path in requests)


# --- watchlists ----------------------------------------------------------------------------------------------------


@pytest.fixture
def watchlist(world: World) -> Watchlist:
    return case_actions.create_watchlist(v("inv.ofb"), "Ivoire")


def add_listings(case: Case, *texts: str) -> list[Listing]:
    return [case_actions.add_listing(v("inv.ofb"), case, case_actions.ListingInput(
        url=f"https://www.leboncoin.fr/ad/{1000 + n}", text=text))[0] for n, text in enumerate(texts)]


def test_indexed_listings_raise_the_alerts_the_percolator_finds_in_one_request(
        elasticsearch: ElasticsearchBackend, world: World, watchlist: Watchlist,
        requests: list[tuple[str, str]]) -> None:
    code_word = case_actions.add_watch_term(v("inv.ofb"), watchlist, "vieil os", "code_word", "fr")
    hashtag = case_actions.add_watch_term(v("inv.ofb"), watchlist, "#ivoire_brut", "hashtag", "fr")
    deliver_due()  # the terms reach the percolator through the outbox
    plain, worded, tagged = add_listings(world.case, "Statuette ancienne", "Statuette en VIEIL OS sculpté",
                                         "Lot #ivoire_brut à vendre")
    requests.clear()
    indexing.deliver({"type": "listing", "ids": [plain.pk, worded.pk, tagged.pk]})
    assert set(WatchAlert.objects.values_list("term_id", "listing_id")) == {(code_word.pk, worded.pk),
                                                                           (hashtag.pk, tagged.pk)}
    assert [path for _, path in requests].count(f"/{alias(WATCH)}/_search") == 1  # one percolation for the batch


def test_a_term_deactivated_since_it_was_stored_raises_no_alert(elasticsearch: ElasticsearchBackend, world: World,
                                                                watchlist: Watchlist) -> None:
    case_actions.add_watch_term(v("inv.ofb"), watchlist, "vieil os", "code_word", "fr")
    deliver_due()
    Watchlist.objects.filter(pk=watchlist.pk).update(is_active=False)  # its outbox row is not delivered yet
    (listing,) = add_listings(world.case, "Statuette en vieil os")
    indexing.deliver({"type": "listing", "ids": [listing.pk]})
    assert not WatchAlert.objects.exists()


def test_terms_reach_the_percolator_through_the_outbox_and_leave_it_when_deactivated(
        elasticsearch: ElasticsearchBackend, world: World, watchlist: Watchlist) -> None:
    term = case_actions.add_watch_term(v("inv.ofb"), watchlist, "#ivoire", "hashtag", "fr")
    assert not elasticsearch.client.exists(index=alias(WATCH), id=str(term.pk))
    deliver_due()
    stored = elasticsearch.client.get(index=alias(WATCH), id=str(term.pk))
    assert stored["_source"]["term_id"] == term.pk and stored["_version"] > 1_000_000  # an external version
    watchlist.is_active = False
    watchlist.save()
    deliver_due()
    assert not elasticsearch.client.exists(index=alias(WATCH), id=str(term.pk))


#: Watch terms an Australian bird trader's adverts contain (the corpus is lower-cased and stemmed).
CORPUS_TERMS = ["cockatoo", "galah", "hand rais", "breed pair", "african grey", "rainbow lorikeet", "blue split",
                "sulphur crest", "macaw", "cage includ", "month male", "split blue", "eclectus", "pick",
                "ringneck", "cockatiel", "pet bird", "tame", "dna sex", "bred"]


def test_percolation_agrees_with_the_python_matcher_on_real_adverts(elasticsearch: ElasticsearchBackend,
                                                                    world: World, watchlist: Watchlist) -> None:
    """2,000 real adverts (``../shared/data``), split into title and text, against twenty terms and a species."""
    if not ADVERTS.exists():
        pytest.skip(f"{ADVERTS} is absent: the real advert corpus lives in ../shared/data")
    parrot = Species.objects.create(scientific_name="Psittacus erithacus", cites_listing="I", cites_appendices=["I"],
                                    group="parrots", genus="Psittacus")
    terms = [case_actions.add_watch_term(v("inv.ofb"), watchlist, term, "code_word", "en") for term in CORPUS_TERMS]
    terms.append(case_actions.add_watch_term(v("inv.ofb"), watchlist, "Psittacus erithacus", "scientific_name",
                                             species_id=parrot.pk))
    deliver_due()
    with gzip.open(ADVERTS, "rt", encoding="cp1252", errors="replace", newline="") as handle:
        texts = [row["text_stop_stem"] for row, _ in zip(csv.DictReader(handle), range(2000), strict=False)]
    officer = Officer.objects.get(username="inv.ofb")
    listings = Listing.objects.bulk_create(
        Listing(case=world.case, url=f"https://www.gumtree.com.au/ad/{n}", url_digest=f"{n:064x}",
                title=" ".join(text.split()[:4]), text=" ".join(text.split()[4:]), created_by=officer)
        for n, text in enumerate(texts))
    ids = [listing.pk for listing in listings]
    for listing in listings[::50]:
        listing.species.add(parrot)
    elasticsearch.index("listing", ids)  # the production bulk path
    matches = elasticsearch.watch_matches(ids)
    assert matches == python_matches(ids)
    assert len(matches) > 300 and {term for term, _ in matches} == {term.pk for term in terms}


# --- writing -------------------------------------------------------------------------------------------------------


def test_an_older_write_never_overwrites_a_newer_one(elasticsearch: ElasticsearchBackend, world: World) -> None:
    """Two workers read a listing at different moments; the one that read first delivers last."""
    listing = Listing.objects.get(pk=world.es.pk)
    late = list(elasticsearch.actions("listing", [listing.pk], alias("listing")))  # read now, version now
    listing.title = "Cuernos de rinoceronte"
    listing.save()
    elasticsearch.index("listing", [listing.pk])  # read later, delivered first
    outcome = elasticsearch._bulk(late)  # the stale copy: refused by the node (409), counted as done
    assert outcome.failures == {} and outcome.written == 1
    assert found(elasticsearch, "rinoceronte") == {("listing", listing.pk)}
    assert found(elasticsearch, "colmillos") == set()


def test_deleting_a_missing_document_is_success_and_a_vanished_alias_creates_nothing(
        elasticsearch: ElasticsearchBackend, world: World) -> None:
    elasticsearch.delete("listing", [10**9])  # already gone (404): nothing to report
    gone = alias("gone")
    outcome = elasticsearch._bulk(elasticsearch.actions("listing", [world.fr.pk], gone))
    assert list(outcome.failures) == [world.fr.pk] and outcome.written == 0
    assert not elasticsearch.client.indices.exists(index=gone)  # require_alias: no index guessed into being


def test_a_write_block_fails_only_its_rows_and_the_outbox_retries_them(elasticsearch: ElasticsearchBackend,
                                                                       world: World) -> None:
    """The node refuses every write to the listings index (403 per item); cases still index; unblocked, the
    pending listing message is retried and nothing is lost."""
    elasticsearch.client.indices.put_settings(index=alias("listing"), settings={"index.blocks.write": True})
    try:
        case_actions.add_listing(v("inv.ofb"), world.case, case_actions.ListingInput(
            url="https://www.leboncoin.fr/ad/500", title="Cornes de rhinocéros"))
        case = Case.objects.get(pk=world.case.pk)
        case.title = "Ivoire et rhinocéros"
        case.save()
        with pytest.raises(IndexingError) as refused:
            elasticsearch.index("listing", list(Listing.objects.values_list("pk", flat=True)))
        assert len(refused.value.failures) == Listing.objects.count()
        assert all("cluster_block_exception" in reason for reason in refused.value.failures.values())
        deliver_due()
        pending = OutboxMessage.objects.get(topic=TOPIC, status=MessageStatus.PENDING)
        assert pending.payload["type"] == "listing" and "cluster_block_exception" in pending.last_error
        assert found(elasticsearch, "rhinocéros") == {("case", world.case.pk)}
    finally:
        elasticsearch.client.indices.put_settings(index=alias("listing"), settings={"index.blocks.write": False})
    OutboxMessage.objects.filter(pk=pending.pk).update(available_at=timezone.now())
    deliver_due()
    assert OutboxMessage.objects.get(pk=pending.pk).status == MessageStatus.DONE
    assert {kind for kind, _ in found(elasticsearch, "rhinocéros")} == {"case", "listing"}


# --- rebuilding ------------------------------------------------------------------------------------------------------


def test_writes_made_while_a_rebuild_loads_reach_the_new_index(elasticsearch: ElasticsearchBackend, world: World,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """While the rebuild loads the listings, another worker (its own backend instance, as another process) indexes
    a changed listing and a new one: after the swap the live index has both."""
    listing = Listing.objects.get(pk=world.es.pk)
    worker = ElasticsearchBackend()
    write = ElasticsearchBackend._write
    state: dict[str, Any] = {}

    def loading(self: ElasticsearchBackend, kind: str, actions: Any) -> None:
        if self is not worker and kind == "listing" and "new" not in state:
            state["behind"] = aliased(self, rebuild_alias("listing"))
            listing.title = "Cuernos de rinoceronte"
            listing.save()
            state["new"] = case_actions.add_listing(v("inv.ofb"), world.case, case_actions.ListingInput(
                url="https://www.leboncoin.fr/ad/600", title="Escamas de pangolín"))[0]
            worker.index("listing", [listing.pk, state["new"].pk])
        write(self, kind, actions)

    monkeypatch.setattr(ElasticsearchBackend, "_write", loading)
    before = aliased(elasticsearch, alias("listing"))
    assert elasticsearch.rebuild() > 0
    assert found(elasticsearch, "rinoceronte") == {("listing", listing.pk)}
    assert found(elasticsearch, "pangolín") == {("listing", state["new"].pk)}
    assert found(elasticsearch, "colmillos") == set()
    after = aliased(elasticsearch, alias("listing"))
    assert after == state["behind"] and after != before  # the index loaded is the one now live
    assert not aliased(elasticsearch, rebuild_alias("listing"))
    assert not elasticsearch.client.indices.exists(index=",".join(before))  # the old version is dropped


def test_a_failed_rebuild_removes_its_alias_and_its_index(elasticsearch: ElasticsearchBackend,
                                                          world: World, settings: Any) -> None:
    """An index template makes the node refuse writes to the next version of the case index, so the load fails
    for real: searches keep the old index, the rebuild alias and the half-built index are gone."""
    live = aliased(elasticsearch, alias("case"))
    template = f"{settings.ELASTICSEARCH_INDEX_PREFIX}-refuse"
    elasticsearch.client.indices.put_index_template(name=template, index_patterns=[f"{alias('case')}-v2"],
                                                    template={"settings": {"index.blocks.write": True}})
    try:
        with pytest.raises(IndexingError):
            elasticsearch.rebuild()
    finally:
        elasticsearch.client.indices.delete_index_template(name=template)
    assert aliased(elasticsearch, alias("case")) == live
    assert not aliased(elasticsearch, rebuild_alias("case"))
    assert not elasticsearch.client.indices.exists(index=f"{alias('case')}-v2")
    assert found(elasticsearch, "leboncoin") == {("case", world.case.pk)}


def test_a_refused_swap_keeps_the_old_index_live(elasticsearch: ElasticsearchBackend, world: World) -> None:
    """The old index is read-only, so the node refuses to take the alias off it: the swap fails, and the old
    index stays live with nothing of the rebuild left behind."""
    (live,) = aliased(elasticsearch, alias("case"))
    elasticsearch.client.indices.put_settings(index=live, settings={"index.blocks.read_only": True})
    try:
        with pytest.raises(Exception, match="blocked"):
            elasticsearch.rebuild()
        assert aliased(elasticsearch, alias("case")) == {live}
        assert not aliased(elasticsearch, rebuild_alias("case"))
    finally:
        elasticsearch.client.indices.put_settings(index=live, settings={"index.blocks.read_only": False})
    assert found(elasticsearch, "leboncoin") == {("case", world.case.pk)}


def wait(condition: Callable[[], bool], seconds: float = 120) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_killed_rebuild_leaves_an_alias_that_the_command_removes(elasticsearch: ElasticsearchBackend,
                                                                   demo: Any, settings: Any) -> None:
    """``wildnet search_index --rebuild`` in its own process, SIGKILLed while it loads the listings."""
    case = case_actions.create_case(v("inv.ofb"), case_actions.CaseInput(title="Ivoire", jurisdictions=["FR"]))
    officer = Officer.objects.get(username="inv.ofb")
    with transaction.atomic():
        Listing.objects.bulk_create(
            Listing(case=case, url=f"https://www.leboncoin.fr/ad/{i}", url_digest=f"{i:064x}",
                    title=f"Défenses en ivoire lot {i}", created_by=officer) for i in range(20_000))
    deliver_due(limit=10_000)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "wildnet.settings", "DJANGO_ENV": "test",
           "DATABASE_URL": database_url(), "SEARCH_BACKEND": "elasticsearch",
           "ELASTICSEARCH_INDEX_PREFIX": settings.ELASTICSEARCH_INDEX_PREFIX}
    rebuild = subprocess.Popen([sys.executable, "-m", "django", "search_index", "--rebuild", "--quiet-progress"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait(lambda: bool(aliased(elasticsearch, rebuild_alias("listing")))), "the rebuild never loaded"
        rebuild.send_signal(signal.SIGKILL)
    finally:
        rebuild.wait(timeout=60)
    (leftover,) = aliased(elasticsearch, rebuild_alias("listing"))
    live = aliased(elasticsearch, alias("listing"))
    assert leftover not in live
    with pytest.raises(RebuildInProgress):
        elasticsearch.rebuild()

    out = StringIO()
    call_command("search_index", "--abandon-rebuild", stdout=out)
    assert leftover in out.getvalue()
    assert not aliased(elasticsearch, rebuild_alias("listing"))
    assert not elasticsearch.client.indices.exists(index=leftover)
    assert aliased(elasticsearch, alias("listing")) == live
    assert elasticsearch.write_targets("listing") == [alias("listing")]
    assert elasticsearch.rebuild() >= 20_000


# --- reconciling ---------------------------------------------------------------------------------------------------


def reconcile(*args: str) -> str:
    out = StringIO()
    call_command("reconcile_search", *args, "--type", "listing", stdout=out)
    return out.getvalue().strip()


def test_reconcile_repairs_drift_injected_into_the_index(elasticsearch: ElasticsearchBackend, world: World) -> None:
    client, index = elasticsearch.client, alias("listing")
    client.delete(index=index, id=str(world.fr.pk), refresh=True)  # a lost write
    stale = client.get(index=index, id=str(world.es.pk))
    client.index(index=index, id=str(world.es.pk), version=stale["_version"] + 1, version_type="external",
                 document={**stale["_source"], "title": "Colmillos falsos", "digest": "tampered"}, refresh=True)
    extra = {**stale["_source"], "id": 10**9, "digest": "ghost"}
    client.index(index=index, id=str(10**9), document=extra, version=1, version_type="external", refresh=True)

    assert reconcile("--dry-run") == "listing: 1 missing, 1 stale, 1 extra (would repair)"
    assert client.exists(index=index, id=str(10**9))  # a dry run changes nothing
    assert reconcile() == "listing: 1 missing, 1 stale, 1 extra (repaired)"
    assert found(elasticsearch, "éléphant") >= {("listing", world.fr.pk)}
    assert client.get(index=index, id=str(world.es.pk))["_source"]["title"] == world.es.title
    assert not client.exists(index=index, id=str(10**9))
    assert reconcile() == "listing: 0 missing, 0 stale, 0 extra (repaired)"


# --- the node stopped and started again ------------------------------------------------------------------------------


@pytest.fixture
def node_control(elasticsearch: ElasticsearchBackend) -> Iterator[Callable[[str], None]]:
    """Stop and start the node (CI's third pass names the script that owns it); started again whatever happens."""
    if not NODE_CONTROL:
        pytest.skip("ELASTICSEARCH_CONTROL is not set: stopping the node needs the script that started it")

    def control(verb: str) -> None:
        subprocess.run([NODE_CONTROL, verb], check=True, stdout=subprocess.DEVNULL)

    yield control
    control("start")


def test_the_node_stopped_in_the_middle_of_a_backlog_loses_nothing(elasticsearch: ElasticsearchBackend, world: World,
                                                                   node_control: Callable[[str], None]) -> None:
    officer = Officer.objects.get(username="inv.ofb")
    listings = Listing.objects.bulk_create(
        Listing(case=world.case, url=f"https://www.leboncoin.fr/ad/{700 + i}", url_digest=f"{700 + i:064x}",
                title=f"Pangolin lot {i}", created_by=officer) for i in range(200))
    for listing in listings:
        enqueue_index("listing", [listing.pk])
    assert deliver_due(limit=50) == 50  # part of the backlog is delivered
    node_control("stop")
    assert deliver_due(limit=500) == 0  # the rest waits, retried later
    waiting = OutboxMessage.objects.filter(topic=TOPIC, status=MessageStatus.PENDING)
    assert waiting.count() == 150 and all(m.attempts == 1 and m.last_error for m in waiting)
    node_control("start")
    waiting.update(available_at=timezone.now())
    assert deliver_due(limit=500) == 150
    result = elasticsearch.search(v("inv.ofb"), SearchQuery(text="pangolin", first=10, filters=SearchFilters()))
    assert result.total == 200
