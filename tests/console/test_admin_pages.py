"""Administration pages: an agency's officers (invite, disable, change role) and the integration page (tokens)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core import mail
from django.test import Client
from graphql import parse, validate
from graphql_relay import to_global_id

from api.documents import validation_rules
from audit.models import AuditEvent
from console.documents import schema
from officers.actions import issue_token
from officers.models import ApiToken, Officer, Role
from officers.pages import examples
from outbox.actions import deliver_due
from tests.console.test_pages import _statements
from tests.console.test_shell import CSRF, link_in, signed_in
from wildnet.demo import DEMO_PASSWORD

EXAMPLES = sorted(examples.FOLDER.glob("*.graphql"))


def officer_url(username: str) -> str:
    return f"/officers/{to_global_id('Officer', Officer.objects.get(username=username).pk)}/"


# --- officers ------------------------------------------------------------------------------------------------


def test_an_administrator_sees_the_agencys_officers_with_role_clearance_status_and_last_sign_in(world: None) -> None:
    Officer.objects.filter(username="ana.ofb").update(is_active=False)
    page = signed_in("admin.ofb").get("/officers/").content.decode()
    for username in ("admin.ofb", "sup.ofb", "inv.ofb", "ana.ofb"):
        assert officer_url(username) in page
    assert "inv.seprona" not in page and "4 officers" in page
    assert "Supervisor" in page and "Confidential" in page and "Disabled" in page and "Never" in page
    disabled = signed_in("admin.ofb").get("/officers/", {"status": "disabled"}).content.decode()
    assert officer_url("ana.ofb") in disabled and officer_url("inv.ofb") not in disabled


def test_creating_an_officer_sends_an_invitation_whose_link_sets_a_password(world: None) -> None:
    client = signed_in("admin.ofb")
    form = client.get("/officers/new/").content.decode()
    # only what an OFB administrator may give: no coordinator, no platform officer, no clearance above their own
    assert 'value="SUPERVISOR"' in form and 'value="NATIONAL_COORDINATOR"' not in form
    assert 'value="PLATFORM_OFFICER"' not in form and 'value="SECRET"' not in form
    assert form.count("Where the invitation goes.") == 1  # each hint beside its own field only
    response = client.post("/officers/new/", {"username": "n.morel", "email": "n.morel@example.org",
                                              "firstName": "Nina", "lastName": "Morel", "role": "INVESTIGATOR",
                                              "clearance": "RESTRICTED"})
    created = Officer.objects.get(username="n.morel")
    assert response.status_code == 302 and response["Location"] == officer_url("n.morel")
    assert created.role == Role.INVESTIGATOR and created.agency.code == "fr-ofb" and not created.has_usable_password()
    assert "invitation" in client.get(response["Location"]).content.decode()

    assert deliver_due() >= 1
    (invitation,) = [m for m in mail.outbox if m.to == ["n.morel@example.org"]]
    assert "n.morel" in invitation.body and "Office français de la biodiversité" in invitation.subject
    newcomer = Client()
    password_form = newcomer.get(link_in(invitation.body), follow=True)
    new = "kestrel-harbour-91"
    newcomer.post(password_form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert Client().login(username="n.morel", password=new)


def test_a_refused_creation_shows_the_apis_errors_beside_the_fields_and_creates_no_one(world: None) -> None:
    client = signed_in("admin.ofb")
    before = Officer.objects.count()
    taken = client.post("/officers/new/", {"username": "inv.ofb", "email": "x@example.org", "role": "ANALYST",
                                           "clearance": "RESTRICTED"})
    assert taken.status_code == 400 and 'id="error_username"' in taken.content.decode()
    forged = client.post("/officers/new/", {"username": "boss", "email": "boss@example.org",
                                            "role": "NATIONAL_COORDINATOR", "clearance": "SECRET"})
    page = forged.content.decode()
    assert forged.status_code == 400 and 'id="error_clearance"' in page
    assert Officer.objects.count() == before and not mail.outbox


def test_an_administrator_disables_and_re_enables_an_officer(world: None) -> None:
    client = signed_in("admin.ofb")
    url = officer_url("inv.ofb")
    assert "Disable the account" in client.get(url).content.decode()
    disabled = client.post(url, {"action": "disable"}, follow=True)
    assert "can no longer sign in" in disabled.content.decode()
    assert not Officer.objects.get(username="inv.ofb").is_active
    assert not Client().login(username="inv.ofb", password=DEMO_PASSWORD)
    enabled = client.post(url, {"action": "enable"}, follow=True)
    assert "enabled again" in enabled.content.decode()
    assert Client().login(username="inv.ofb", password=DEMO_PASSWORD)
    assert AuditEvent.objects.filter(action__in=["officer.disable", "officer.enable"]).count() == 2


def test_an_administrator_changes_a_role_within_the_rules(world: None) -> None:
    client = signed_in("admin.ofb")
    page = client.get(officer_url("ana.ofb")).content.decode()
    assert 'name="role"' in page and 'value="NATIONAL_COORDINATOR"' not in page
    changed = client.post(officer_url("ana.ofb"), {"action": "role", "role": "SUPERVISOR"}, follow=True)
    assert "was changed" in changed.content.decode()
    assert Officer.objects.get(username="ana.ofb").role == Role.SUPERVISOR


@pytest.mark.parametrize(("role", "message"), [
    ("NATIONAL_COORDINATOR", "An agency administrator cannot appoint this role."),
    ("PLATFORM_OFFICER", "Platform officers belong to an online platform."),
])
def test_a_role_beyond_the_rules_is_refused_beside_the_field(world: None, role: str, message: str) -> None:
    refused = signed_in("admin.ofb").post(officer_url("ana.ofb"), {"action": "role", "role": role})
    page = refused.content.decode()
    assert refused.status_code == 400 and message in page and 'id="error_role"' in page
    assert Officer.objects.get(username="ana.ofb").role == Role.ANALYST


def test_an_administrator_cannot_change_their_own_account(world: None) -> None:
    client = signed_in("admin.ofb")
    page = client.get(officer_url("admin.ofb")).content.decode()
    assert 'name="action"' not in page and "Another administrator" in page
    refused = client.post(officer_url("admin.ofb"), {"action": "disable"})
    assert refused.status_code == 400 and Officer.objects.get(username="admin.ofb").is_active


def test_another_agencys_officer_answers_exactly_as_one_that_does_not_exist(world: None) -> None:
    client = signed_in("admin.ofb")
    hidden_pk = Officer.objects.get(username="inv.seprona").pk
    # a missing officer whose key has as many digits: both ids then have the same length and base64 padding, so
    # the page's echoes of them (plain and URL-encoded) differ only by the id itself
    digits = len(str(hidden_pk))
    taken = set(Officer.objects.values_list("pk", flat=True))
    missing_pk = next(pk for pk in range(10**digits - 1, 10 ** (digits - 1) - 1, -1) if pk not in taken)
    hidden_id, missing_id = to_global_id("Officer", hidden_pk), to_global_id("Officer", missing_pk)
    hidden_url, missing_url = f"/officers/{hidden_id}/", f"/officers/{missing_id}/"
    hidden, missing = client.get(hidden_url), client.get(missing_url)
    assert hidden.status_code == missing.status_code == 404
    # the same page, but for the address asked for (which the page echoes, plain and URL-encoded in its links)
    asked = CSRF.sub(b"", hidden.content)
    for hidden_form, missing_form in ((quote(quote(hidden_id)), quote(quote(missing_id))),
                                      (quote(hidden_id), quote(missing_id)), (hidden_id, missing_id)):
        asked = asked.replace(hidden_form.encode(), missing_form.encode())
    assert asked == CSRF.sub(b"", missing.content)
    assert b"seprona" not in hidden.content
    assert client.post(hidden_url, {"action": "disable"}).status_code == 404
    assert client.get("/officers/not-an-id/").status_code == 404
    assert Officer.objects.get(username="inv.seprona").is_active


@pytest.mark.parametrize("username", ["sup.ofb", "inv.ofb", "pf.leboncoin", "coord.fr"])
def test_the_officer_pages_are_absent_for_anyone_but_an_agency_administrator(world: None, username: str) -> None:
    client = signed_in(username)
    colleague = Officer.objects.filter(agency__officers__username=username).exclude(username=username).first()
    target = officer_url(colleague.username if colleague else username)
    for path in ("/officers/", "/officers/new/", target):
        assert client.get(path).status_code == 404, path
    assert client.post(target, {"action": "disable"}).status_code == 404
    assert client.post("/officers/new/", {"username": "x", "email": "x@example.org", "role": "ANALYST",
                                          "clearance": "RESTRICTED"}).status_code == 404
    assert not Officer.objects.filter(username="x").exists()
    assert 'href="/officers/"' not in client.get("/").content.decode()


def test_the_officer_list_costs_the_same_statements_whatever_its_length(world: None) -> None:
    client = signed_in("admin.ofb")
    few = _statements(client, "/officers/")
    agency = Officer.objects.get(username="admin.ofb").agency
    Officer.objects.bulk_create([Officer(username=f"extra.{n}", email=f"extra.{n}@example.org", agency=agency,
                                         role=Role.ANALYST) for n in range(60)])
    # the session with the officer, their agency and its mandates in force (which the shell reads), the page with
    # its count
    assert _statements(client, "/officers/?size=50") == few == 2


def test_an_officers_page_costs_a_fixed_number_of_statements(world: None) -> None:
    assert _statements(signed_in("admin.ofb"), officer_url("inv.ofb")) == 2


# --- integration page ----------------------------------------------------------------------------------------


def test_a_token_is_shown_once_when_issued_and_authenticates(world: None) -> None:
    client = signed_in("pf.leboncoin")
    issued = client.post("/integration/", {"name": "moderation back office", "scopes": "WRITE",
                                           "days": "30"})
    page = issued.content.decode()
    raw = re.search(r'id="raw-token" type="text" readonly value="(wn_[^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert issued.status_code == 200 and "shown this once" in page
    assert "no-store" in issued["Cache-Control"]
    token = ApiToken.objects.get(name="moderation back office")
    assert token.prefix == raw[:10] and sorted(token.scopes) == ["read", "write"]
    again = client.get("/integration/").content.decode()
    assert raw not in again and f"{token.prefix}…" in again and "moderation back office" in again
    api = Client().post("/graphql/", {"query": "{ viewer { username } }"}, content_type="application/json",
                        HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.json() == {"data": {"viewer": {"username": "pf.leboncoin"}}}
    shown = client.get("/integration/").content.decode()
    assert "Never" not in shown.split("moderation back office", 1)[1].split("</tr>", 1)[0]  # its last use


@pytest.mark.parametrize(("form", "field"), [({"name": "x", "days": "30"}, "scopes"),
                                             ({"name": "x", "scopes": "ALL"}, "scopes"),
                                             ({"name": "", "scopes": "READ"}, "name"),
                                             ({"name": "x", "scopes": "READ", "days": "9999"}, "days"),
                                             ({"name": "x", "scopes": "READ", "days": "soon"}, "days")])
def test_a_refused_token_shows_the_error_beside_its_field_and_issues_nothing(world: None, form: dict[str, Any],
                                                                              field: str) -> None:
    refused = signed_in("pf.leboncoin").post("/integration/", form)
    page = refused.content.decode()
    assert refused.status_code == 400 and f'id="error_{field}"' in page and 'id="raw-token"' not in page
    assert not ApiToken.objects.exists()


def test_revoking_a_token_shows_it_revoked(world: None) -> None:
    token, _ = issue_token(Officer.objects.get(username="pf.leboncoin"), name="old connector", scopes=["read"])
    client = signed_in("pf.leboncoin")
    revoked = client.post(f"/integration/tokens/{to_global_id('ApiToken', token.pk)}/revoke/", follow=True)
    page = revoked.content.decode()
    assert "is revoked" in page and "Revoked" in page
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_an_administrator_sees_and_revokes_the_agencys_tokens(world: None) -> None:
    token, _ = issue_token(Officer.objects.get(username="inv.ofb"), name="case tool", scopes=["read"])
    issue_token(Officer.objects.get(username="inv.seprona"), name="sistema", scopes=["read"])
    client = signed_in("admin.ofb")
    page = client.get("/integration/").content.decode()
    assert "case tool" in page and "inv.ofb" in page and "sistema" not in page
    assert "What your systems send" not in page  # the notice calls are a platform's
    client.post(f"/integration/tokens/{to_global_id('ApiToken', token.pk)}/revoke/")
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_another_agencys_token_answers_exactly_as_one_that_does_not_exist(world: None) -> None:
    elsewhere, _ = issue_token(Officer.objects.get(username="inv.seprona"), name="sistema", scopes=["read"])
    client = signed_in("admin.ofb")
    hidden = client.post(f"/integration/tokens/{to_global_id('ApiToken', elsewhere.pk)}/revoke/")
    missing = client.post(f"/integration/tokens/{to_global_id('ApiToken', 999_999)}/revoke/")
    assert hidden.status_code == missing.status_code == 404
    assert ApiToken.objects.get(pk=elsewhere.pk).revoked_at is None
    assert client.get(f"/integration/tokens/{to_global_id('ApiToken', elsewhere.pk)}/revoke/").status_code == 405


def test_the_integration_page_costs_the_same_statements_whatever_the_number_of_tokens(world: None) -> None:
    client = signed_in("admin.ofb")
    issue_token(Officer.objects.get(username="admin.ofb"), name="first", scopes=["read"])
    few = _statements(client, "/integration/")
    for number in range(30):
        issue_token(Officer.objects.get(username="inv.ofb" if number % 2 else "ana.ofb"), name=f"t{number}",
                    scopes=["read"])
    # the session with the officer, their agency and its mandates in force (which the shell reads), the page with
    # its count, the tokens' officers
    assert _statements(client, "/integration/?size=50") == few == 3


# --- the API calls the integration page shows ----------------------------------------------------------------


def test_the_examples_are_the_ones_on_the_page() -> None:
    assert [example.document for example in examples.PLATFORM] == [path.stem for path in EXAMPLES]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_each_example_validates_against_the_schema(path: Path) -> None:
    document = parse(path.read_text(encoding="utf-8"))
    assert validate(schema(), document, validation_rules()) == []


def test_a_platform_officer_sees_the_calls_with_the_bearer_header_and_they_work_in_order(world: None) -> None:
    page = signed_in("pf.leboncoin").get("/integration/").content.decode()
    assert "What your systems send" in page and "Authorization: Bearer $WILDNET_TOKEN" in page
    assert page.count("curl ") == len(examples.PLATFORM)
    _, raw = issue_token(Officer.objects.get(username="pf.leboncoin"), name="system", scopes=["read", "write"])

    def call(example: examples.Example, variables: dict[str, Any]) -> dict[str, Any]:
        assert "'" not in json.dumps({"query": example.query, "variables": example.variables})  # shell-quotable
        response = Client().post("/graphql/", {"query": example.query, "variables": variables},
                                 content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
        body: dict[str, Any] = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        return body["data"]

    listing, acknowledging, reporting = examples.PLATFORM
    notices = call(listing, listing.variables)["takedownNotices"]["edges"]
    assert notices and all(edge["node"]["items"] for edge in notices)
    notice = notices[0]["node"]
    acknowledged = call(acknowledging, {"id": notice["id"]})["acknowledgeNotice"]
    assert acknowledged["errors"] == [] and acknowledged["notice"]["status"] == "ACKNOWLEDGED"
    report = {**reporting.variables["input"], "noticeId": notice["id"], "itemId": notice["items"][0]["id"]}
    reported = call(reporting, {"input": report})["reportNoticeOutcome"]
    assert reported["errors"] == [] and reported["item"]["outcome"] == "REMOVED"
