"""A scripted transport under the real Elasticsearch client, for tests that need the backend's requests in order.

The client, its serialisation, ``helpers.streaming_bulk`` and the backend run unchanged; only the last step, the
HTTP exchange, is replaced by the test's ``reply`` function, which sees each request and returns the status and
body Elasticsearch documents for it. Every request is recorded so a test can assert what was sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig, TransportApiResponse

from search.backends.elasticsearch import ElasticsearchBackend

NODE = NodeConfig("http", "127.0.0.1", 9)


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    body: Any

    @property
    def bulk_lines(self) -> list[dict[str, Any]]:
        """A ``_bulk`` body (NDJSON, serialised by the helper) as the objects of its lines."""
        return [json.loads(line) for line in self.body]

    @property
    def bulk_actions(self) -> list[tuple[str, dict[str, Any], dict[str, Any] | None]]:
        """``(operation, metadata, source)`` of each action of a ``_bulk`` body (a delete has no source)."""
        lines = iter(self.bulk_lines)
        actions = []
        for line in lines:
            (operation, meta), = line.items()
            actions.append((operation, meta, next(lines) if operation == "index" else None))
        return actions


Reply = Callable[[Request], tuple[int, Any]]


def install(monkeypatch: pytest.MonkeyPatch, backend: ElasticsearchBackend, reply: Reply,
            requests: list[Request]) -> None:
    """Answer every request of ``backend``'s client with ``reply``, appending each to ``requests``."""

    def perform_request(method: str, target: str, *, body: Any = None, **options: Any) -> TransportApiResponse:
        url = urlsplit(target)
        request = Request(method, url.path, dict(parse_qsl(url.query)), body)
        requests.append(request)
        status, answer = reply(request)
        headers = HttpHeaders({"x-elastic-product": "Elasticsearch", "content-type": "application/json"})
        meta = ApiResponseMeta(status=status, http_version="1.1", headers=headers, duration=0.0, node=NODE)
        return TransportApiResponse(meta, answer)

    monkeypatch.setattr(backend.client.transport, "perform_request", perform_request)


def bulk_success(request: Request) -> dict[str, Any]:
    """The answer to a ``_bulk`` whose every action succeeded."""
    items = [{operation: {"_index": meta["_index"], "_id": meta["_id"], "status": 201 if operation == "index" else 200}}
             for operation, meta, _ in request.bulk_actions]
    return {"took": 1, "errors": False, "items": items}
