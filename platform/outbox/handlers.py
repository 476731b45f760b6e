"""Core delivery handlers."""

import smtplib
from typing import Any

from django.core.mail import EmailMessage, get_connection

from .actions import PartialDelivery, handler


@handler("mail.send")
def send_mail_message(payload: dict[str, Any]) -> None:
    """Send one e-mail to each recipient, each in its own SMTP transaction on one connection.

    A mail server that is down raises, and the whole message is retried with backoff. One that refuses some
    recipients (``451`` while greylisting or over quota) leaves only those in the row: sending to several
    recipients at once would have smtplib report them refused while Django drops the report and the row is
    marked delivered, so they never got the notice; resending to all would give the others a second copy.
    """
    refused: list[str] = []
    errors: list[str] = []
    with get_connection(fail_silently=False) as connection:
        for recipient in payload["to"]:
            try:
                EmailMessage(payload["subject"], payload["body"], None, [recipient], connection=connection).send()
            except (smtplib.SMTPException, OSError) as exc:
                refused.append(recipient)
                errors.append(f"{recipient}: {type(exc).__name__}: {exc}")
    if refused:
        raise PartialDelivery({**payload, "to": refused}, "; ".join(errors))
