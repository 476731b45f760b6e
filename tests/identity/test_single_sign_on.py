"""OpenID Connect single sign-on against a real provider run by the tests (conftest.py): a linked officer signs
in and still gives WildNet's second factor; an unknown subject, a wrong issuer, a replayed callback, an expired
or forged ID token and an officer of another agency are refused and audited; linking asks for the password."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from django.core.exceptions import ValidationError
from django.test import Client
from joserfc import jwt
from joserfc.jwk import RSAKey

from agencies.models import Agency, AgencyType
from api.context import CONFIRMED_SESSION_KEY
from audit.models import AuditEvent, Outcome
from identity import oidc
from identity.models import ExternalIdentity, IdentityProvider
from officers import second_factor
from officers.models import Officer, Role
from tests.core.test_content_security_policy import assert_strict
from tests.identity.conftest import CLIENT_ID, CLIENT_SECRET, Provider

pytestmark = pytest.mark.django_db
WILDNET_PASSWORD = "a-long-wildnet-password"


@pytest.fixture
def ofb(provider: Provider) -> IdentityProvider:
    agency = Agency.objects.create(code="fr-ofb", name="Office français de la biodiversité", country="FR",
                                   agency_type=AgencyType.WILDLIFE_AUTHORITY)
    return IdentityProvider.objects.create(agency=agency, issuer=provider.issuer, client_id=CLIENT_ID,
                                           client_secret=CLIENT_SECRET, allowed_email_domains=["ofb.example"],
                                           enabled=True)


def officer(username: str, agency: Agency, role: str = Role.INVESTIGATOR) -> Officer:
    return Officer.objects.create_user(username, f"{username}@wildnet.example", WILDNET_PASSWORD, agency=agency,
                                       role=role)


@pytest.fixture
def thomas(ofb: IdentityProvider, provider: Provider) -> Officer:
    """An investigator of the agency, linked to the provider's user ``thomas``."""
    linked = officer("inv.ofb", ofb.agency)
    ExternalIdentity.objects.create(officer=linked, provider=ofb, subject=provider.subjects["thomas"])
    return linked


def sso(client: Client, provider: Provider, username: str, agency_code: str = "fr-ofb") -> Any:
    """The officer's journey: WildNet's link to the agency, sign-in and approval there, back to the callback."""
    response = client.get(f"/accounts/sso/start/{agency_code}/")
    assert response.status_code == 302, response.content.decode()
    assert response["Location"].startswith(f"{provider.issuer}/authorize/")
    callback = provider.approve(provider.signed_in(username), response["Location"])
    return client.get(callback)


def last_event(action: str) -> AuditEvent:
    event = AuditEvent.objects.filter(action=action).order_by("-id").first()
    assert event is not None
    return event


def test_a_linked_officer_signs_in_then_gives_wildnets_second_factor(
        provider: Provider, thomas: Officer, settings: Any) -> None:
    settings.SECOND_FACTOR_REQUIRED = True
    client = Client()
    client.get("/accounts/login/")
    anonymous_key = client.session.session_key
    response = sso(client, provider, "thomas")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(thomas.pk)
    assert client.session.session_key != anonymous_key  # rotated at sign-in
    assert client.session[second_factor.STATE] == second_factor.ENROL  # decided as after a password
    assert CONFIRMED_SESSION_KEY not in client.session  # no password was typed: sensitive acts ask for it
    gated = client.get("/cases/")
    assert gated.status_code == 302 and gated["Location"].startswith("/accounts/second-factor/enrol/")
    event = last_event("auth.sso.login")
    assert event.outcome == Outcome.ALLOWED and event.actor_id == thomas.pk


def test_an_unknown_subject_is_refused_with_the_way_to_link_it(provider: Provider, thomas: Officer) -> None:
    client = Client()
    response = sso(client, provider, "stranger")
    assert response.status_code == 403
    assert "not linked to a WildNet officer yet" in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = last_event("auth.sso.login")
    assert event.outcome == Outcome.DENIED and event.details["reason"] == "unknown_subject"


def test_an_officer_who_cancels_at_the_provider_is_not_signed_in(provider: Provider, thomas: Officer) -> None:
    client = Client()
    response = client.get("/accounts/sso/start/fr-ofb/")
    callback = provider.approve(provider.signed_in("thomas"), response["Location"], allow=False)
    assert "error=access_denied" in callback
    assert client.get(callback).status_code == 403
    assert "_auth_user_id" not in client.session
    assert last_event("auth.sso.login").details["reason"] == "provider_error"


def test_an_officer_is_never_found_by_e_mail(provider: Provider, ofb: IdentityProvider) -> None:
    same_address = officer("ana.ofb", ofb.agency, Role.ANALYST)
    Officer.objects.filter(pk=same_address.pk).update(email="stranger@ofb.example")  # the provider's user's
    client = Client()
    assert sso(client, provider, "stranger").status_code == 403
    assert "_auth_user_id" not in client.session
    assert last_event("auth.sso.login").details["reason"] == "unknown_subject"


