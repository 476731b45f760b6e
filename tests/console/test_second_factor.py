"""The second factor: required where it must be, asked at every sign-in once enrolled, and all a session may do
until given; recovery codes work once; an administrator resets a colleague's factors."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from graphql_relay import to_global_id

from agencies.models import Agency
from audit.models import AuditEvent
from officers.models import Officer
from tests.console.test_shell import mail_to, signed_in
from wildnet.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def required(settings: object) -> None:
    settings.SECOND_FACTOR_REQUIRED = True  # type: ignore[attr-defined]  (as in production)


def sign_in(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content.decode()
    return client


def graphql(client: Client, query: str, variables: dict[str, object] | None = None, **headers: str) -> dict:
    response = client.post("/graphql/", data=json.dumps({"query": query, "variables": variables or {}}),
                           content_type="application/json", **headers)
    return {"status": response.status_code, **response.json()}


def code_now(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def waited(device: TOTPDevice) -> None:
    """After a wrong code a device refuses every code for a growing delay (django-otp's throttle): let it pass."""
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)


def enrolled(username: str) -> TOTPDevice:
    return TOTPDevice.objects.create(user=Officer.objects.get(username=username), name="Phone", confirmed=True)


def test_an_intelligence_officer_must_enrol_before_anything_else_then_gets_recovery_codes(
        world: None, required: None) -> None:
    client = sign_in("inv.ofb")
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"] == "/accounts/second-factor/enrol/?next=%2Fcases%2F"
    refused = graphql(client, "{ cases { totalCount } }")
    assert refused["status"] == 401 and refused["errors"][0]["extensions"]["code"] == "SECOND_FACTOR_REQUIRED"
    page = client.get("/accounts/second-factor/enrol/?next=/cases/").content.decode()
    assert "<svg" in page and 'class="key"' in page
    assert 'class="primary"' in page and 'aria-label="Main"' not in page  # no navigation before the factor
    device = TOTPDevice.objects.get(user__username="inv.ofb", confirmed=False)
    wrong = client.post("/accounts/second-factor/enrol/", {"code": "000000", "next": "/cases/"})
    assert wrong.status_code == 400 and "This code is not valid" in wrong.content.decode()
    waited(device)
    done = client.post("/accounts/second-factor/enrol/", {"code": code_now(device), "name": "Work phone",
                                                          "next": "/cases/"})
    codes = re.findall(r"<code>([a-z2-7]{5}-[a-z2-7]{5})</code>", done.content.decode())
    assert done.status_code == 200 and len(codes) == 10
    assert not StaticToken.objects.filter(token__in=codes).exists()  # kept as digests only
    assert client.get("/cases/").status_code == 200
    assert graphql(client, "{ cases { totalCount } }")["status"] == 200
    assert AuditEvent.objects.filter(action="auth.second_factor.enrol", actor_username="inv.ofb").exists()


def test_an_enrolled_officer_gives_the_code_at_every_sign_in(world: None) -> None:
    device = enrolled("inv.ofb")  # not required in this deployment: enrolled, it is asked all the same
    client = sign_in("inv.ofb")
    assert client.get("/").status_code == 302
    wrong = client.post("/accounts/second-factor/code/", {"code": "123456", "next": "/cases/"})
    assert wrong.status_code == 400 and 'aria-describedby="code-error"' in wrong.content.decode()
    waited(device)
    session_key = client.session.session_key
    right = client.post("/accounts/second-factor/code/", {"code": code_now(device), "next": "/cases/"})
    assert right.status_code == 302 and right["Location"] == "/cases/"
    assert client.session.session_key != session_key  # rotated at the change of privilege
    assert client.get("/cases/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.second_factor", outcome="denied").count() == 1
    assert AuditEvent.objects.filter(action="auth.second_factor", outcome="allowed").count() == 1


def test_a_recovery_code_works_once(world: None, required: None) -> None:
    device = TOTPDevice.objects.create(user=Officer.objects.get(username="inv.ofb"), name="Phone", confirmed=False)
    client = sign_in("inv.ofb")
    codes = re.findall(r"<code>([a-z2-7]{5}-[a-z2-7]{5})</code>", client.post(
        "/accounts/second-factor/enrol/", {"code": code_now(device)}).content.decode())
    first = sign_in("inv.ofb")
    assert first.post("/accounts/second-factor/code/", {"code": codes[0].upper()}).status_code == 302
    assert first.get("/").status_code == 200
    second = sign_in("inv.ofb")
    assert second.post("/accounts/second-factor/code/", {"code": codes[0]}).status_code == 400
    assert second.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.second_factor", details__kind="recovery_code").count() == 1


