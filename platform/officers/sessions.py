"""The lookups every request makes before anything else: its session, its officer, its API token.

Each is one statement whose text never changes, yet the ORM built it again on every request (a filter, the join
to the officer's agency, the compiler), which cost more CPU than running it. They are kept compiled
(``access.prepared.unnarrowed``: the ORM builds the statement the first time, exactly as before) and run
server-bound; the session's expiry and the token's are compared with each request's own instant.

The officer comes with their agency's mandates in force at the instant of the lookup (one row per mandate, the
officer's columns repeated; a left join, so an agency without one still gives its officer): the policy reads
them on every request that touches shared intelligence, and they cost a statement of their own. A session comes
with its officer the same way, in the same statement (``OfficerSession.officer``, written from the session's
data): Django's authentication then asks :func:`officer` for the officer the session's data names, and gets the
one read with the session when it is that officer (``SessionOfficerMiddleware`` scopes it to the request), with
no statement of its own. Whatever the column says, the session's data decides who is signed in, and Django
still checks its hash against that officer.
``mandates_read`` hands them to ``sharing.rules.in_force_mandates`` for a viewer of that same instant, which the
request's viewer is (``api.context.viewer_for_request``); any other viewer reads them as before.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, cast

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db.models import F, FilteredRelation, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from access import prepared
from mandates.models import Mandate, in_force_q

from .models import ApiToken, Officer, OfficerSession


class SessionStore(DatabaseSessionStore):
    """Django's database sessions (``SESSION_ENGINE``) in ``OfficerSession``, read with a kept statement that
    also reads the officer the session is signed in as (``officer_read``, for :func:`officer`)."""

    #: The officer read with the session (with their agency and its mandates in force), or None.
    officer_read: Officer | None = None

    @classmethod
    def get_model_class(cls) -> type[OfficerSession]:
        return OfficerSession

    def create_model_instance(self, data: dict[str, Any]) -> OfficerSession:
        session = cast(OfficerSession, super().create_model_instance(data))  # of ``get_model_class``
        session.officer_id = _officer_pk(data.get(SESSION_KEY))
        return session

    def _get_session_from_db(self) -> OfficerSession | None:
        at = timezone.now()
        rows = prepared.unnarrowed("sessions.live", self.session_key, at, _live_session)
        if not rows:
            self._session_key = None
            return None
        session: OfficerSession = rows[0]
        officer = session.officer
        self.officer_read = None if officer is None else _with_mandates(officer, rows, at)
        return session


def _live_session(key: str, at: datetime.datetime) -> QuerySet[OfficerSession]:
    live = OfficerSession.objects.filter(session_key=key, expire_date__gt=at).select_related("officer__agency")
    return _mandates_of(live, "officer__agency", at)


def _officer_pk(value: Any) -> int | None:
    """The officer's key a session's data names (a string), or None when it names none or not a key."""
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


#: The session of the request being served (``SessionOfficerMiddleware``).
_request_session: ContextVar[Any] = ContextVar("wildnet_request_session", default=None)


class SessionOfficerMiddleware:
    """Hands the officer read with the request's session to :func:`officer` (the authentication backend asks
    it for the session's officer), for this request only; it goes right after ``SessionMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_session.set(getattr(request, "session", None))
        try:
            return self.get_response(request)
        finally:
            _request_session.reset(token)


#: The columns a mandate in force comes in, on the officer's rows (or the token's): one row per mandate.
MANDATE_FIELDS = tuple(Mandate._meta.concrete_fields)
MANDATE_COLUMNS = tuple(f"_mandate_{concrete.attname}" for concrete in MANDATE_FIELDS)


def officer(pk: Any) -> Officer | None:
    """The officer a session names, with their agency and its mandates in force, active or not (the backend
    decides): the one read with the request's session when it is that officer, else read now."""
    read = getattr(_request_session.get(), "officer_read", None)
    if read is not None and str(read.pk) == str(pk):
        return read
    at = timezone.now()
    rows = prepared.unnarrowed("officers.by_pk", pk, at, _officer)
    return _with_mandates(rows[0], rows, at) if rows else None


def _officer(pk: Any, at: datetime.datetime) -> QuerySet[Officer]:
    # the manager reads the agency with the officer
    return _mandates_of(Officer.objects.filter(pk=pk), "agency", at)


def usable_token(digest: str) -> ApiToken | None:
    """The usable token with this SHA-256, with its officer, their agency and its mandates in force."""
    at = timezone.now()
    rows = prepared.unnarrowed("officers.token", digest, at, _usable_token)
    if not rows:
        return None
    token: ApiToken = rows[0]
    _with_mandates(token.officer, rows, at)
    return token


def _usable_token(digest: str, at: datetime.datetime) -> QuerySet[ApiToken]:
    tokens = ApiToken.objects.usable(at).select_related("officer__agency").filter(digest=digest)
    return _mandates_of(tokens, "officer__agency", at).order_by("pk", "-_mandate_granted_at", "_mandate_id")


def _mandates_of(queryset: QuerySet[Any], agency: str, at: datetime.datetime) -> QuerySet[Any]:
    """``queryset`` joined to the mandates of ``agency`` in force ``at``, one row each (or one row of nulls)."""
    relation = f"{agency}__mandates"
    joined = queryset.annotate(_in_force=FilteredRelation(relation, condition=in_force_q(f"{relation}__", at)))
    return joined.annotate(**{column: F(f"_in_force__{concrete.attname}")
                              for column, concrete in zip(MANDATE_COLUMNS, MANDATE_FIELDS, strict=True)}
                           ).order_by("-_mandate_granted_at", "_mandate_id")


def _with_mandates(officer: Officer, rows: list[Any], at: datetime.datetime) -> Officer:
    """``officer`` with the mandates its rows (the officer's or the token's, one per mandate) carried, newest
    first as ``Mandate.objects.in_force`` gives them; the rows keep none of their columns."""
    mandates = []
    for row in rows:
        values = [row.__dict__.pop(name) for name in MANDATE_COLUMNS]
        if values[0] is not None:
            mandates.append(Mandate.from_db(officer._state.db, [f.attname for f in MANDATE_FIELDS], values))
    officer.__dict__["_wildnet_mandates"] = (at, mandates)
    return officer


def read_at(officer: Any) -> datetime.datetime | None:
    """The instant ``officer`` was read at with their mandates (the request's instant), or None."""
    read = getattr(officer, "_wildnet_mandates", None)
    return None if read is None else read[0]


def mandates_read(officer: Any, at: datetime.datetime) -> list[Mandate] | None:
    """The mandates in force ``at`` that were read with ``officer`` (:func:`officer`, :func:`usable_token`),
    or None when they were read at another instant, or not at all."""
    if read_at(officer) != at:
        return None
    mandates: list[Mandate] = officer._wildnet_mandates[1]
    return mandates
