"""Statements narrowed by the policy, compiled once per process (``access.prepared``): a kept statement must
answer exactly what building it again would — for another instant, other keys, another officer, changed
mandates — and anything it cannot vouch for is built every time."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from access import (
    lookups,  # noqa: F401  (``__any``)
    prepared,
)
from access.policy import Viewer, register_visibility, visible
from cases import actions as case_actions
from cases.models import Case, Listing
from cases.rules import cases as case_rule
from mandates.models import Mandate
from officers import sessions
from officers.actions import issue_token
from officers.models import Officer

from .conftest import viewer


@pytest.fixture(autouse=True)
def empty() -> Iterator[None]:
    prepared.forget()
    yield
    prepared.forget()


def case_by_pk(who: Viewer, pk: Any) -> QuerySet[Case]:
    return visible(who, Case.objects.filter(pk=pk))


def listings_of(who: Viewer, case_ids: list[int]) -> QuerySet[Listing]:
    return visible(who, Listing.objects.filter(case_id__any=case_ids))


def at(who: Viewer, delta: datetime.timedelta) -> Viewer:
    """The same officer and purpose at another instant (a later request)."""
    return dataclasses.replace(who, at=who.at + delta, cache={})


def test_a_kept_statement_takes_each_request_instant(ofb_case: Any, share: Any,
                                                     django_assert_num_queries: Any) -> None:
    share(ofb_case, expires_at=timezone.now() + datetime.timedelta(hours=1))
    now = viewer("inv.oclaesp")
    assert prepared.rows(now, Case, "case", ofb_case.pk, case_by_pk) == [ofb_case]
    assert [s is not None and len(s.slots) >= 2 for s in prepared.kept("case")] == [True]
    later = at(now, datetime.timedelta(hours=2))
    with django_assert_num_queries(2):  # the mandates in force (the signature), then the kept statement
        assert prepared.rows(later, Case, "case", ofb_case.pk, case_by_pk) == []
    assert list(case_by_pk(later, ofb_case.pk)) == []  # what building it again says
    assert prepared.rows(at(now, datetime.timedelta(minutes=30)), Case, "case", ofb_case.pk, case_by_pk) == [
        ofb_case]
    assert len(prepared.kept("case")) == 1


def unshared_case() -> Case:
    """Another OFB case with a listing, not shared."""
    inv = viewer("inv.ofb")
    case = case_actions.create_case(inv, case_actions.CaseInput(title="Other", jurisdictions=["FR"]))
    case_actions.add_listing(inv, case, case_actions.ListingInput(url="https://www.leboncoin.fr/ad/2"))
    return case


def test_a_kept_statement_takes_each_request_keys(ofb_case: Any, share: Any) -> None:
    other = unshared_case()
    share(ofb_case)
    assert prepared.rows(viewer("inv.oclaesp"), Case, "case", ofb_case.pk, case_by_pk) == [ofb_case]
    assert prepared.rows(viewer("inv.oclaesp"), Case, "case", other.pk, case_by_pk) == []
    assert prepared.rows(viewer("inv.oclaesp"), Case, "case", ofb_case.pk, case_by_pk) == [ofb_case]
    assert len(prepared.kept("case")) == 1


def test_listings_of_many_cases_are_kept_where_the_keys_travel_as_one_array(ofb_case: Any, share: Any) -> None:
    hidden = Listing.objects.get(case=unshared_case())
    share(ofb_case)
    found = prepared.rows(viewer("inv.oclaesp"), Listing, "listings", [ofb_case.pk, hidden.case_id], listings_of)
    assert {row.case_id for row in found} == {ofb_case.pk}
    again = prepared.rows(viewer("inv.oclaesp"), Listing, "listings", [hidden.case_id], listings_of)
    assert again == []
    # PostgreSQL gets ``= ANY(array)``, the same text for any number of keys; SQLite an ``IN`` list whose text
    # changes with their number, which is never kept.
    assert [s is not None for s in prepared.kept("listings")] == [connection.vendor == "postgresql"]


def test_another_officer_or_changed_mandates_get_their_own_statement(ofb_case: Any, share: Any) -> None:
    share(ofb_case)
    assert prepared.rows(viewer("inv.oclaesp"), Case, "case", ofb_case.pk, case_by_pk) == [ofb_case]
    # The same officer, now an agency administrator (who reads no case intelligence): refused.
    Officer.objects.filter(username="inv.oclaesp").update(role="agency_admin")
    assert prepared.rows(viewer("inv.oclaesp"), Case, "case", ofb_case.pk, case_by_pk) == []
    Officer.objects.filter(username="inv.oclaesp").update(role="investigator")
    assert prepared.rows(viewer("inv.oclaesp"), Case, "case", ofb_case.pk, case_by_pk) == [ofb_case]
    # The mandate no longer allows the purpose: the same officer is refused at the next request.
    for mandate in Mandate.objects.filter(agency__code="fr-oclaesp"):
        mandate.purposes = [p for p in mandate.purposes if p != "investigation"]
        mandate.save(update_fields=["purposes"])
    assert prepared.rows(viewer("inv.oclaesp"), Case, "case", ofb_case.pk, case_by_pk) == []
    assert prepared.rows(viewer("inv.oclaesp", purpose=None), Case, "case", ofb_case.pk, case_by_pk) == []
    # Kept, least recently used first: the administrator's, who sees nothing (no statement to keep); the
    # investigator's, used twice; the changed mandates'; no purpose's.
    assert [s is None for s in prepared.kept("case")] == [True, False, False, False]


def test_a_parameter_derived_otherwise_from_the_instant_is_never_kept(ofb_case: Any) -> None:
    def since_yesterday(who: Viewer, pk: Any) -> QuerySet[Case]:
        return case_by_pk(who, pk).filter(created_at__gte=who.at - datetime.timedelta(days=1))

    inv = viewer("inv.ofb")
    assert prepared.rows(inv, Case, "recent", ofb_case.pk, since_yesterday) == [ofb_case]
    assert prepared.kept("recent") == [None]
    assert prepared.rows(at(inv, datetime.timedelta(days=2)), Case, "recent", ofb_case.pk, since_yesterday) == []


def test_models_not_declared_are_built_every_time(ofb_case: Any) -> None:
    def mandates(who: Viewer, pk: Any) -> QuerySet[Mandate]:
        return visible(who, Mandate.objects.filter(pk=pk))

    mandate = Mandate.objects.filter(agency__code="fr-ofb").first()
    assert mandate is not None
    sup = viewer("sup.ofb")
    assert prepared.rows(sup, Mandate, "mandate", mandate.pk, mandates) == list(mandates(sup, mandate.pk))
    assert prepared.kept("mandate") == []


def test_registering_a_rule_again_retires_kept_statements(ofb_case: Any) -> None:
    inv = viewer("inv.ofb")
    assert prepared.rows(inv, Case, "case", ofb_case.pk, case_by_pk) == [ofb_case]
    try:
        register_visibility(Case)(lambda who: case_rule(who) & Q(title="never"))
        assert prepared.rows(viewer("inv.ofb"), Case, "case", ofb_case.pk, case_by_pk) == []
    finally:
        register_visibility(Case)(case_rule)
    assert prepared.rows(viewer("inv.ofb"), Case, "case", ofb_case.pk, case_by_pk) == [ofb_case]


def test_the_local_date_is_filled_in_the_time_zone_in_force(ofb_case: Any, share: Any) -> None:
    """Task force memberships end on a local calendar day: just before midnight UTC it is already the next
    day in Paris, and a membership ending that day no longer counts there."""
    from agencies.models import TaskForce, TaskForceMembership

    operation = TaskForce.objects.get(name="Operation Thunder (demo)")
    share(ofb_case, recipient_task_force=operation)
    late = datetime.datetime.combine(timezone.now().date(), datetime.time(23, 30), tzinfo=datetime.UTC)
    paris_day = late.date() + datetime.timedelta(days=1)
    TaskForceMembership.objects.filter(task_force=operation, agency__code="fr-oclaesp").update(left_on=paris_day)
    member = dataclasses.replace(viewer("inv.oclaesp"), at=late)
    with timezone.override("UTC"):
        assert prepared.rows(member, Case, "case", ofb_case.pk, case_by_pk) == [ofb_case]
        assert prepared.rows(at(member, datetime.timedelta(hours=1)), Case, "case", ofb_case.pk,
                             case_by_pk) == []
    with timezone.override("Europe/Paris"):
        assert prepared.rows(at(member, datetime.timedelta(0)), Case, "case", ofb_case.pk, case_by_pk) == []
        assert prepared.rows(at(member, -datetime.timedelta(hours=1)), Case, "case", ofb_case.pk,
                             case_by_pk) == [ofb_case]
    assert len(prepared.kept("case")) == 2 and None not in prepared.kept("case")


def test_a_search_fills_the_request_instant_into_the_kept_visible_rows(ofb_case: Any, share: Any) -> None:
    """The database backend embeds each type's visible rows, kept compiled (``prepared.sql``): a share that
    expired between two searches by the same officer takes its case out of the second one's hits and total."""
    from search.backends import get_backend
    from search.backends.base import SearchQuery

    backend = get_backend()
    backend.index("case", [ofb_case.pk])
    share(ofb_case, expires_at=timezone.now() + datetime.timedelta(hours=1))
    now = viewer("inv.oclaesp")

    def found(who: Viewer) -> tuple[int, list[Any]]:
        result = backend.search(who, SearchQuery(text="Ivoire"))
        return result.total, [(hit.type, hit.id) for hit in result.hits]

    assert found(now) == (1, [("case", ofb_case.pk)])
    assert any(s is not None for s in prepared.kept(("sql", ("search", "case"))))
    assert found(at(now, datetime.timedelta(hours=2))) == (0, [])
    assert found(at(now, datetime.timedelta(minutes=30))) == (1, [("case", ofb_case.pk)])


