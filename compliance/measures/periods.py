"""Assessment periods as clients write them: ``2025`` (a calendar year) or ``2025-01-01/2025-06-30``.

Both ends are inclusive days, as a CITES report states a period; ``..`` is accepted in place of ``/`` so that a
period fits in one URL path segment (``/compliance/national-report/FR/2025-01-01..2025-06-30.json``).
"""

from __future__ import annotations

import datetime
import re

from django.utils.translation import gettext as _

from access.errors import ActionError, ErrorCode

_YEAR = re.compile(r"[0-9]{4}")
_RANGE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:/|\.\.)([0-9]{4}-[0-9]{2}-[0-9]{2})")


def parse_period(text: str, field: str = "period") -> tuple[datetime.date, datetime.date]:
    """``(first day, last day)``; ``INVALID`` for anything else or a period that ends before it starts."""
    text = (text or "").strip()
    try:
        if _YEAR.fullmatch(text):
            year = int(text)
            return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        match = _RANGE.fullmatch(text)
        if match:
            start, end = (datetime.date.fromisoformat(part) for part in match.groups())
            if end >= start:
                return start, end
    except ValueError:
        pass
    raise ActionError(ErrorCode.INVALID, _("Give the period as YYYY or YYYY-MM-DD/YYYY-MM-DD (inclusive)."), field)


def bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The instants bounding the inclusive days ``start``–``end``, half-open ``[start, end + 1 day)`` in UTC."""
    return (datetime.datetime.combine(start, datetime.time.min, tzinfo=datetime.UTC),
            datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC))
