"""Template helpers of the console: enum labels, dates from documents, safe search snippets."""

from __future__ import annotations

import datetime
import html
import re
from typing import Any

from django import template
from django.utils.dateparse import parse_datetime as parse
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .. import labels

register = template.Library()


@register.filter
def choice(name: str | None, kind: str) -> Any:
    """``{{ viewer.role|choice:"role" }}``: the label of a GraphQL enum value."""
    return labels.label(kind, name)



@register.filter
def duration(seconds: float | None) -> str:
    """Seconds from a document as hours and minutes, "3 h 05 min" (a day is "26 h 00 min": deadlines are in
    hours); nothing for ``None``, so that ``{{ x|duration|default:_("No data") }}`` says so."""
    if seconds is None:
        return ""
    minutes = round(seconds / 60)
    return _("%(hours)s h %(minutes)02d min") % {"hours": number_format(minutes // 60, force_grouping=True),
                                                 "minutes": minutes % 60}


@register.filter
def percent(rate: float | None, digits: int = 1) -> str:
    """A rate from a document (0.6667) as a percentage in the page's language ("66.7 %", "66,7 %"); nothing
    for ``None``."""
    if rate is None:
        return ""
    return _("%(number)s %%") % {"number": number_format(round(rate * 100, digits), digits)}


@register.filter
def parse_datetime(value: str | None) -> datetime.datetime | None:
    """An ISO 8601 ``DateTime`` from a document, as a datetime the ``date`` filter shows in the page's zone."""
    return parse(value) if value else None


@register.filter
def split(value: str) -> list[str]:
    """``"A B C"|split``: a literal list in a template (the members of an enum a filter offers)."""
    return value.split()


_MARK = re.compile(r"(</?mark>)")


@register.filter
def marked(fragment: str) -> SafeString:
    """A search snippet with its matched words in ``<mark>`` and nothing else as HTML.

    Snippets come HTML-escaped with ``<mark>`` around matches; whatever an index returns, every other character is
    unescaped and escaped again here, so no markup from a listing's text can reach the page.
    """
    parts = _MARK.split(fragment)
    return mark_safe("".join(part if part in ("<mark>", "</mark>") else escape(html.unescape(part))  # noqa: S308
                             for part in parts))


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """``{{ errors|get_item:name }}``: a dictionary's value by a key held in a variable."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag
def options(kind: str) -> list[tuple[str, Any]]:
    """``{% options "priority" as priorities %}``: an enum's names and labels for a select."""
    return labels.options(kind)
