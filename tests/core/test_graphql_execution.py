"""The execution context's short path for plain scalar fields answers exactly as graphql-core's full path."""

from __future__ import annotations

from typing import Any

import graphene
from graphql import execute, parse
from graphql_sync_dataloaders import SyncDataLoader

from api.execution import BatchingExecutionContext, PlainField, plain_field


class Item(graphene.ObjectType):
    name = graphene.String(required=True)
    note = graphene.String()
    count = graphene.Int()
    shout = graphene.String()
    later = graphene.String(description="Through a batched loader: a future, answered after the first pass.")

    @staticmethod
    def resolve_later(root: Any, info: Any) -> Any:
        loader = info.context.setdefault("loader", SyncDataLoader(lambda keys: [f"later {k}" for k in keys]))
        return loader.load(root["name"] if isinstance(root, dict) else root.name)

    @staticmethod
    def resolve_shout(root: Any, info: Any) -> str:
        return str((root["name"] if isinstance(root, dict) else root.name).upper())


class Query(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(Item), required=True)

    @staticmethod
    def resolve_items(root: Any, info: Any) -> list[Any]:
        return info.context["items"]


class Row:
    def __init__(self, name: Any, note: Any = None, count: Any = None) -> None:
        self.name, self.note, self.count = name, note, count


SCHEMA = graphene.Schema(query=Query).graphql_schema


def run(query: str, items: list[Any], middleware: Any = None) -> Any:
    return execute(SCHEMA, parse(query), context_value={"items": items}, middleware=middleware,
                   execution_context_class=BatchingExecutionContext)


def test_plain_fields_are_read_and_serialised_and_resolvers_still_run() -> None:
    result = run("{ items { name note count shout } }", [Row("a", count=3), {"name": "b", "note": "n"}])
    assert result.errors is None
    assert result.data == {"items": [{"name": "a", "note": None, "count": 3, "shout": "A"},
                                     {"name": "b", "note": "n", "count": None, "shout": "B"}]}


def test_only_fields_read_by_graphene_s_default_resolver_take_the_short_path() -> None:
    item = SCHEMA.get_type("Item")
    field = parse("{ name }").definitions[0].selection_set.selections[0]  # type: ignore[attr-defined]
    assert isinstance(plain_field(item, field, SCHEMA), PlainField)  # type: ignore[arg-type]
    shout = parse("{ shout }").definitions[0].selection_set.selections[0]  # type: ignore[attr-defined]
    assert plain_field(item, shout, SCHEMA) is None  # type: ignore[arg-type]


def test_a_null_in_a_non_null_plain_field_is_the_usual_error() -> None:
    result = run("{ items { name } }", [Row("a"), Row(None)])
    assert result.data is None
    assert [(e.message, e.path) for e in result.errors or []] == [
        ("Cannot return null for non-nullable field Item.name.", ["items", 1, "name"])]


def test_a_value_the_scalar_refuses_is_the_usual_error() -> None:
    result = run("{ items { count } }", [Row("a", count="many")])
    assert result.data == {"items": [{"count": None}]}
    assert len(result.errors or []) == 1 and result.errors[0].path == ["items", 0, "count"]  # type: ignore[index]
    assert "Int cannot represent non-integer value" in result.errors[0].message  # type: ignore[index]


def test_middleware_still_sees_every_field() -> None:
    seen: list[str] = []

    def spy(next_: Any, root: Any, info: Any, **args: Any) -> Any:
        seen.append(info.field_name)
        return next_(root, info, **args)

    assert run("{ items { name note } }", [Row("a")], middleware=[spy]).data == {
        "items": [{"name": "a", "note": None}]}
    assert seen == ["items", "name", "note"]


def test_fields_keep_the_selection_s_order_when_some_wait_for_a_batch() -> None:
    result = run("{ items { name later count } }", [Row("a", count=1), Row("b", count=2)])
    assert result.errors is None
    assert [list(item.items()) for item in result.data["items"]] == [  # type: ignore[index]
        [("name", "a"), ("later", "later a"), ("count", 1)], [("name", "b"), ("later", "later b"), ("count", 2)]]
