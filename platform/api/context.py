"""The viewer of a GraphQL request, built once per request."""

from __future__ import annotations

from typing import Any

from access.markings import Purpose
from access.policy import Viewer, viewer_for
from officers.sessions import read_at

PURPOSE_HEADER = "X-WildNet-Purpose"


PURPOSE_SESSION_KEY = "wildnet_purpose"
#: When the officer last typed their password in this session (seconds since the epoch): at sign-in, and when a
#: sensitive act asked to confirm it.
CONFIRMED_SESSION_KEY = "wildnet_confirmed"


def get_viewer(info: Any) -> Viewer:
    return viewer_for_request(info.context)


def viewer_for_request(request: Any) -> Viewer:
    """The policy's view of whoever sent this request, built once and cached on the request.

    The purpose of access comes from the ``X-WildNet-Purpose`` header, else from the purpose declared for the
    session (``declarePurpose``); the endpoint refuses a header naming no purpose, and nothing else trusts one.
    Shared intelligence is visible only under a declared purpose that the agency's mandate allows.
    """
    viewer = getattr(request, "_wildnet_viewer", None)
    if viewer is None:
        purpose = request.headers.get(PURPOSE_HEADER) if hasattr(request, "headers") else None
        session = getattr(request, "session", None)
        if not purpose and session is not None and getattr(request, "api_token", None) is None:
            purpose = session.get(PURPOSE_SESSION_KEY)
        token = getattr(request, "api_token", None)
        user = getattr(request, "user", None)
        viewer = viewer_for(
            user,
            purpose=purpose if purpose in Purpose.values else None,
            token_scopes=list(token.scopes) if token is not None else None,
            confirmed_at=float(session.get(CONFIRMED_SESSION_KEY, 0))
            if session is not None and token is None else None,
            # the instant the officer was read with their agency's mandates in force: those are the request's
            at=read_at(user),
        )
        request._wildnet_viewer = viewer
    return viewer