def test_every_narrowed_read_takes_the_kept_condition_with_the_request_instant(ofb_case: Any, share: Any) -> None:
    """``policy.visible`` adds the rule's condition compiled once (``prepared.where``): counts, lists and
    subqueries see the instant of their own request."""
    share(ofb_case, expires_at=timezone.now() + datetime.timedelta(hours=1))
    now = viewer("inv.oclaesp")
    assert visible(now, Case.objects.all()).count() == 1
    assert any(s is not None for s in prepared.kept(("where", Case)))
    later = at(now, datetime.timedelta(hours=2))
    assert visible(later, Case.objects.all()).count() == 0
    assert list(visible(later, Listing.objects.all())) == []
    assert visible(at(now, datetime.timedelta(minutes=30)), Listing.objects.all()).count() == 1


def test_a_kept_condition_follows_its_rows_into_subqueries_and_combined_queries(ofb_case: Any, share: Any) -> None:
    """Nested as a subquery (its table then read under an alias such as ``U0``) or combined with ``|``, the
    compiled condition selects what the rule's ``Q`` selects."""
    from cases.models import Entity

    unshared_case()
    share(ofb_case)
    who = viewer("inv.oclaesp")
    visible(who, Case.objects.all()).count()  # keeps Case's condition
    visible(who, Listing.objects.all()).count()  # and Listing's
    nested = set(Entity.objects.filter(
        pk__in=Listing.objects.filter(pk__in=visible(who, Listing.objects.all()).values("pk")).values(
            "seller_id")))
    assert nested == {listing.seller for listing in Listing.objects.filter(case=ofb_case)} and None not in nested
    cases = visible(who, Case.objects.filter(title="Ivoire")) | visible(who, Case.objects.filter(title="Other"))
    assert list(cases) == [ofb_case]
    inside = Case.objects.filter(pk__in=visible(who, Case.objects.all()).values("pk"))
    assert list(inside) == [ofb_case]
    conditions = prepared.kept(("where", Case)) + prepared.kept(("where", Listing))
    assert len(conditions) == 2 and None not in conditions


