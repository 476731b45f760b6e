"""The console's shell: sign-in and out, password reset, invitations, purpose of access, language, refusals."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cases.models import Case
from officers.models import Officer, OfficerSession
from outbox.models import OutboxMessage
from wildnet.demo import DEMO_PASSWORD

CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"')


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def mail_to(address: str) -> dict[str, Any]:
    messages = [m.payload for m in OutboxMessage.objects.filter(topic="mail.send") if address in m.payload["to"]]
    assert len(messages) == 1, messages
    return messages[0]


def link_in(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/password/set/\S+/)", body)
    assert match, body
    return match.group(1)


@pytest.mark.parametrize("path", ["/", "/cases/", "/purpose/", "/cases/OFB-2026-0001/"])
def test_an_anonymous_visitor_is_sent_to_sign_in(world: None, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_an_api_call_without_credentials_gets_a_json_401(world: None) -> None:
    response = Client().post("/graphql/", data=json.dumps({"query": "{ cases { totalCount } }"}),
                             content_type="application/json")
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    assert response["WWW-Authenticate"] == 'Bearer realm="wildnet"'
    graphiql = Client().get("/graphql/", HTTP_ACCEPT="text/html")
    assert graphiql.status_code == 302 and graphiql["Location"].startswith("/accounts/login/")


def test_an_unknown_purpose_header_is_refused_not_ignored(world: None) -> None:
    client = signed_in("inv.oclaesp")
    response = client.post("/graphql/", data=json.dumps({"query": "{ purpose }"}), content_type="application/json",
                           HTTP_X_WILDNET_PURPOSE="curiosity")
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {"code": "INVALID", "field": "X-WildNet-Purpose"}


def test_sign_in_page_is_the_products_and_says_what_failed(world: None) -> None:
    client = Client()
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in to WildNet" in page and "Django" not in page
    refused = client.post("/accounts/login/", {"username": "inv.ofb", "password": "wrong"})
    assert refused.status_code == 200
    assert "The username or password is not right" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_lands_on_the_workspace_in_the_officers_language_and_sign_out_ends_the_session(world: None) -> None:
    Officer.objects.filter(username="inv.ofb").update(preferred_language="fr")
    client = Client()
    response = client.post("/accounts/login/", {"username": "inv.ofb", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies["django_language"].value == "fr"
    home = client.get("/").content.decode()
    assert '<html lang="fr">' in home and "Thomas Lefèvre" in home and "Office français de la biodiversité" in home
    assert "Enquêteur" in home and "Déclarer" in home
    out = client.post("/accounts/logout/")
    assert out.status_code == 302 and out["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_sign_out_is_a_post(world: None) -> None:
    client = signed_in("inv.ofb")
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/").status_code == 200


def test_the_session_ends_after_inactivity_and_activity_renews_it(world: None, settings: Any,
                                                                   monkeypatch: Any) -> None:
    from console import middleware

    client = signed_in("inv.ofb")

    def expiry() -> Any:
        return OfficerSession.objects.get(pk=client.session.session_key).expire_date

    first = expiry()
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert abs((first - timezone.now()).total_seconds() - settings.SESSION_COOKIE_AGE) < 60
    now = middleware.time.time()
    client.get("/")
    assert expiry() == first  # within the minute: no write
    monkeypatch.setattr(middleware.time, "time", lambda: now + 120)  # two minutes later, a request renews it
    client.get("/")
    assert expiry() > first


def test_password_reset_goes_through_the_outbox_and_the_link_sets_a_password(world: None) -> None:
    officer = Officer.objects.get(username="inv.ofb")
    officer.preferred_language = "es"
    officer.save()
    client = Client()
    response = client.post("/accounts/password/reset/", {"email": officer.email})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/sent/"
    mail = mail_to(officer.email)
    assert mail["body"].startswith("Hola") and "contraseña" in mail["body"]
    link = link_in(mail["body"])
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    new = "grey-parrot-ledger-47"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert Client().login(username="inv.ofb", password="grey-parrot-ledger-47")
    assert "no longer works" in client.get(link, follow=True).content.decode()  # once only


def test_a_reset_for_an_unknown_address_says_the_same_and_sends_nothing(world: None) -> None:
    before = OutboxMessage.objects.count()
    response = Client().post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/sent/"
    assert OutboxMessage.objects.count() == before


def test_an_officer_created_by_an_agency_administrator_is_invited_and_sets_a_password(world: None) -> None:
    admin = signed_in("admin.ofb")
    agency = Officer.objects.get(username="admin.ofb").agency
    from graphql_relay import to_global_id

    query = """mutation ($input: CreateOfficerInput!) { createOfficer(input: $input) {
                 officer { username } errors { code field message } } }"""
    variables = {"input": {"agencyId": to_global_id("Agency", agency.pk), "username": "new.ofb",
                           "email": "new.ofb@example.org", "role": "INVESTIGATOR", "clearance": "RESTRICTED",
                           "firstName": "Nina", "lastName": "Morel"}}
    body = admin.post("/graphql/", data=json.dumps({"query": query, "variables": variables}),
                      content_type="application/json").json()
    assert body["data"]["createOfficer"]["errors"] == [], body
    mail = mail_to("new.ofb@example.org")
    assert "new.ofb" in mail["body"] and agency.name in mail["subject"]
    client = Client()
    form = client.get(link_in(mail["body"]), follow=True)
    new = "kestrel-harbour-91"
    client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert Client().login(username="new.ofb", password="kestrel-harbour-91")


def test_purpose_is_chosen_among_those_the_mandates_allow(world: None) -> None:
    client = signed_in("inv.oclaesp")
    page = client.get("/purpose/").content.decode()
    assert 'value="INVESTIGATION"' in page
    refused = client.post("/purpose/", {"purpose": "CURIOSITY", "next": "/"})
    assert refused.status_code == 400 and "purpose" not in client.session.get("wildnet_purpose", "")
    declared = client.post("/purpose/", {"purpose": "INVESTIGATION", "next": "/cases/"})
    assert declared.status_code == 302 and declared["Location"] == "/cases/"
    assert client.session["wildnet_purpose"] == "investigation"
    assert "Purpose:" in client.get("/").content.decode()


def test_purpose_page_does_not_redirect_elsewhere(world: None) -> None:
    client = signed_in("inv.oclaesp")
    response = client.post("/purpose/", {"purpose": "INVESTIGATION", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_another_agencys_case_answers_exactly_as_a_case_that_does_not_exist(world: None) -> None:
    pangolin = Case.objects.get(owner_agency__code="fr-oclaesp", title__startswith="Écailles")
    client = signed_in("inv.ofb")  # no share of this case reaches the OFB
    hidden = client.get(f"/cases/{pangolin.reference}/")
    missing = client.get("/cases/XX-0000-0000/")
    assert hidden.status_code == missing.status_code == 404
    # the same page, but for the address asked for (which the page echoes in its links back to itself)
    asked = CSRF.sub(b"", hidden.content).replace(pangolin.reference.encode(), b"XX-0000-0000")
    assert asked == CSRF.sub(b"", missing.content)
    assert pangolin.title.encode() not in hidden.content
    own = signed_in("inv.oclaesp").get(f"/cases/{pangolin.reference}/")
    assert own.status_code == 200 and pangolin.title in own.content.decode()


def test_a_recipient_sees_a_shared_case_only_under_a_declared_purpose(world: None) -> None:
    ivory = Case.objects.get(owner_agency__code="fr-ofb", title__startswith="Ivoire")
    client = signed_in("inv.oclaesp")
    without = client.get(f"/cases/{ivory.reference}/")
    assert without.status_code == 404 and ivory.title.encode() not in without.content
    assert ivory.reference.encode() not in client.get("/cases/").content
    client.post("/purpose/", {"purpose": "INVESTIGATION"})
    shared = client.get(f"/cases/{ivory.reference}/")
    assert shared.status_code == 200 and ivory.title in shared.content.decode()
    assert ivory.reference in client.get("/cases/").content.decode()


def test_redactions_show_on_a_shared_case(world: None) -> None:
    pangolin = Case.objects.get(owner_agency__code="fr-oclaesp", title__startswith="Écailles")
    client = signed_in("inv.douane")
    client.post("/purpose/", {"purpose": "INVESTIGATION"})
    page = client.get(f"/cases/{pangolin.reference}/").content.decode()
    assert "Shared with your agency with parts withheld" in page
    assert "Suspects&#x27; personal data" in page or "Suspects' personal data" in page


def test_the_language_switch_saves_the_officers_choice(world: None) -> None:
    client = signed_in("inv.ofb")
    response = client.post("/language/", {"language": "es", "next": "/cases/"})
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert response.cookies["django_language"].value == "es"
    assert Officer.objects.get(username="inv.ofb").preferred_language == "es"
    anonymous = Client().post("/language/", {"language": "fr", "next": "/accounts/login/"})
    assert anonymous.cookies["django_language"].value == "fr"
    assert Client().post("/language/", {"language": "xx"}).cookies.get("django_language") is None


def test_without_a_saved_language_the_console_speaks_the_browsers(world: None) -> None:
    assert Officer.objects.get(username="inv.ofb").preferred_language == ""
    client = Client(HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
    response = client.post("/accounts/login/", {"username": "inv.ofb", "password": DEMO_PASSWORD})
    assert "django_language" not in response.cookies
    assert '<html lang="es">' in client.get("/").content.decode()
    client.post("/language/", {"language": "fr"})  # a choice, saved for the next sign-in anywhere
    assert Officer.objects.get(username="inv.ofb").preferred_language == "fr"
