"""Errors raised by actions and shown to API clients as typed errors.

An :class:`ActionError` carries a stable machine code, the input field it concerns and a message written for
the officer. Nothing else (no exception text, SQL or stack trace) ever reaches a client.
"""

from __future__ import annotations

import datetime
from enum import StrEnum

from django.utils.translation import gettext, gettext_noop


class ErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    UNIQUE = "UNIQUE"
    CONFLICT = "CONFLICT"
    INVALID_STATE = "INVALID_STATE"
    READ_ONLY_TOKEN = "READ_ONLY_TOKEN"  # noqa: S105  (an error code, not a secret)
    MANDATE_NOT_COVERING = "MANDATE_NOT_COVERING"
    HANDLING_FORBIDS = "HANDLING_FORBIDS"
    APPROVAL_REQUIRED = "APPROVAL_REQUIRED"
    PURPOSE_REQUIRED = "PURPOSE_REQUIRED"
    UNKNOWN_SPECIES = "UNKNOWN_SPECIES"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    STORAGE_UNAVAILABLE = "STORAGE_UNAVAILABLE"
    REAUTHENTICATE = "REAUTHENTICATE"
    RATE_LIMITED = "RATE_LIMITED"
    PERSONAL_DATA = "PERSONAL_DATA"  # published text that must not carry personal data (DSA Art. 24(5))


class ActionError(Exception):
    """A refusal or invalid input that changes nothing; the transaction around the action rolls back."""

    def __init__(self, code: ErrorCode | str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = ErrorCode(code)
        self.message = message
        self.field = field


#: "No such …." for each ``what`` that reaches :class:`NotFound` (model verbose names and GraphQL type names, keyed
#: in lower case without spaces): a whole sentence each, because French and Spanish agree the words with the noun.
_NO_SUCH = {
    "object": gettext_noop("No such object."),
    "agency": gettext_noop("No such agency."),
    "taskforce": gettext_noop("No such task force."),
    "officer": gettext_noop("No such officer."),
    "apitoken": gettext_noop("No such API token."),
    "mandate": gettext_noop("No such mandate."),
    "species": gettext_noop("No such species."),
    "case": gettext_noop("No such case."),
    "listing": gettext_noop("No such listing."),
    "entity": gettext_noop("No such entity."),
    "caseentity": gettext_noop("No such entity in this case."),
    "intelreport": gettext_noop("No such intelligence report."),
    "watchlist": gettext_noop("No such watchlist."),
    "watchterm": gettext_noop("No such watch term."),
    "watchalert": gettext_noop("No such alert."),
    "evidence": gettext_noop("No such evidence."),
    "custodyevent": gettext_noop("No such custody event."),
    "share": gettext_noop("No such share."),
    "accessrequest": gettext_noop("No such access request."),
    "hit": gettext_noop("No such hit."),
    "takedownnotice": gettext_noop("No such takedown notice."),
    "noticeitem": gettext_noop("No such notice item."),
    "nationalassessment": gettext_noop("No such national assessment."),
    "assessment": gettext_noop("No such assessment."),
    "modelmeasure": gettext_noop("No such model measure."),
    "export": gettext_noop("No such export."),
    "spotterreport": gettext_noop("No such report."),
}


def no_such(what: str) -> str:
    """"No such case." in the active language, for a model's verbose name or a GraphQL type name."""
    message = _NO_SUCH.get(what.replace(" ", "").replace("_", "").lower())
    if message is None:
        return gettext("No such %(what)s.") % {"what": what}
    return gettext(message)


class NotFound(ActionError):
    """What an officer gets both for an object that does not exist and for one they may not see."""

    def __init__(self, field: str | None = "id", what: str = "object") -> None:
        super().__init__(ErrorCode.NOT_FOUND, no_such(what), field)


class PermissionDenied(ActionError):
    """For an action on an object the officer can see but may not change. Never used for invisible objects."""

    def __init__(self, message: str | None = None, field: str | None = None) -> None:
        super().__init__(ErrorCode.PERMISSION_DENIED,
                         message if message is not None else gettext("You may not do this."), field)


def require_offset(moment: datetime.datetime | None, field: str) -> None:
    """Refuse a time given without its UTC offset (``INVALID``).

    GraphQL's ``DateTime`` accepts ``2026-01-01T00:00:00``, which names no instant: guessing a zone could move a
    deadline by hours, and comparing it with an aware time raises ``TypeError``.
    """
    if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
        raise ActionError(ErrorCode.INVALID,
                          gettext("Give the time with its UTC offset (for example 2026-01-01T09:00Z)."), field)
