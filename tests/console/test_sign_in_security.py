"""Password guessing is locked out without saying so; sessions end after a lifetime and everywhere on demand."""

from __future__ import annotations

import datetime
import re
import time

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from console.middleware import SIGNED_IN
from officers.models import Officer, SignInFailure
from outbox.models import OutboxMessage
from tests.console.test_shell import mail_to, signed_in
from wildnet.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-2026"


def sign_in(username: str, password: str, address: str = "192.0.2.10") -> tuple[Client, int, str]:
    client = Client(REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return client, response.status_code, response.content.decode()


def refusal(page: str) -> str:
    """The sign-in form as answered, but for its CSRF token: what could tell a lock-out from a wrong password."""
    start = page.index("<main")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page[start:page.index("</main>", start)])


def lock_out_mails() -> int:
    return sum("Too many wrong passwords" in message.payload["body"]
               for message in OutboxMessage.objects.filter(topic="mail.send"))


def test_five_wrong_passwords_lock_the_account_and_the_lock_looks_like_a_wrong_password(world: None) -> None:
    _, status, wrong = sign_in("inv.ofb", WRONG)
    for _attempt in range(4):
        sign_in("inv.ofb", WRONG)
    client, locked_status, locked = sign_in("inv.ofb", DEMO_PASSWORD)
    _, unknown_status, unknown = sign_in("nobody.here", WRONG)
    assert status == locked_status == unknown_status == 200
    assert refusal(locked) == refusal(wrong) == refusal(unknown).replace("nobody.here", "inv.ofb")
    assert client.get("/").status_code == 302  # not signed in
    mail = mail_to(Officer.objects.get(username="inv.ofb").email)
    assert "Too many wrong passwords" in mail["body"] and DEMO_PASSWORD not in mail["body"]
    assert AuditEvent.objects.filter(action="auth.locked_out", details__by="account").count() == 1


def test_a_lock_out_ends_when_the_failures_age_out_of_the_window(world: None, settings: object) -> None:
    for _attempt in range(6):  # the sixth, while locked, counts too: a guesser who keeps on stays locked
        sign_in("inv.ofb", WRONG)
    assert SignInFailure.objects.count() == 6
    assert sign_in("inv.ofb", DEMO_PASSWORD)[0].get("/").status_code == 302
    SignInFailure.objects.update(at=timezone.now() - datetime.timedelta(minutes=16))
    client, status, _page = sign_in("inv.ofb", DEMO_PASSWORD)
    assert status == 302 and client.get("/").status_code == 200
    assert SignInFailure.objects.count() == 0  # old rows pruned, the account's cleared by the success
    assert lock_out_mails() == 1  # told once


def test_a_success_clears_the_account_failures_below_the_limit(world: None) -> None:
    for _attempt in range(4):
        sign_in("inv.ofb", WRONG)
    assert sign_in("inv.ofb", DEMO_PASSWORD)[1] == 302
    for _attempt in range(4):
        sign_in("inv.ofb", WRONG)
    assert sign_in("inv.ofb", DEMO_PASSWORD)[1] == 302
    assert lock_out_mails() == 0


def test_an_address_guessing_many_accounts_is_locked_out_and_others_are_not(world: None, settings: object) -> None:
    settings.SIGN_IN_ADDRESS_LIMIT = 3  # type: ignore[attr-defined]
    for username in ("inv.ofb", "sup.ofb", "inv.douane"):
        sign_in(username, WRONG, address="198.51.100.7")
    assert sign_in("coord.fr", DEMO_PASSWORD, address="198.51.100.7")[1] == 200  # refused, as a wrong password
    assert sign_in("coord.fr", DEMO_PASSWORD, address="198.51.100.8")[1] == 302
    assert AuditEvent.objects.filter(action="auth.locked_out", details__by="address").count() == 1
    assert lock_out_mails() == 0  # no account reached its limit


def test_a_session_ends_after_its_absolute_lifetime_however_busy(world: None, settings: object) -> None:
    client = signed_in("inv.ofb")
    assert client.get("/").status_code == 200
    session = client.session
    session[SIGNED_IN] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS  # type: ignore[attr-defined]
    session.save()
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post("/graphql/", {"query": "{ cases { totalCount } }"},
                       content_type="application/json").status_code == 401


def test_sign_out_everywhere_ends_every_session_of_the_officer_only(world: None) -> None:
    laptop, desktop, colleague = signed_in("inv.ofb"), signed_in("inv.ofb"), signed_in("sup.ofb")
    response = desktop.post("/accounts/logout/everywhere/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert laptop.get("/").status_code == 302
    assert desktop.get("/").status_code == 302
    assert colleague.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.sign_out_everywhere", actor_username="inv.ofb").exists()
    assert signed_in("inv.ofb").get("/").status_code == 200  # signing in again works


def test_sign_out_everywhere_is_a_post(world: None) -> None:
    client = signed_in("inv.ofb")
    assert client.get("/accounts/logout/everywhere/").status_code == 405
    assert client.get("/").status_code == 200


def test_signing_out_is_audited(world: None) -> None:
    client = signed_in("inv.ofb")
    client.post("/accounts/logout/")
    assert AuditEvent.objects.filter(action="auth.logout", actor_username="inv.ofb").exists()
