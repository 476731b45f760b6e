"""Container health check: ``GET /healthz`` as the reverse proxy would send it; exit 0 only on 200 + JSON.

Production settings redirect plain HTTP to HTTPS (``SECURE_SSL_REDIRECT``) and reject a ``Host`` outside
``DJANGO_ALLOWED_HOSTS``. A probe from inside the container is plain HTTP to 127.0.0.1, so it sends
``X-Forwarded-Proto: https`` (trusted through ``SECURE_PROXY_SSL_HEADER``) and the first concrete entry of
``DJANGO_ALLOWED_HOSTS`` as ``Host``. Redirects are not followed: a redirect means the probe is wrong.

Usage: ``python healthcheck.py [URL]`` (default ``http://127.0.0.1:8000/healthz``). Standard library only.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/healthz"
TIMEOUT_SECONDS = 4.0


def probe_host(allowed_hosts: str) -> str:
    """First allowed host usable as a Host header (``.example.org`` -> ``example.org``), else localhost."""
    for entry in allowed_hosts.split(","):
        host = entry.strip().lstrip(".")
        if host and "*" not in host:
            return host
    return "localhost"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None  # urllib then raises HTTPError for the 3xx


def check(url: str) -> str | None:
    """None when healthy, else the reason."""
    request = urllib.request.Request(
        url,
        headers={
            "Host": probe_host(os.environ.get("DJANGO_ALLOWED_HOSTS", "")),
            "X-Forwarded-Proto": "https",
            "Accept": "application/json",
            "User-Agent": "wildnet-healthcheck",
        },
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status, body = response.status, response.read(65536)
    except urllib.error.HTTPError as exc:
        location = exc.headers.get("Location") if exc.headers else None
        return f"HTTP {exc.code}" + (f" redirect to {location}" if location else "")
    except (urllib.error.URLError, OSError) as exc:
        return f"unreachable: {exc}"
    if status != 200:
        return f"HTTP {status}"
    try:
        json.loads(body)
    except ValueError:
        return "response is not JSON"
    return None


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else DEFAULT_URL
    problem = check(url)
    if problem:
        sys.stderr.write(f"unhealthy: {url}: {problem}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