def test_kept_rows_are_the_instances_the_orm_builds(ofb_case: Any) -> None:
    """Rows of a kept statement are built without ``Model.__init__`` (``prepared._reader``): the same values,
    deferred columns still deferred, saved state, and init signal receivers still called."""
    from django.db.models.signals import post_init

    def listing_by_pk(who: Viewer, pk: Any) -> QuerySet[Listing]:
        return visible(who, Listing.objects.filter(pk=pk)).only("url", "case_id", "first_seen_at")

    inv = viewer("inv.ofb")
    listing = Listing.objects.get(case=ofb_case)
    prepared.rows(inv, Case, "case", ofb_case.pk, case_by_pk)
    prepared.rows(inv, Listing, "listing", listing.pk, listing_by_pk)
    assert None not in prepared.kept("case") + prepared.kept("listing")
    [kept_case] = prepared.rows(inv, Case, "case", ofb_case.pk, case_by_pk)
    fresh = Case.objects.get(pk=ofb_case.pk)
    assert {f.attname: getattr(kept_case, f.attname) for f in Case._meta.concrete_fields} == {
        f.attname: getattr(fresh, f.attname) for f in Case._meta.concrete_fields}
    assert (kept_case._state.adding, kept_case._state.db, kept_case.get_deferred_fields()) == (False, "default", set())
    [kept_listing] = prepared.rows(inv, Listing, "listing", listing.pk, listing_by_pk)
    assert kept_listing.get_deferred_fields() == listing_by_pk(inv, listing.pk).get().get_deferred_fields() != set()
    assert (kept_listing.url, kept_listing.first_seen_at) == (listing.url, listing.first_seen_at)
    assert kept_listing.title == listing.title  # a deferred column loads on access, as Django's own rows do
    kept_listing.url = "https://www.leboncoin.fr/ad/kept"
    kept_listing.save(update_fields=["url"])
    assert Listing.objects.get(pk=listing.pk).url == "https://www.leboncoin.fr/ad/kept"

    seen: list[Any] = []

    def receiver(sender: Any, instance: Any, **kwargs: Any) -> None:
        seen.append(instance.pk)

    post_init.connect(receiver, sender=Case)
    try:
        prepared.forget()
        prepared.rows(inv, Case, "case", ofb_case.pk, case_by_pk)
        seen.clear()
        assert prepared.rows(inv, Case, "case", ofb_case.pk, case_by_pk) == [ofb_case]
        assert seen == [ofb_case.pk]
    finally:
        post_init.disconnect(receiver, sender=Case)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_kept_statements_are_prepared_on_the_server(ofb_case: Any) -> None:
    """PostgreSQL parses and plans a kept statement once per connection: its values travel apart from its text."""
    inv = viewer("inv.ofb")
    for _ in range(2):
        assert prepared.rows(inv, Case, "case", ofb_case.pk, case_by_pk) == [ofb_case]
    [statement] = prepared.kept("case")
    assert statement is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        texts = [row[0] for row in cursor.fetchall()]
    assert any(text.startswith(statement.sql.split("%s")[0]) and "$1" in text for text in texts)