def test_a_deactivated_officer_is_refused(provider: Provider, thomas: Officer) -> None:
    Officer.objects.filter(pk=thomas.pk).update(is_active=False)
    client = Client()
    assert sso(client, provider, "thomas").status_code == 403
    assert "_auth_user_id" not in client.session
    assert last_event("auth.sso.login").details["reason"] == "inactive_officer"


def test_a_provider_naming_itself_otherwise_than_configured_is_refused(
        provider: Provider, ofb: IdentityProvider) -> None:
    IdentityProvider.objects.filter(pk=ofb.pk).update(issuer=f"{provider.base}/alias")
    response = Client().get("/accounts/sso/start/fr-ofb/")
    assert response.status_code == 403
    assert "could not be completed" in response.content.decode()
    event = last_event("auth.sso.login")
    assert event.outcome == Outcome.DENIED and event.details["reason"] == "issuer"


def test_a_replayed_callback_is_refused(provider: Provider, thomas: Officer) -> None:
    client = Client()
    response = client.get("/accounts/sso/start/fr-ofb/")
    callback = provider.approve(provider.signed_in("thomas"), response["Location"])
    assert client.get(callback).status_code == 302
    client.logout()
    replay = client.get(callback)
    assert replay.status_code == 403 and "could not be completed" in replay.content.decode()
    assert "_auth_user_id" not in client.session
    assert last_event("auth.sso.login").details["reason"] == "state"


def test_a_callback_replayed_into_another_browsers_flow_is_refused(provider: Provider, thomas: Officer) -> None:
    victim = Client()
    response = victim.get("/accounts/sso/start/fr-ofb/")
    stolen = provider.approve(provider.signed_in("thomas"), response["Location"])
    attacker = Client()
    attacker.get("/accounts/sso/start/fr-ofb/")  # a flow of its own, with its own state and nonce
    assert attacker.get(stolen).status_code == 403
    assert "_auth_user_id" not in attacker.session
    assert last_event("auth.sso.login").details["reason"] == "state"


def test_an_officer_of_another_agency_cannot_sign_in_through_this_agencys_provider(
        provider: Provider, ofb: IdentityProvider) -> None:
    customs = Agency.objects.create(code="fr-dgddi", name="Douanes", country="FR", agency_type=AgencyType.CUSTOMS)
    outsider = officer("inv.douane", customs)
    ExternalIdentity.objects.create(officer=outsider, provider=ofb, subject=provider.subjects["stranger"])
    client = Client()
    assert sso(client, provider, "stranger").status_code == 403
    assert "_auth_user_id" not in client.session
    assert last_event("auth.sso.login").details["reason"] == "other_agency"


def test_a_disabled_provider_offers_nothing(provider: Provider, thomas: Officer, ofb: IdentityProvider) -> None:
    IdentityProvider.objects.filter(pk=ofb.pk).update(enabled=False)
    client = Client()
    assert "Sign in with your agency" not in client.get("/accounts/login/").content.decode()
    assert "fr-ofb" not in client.get("/accounts/sso/").content.decode()
    response = client.get("/accounts/sso/start/fr-ofb/")
    assert response.status_code == 302 and response["Location"] == "/accounts/sso/"
    assert "wildnet_sso" not in client.session
    assert "Link your agency" not in signed_in("inv.ofb").get("/preferences/").content.decode()


def test_a_flow_under_way_when_its_provider_is_disabled_is_refused(
        provider: Provider, thomas: Officer, ofb: IdentityProvider) -> None:
    client = Client()
    response = client.get("/accounts/sso/start/fr-ofb/")
    callback = provider.approve(provider.signed_in("thomas"), response["Location"])
    IdentityProvider.objects.filter(pk=ofb.pk).update(enabled=False)
    assert client.get(callback).status_code == 403
    assert "_auth_user_id" not in client.session


def test_an_enabled_provider_is_offered_by_agency_and_by_e_mail_domain(
        provider: Provider, ofb: IdentityProvider) -> None:
    client = Client()
    assert "/accounts/sso/" in client.get("/accounts/login/").content.decode()
    assert "/accounts/sso/start/fr-ofb/" in client.get("/accounts/sso/").content.decode()
    found = client.post("/accounts/sso/", {"email": "someone@OFB.example"})
    assert found.status_code == 200 and "/accounts/sso/start/fr-ofb/" in found.content.decode()
    missing = client.post("/accounts/sso/", {"email": "someone@elsewhere.example"})
    assert missing.status_code == 400 and 'role="alert"' in missing.content.decode()