def test_a_platform_officer_may_go_without_unless_the_agency_requires_it(world: None, required: None) -> None:
    assert sign_in("pf.leboncoin").get("/").status_code == 200
    Agency.objects.filter(officers__username="pf.leboncoin").update(requires_second_factor=True)
    response = sign_in("pf.leboncoin").get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/second-factor/enrol/")


def test_the_last_authenticator_stays_while_one_is_required(world: None, required: None) -> None:
    device = enrolled("inv.ofb")
    client = sign_in("inv.ofb")
    client.post("/accounts/second-factor/code/", {"code": code_now(device)})
    page = client.get("/accounts/second-factor/").content.decode()
    assert "Phone" in page and "0 recovery codes left." in page
    response = client.post(f"/accounts/second-factor/{device.pk}/remove/", follow=True)
    assert "add another authenticator before removing this one" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_an_optional_authenticator_is_removed_with_its_recovery_codes(world: None) -> None:
    device = enrolled("inv.ofb")
    client = sign_in("inv.ofb")
    client.post("/accounts/second-factor/code/", {"code": code_now(device)})
    client.post("/accounts/second-factor/recovery-codes/")
    assert StaticToken.objects.filter(device__user__username="inv.ofb").count() == 10
    other = enrolled("sup.ofb")
    assert client.post(f"/accounts/second-factor/{other.pk}/remove/").status_code == 302
    assert TOTPDevice.objects.filter(pk=other.pk).exists()  # another officer's: no such authenticator
    client.post(f"/accounts/second-factor/{device.pk}/remove/")
    assert not TOTPDevice.objects.filter(user__username="inv.ofb").exists()
    assert not StaticToken.objects.filter(device__user__username="inv.ofb").exists()
    assert sign_in("inv.ofb").get("/").status_code == 200  # no factor asked any more


RESET = "mutation($id: ID!) { resetSecondFactor(officerId: $id) { errors { code } } }"


def test_an_administrator_resets_a_colleague_who_is_signed_out_and_told(world: None) -> None:
    colleague = Officer.objects.get(username="inv.ofb")
    enrolled("inv.ofb")
    session = signed_in("inv.ofb")
    answer = graphql(signed_in("admin.ofb"), RESET, {"id": to_global_id("Officer", colleague.pk)})
    assert answer["data"]["resetSecondFactor"]["errors"] == []
    assert not TOTPDevice.objects.filter(user=colleague).exists()
    assert session.get("/").status_code == 302  # every session of theirs ended
    assert "removed the authenticator apps" in mail_to(colleague.email)["body"]
    assert AuditEvent.objects.filter(action="auth.second_factor.reset", actor_username="admin.ofb").exists()


@pytest.mark.parametrize(("actor", "target", "code"), [
    ("admin.ofb", "inv.oclaesp", "NOT_FOUND"),  # another agency's officer: as a missing one
    ("admin.ofb", "admin.ofb", "PERMISSION_DENIED"),
    ("sup.ofb", "inv.ofb", "PERMISSION_DENIED"),
])
def test_a_reset_is_refused_to_others(world: None, actor: str, target: str, code: str) -> None:
    client = signed_in(actor)  # before the target enrols: the actor may be the target
    device = enrolled(target)
    answer = graphql(client, RESET, {"id": to_global_id("Officer", Officer.objects.get(username=target).pk)})
    assert answer["data"]["resetSecondFactor"]["errors"] == [{"code": code}]
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_the_administrator_resets_from_the_officer_page(world: None) -> None:
    colleague = Officer.objects.get(username="inv.ofb")
    enrolled("inv.ofb")
    admin = signed_in("admin.ofb")
    address = f"/officers/{to_global_id('Officer', colleague.pk)}/"
    assert "Reset the second factor" in admin.get(address).content.decode()
    response = admin.post(address, {"action": "reset_second_factor"}, follow=True)
    assert "set up a new one at their next sign-in" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=colleague).exists()


def test_a_role_change_or_a_disable_ends_the_officer_sessions(world: None) -> None:
    colleague = Officer.objects.get(username="inv.ofb")
    session = signed_in("inv.ofb")
    address = f"/officers/{to_global_id('Officer', colleague.pk)}/"
    changed = signed_in("admin.ofb").post(address, {"action": "role", "role": "ANALYST"})
    assert changed.status_code == 302
    assert session.get("/").status_code == 302
    session = signed_in("inv.ofb")
    admin = signed_in("admin.ofb")
    admin.post(address, {"action": "disable"})
    admin.post(address, {"action": "enable"})
    assert session.get("/").status_code == 302  # the session from before the disable does not come back
