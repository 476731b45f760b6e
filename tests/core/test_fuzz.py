"""Property-based fuzzing of the GraphQL API, driven by the committed SDL (issue 19).

hypothesis-graphql writes documents over ``schema.graphql``: valid queries and mutations whose arguments mix
garbage with the real global ids, references, codes and periods of the demo world, and documents with one schema
violation each. They go through the real HTTP stack as anonymous and as officers of several roles. The properties
are the API's promises: never a 5xx, never ``INTERNAL_ERROR`` (every refusal is typed), and a mutation that
reports an error changes no row (only the audit log and the outbox, which record refusals, may grow).

The runs are derandomized and bounded so that CI sees the same examples every time; the database state that the
examples build up is kept across the examples of one test, as it lets later examples reach further.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphql
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import Client
from graphql_relay import to_global_id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries

from officers.models import Officer

SCHEMA = graphql.build_schema(
    (Path(__file__).resolve().parents[2] / "schema.graphql").read_text(encoding="utf-8"))

#: Anonymous, then one officer of each kind of access.
ROLES = (None, "inv.ofb", "sup.ofb", "admin.ofb", "coord.fr", "pf.leboncoin", "spotter.ifaw", "sysadmin")
PURPOSES = (None, "investigation", "analysis", "prosecution", "platform_compliance", "nonsense")

#: Tables that legitimately change when a request is refused: the audit log records the refusal, the outbox
#: what to deliver about it, and the session who signed in.
UNDIGESTED = frozenset({"audit.AuditEvent", "audit.ChainLink", "audit.ChainHead",
                        "outbox.OutboxMessage", "officers.OfficerSession"})

FUZZ = settings(derandomize=True, deadline=None, database=None, print_blob=False,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much])


@dataclass
class World:
    """The demo world as the fuzzer sees it: a client per role, and the documents it draws."""

    clients: dict[str | None, Client]
    queries: st.SearchStrategy[str]
    mutations: st.SearchStrategy[str]
    invalid: st.SearchStrategy[str]


@pytest.fixture
def world(db: Any, settings: Any, tmp_path: Path) -> World:
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", stdout=io.StringIO())
    clients: dict[str | None, Client] = {}
    for username in ROLES:
        clients[username] = Client()
        if username:
            clients[username].force_login(Officer.objects.get(username=username))
    scalars = _scalars([gid for ids in _real_ids().values() for gid in ids], _real_words())
    return World(clients=clients, queries=queries(SCHEMA, custom_scalars=scalars),
                 mutations=mutations(SCHEMA, custom_scalars=scalars, print_ast=_with_errors),
                 invalid=st.one_of(queries(SCHEMA, custom_scalars=scalars, mode=Mode.NEGATIVE),
                                   mutations(SCHEMA, custom_scalars=scalars, mode=Mode.NEGATIVE)))


def _real_ids() -> dict[str, list[str]]:
    """Global ids of the first and the latest objects of every node type of the live schema, by type name."""
    from wildnet.schema import schema

    found = {}
    for name, named in sorted(schema.graphql_schema.type_map.items()):
        model = getattr(getattr(getattr(named, "graphene_type", None), "_meta", None), "model", None)
        if model is None or "Node" not in {i.name for i in getattr(named, "interfaces", ())}:
            continue
        rows = model._default_manager.order_by("pk").values_list("pk", flat=True)
        keys = sorted({*rows[:2], *rows.reverse()[:2]})
        if keys:
            found[name] = [to_global_id(name, pk) for pk in keys]
    return found


def _real_words() -> list[str]:
    """Strings that name something in the demo: references, codes, countries, periods, values, usernames."""
    from agencies.models import Agency
    from cases.models import Case, Entity, Listing, Species
    from compliance.models import NationalAssessment

    words = ["FR", "ES", "BE", "IE", "2025", "2026", "2025-01-01/2025-06-30", "I", "II", "III", "NC", "H1", "H2",
             "H3", "ivoire", "python", "pangolin", "perroquet", "#ivoire", "leboncoin", "investigation", "EUR",
             "fr", "-created_at", "created_at", "reference", "1.1", "BP-1", "LM-1.1"]
    words += list(Case.objects.values_list("reference", flat=True)[:5])
    words += list(Agency.objects.values_list("code", flat=True)[:8])
    words += list(Officer.objects.values_list("username", flat=True)[:8])
    words += list(Listing.objects.values_list("url", flat=True)[:5])
    words += list(Entity.objects.values_list("value", flat=True)[:5])
    words += list(Species.objects.values_list("scientific_name", flat=True)[:5])
    words += [f"{a.period_start.isoformat()}/{a.period_end.isoformat()}"
              for a in NationalAssessment.objects.all()[:3]]
    return sorted(set(words))


def _string_node(value: str) -> graphql.StringValueNode:
    return graphql.StringValueNode(value=value)


def _garbage_ids() -> st.SearchStrategy[str]:
    """Ids that are not ids, ids of types that do not exist, and real types with impossible keys."""
    import base64

    def encode(text: str) -> str:
        return base64.b64encode(text.encode("utf-8")).decode("ascii")

    type_names = st.sampled_from(["Case", "Listing", "Entity", "Species", "Mandate", "Officer", "TakedownNotice",
                                  "NoticeItem", "Share", "Evidence", "Nope", "", "Query"])
    keys = st.one_of(st.integers(min_value=-(2**63), max_value=2**63).map(str),
                     st.sampled_from(["", "1.5", "abc", "1e3", " 1", "0x1", "٣", "null", "1;DROP"]))
    return st.one_of(st.text(max_size=20), st.tuples(type_names, keys).map(lambda t: encode(f"{t[0]}:{t[1]}")),
                     st.text(max_size=20).map(encode))


def _cursors() -> st.SearchStrategy[str]:
    """Cursors of both kinds the API hands out (a connection's offset, a search's sort key), with odd contents."""
    import base64

    numbers = st.sampled_from([-5, -1, 0, 1, 3, 99, 2**31, 2**63, -(2**63), 10**30])
    offsets = numbers.map(lambda n: base64.b64encode(f"arrayconnection:{n}".encode()).decode())
    keys = st.tuples(st.one_of(st.floats(), st.text(max_size=3), numbers), st.sampled_from(["case", "listing", ""]),
                     st.one_of(numbers, st.text(max_size=3), st.none()))
    sort_keys = keys.map(lambda key: base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode())
    return st.one_of(offsets, sort_keys)


def _scalars(ids: list[str], words: list[str]) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Value nodes for the built-in scalars (mostly the demo's values and sensible ones, some garbage) and for
    the custom ones. A value a scalar refuses fails the whole document, so garbage is kept to a minority."""
    small = st.integers(min_value=-3, max_value=120)
    ints = st.one_of(small, small, st.sampled_from([0, 1, 100, 101, 2**31 - 1, -(2**31)]),
                     st.integers(min_value=-(2**31), max_value=2**31 - 1))
    moments = st.datetimes(min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9999, 12, 30),
                           timezones=st.sampled_from([datetime.UTC, datetime.timezone(datetime.timedelta(hours=14)),
                                                      None]))
    recent = st.datetimes(min_value=datetime.datetime(2024, 1, 1), max_value=datetime.datetime(2030, 1, 1),
                          timezones=st.just(datetime.UTC))
    dates = st.one_of(st.dates(), st.dates(min_value=datetime.date(2024, 1, 1), max_value=datetime.date(2027, 1, 1)))
    words_ = st.sampled_from(words)
    return {
        "ID": st.one_of(st.sampled_from(ids), _garbage_ids()).map(_string_node),
        "String": st.one_of(words_, words_, st.text(max_size=30), _cursors(),
                            st.sampled_from(["", " ", "\x00", "FR\x00", "%", "_", "'", "\\"])).map(_string_node),
        "Int": ints.map(lambda n: graphql.IntValueNode(value=str(n))),
        "DateTime": st.one_of(recent.map(lambda m: m.isoformat()), moments.map(lambda m: m.isoformat()),
                              st.sampled_from(["2026-01-01T00:00:00", "9999-12-31T23:00:00-10:00",
                                               "0001-01-01T00:00:00+14:00"]),
                              st.text(max_size=25)).map(_string_node),
        "Date": st.one_of(dates.map(lambda d: d.isoformat()), dates.map(lambda d: d.isoformat()),
                          st.text(max_size=12)).map(_string_node),
        "Decimal": st.one_of(
            st.sampled_from([str(pk) for pk in range(-1, 4)] + ["1.5", "NaN", "Infinity", "-0", "1e400"]),
            st.text(max_size=8)).map(_string_node),
        "Upload": st.text(max_size=5).map(_string_node),
    }


