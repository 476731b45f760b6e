"""Reads a foreign site can trigger change nothing: the same-site check of session-authenticated GETs.

Django checks the CSRF token of POSTs only, but several GETs record something in the signed-in officer's name: a
search export or a GraphQL search by GET records a hit on a hidden identifier (and notifies its holder's
supervisors), a download records custody and read events, a compliance export an audited read. A page on another
site could make a victim's browser send those GETs with the session cookie. So a GET that carries the session
(not a bearer token, which a browser never adds on its own) must come from WildNet's own pages, by the Fetch
Metadata a browser sends (``Sec-Fetch-Site``: ``same-origin``, or ``none`` for an address typed or bookmarked),
or, from a browser that sends none, by an ``Origin`` or ``Referer`` of this site when it sends one. A request
with none of these headers is not a browser's cross-site request (scripts and command-line clients) and passes;
the residual case, a browser older than Fetch Metadata on a page that suppresses the referrer, is what the
OWASP resource isolation policy also accepts.

A refused request gets a typed 403 before anything runs: nothing is read, recorded or notified.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, JsonResponse

#: What ``Sec-Fetch-Site`` says of a request WildNet's own pages (or the address bar) made.
SAME_SITE = frozenset({"same-origin", "none"})
CODE = "CROSS_SITE_REQUEST"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def cross_site(request: HttpRequest) -> bool:
    """Whether ``request`` carries the browser session and may have been sent by another site's page."""
    if getattr(request, "api_token", None) is not None or not request.user.is_authenticated:
        return False
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site not in SAME_SITE
    ours = {_origin(request.build_absolute_uri("/"))} | {_origin(o) for o in settings.CSRF_TRUSTED_ORIGINS}
    for header in ("Origin", "Referer"):
        value = request.headers.get(header)
        if value:
            return _origin(value) not in ours
    return False


def refusal(request: HttpRequest) -> JsonResponse:
    request_id = getattr(request, "request_id", "")
    return JsonResponse({"errors": [{
        "message": "Refused: this request came from another site. Open it from WildNet itself.",
        "extensions": {"code": CODE, "requestId": request_id}}]}, status=403)


def same_site(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Refuse the session-authenticated requests of ``view`` that another site may have sent (see above)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if cross_site(request):
            return refusal(request)
        return view(request, *args, **kwargs)

    return guarded
