"""gunicorn's threaded worker, made fair between worker processes when the server is saturated.

gunicorn's ``gthread`` worker accepts every connection it can and keeps it alive: under load each connection
stays with the process that first accepted it, whether or not that process has a thread free. With 32 clients
on 4 processes of 1 thread, the processes held 4, 7, 9 and 12 connections: the clients of the first waited
74 ms per request, those of the last 228 ms, and p99 was 418 ms for a mean of 153 ms (the case detail of
``tests/benchmarks/bench_load.py``, each client's latencies recorded apart). ``FairThreadWorker`` changes two
decisions and nothing else:

* a process listens for new connections only while one of its threads is free (``_balance``): the others wait
  in the kernel's queue of the shared listening socket, in their order of arrival, for the first process with
  a free thread, instead of queueing behind a busy one's requests;
* a response keeps its connection alive only when no connection is waiting in that queue (``max_keepalived``):
  under saturation every client goes back to the shared queue after each answer, behind those that waited
  longer, instead of keeping its place in one process; with spare capacity, connections stay alive as before.

Together they serve requests close to the order they arrived in, as a single queue in front of all threads
would (alternated with gthread: every client's mean within 6 % of the others', p99 1.5 times the median).
Threads still serve slow uploads and downloads without tying up a process, and a long request still keeps the
process's heartbeat going (gunicorn's ``sync`` worker, the other fair choice, would kill it at ``--timeout``).
"""

from __future__ import annotations

import select
import selectors
import threading
from typing import Any

from gunicorn.workers.gthread import ThreadWorker


class FairThreadWorker(ThreadWorker):
    """``--worker-class wildnet.serving.FairThreadWorker``: gthread, fair under saturation (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        #: A poll of the listening sockets alone: readable when a connection waits to be accepted by anyone.
        self._waiting: select.poll | None = None
        #: A poll object refuses two threads polling at once: the request threads take turns.
        self._waiting_lock = threading.Lock()
        #: The listening sockets taken out of this process's poller while its threads are all busy, with the
        #: callbacks gthread registered them with.
        self._resting: dict[Any, Any] = {}
        super().__init__(*args, **kwargs)

    @property
    def max_keepalived(self) -> int:
        """How many idle connections gthread may keep: none while a connection waits to be accepted.

        gthread reads it when a request starts, to decide whether its response closes the connection.
        """
        if self._waiting is not None:
            with self._waiting_lock:
                if self._waiting.poll(0):
                    return 0
        return self._max_keepalived

    @max_keepalived.setter
    def max_keepalived(self, value: int) -> None:
        self._max_keepalived = value

    def init_process(self) -> None:
        self._waiting = select.poll()
        for sock in self.sockets:
            self._waiting.register(sock, select.POLLIN)
        super().init_process()

    def _balance(self) -> None:
        """Listen while a thread is free, rest otherwise.

        Connections that need a thread are those open and not idle in keep-alive: the requests running or
        queued, and those accepted whose request has not been read yet.
        """
        with self._lock:
            if not self.alive:  # shutting down: gthread closes the poller and the sockets itself
                return
            free = self.nr_conns - len(self._keep) < self.cfg.threads
            if free and self._resting:
                for sock, acceptor in self._resting.items():
                    self.poller.register(sock, selectors.EVENT_READ, acceptor)
                self._resting.clear()
            elif not free and not self._resting:
                for sock in self.sockets:
                    self._resting[sock] = self.poller.unregister(sock).data

    def accept(self, server: Any, listener: Any) -> None:
        if self._resting:  # the poller had returned the listener before the request that took the last thread
            return
        super().accept(server, listener)
        self._balance()

    def on_client_socket_readable(self, conn: Any, client: Any) -> None:
        super().on_client_socket_readable(conn, client)
        self._balance()

    def finish_request(self, fs: Any) -> None:
        super().finish_request(fs)
        self._balance()