def test_the_mandates_in_force_are_read_at_each_request_instant(ofb_case: Any, share: Any) -> None:
    """The mandates a rule reads (``sharing.rules.in_force_mandates``) come from a kept statement too: a mandate
    that lapses between two requests no longer lets its agency see what was shared under it."""
    share(ofb_case)
    lapse = timezone.now() + datetime.timedelta(hours=1)
    Mandate.objects.filter(agency__code="fr-oclaesp").update(valid_until=lapse)
    now = viewer("inv.oclaesp")
    assert prepared.rows(now, Case, "case", ofb_case.pk, case_by_pk) == [ofb_case]
    assert [s is not None for s in prepared.kept("unnarrowed")] == [True]
    assert prepared.rows(at(now, datetime.timedelta(hours=2)), Case, "case", ofb_case.pk, case_by_pk) == []
    assert prepared.rows(at(now, datetime.timedelta(minutes=30)), Case, "case", ofb_case.pk, case_by_pk) == [
        ofb_case]


def test_the_request_officer_comes_with_the_mandates_in_force_at_its_instant(ofb_case: Any) -> None:
    """The officer a request reads (``officers.sessions``) brings their agency's mandates in force, newest first,
    in the same statement: the suspended and lapsed ones left out, an agency without any still signed in."""
    oclaesp = Officer.objects.get(username="inv.oclaesp")
    [granted] = Mandate.objects.filter(agency=oclaesp.agency)
    newer = Mandate.objects.get(pk=granted.pk)
    newer.pk, newer.legal_reference, newer.granted_at = None, "Second MoU", granted.granted_at + datetime.timedelta(1)
    newer.save()
    for status, until in (("suspended", None), ("active", timezone.now() - datetime.timedelta(seconds=1))):
        dropped = Mandate.objects.get(pk=granted.pk)
        dropped.pk, dropped.status = None, status
        dropped.valid_until = until or dropped.valid_until
        dropped.save()
    officer = sessions.officer(oclaesp.pk)
    assert officer is not None and officer.username == "inv.oclaesp"
    instant = sessions.read_at(officer)
    assert instant is not None
    assert sessions.mandates_read(officer, instant) == [newer, granted] == list(
        Mandate.objects.in_force(instant).filter(agency=oclaesp.agency))
    assert sessions.mandates_read(officer, instant + datetime.timedelta(microseconds=1)) is None
    assert sessions.mandates_read(oclaesp, instant) is None  # read by the ORM: nothing came with it
    ngo = Officer.objects.filter(agency__mandates__isnull=True, is_active=True).first()
    assert ngo is not None
    alone = sessions.officer(ngo.pk)
    assert alone is not None and alone.pk == ngo.pk and sessions.mandates_read(alone, sessions.read_at(alone)) == []


