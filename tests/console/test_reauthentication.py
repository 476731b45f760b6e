"""Sensitive acts ask a browser session for its password again after a while, then go on as asked."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client
from graphql_relay import to_global_id

from api.context import CONFIRMED_SESSION_KEY
from audit.models import AuditEvent
from console.middleware import PASSWORD_FIELD
from mandates.models import Mandate, MandateStatus
from officers.models import ApiToken, SignInFailure
from sharing.models import Share
from tests.console.test_sharing_pages import ivory, recipient
from tests.console.test_shell import signed_in
from wildnet.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def stale(client: Client, settings: object) -> Client:
    session = client.session
    session[CONFIRMED_SESSION_KEY] = time.time() - settings.REAUTHENTICATION_SECONDS - 1  # type: ignore[attr-defined]
    session.save()
    return client


def share_form(justification: str) -> dict[str, object]:
    return {"recipient": recipient("fr-dgddi"), "justification": justification, "redact": ["PERSONAL_DATA", "EVIDENCE"]}


def test_a_fresh_session_shares_without_being_asked(world: None) -> None:
    case = ivory()
    response = signed_in("inv.ofb").post(f"/sharing/cases/{case.reference}/share/", share_form("Fresh"))
    assert response.status_code == 302
    assert Share.objects.filter(justification="Fresh").exists()


def test_a_stale_session_is_asked_its_password_and_the_share_is_then_made_as_asked(world: None,
                                                                                  settings: object) -> None:
    case = ivory()
    client = stale(signed_in("inv.ofb"), settings)
    address = f"/sharing/cases/{case.reference}/share/"
    asked = client.post(address, share_form("Roissy shipments"))
    page = asked.content.decode()
    assert asked.status_code == 200 and "Confirm your password" in page
    assert not Share.objects.filter(justification="Roissy shipments").exists()  # nothing done yet
    assert f'action="{address}"' in page
    assert 'name="justification" value="Roissy shipments"' in page
    assert page.count('name="redact"') == 2  # every value of a multiple field is carried
    wrong = client.post(address, {**share_form("Roissy shipments"), PASSWORD_FIELD: "not-my-password"})
    assert wrong.status_code == 400 and "This is not your password." in wrong.content.decode()
    assert not Share.objects.filter(justification="Roissy shipments").exists()
    assert SignInFailure.objects.count() == 1  # a wrong confirmation counts towards the lock-out
    done = client.post(address, {**share_form("Roissy shipments"), PASSWORD_FIELD: DEMO_PASSWORD})
    assert done.status_code == 302 and done["Location"] == f"/cases/{case.reference}/"
    share = Share.objects.get(justification="Roissy shipments")
    assert share.redacted_groups == ["personal_data", "evidence"]
    assert AuditEvent.objects.filter(action="auth.reauthenticate", actor_username="inv.ofb").count() == 1
    again = client.post(address, share_form("Second share"))  # confirmed: not asked again for a while
    assert again.status_code == 302


def test_the_api_in_a_stale_session_answers_reauthenticate_and_changes_nothing(world: None,
                                                                                settings: object) -> None:
    client = stale(signed_in("inv.ofb"), settings)
    mutation = ('mutation { issueApiToken(name: "ci", scopes: [READ]) '
                "{ token { name } errors { code field } } }")
    body = client.post("/graphql/", {"query": mutation}, content_type="application/json").json()
    assert body["data"]["issueApiToken"]["errors"] == [{"code": "REAUTHENTICATE", "field": "password"}]
    assert not ApiToken.objects.filter(name="ci").exists()


def test_an_api_token_is_never_asked(world: None, settings: object) -> None:
    client = signed_in("coord.fr")
    body = client.post("/graphql/", {"query": 'mutation { issueApiToken(name: "sync", scopes: [READ, WRITE]) '
                                              "{ rawToken errors { code } } }"},
                       content_type="application/json").json()
    secret = body["data"]["issueApiToken"]["rawToken"]
    query = 'mutation { issueApiToken(name: "other", scopes: [READ]) { errors { code } } }'
    answer = Client().post("/graphql/", data=json.dumps({"query": query}), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {secret}").json()
    assert answer["data"]["issueApiToken"]["errors"] == []


def test_a_mandate_change_in_a_stale_session_asks_first_and_a_refused_one_says_nothing_of_it(
        world: None, settings: object) -> None:
    mandate = Mandate.objects.filter(agency__country="FR", status=MandateStatus.ACTIVE).first()
    assert mandate is not None
    mutation = ('mutation($id: ID!) { suspendMandate(id: $id, reason: "Audit") { errors { code } } }')
    variables = {"id": to_global_id("Mandate", mandate.pk)}
    coordinator = stale(signed_in("coord.fr"), settings)
    body = coordinator.post("/graphql/", {"query": mutation, "variables": variables},
                            content_type="application/json").json()
    assert body["data"]["suspendMandate"]["errors"] == [{"code": "REAUTHENTICATE"}]
    mandate.refresh_from_db()
    assert mandate.status == MandateStatus.ACTIVE
    outsider = stale(signed_in("inv.ofb"), settings)  # may not change mandates: refused as before, never asked
    body = outsider.post("/graphql/", {"query": mutation, "variables": variables},
                         content_type="application/json").json()
    assert body["data"]["suspendMandate"]["errors"][0]["code"] in {"NOT_FOUND", "PERMISSION_DENIED"}
