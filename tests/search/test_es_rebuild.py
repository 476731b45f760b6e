"""A rebuild loses no write: while it loads a new index, every write reaches the old and the new one.

No cluster: the client's transport is scripted (``es_transport``). The script keeps the aliases the backend
creates, moves and removes (and the indices behind them), and answers every other request with what
Elasticsearch documents for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from elasticsearch import ApiError

from access.policy import viewer_for
from cases import actions as case_actions
from cases.models import Case
from officers.models import Officer
from search.backends.base import DOCUMENT_TYPES
from search.backends.elasticsearch import ElasticsearchBackend, IndexingError
from search.es_documents import WATCH

from .es_transport import Request, bulk_success, install

pytestmark = pytest.mark.django_db

KINDS = (*DOCUMENT_TYPES, WATCH)


class Aliases:
    """The aliases of a cluster on which every kind has been built once (``wildnet-{kind}-v1``)."""

    def __init__(self) -> None:
        self.indices = {f"wildnet-{kind}-v1" for kind in KINDS}
        self.aliases: dict[str, set[str]] = {f"wildnet-{kind}": {f"wildnet-{kind}-v1"} for kind in KINDS}

    def reply(self, request: Request, on_bulk: Callable[[Request], Any] = lambda request: None) -> tuple[int, Any]:
        method, path = request.method, request.path
        if path.startswith("/_alias/"):
            name = path.removeprefix("/_alias/")
            behind = self.aliases.get(name, set())
            if not behind:
                return 404, None if method == "HEAD" else {"error": f"alias [{name}] missing", "status": 404}
            return 200, None if method == "HEAD" else {index: {"aliases": {name: {}}} for index in behind}
        if path == "/_aliases":
            for action in request.body["actions"]:
                (verb, target), = action.items()
                members = self.aliases.setdefault(target["alias"], set())
                (members.add if verb == "add" else members.discard)(target["index"])
            return 200, {"acknowledged": True}
        if path == "/_bulk":
            assert request.params["require_alias"] == "true"
            on_bulk(request)
            return 200, bulk_success(request)
        if path.endswith("-v*"):
            prefix = path.removeprefix("/").removesuffix("*")
            return 200, {index: {} for index in self.indices if index.startswith(prefix)}
        if path.endswith("/_refresh"):
            return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
        name = path.removeprefix("/")
        assert name.startswith("wildnet-") and "/" not in name, (method, path)
        if method == "PUT":
            self.indices.add(name)
        else:
            assert method == "DELETE", (method, path)
            self.indices.discard(name)
        return 200, {"acknowledged": True}


@pytest.fixture
def case(demo: Any) -> Case:
    inv = viewer_for(Officer.objects.select_related("agency").get(username="inv.ofb"), purpose="investigation")
    return case_actions.create_case(inv, case_actions.CaseInput(title="Ivoire", jurisdictions=["FR"]))


@pytest.fixture
def unreachable(settings: Any) -> None:
    """A client that is built but never reached: every request in these tests is answered by the script."""
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    settings.ELASTICSEARCH_INDEX_PREFIX = "wildnet"


def indices_written(requests: list[Request]) -> list[set[str]]:
    return [{meta["_index"] for _, meta, _ in r.bulk_actions} for r in requests if r.path == "/_bulk"]


def test_a_write_during_a_rebuild_reaches_the_old_and_the_new_index(case: Case, unreachable: None,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    cluster = Aliases()
    worker, worker_requests = ElasticsearchBackend(), []  # another process, indexing while the rebuild loads

    def during_load(request: Request) -> None:
        if indices_written([request]) == [{"wildnet-case-rebuild"}]:  # the rebuild loading the new index
            worker.index("case", [case.pk])

    inv = viewer_for(Officer.objects.select_related("agency").get(username="inv.ofb"), purpose="investigation")
    term = case_actions.add_watch_term(inv, case_actions.create_watchlist(inv, "Ivoire"), "vieil os", "code_word")
    rebuilder, rebuilder_requests = ElasticsearchBackend(), []
    install(monkeypatch, rebuilder, lambda request: cluster.reply(request, during_load), rebuilder_requests)
    behind_rebuild_alias: list[set[str]] = []  # what the worker's copy reached, when it wrote it

    def worker_reply(request: Request) -> tuple[int, Any]:
        if request.path == "/_bulk":
            behind_rebuild_alias.append(set(cluster.aliases.get("wildnet-case-rebuild", set())))
        return cluster.reply(request)

    install(monkeypatch, worker, worker_reply, worker_requests)
    rebuilder.rebuild()
    assert indices_written(worker_requests) == [{"wildnet-case", "wildnet-case-rebuild"}]
    assert behind_rebuild_alias == [{"wildnet-case-v2"}]
    assert ("index", "wildnet-watch-rebuild", str(term.pk)) in {  # the percolator is rebuilt too
        (op, meta["_index"], meta["_id"]) for r in rebuilder_requests if r.path == "/_bulk"
        for op, meta, _ in r.bulk_actions}
    assert all(version == "external" for r in worker_requests if r.path == "/_bulk"
               for _, meta, _ in r.bulk_actions for version in [meta["version_type"]])
    assert cluster.aliases["wildnet-case"] == {"wildnet-case-v2"}
    assert not any(cluster.aliases.get(f"wildnet-{kind}-rebuild") for kind in KINDS)
    assert cluster.indices == {f"wildnet-{kind}-v2" for kind in KINDS}  # the old ones are dropped

    worker_requests.clear()
    worker.index("case", [case.pk])  # after the swap: through the alias only, which now names v2
    assert indices_written(worker_requests) == [{"wildnet-case"}]


def test_a_failed_rebuild_removes_its_alias_and_its_index(case: Case, unreachable: None,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    cluster = Aliases()

    def refuse_the_load(request: Request) -> tuple[int, Any]:
        if request.path == "/_bulk" and indices_written([request]) == [{"wildnet-case-rebuild"}]:
            items = [{operation: {"_id": meta["_id"], "status": 400, "error": {"type": "mapper_parsing_exception"}}}
                     for operation, meta, _ in request.bulk_actions]
            return 200, {"took": 1, "errors": True, "items": items}
        return cluster.reply(request)

    backend, requests = ElasticsearchBackend(), []
    install(monkeypatch, backend, refuse_the_load, requests)
    with pytest.raises(IndexingError):
        backend.rebuild()
    assert cluster.aliases["wildnet-case"] == {"wildnet-case-v1"}  # searches never saw the failed index
    assert not cluster.aliases.get("wildnet-case-rebuild")
    assert "wildnet-case-v2" not in cluster.indices
    requests.clear()
    backend.index("case", [case.pk])
    assert indices_written(requests) == [{"wildnet-case"}]


def test_a_failure_after_the_swap_keeps_the_new_index_live(case: Case, unreachable: None,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    cluster = Aliases()

    def refuse_to_drop_the_old_index(request: Request) -> tuple[int, Any]:
        if request.method == "DELETE" and request.path == "/wildnet-case-v1":
            return 500, {"error": {"type": "internal_server_error"}, "status": 500}
        return cluster.reply(request)

    backend = ElasticsearchBackend()
    install(monkeypatch, backend, refuse_to_drop_the_old_index, [])
    with pytest.raises(ApiError):
        backend.rebuild()
    assert cluster.aliases["wildnet-case"] == {"wildnet-case-v2"} and "wildnet-case-v2" in cluster.indices
    assert not cluster.aliases.get("wildnet-case-rebuild")
