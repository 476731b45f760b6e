"""The shell's template context: who is signed in, their purpose of access, their navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from officers.second_factor import ENROL, PENDING, STATE

from .documents import Documents
from .navigation import navigation

documents = Documents(__file__)


def shell(request: HttpRequest) -> dict[str, Any]:
    """``shell`` for templates, run only when a template reads it (the admin and e-mails never do); none until the
    session has given its second factor, whose pages then show no navigation."""
    if not request.user.is_authenticated or request.session.get(STATE) in (ENROL, PENDING):
        return {}

    def load() -> dict[str, Any]:
        data = documents.run(request, "shell").data
        viewer = data.get("viewer") or {}
        return {**data, "viewer": viewer, "navigation": navigation(
            request, viewer.get("role", ""), data["unhandledAlerts"]["totalCount"],
            (viewer.get("agency") or {}).get("agencyType", ""))}

    return {"shell": SimpleLazyObject(load)}
