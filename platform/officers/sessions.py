"""The lookups every request makes before anything else: its session, its officer, its API token.

Each is one statement whose text never changes, yet the ORM built it again on every request (a filter, the join
to the officer's agency, the compiler), which cost more CPU than running it. They are kept compiled
(``access.prepared.unnarrowed``: the ORM builds the statement the first time, exactly as before) and run
server-bound; the session's expiry and the token's are compared with each request's own instant.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

from access import prepared

from .models import ApiToken, Officer


class SessionStore(DatabaseSessionStore):
    """Django's database sessions (``SESSION_ENGINE``), read with a kept statement."""

    def _get_session_from_db(self) -> Session | None:
        found = prepared.unnarrowed("sessions.live", self.session_key, timezone.now(), _live_session)
        if not found:
            self._session_key = None
            return None
        session: Session = found[0]
        return session


def _live_session(key: str, at: datetime.datetime) -> QuerySet[Session]:
    return Session.objects.filter(session_key=key, expire_date__gt=at)


def officer(pk: Any) -> Officer | None:
    """The officer a session names, with their agency, active or not (the backend decides)."""
    found = prepared.unnarrowed("officers.by_pk", pk, timezone.now(), _officer)
    return found[0] if found else None


def _officer(pk: Any, at: datetime.datetime) -> QuerySet[Officer]:
    return Officer.objects.filter(pk=pk)  # the manager reads the agency with the officer


def usable_token(digest: str) -> ApiToken | None:
    """The usable token with this SHA-256, with its officer and their agency."""
    found = prepared.unnarrowed("officers.token", digest, timezone.now(), _usable_token)
    return found[0] if found else None


def _usable_token(digest: str, at: datetime.datetime) -> QuerySet[ApiToken]:
    return ApiToken.objects.usable(at).select_related("officer__agency").filter(digest=digest).order_by("pk")[:1]