def test_the_providers_multi_factor_sign_in_counts_only_where_trusted(
        provider: Provider, ofb: IdentityProvider, settings: Any) -> None:
    settings.SECOND_FACTOR_REQUIRED = True
    nadia = officer("sup.ofb", ofb.agency, Role.SUPERVISOR)
    ExternalIdentity.objects.create(officer=nadia, provider=ofb, subject=provider.subjects["nadia"])
    untrusted = Client()
    sso(untrusted, provider, "nadia")
    assert untrusted.session[second_factor.STATE] == second_factor.ENROL
    IdentityProvider.objects.filter(pk=ofb.pk).update(trusts_idp_mfa=True)
    trusted = Client()
    sso(trusted, provider, "nadia")
    assert trusted.session[second_factor.STATE] == second_factor.VERIFIED
    assert trusted.get("/preferences/").status_code == 200


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=WILDNET_PASSWORD)
    return client


def confirmed(client: Client, path: str) -> Any:
    """Post the password, as the confirmation form does (a plain form: what the middleware reads)."""
    return client.post(path, urlencode({"wildnet_confirm_password": WILDNET_PASSWORD}),
                       content_type="application/x-www-form-urlencoded")


def stale(client: Client) -> None:
    session = client.session
    session[CONFIRMED_SESSION_KEY] = 0
    session.save()


def test_linking_asks_for_the_password_then_links_the_subject(provider: Provider, ofb: IdentityProvider) -> None:
    sophie = officer("ana.ofb", ofb.agency, Role.ANALYST)
    client = signed_in("ana.ofb")
    stale(client)
    assert client.get("/accounts/sso/link/start/")["Location"] == "/accounts/sso/link/"
    asked = client.get("/accounts/sso/link/")
    assert "wildnet_confirm_password" in asked.content.decode()
    offered = confirmed(client, "/accounts/sso/link/")
    assert offered.status_code == 200 and "/accounts/sso/link/start/" in offered.content.decode()
    response = client.get("/accounts/sso/link/start/")
    callback = provider.approve(provider.signed_in("stranger"), response["Location"])
    linked = client.get(callback)
    assert linked.status_code == 302 and linked["Location"] == "/preferences/"
    assert ExternalIdentity.objects.get(officer=sophie, provider=ofb).subject == provider.subjects["stranger"]
    assert last_event("auth.sso.link").outcome == Outcome.ALLOWED
    assert "Unlink" in client.get("/preferences/").content.decode()
    then = Client()
    assert sso(then, provider, "stranger").status_code == 302
    assert then.session["_auth_user_id"] == str(sophie.pk)


def test_a_link_whose_password_aged_during_the_journey_is_refused(provider: Provider, ofb: IdentityProvider) -> None:
    sophie = officer("ana.ofb", ofb.agency, Role.ANALYST)
    client = signed_in("ana.ofb")
    response = client.get("/accounts/sso/link/start/")
    callback = provider.approve(provider.signed_in("stranger"), response["Location"])
    stale(client)
    assert client.get(callback)["Location"] == "/preferences/"
    assert not ExternalIdentity.objects.filter(officer=sophie).exists()
    event = last_event("auth.sso.link")
    assert event.outcome == Outcome.DENIED and event.details["reason"] == "not_confirmed"


def test_an_account_linked_to_another_officer_is_not_linked_again(provider: Provider, thomas: Officer) -> None:
    officer("ana.ofb", thomas.agency, Role.ANALYST)
    client = signed_in("ana.ofb")
    response = client.get("/accounts/sso/link/start/")
    callback = provider.approve(provider.signed_in("thomas"), response["Location"])
    assert client.get(callback)["Location"] == "/preferences/"
    assert ExternalIdentity.objects.get(subject=provider.subjects["thomas"]).officer == thomas
    event = last_event("auth.sso.link")
    assert event.outcome == Outcome.DENIED and event.details["reason"] == "subject_taken"


def test_unlinking_asks_for_the_password_and_is_audited(provider: Provider, thomas: Officer) -> None:
    client = Client()
    client.login(username="inv.ofb", password=WILDNET_PASSWORD)
    stale(client)
    asked = client.post("/accounts/sso/unlink/")
    assert "wildnet_confirm_password" in asked.content.decode()
    assert ExternalIdentity.objects.filter(officer=thomas).exists()
    done = confirmed(client, "/accounts/sso/unlink/")
    assert done.status_code == 302
    assert not ExternalIdentity.objects.filter(officer=thomas).exists()
    assert last_event("auth.sso.unlink").outcome == Outcome.ALLOWED


# --- the ID token's checks, on tokens made here and signed with the provider's own key ----------------------

