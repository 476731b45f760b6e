"""Core delivery handlers."""

from typing import Any

from django.core.mail import send_mail

from .actions import handler


@handler("mail.send")
def send_mail_message(payload: dict[str, Any]) -> None:
    """Send one e-mail. A mail server that is down raises, and the message is retried with backoff."""
    send_mail(payload["subject"], payload["body"], None, payload["to"], fail_silently=False)
