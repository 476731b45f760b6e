"""The viewer of a GraphQL request, built once per request."""

from __future__ import annotations

from typing import Any

from access.markings import Purpose
from access.policy import Viewer, viewer_for

PURPOSE_HEADER = "X-WildNet-Purpose"


def get_viewer(info: Any) -> Viewer:
    """The policy's view of whoever sent this request, cached on the request.

    The purpose of access comes from the ``X-WildNet-Purpose`` header (DESIGN, access rules); an unknown
    purpose is ignored rather than trusted.
    """
    request = info.context
    viewer = getattr(request, "_wildnet_viewer", None)
    if viewer is None:
        purpose = request.headers.get(PURPOSE_HEADER) if hasattr(request, "headers") else None
        token = getattr(request, "api_token", None)
        viewer = viewer_for(
            getattr(request, "user", None),
            purpose=purpose if purpose in Purpose.values else None,
            token_scopes=list(token.scopes) if token is not None else None,
        )
        request._wildnet_viewer = viewer
    return viewer
