"""Console forms: reading posted values, placing the API's typed errors next to their fields, and the password
reset form that writes its e-mail to the outbox.

A form page posts, the view turns the fields into a mutation's variables, runs it, and either redirects or shows
the form again with what was typed and each ``errors { code field message }`` beside its field (the API names
fields in camelCase, as the form's inputs are named). Errors without a field are shown above the form.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.forms import PasswordResetForm
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from outbox.actions import send_mail

from .documents import Problem

#: The key of the errors that concern the whole input.
WHOLE = "whole"


def errors_by_field(errors: list[Any]) -> dict[str, list[str]]:
    """The mutation's (or the operation's) errors, grouped by the input field they name."""
    grouped: dict[str, list[str]] = {}
    for error in errors:
        field, message = (error.field, error.message) if isinstance(error, Problem) else (
            error.get("field"), error["message"])
        grouped.setdefault(_leaf(field) or WHOLE, []).append(message)
    return grouped


def codes(errors: list[Any]) -> set[str]:
    """The codes among a mutation's (or the operation's) errors."""
    return {error.code if isinstance(error, Problem) else error["code"] for error in errors}


def _leaf(field: str | None) -> str | None:
    """``input.title`` or ``title`` → ``title``: the form's input names are the API's leaf field names."""
    return field.rsplit(".", 1)[-1] if field else None


def text(data: QueryDict, name: str) -> str:
    return data.get(name, "").strip()


def optional(data: QueryDict, name: str) -> str | None:
    """A field left empty is left out of the input (the API's default applies), not sent as an empty string."""
    return text(data, name) or None


def listed(data: QueryDict, name: str) -> list[str]:
    """A comma- or space-separated list typed in one box ("FR, ES"), or several inputs of that name."""
    values = data.getlist(name)
    return [item.strip() for value in values for item in value.replace(",", " ").split() if item.strip()]


def compact(values: dict[str, Any]) -> dict[str, Any]:
    """The input without the fields left empty."""
    return {key: value for key, value in values.items() if value not in (None, "", [])}


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, with the e-mail written to the outbox instead of sent inline.

    Sent inline, a mail server that is down would lose the message (or fail the page); the outbox retries it. The
    message is in the officer's language, whatever the language of the page that asked for it.
    """

    def send_mail(self, subject_template_name: str, email_template_name: str, context: dict[str, Any],
                  from_email: str | None, to_email: str, html_email_template_name: str | None = None) -> None:
        with translation.override(context["user"].language):
            subject = "".join(render_to_string(subject_template_name, context).splitlines())
            body = render_to_string(email_template_name, context)
        send_mail([to_email], subject, body)


def period_day(value: str, field: str, *, end: bool) -> tuple[str | None, Problem | None]:
    """A day of a period filter (from / until, both included) as the instant it starts (``end=False``) or the next
    day starts (``end=True``), in the page's time zone; a typed problem for ``field`` when it is not a day."""
    if not value:
        return None, None
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return None, Problem("INVALID", _("Enter a day, e.g. 2026-03-31."), field)
    start = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=end), datetime.time()))
    return start.isoformat(), None