def forged(provider: Provider, **changes: Any) -> str:
    keys = requests.get(f"{provider.issuer}/.well-known/jwks.json", timeout=10).json()["keys"]
    now = int(time.time())
    claims = {"iss": provider.issuer, "aud": CLIENT_ID, "sub": provider.subjects["thomas"], "iat": now,
              "exp": now + 300, "nonce": "the-nonce", "email": "thomas@ofb.example", **changes}
    key = RSAKey.import_key(changes.pop("key", provider.private_key))
    claims.pop("key", None)
    return jwt.encode({"alg": "RS256", "kid": keys[0]["kid"]}, claims, key)


def test_a_well_formed_id_token_passes(provider: Provider, ofb: IdentityProvider) -> None:
    claims = oidc.validate_id_token(ofb, forged(provider), nonce="the-nonce")
    assert claims["sub"] == provider.subjects["thomas"]


@pytest.mark.parametrize(("changes", "reason"), [
    ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 3900}, "expired"),
    ({"iss": "https://impostor.example"}, "claim_iss"),
    ({"aud": "another-client"}, "claim_aud"),
    ({"nonce": "a-replayed-nonce"}, "claim_nonce"),
    ({"email": "thomas@elsewhere.example"}, "email_domain"),
    ({"iat": int(time.time()) + 3600}, "claim_iat"),
])
def test_an_id_token_failing_a_check_is_refused(
        provider: Provider, ofb: IdentityProvider, changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(oidc.SignInRefused) as refusal:
        oidc.validate_id_token(ofb, forged(provider, **changes), nonce="the-nonce")
    assert refusal.value.reason == reason


def test_an_id_token_signed_with_another_key_is_refused(provider: Provider, ofb: IdentityProvider) -> None:
    other = RSAKey.generate_key(2048).as_pem(private=True)
    with pytest.raises(oidc.SignInRefused) as refusal:
        oidc.validate_id_token(ofb, forged(provider, key=other), nonce="the-nonce")
    assert refusal.value.reason == "signature"


# --- the pages and the configuration ------------------------------------------------------------------------

def test_the_single_sign_on_pages_work_under_the_strict_policy(provider: Provider, thomas: Officer) -> None:
    client = Client()
    chooser = client.get("/accounts/sso/")
    refused = sso(Client(), provider, "stranger")
    for response in (chooser, refused):
        page = response.content.decode()
        assert_strict(response)
        assert "<script>" not in page and " style=" not in page and "<style" not in page
    assert '<label for="sso-email">' in chooser.content.decode()
    assert 'role="alert"' in refused.content.decode()


def test_only_system_administrators_configure_providers(ofb: IdentityProvider) -> None:
    system = officer("sysadmin", ofb.agency, Role.SYSTEM_ADMIN)
    agency_admin = officer("admin.ofb", ofb.agency, Role.AGENCY_ADMIN)
    Officer.objects.filter(pk__in=[system.pk, agency_admin.pk]).update(is_staff=True)
    allowed = signed_in("sysadmin")
    page = allowed.get(f"/admin/identity/identityprovider/{ofb.pk}/change/")
    assert page.status_code == 200 and CLIENT_SECRET not in page.content.decode()  # the secret is never shown
    assert signed_in("admin.ofb").get(f"/admin/identity/identityprovider/{ofb.pk}/change/").status_code == 403
    saved = allowed.post(f"/admin/identity/identityprovider/{ofb.pk}/change/", {
        "agency": ofb.agency_id, "issuer": ofb.issuer, "client_id": CLIENT_ID, "client_secret": "",
        "allowed_email_domains": '["ofb.example"]', "enabled": "on"})
    assert saved.status_code == 302, saved.content.decode()
    ofb.refresh_from_db()
    assert ofb.client_secret == CLIENT_SECRET  # left empty: the saved secret stays
    assert last_event("auth.sso.provider").actor_id == system.pk


def test_a_provider_is_reached_over_https_except_on_this_machine(ofb: IdentityProvider) -> None:
    ofb.issuer = "http://login.ofb.example/realms/staff"
    with pytest.raises(ValidationError):
        ofb.full_clean()
    ofb.issuer = "https://login.ofb.example/realms/staff/"
    ofb.full_clean()
    assert ofb.issuer == "https://login.ofb.example/realms/staff"


def test_the_agencys_supervisors_read_its_single_sign_on_events(provider: Provider, thomas: Officer) -> None:
    officer("sup.ofb", thomas.agency, Role.SUPERVISOR)
    sso(Client(REMOTE_ADDR="203.0.113.20"), provider, "thomas")
    sso(Client(REMOTE_ADDR="203.0.113.21"), provider, "stranger")
    page = signed_in("sup.ofb").get("/sign-in-events/").content.decode()
    assert "Sign-in with the agency&#x27;s account" in page or "Sign-in with the agency's account" in page
    assert "203.0.113.20" in page and "203.0.113.21" in page