def _digest() -> str:
    """One digest over every row of every table a refused request must not touch."""
    hasher = hashlib.sha256()
    with connection.cursor() as cursor:
        for model in sorted(apps.get_models(include_auto_created=True), key=lambda m: m._meta.label):
            if model._meta.label in UNDIGESTED:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT * FROM {table} ORDER BY 1")  # noqa: S608  (names from the model registry)
            hasher.update(model._meta.label.encode())
            for row in cursor.fetchall():
                hasher.update(repr(row).encode())
    return hasher.hexdigest()


def _post(world: World, role: str | None, purpose: str | None, document: str) -> tuple[int, dict[str, Any]]:
    headers = {"HTTP_X_WILDNET_PURPOSE": purpose} if purpose else {}
    response = world.clients[role].post("/graphql/", data=json.dumps({"query": document}),
                                        content_type="application/json", **headers)
    return response.status_code, response.json()


def _no_fault(status: int, body: dict[str, Any], document: str) -> None:
    assert status < 500, (status, body, document)
    faults = [e for e in body.get("errors") or [] if (e.get("extensions") or {}).get("code") == "INTERNAL_ERROR"]
    assert not faults, (faults, document)


def _with_errors(document: graphql.DocumentNode) -> str:
    """The mutation, each of whose fields also selects its typed ``errors``: the test must know which failed."""
    selection = graphql.parse("{ fuzzErrors: errors { code field } }").definitions[0].selection_set.selections[0]
    for definition in document.definitions:
        for field in getattr(definition, "selection_set", None).selections:
            if isinstance(field, graphql.FieldNode) and field.selection_set is not None:
                field.selection_set.selections = (*field.selection_set.selections, selection)
    return graphql.print_ast(document)


