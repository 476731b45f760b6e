"""Password guessing is slowed per account and per address, then locked out for a while.

Each failed sign-in is a row (the account as a SHA-256 of the lower-cased username, so a password typed into
the username field is not kept, and the address). An account with ``SIGN_IN_ACCOUNT_LIMIT`` failures within
``SIGN_IN_WINDOW_SECONDS``, or an address with ``SIGN_IN_ADDRESS_LIMIT`` (higher: an agency's officers share
their office's address), is locked until enough of its failures age out of the window; failures while locked
count too, so a guesser who keeps trying stays locked. A lock-out looks exactly like a wrong password (same page,
same message, and the password hasher still runs once), so the form never says which usernames exist or are
locked; the officer learns of it by e-mail, and it is an audit event. A successful sign-in clears the account's
failures. Rows live in the database rather than a per-process cache so every web worker sees the same counts.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from audit.actions import record
from audit.models import Outcome
from outbox.actions import send_mail

from . import sessions
from .models import Officer, SignInFailure


def account_key(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()


def address_of(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _window_start() -> Any:
    return timezone.now() - timedelta(seconds=settings.SIGN_IN_WINDOW_SECONDS)


def _failures(account: str, address: str | None) -> tuple[int, int]:
    recent = SignInFailure.objects.filter(at__gte=_window_start())
    by_address = recent.filter(address=address).count() if address else 0
    return recent.filter(account=account).count(), by_address


def is_locked(request: HttpRequest, username: str) -> bool:
    by_account, by_address = _failures(account_key(username), address_of(request))
    return by_account >= settings.SIGN_IN_ACCOUNT_LIMIT or by_address >= settings.SIGN_IN_ADDRESS_LIMIT


class ThrottledModelBackend(ModelBackend):
    """Django's password check, refused without a word while the account or the address is locked out.

    Sign-ins without a request (``Client.login`` in tests, management commands) are not throttled: there is no
    address, and no one guessing.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:
        if request is not None and username is not None and is_locked(request, username):
            Officer().set_password(password)  # the time a wrong password takes: a lock-out does not show
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id: Any) -> Any:
        """Django's, with the officer read by a kept statement (``officers.sessions``): every request asks."""
        user = sessions.officer(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


@receiver(user_login_failed)
def _count_failure(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None,
                   **kwargs: Any) -> None:
    if request is None:
        return
    username = str(credentials.get("username", ""))
    account, address = account_key(username), address_of(request)
    with transaction.atomic():
        SignInFailure.objects.create(account=account, address=address)
        by_account, by_address = _failures(account, address)
        # Told once, when the limit is reached: the failures that keep it locked do not mail again.
        if by_account == settings.SIGN_IN_ACCOUNT_LIMIT:
            _account_locked(username)
        if by_address == settings.SIGN_IN_ADDRESS_LIMIT:
            record("auth.locked_out", outcome=Outcome.DENIED, details={"by": "address"})
    SignInFailure.objects.filter(at__lt=_window_start()).delete()


def _account_locked(username: str) -> None:
    officer = Officer.objects.filter(username__iexact=username.strip()).first()
    record("auth.locked_out", outcome=Outcome.DENIED, obj=officer,
           actor_username=username[:150], details={"by": "account"})
    if officer is None or not officer.email:
        return
    context = {"officer": officer, "minutes": settings.SIGN_IN_WINDOW_SECONDS // 60,
               "site": settings.WILDNET_PUBLIC_URL}
    with translation.override(officer.language):
        subject = render_to_string("officers/locked_out_subject.txt", context).strip()
        body = render_to_string("officers/locked_out_email.txt", context)
    send_mail([officer.email], subject, body)


@receiver(user_logged_in)
def _clear_failures(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    SignInFailure.objects.filter(account=account_key(user.get_username())).delete()
