"""Sign-ins, their failures and sign-outs go to the audit log (DESIGN, "Audit event")."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from officers.models import Officer

from .actions import record
from .models import Outcome


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record("auth.login", actor=user, obj=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # The attempted username is kept (to spot guessing), never the password; an existing officer's account is the
    # event's object, so that their agency's supervisors see the failures against it.
    username = str(credentials.get("username", ""))[:150]
    officer = Officer.objects.filter(username__iexact=username.strip()).first() if username.strip() else None
    record("auth.login", outcome=Outcome.DENIED, actor_username=username, obj=officer)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:  # a visitor whose session had already ended signs out as no one
        record("auth.logout", actor=user, obj=user)
