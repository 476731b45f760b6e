"""Template filters of the model-measure pages: an indicator's figures as rows and tables a person reads.

An indicator's ``value`` is the JSON of the national report (names such as ``removal_rate``, rates between 0
and 1, lists of rows); this turns it into labelled cells, rates as percentages, so that the template formats
numbers in the reader's language with ``floatformat``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

#: Figures that are shares of a whole (0–1), shown as percentages.
RATES = frozenset({"removal_rate", "within_sla_share_of_items"})

LABELS = {
    "total": _("Total"), "by_month": _("By month"), "month": _("Month"), "listings": _("Listings"),
    "active_watchlists": _("Active watchlists"), "terms": _("Terms"), "watchlists": _("Watchlists"),
    "alerts": _("Alerts"), "name": _("Name"), "agency": _("Agency"), "notices_sent": _("Notices sent"),
    "items": _("Listings notified"), "acted": _("Acted on"), "acted_within_sla": _("Acted on within the SLA"),
    "removal_rate": _("Removal rate"), "within_sla_share_of_items": _("Share acted on within the SLA"),
    "by_platform": _("By platform"), "platform": _("Platform"),
    "median_time_to_action_hours": _("Median time to action (hours)"), "count": _("Count"),
    "task_forces": _("Task forces"), "joint_operations": _("Joint operations"), "groups": _("Groups"),
    "kind": _("Kind"), "scope": _("Scope"), "starts_on": _("Starts on"), "ends_on": _("Ends on"),
    "shares_made": _("Shares made"), "shares_received": _("Shares received"),
    "access_requests_received": _("Access requests received"),
    "access_requests_answered": _("Access requests answered"), "approved": _("Approved"), "refused": _("Refused"),
    "evidence_items": _("Evidence items"), "with_chain_of_custody": _("With a chain of custody"),
    "forensic_reports": _("Forensic reports"),
}


@dataclass
class Cell:
    value: Any
    kind: str  # "rate" (a percentage), "number", "text" or "none"


@dataclass
class Table:
    label: Any
    columns: list[Any]
    rows: list[list[Cell]] = field(default_factory=list)


def _cell(name: str, value: Any) -> Cell:
    if value is None:
        return Cell(None, "none")
    if name in RATES and isinstance(value, int | float):
        return Cell(value * 100, "rate")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Cell(value, "number")
    return Cell(value, "text")


def _label(name: str) -> Any:
    return LABELS.get(name, name.replace("_", " "))


@register.filter
def figures(value: dict[str, Any] | None) -> dict[str, Any]:
    """``{"figures": [(label, Cell)], "tables": [Table]}``: scalar figures first, then each list as a table."""
    scalars: list[tuple[Any, Cell]] = []
    tables: list[Table] = []
    for name, item in (value or {}).items():
        if isinstance(item, list):
            columns = list(item[0]) if item and isinstance(item[0], dict) else []
            tables.append(Table(_label(name), [_label(column) for column in columns],
                                [[_cell(column, row.get(column)) for column in columns] for row in item
                                 if isinstance(row, dict)]))
        elif not isinstance(item, dict):
            scalars.append((_label(name), _cell(name, item)))
    return {"figures": scalars, "tables": tables}


@register.filter
def day(value: str | None) -> datetime.date | None:
    """An ISO 8601 day (``2025-12-31``) as a date the ``date`` filter shows in the reader's format."""
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@register.filter
def url_period(period: str) -> str:
    """A period as an address writes it: ``2025-01-01/2025-06-30`` → ``2025-01-01..2025-06-30``."""
    return period.replace("/", "..")