@pytest.mark.parametrize("path", ["session", "token"])
def test_a_mandate_read_with_the_officer_lapses_at_the_next_request(
        gql: Any, ofb_case: Any, share: Any, monkeypatch: Any, django_assert_num_queries: Any, path: str) -> None:
    """The request's viewer takes the instant the officer was read at, so the mandates read with them are the
    policy's: one fewer statement, and a mandate lapsing between two requests stops the share at the next one,
    through a browser session or an API token alike."""
    share(ofb_case)
    Mandate.objects.filter(agency__code="fr-oclaesp").update(valid_until=timezone.now() + datetime.timedelta(minutes=5))
    oclaesp = Officer.objects.get(username="inv.oclaesp")
    headers: dict[str, str] = {"HTTP_X_WILDNET_PURPOSE": "investigation"}
    if path == "session":
        gql.login("inv.oclaesp")
    else:
        _, raw = issue_token(oclaesp, name="sync", scopes=["read"], days=1)
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    query = "{ cases(first: 10) { totalCount edges { node { reference } } } }"

    def shared() -> Any:
        return gql.client.post("/graphql/", {"query": query}, content_type="application/json",
                               **headers).json()["data"]["cases"]

    shared()
    # the session with its officer (or the token and its officer), their agency and its mandates, the page with
    # its count, the read audit's event
    with django_assert_num_queries(3):
        assert shared() == {"totalCount": 1, "edges": [{"node": {"reference": ofb_case.reference}}]}
    moment = timezone.now() + datetime.timedelta(minutes=10)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    assert shared() == {"totalCount": 0, "edges": []}
