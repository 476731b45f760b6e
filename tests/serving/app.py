"""A WSGI application for the tests of ``wildnet.serving``: it says which process answered, and ``/gate`` holds
its thread until the file named by ``GATE`` exists (having created ``GATE.held``), so that a test knows when a
worker's thread is taken and decides when it is free."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ["PATH_INFO"] == "/gate":
        gate, deadline = Path(os.environ["GATE"]), time.monotonic() + 30
        gate.with_suffix(".held").touch()
        while not gate.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
