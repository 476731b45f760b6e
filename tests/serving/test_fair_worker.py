"""``wildnet.serving.FairThreadWorker`` in a real gunicorn: a process with no thread free accepts nothing, and
a response keeps its connection alive only while no other connection waits to be accepted.

Each test holds a worker's threads with ``/gate`` requests (``app.py``) and opens the gate itself, so what it
checks is the order of events, not their timing. gunicorn's own ``gthread`` worker fails the first and the third
(the second and the fourth are what both do).
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.servers import ROOT, free_port


class Server:
    def __init__(self, tmp_path: Path, workers: int, threads: int) -> None:
        self.gate = tmp_path / "gate"
        self.port = free_port()
        env = {**os.environ, "GATE": str(self.gate), "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)])}
        self.log = (tmp_path / "gunicorn.log").open("w+")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "tests.serving.app:application", "--bind", f"127.0.0.1:{self.port}",
             "--worker-class", "wildnet.serving.FairThreadWorker", "--workers", str(workers), "--threads",
             str(threads), "--keep-alive", "30", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_for_workers(workers)

    def wait_for_workers(self, workers: int) -> None:
        """Until ``workers`` distinct processes have answered (each listens as soon as it has started)."""
        seen: set[str] = set()
        deadline = time.monotonic() + 60
        while len(seen) < workers and time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                seen.add(self.get("/")[1])
            except OSError:
                time.sleep(0.1)
        assert len(seen) == workers, self.output()

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def get(self, path: str, connection: http.client.HTTPConnection | None = None) -> tuple[Any, str]:
        """(response, pid) of ``GET path``, on a new connection unless one is given."""
        mine = connection or self.connect()
        mine.request("GET", path)
        response = mine.getresponse()
        pid = response.read().decode()
        if connection is None:
            mine.close()
        return response, pid

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> None:
        self.gate.touch()
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    servers: list[Server] = []

    def start(workers: int, threads: int) -> Server:
        servers.append(Server(tmp_path, workers, threads))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def _hold(server: Server) -> tuple[threading.Thread, list[str]]:
    """A ``/gate`` request sent from a thread, once a worker thread runs it: (the thread, the pid it answers)."""
    answers: list[str] = []
    thread = threading.Thread(target=lambda: answers.append(server.get("/gate")[1]))
    thread.start()
    deadline = time.monotonic() + 30
    while not server.gate.with_suffix(".held").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return thread, answers


def test_a_process_whose_threads_are_all_busy_accepts_no_connection(serve: Any) -> None:
    server = serve(workers=2, threads=1)
    held, held_by = _hold(server)
    # Each of these waits in the shared queue for a process with a free thread: never for the held one, where it
    # would stay until the gate opens (and time out: the gate opens only afterwards).
    answered_by = {server.get("/")[1] for _ in range(12)}
    server.gate.touch()
    held.join(timeout=30)
    assert len(answered_by) == 1
    assert held_by and held_by[0] not in answered_by


def test_a_connection_is_kept_alive_while_nobody_waits(serve: Any) -> None:
    server = serve(workers=1, threads=2)
    connection = server.connect()
    first, pid = server.get("/", connection)
    sock = connection.sock
    second, again = server.get("/", connection)
    assert not first.will_close and not second.will_close
    assert connection.sock is sock and again == pid


def test_a_response_closes_its_connection_while_another_waits_to_be_accepted(serve: Any) -> None:
    server = serve(workers=1, threads=1)
    kept = server.connect()
    assert not server.get("/", kept)[0].will_close
    held, _ = _hold(server)  # the only thread, until the gate opens
    waiting = server.connect()
    waiting.request("GET", "/")  # in the listening socket's queue: the process has no thread free
    kept.request("GET", "/")  # its connection is open: the process reads it and queues it behind the gate
    time.sleep(1)  # for the process's main thread to do so (it has nothing else to do)
    server.gate.touch()
    held.join(timeout=30)
    behind = kept.getresponse()
    behind.read()
    assert behind.will_close  # it started while `waiting` waited: its client queues again, behind `waiting`
    first_after = waiting.getresponse()
    first_after.read()
    assert not first_after.will_close  # nobody waited when it started


def test_many_clients_on_threads_of_one_process_are_all_answered(serve: Any) -> None:
    """Four request threads decide on keep-alive at once while clients queue (they share one poll object)."""
    server = serve(workers=1, threads=4)
    statuses: list[int] = []

    def client() -> None:
        connection = server.connect()
        for _ in range(25):
            response, _ = server.get("/", connection)
            statuses.append(response.status)
            if response.will_close:
                connection.close()
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * 400
