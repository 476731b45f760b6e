"""Sign-in pages' forms: the password reset sends its e-mail through the outbox."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import PasswordResetForm
from django.template.loader import render_to_string
from django.utils import translation

from outbox.actions import send_mail


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, with the e-mail written to the outbox instead of sent inline.

    Sent inline, a mail server that is down would lose the message (or fail the page); the outbox retries it. The
    message is in the officer's language, whatever the language of the page that asked for it.
    """

    def send_mail(self, subject_template_name: str, email_template_name: str, context: dict[str, Any],
                  from_email: str | None, to_email: str, html_email_template_name: str | None = None) -> None:
        with translation.override(context["user"].preferred_language):
            subject = "".join(render_to_string(subject_template_name, context).splitlines())
            body = render_to_string(email_template_name, context)
        send_mail([to_email], subject, body)