def _words(name: str) -> set[str]:
    """The lower-case words of a camelCase name, less ``id``: ``leadOfficerId`` is {lead, officer}."""
    return {word.lower() for word in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", name)} - {"id", "ids"}


def _aim_ids(document: str, data: st.DataObject) -> str:
    """Most ids pointed at objects of the type their argument names, so that operations get past ``NOT_FOUND``.

    ``caseId`` gets a case's id, ``approveShare(id:)`` a share's; the live database is read each time, so objects
    that earlier examples created are targets too. The rest keep what the scalar strategy drew.
    """
    ids = _real_ids()
    type_info = graphql.TypeInfo(SCHEMA)
    names: list[str] = []

    class Aim(graphql.Visitor):
        def enter(self, node: graphql.Node, *_args: Any) -> None:
            if isinstance(node, graphql.FieldNode | graphql.ArgumentNode | graphql.ObjectFieldNode):
                names.append(node.name.value)

        def leave(self, node: graphql.Node, *_args: Any) -> None:
            if isinstance(node, graphql.FieldNode | graphql.ArgumentNode | graphql.ObjectFieldNode):
                names.pop()

        def enter_string_value(self, node: graphql.StringValueNode, *_args: Any) -> Any:
            named = graphql.get_named_type(type_info.get_input_type())
            if named is None or named.name != "ID" or not data.draw(st.integers(0, 3), label="aim"):
                return None
            wanted = next((_words(name) for name in reversed(names) if _words(name)), set())
            candidates = [gid for name, gids in ids.items() if _words(name) & wanted for gid in gids]
            every = [gid for gids in ids.values() for gid in gids]
            return graphql.StringValueNode(value=data.draw(st.sampled_from(candidates or every), label="id"))

    aimed = graphql.visit(graphql.parse(document), graphql.TypeInfoVisitor(type_info, Aim()))
    return graphql.print_ast(aimed)


def _all_refused(body: dict[str, Any]) -> bool:
    """Whether every mutation of the document reported an error (so none of them may have changed anything)."""
    data = body.get("data")
    if data is None:
        return True
    failed_roots = {tuple(e["path"]) for e in body.get("errors") or [] if len(e.get("path") or ()) == 1}
    return all((value is None and (key,) in failed_roots) or (value is not None and value.get("fuzzErrors"))
               for key, value in data.items())


@settings(FUZZ, max_examples=300)
@given(data=st.data())
def test_no_query_is_a_fault(world: World, data: st.DataObject) -> None:
    document = _aim_ids(data.draw(world.queries, label="document"), data)
    role = data.draw(st.sampled_from(ROLES), label="role")
    status, body = _post(world, role, data.draw(st.sampled_from(PURPOSES), label="purpose"), document)
    _no_fault(status, body, document)


@settings(FUZZ, max_examples=300)
@given(data=st.data())
def test_no_mutation_is_a_fault_and_a_refused_one_changes_nothing(world: World, data: st.DataObject) -> None:
    document = _aim_ids(data.draw(world.mutations, label="document"), data)
    role = data.draw(st.sampled_from(ROLES), label="role")
    purpose = data.draw(st.sampled_from(PURPOSES), label="purpose")
    before = _digest()
    status, body = _post(world, role, purpose, document)
    _no_fault(status, body, document)
    if _all_refused(body):
        assert _digest() == before, (body, document)


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_an_invalid_document_is_refused_before_anything_runs(world: World, data: st.DataObject) -> None:
    document = data.draw(world.invalid, label="document")
    role = data.draw(st.sampled_from(ROLES), label="role")
    before = _digest()
    status, body = _post(world, role, "investigation", document)
    _no_fault(status, body, document)
    expected = 401 if role is None else 400  # an anonymous caller is refused before the document is read
    assert status == expected and body.get("data") is None and body["errors"], (status, body, document)
    assert _digest() == before, (body, document)
