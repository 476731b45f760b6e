"""The execution context's short paths and batches answer exactly as graphql-core's full path."""

from __future__ import annotations

import importlib
from typing import Any

import graphene
import pytest
from graphql import GraphQLError, Undefined, execute, parse
from graphql_sync_dataloaders import SyncDataLoader

from api.execution import BatchingExecutionContext, PlainField, PlainListField, plain_field
from api.loaders import Loader


class Colour(graphene.Enum):
    RED = "r"
    GREEN = "g"


class Item(graphene.ObjectType):
    name = graphene.String(required=True)
    note = graphene.String()
    count = graphene.Int()
    tags = graphene.List(graphene.NonNull(graphene.String), required=True)
    scores = graphene.List(graphene.Int)
    colours = graphene.List(graphene.NonNull(Colour))
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
    def __init__(self, name: Any, note: Any = None, count: Any = None, **lists: Any) -> None:
        self.name, self.note, self.count = name, note, count
        self.tags, self.scores, self.colours = lists.get("tags", []), lists.get("scores"), lists.get("colours")


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


def answers(query: str, items: list[Any]) -> tuple[Any, list[tuple[str, Any]]]:
    result = run(query, items)
    return result.data, [(error.message, error.path) for error in result.errors or []]


@pytest.mark.parametrize("rows", [
    lambda: [Row("a", tags=["x", "y"], scores=[1, None, 3], colours=["r", "g"]), Row("b")],
    lambda: [Row("a", tags=["x", None])],  # a null in a list of non-null strings: the list's parent is null
    lambda: [Row("a", scores=[1, "many"])],  # a value the scalar refuses: that item is null, with its error
    lambda: [Row("a", colours=["r", "blue"])],  # not one of the enum's values: the list is null, with its error
    lambda: [Row("a", tags=None)],  # a null for a non-null list
    lambda: [Row("a", tags=("x", "y"), scores=(s for s in [4]))],  # a tuple, and an iterable that is not a list
])
def test_lists_of_scalars_answer_as_graphql_core_s_full_path(rows: Any) -> None:
    query = "{ items { name tags scores colours } }"
    result = execute(SCHEMA, parse(query), context_value={"items": rows()})
    assert answers(query, rows()) == (result.data, [(error.message, error.path) for error in result.errors or []])


def test_a_list_of_scalars_is_answered_in_line_unless_the_full_path_must_report_it() -> None:
    item = SCHEMA.get_type("Item")
    short = {name: plain_field(item, parse(f"{{ {name} }}").definitions[0].selection_set.selections[0],  # type: ignore[arg-type,attr-defined]
                               SCHEMA)
             for name in ("tags", "scores", "colours")}
    assert all(isinstance(field, PlainListField) for field in short.values())
    row = Row("a", tags=("x", "y"), scores=[1, None], colours=["g", "r"])
    assert [short[name].complete(row) for name in short] == [["x", "y"], [1, None], ["GREEN", "RED"]]  # type: ignore[union-attr]
    for refused in (Row("a", tags=["x", None]), Row("a", tags=None), Row("a", scores=iter([1]))):
        assert Undefined in [short["tags"].complete(refused), short["scores"].complete(refused)]  # type: ignore[union-attr]
    with pytest.raises(GraphQLError):  # the execution context then takes the full path, which reports it
        short["scores"].complete(Row("a", scores=[1, "many"]))  # type: ignore[union-attr]


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


class Held(graphene.ObjectType):
    """An object whose required field comes from a batch, null for the key ``b``."""

    name = graphene.String(required=True)
    required_later = graphene.String(required=True)
    later = graphene.String()

    @staticmethod
    def resolve_required_later(root: Any, info: Any) -> Any:
        value = None if root.name == "b" else f"held {root.name}"
        if info.context.get("direct"):
            return value
        loader = info.context.setdefault("held", Loader(lambda keys: [None if k == "b" else f"held {k}" for k in keys]))
        return loader.load(root.name)

    @staticmethod
    def resolve_later(root: Any, info: Any) -> Any:
        if info.context.get("direct"):
            return f"later {root.name}"
        return info.context.setdefault("later", Loader(lambda keys: [f"later {k}" for k in keys])).load(root.name)


class HeldQuery(graphene.ObjectType):
    required = graphene.List(graphene.NonNull(Held), required=True)
    nullable_list = graphene.List(graphene.NonNull(Held))
    nullable_items = graphene.List(Held)
    one = graphene.Field(Held)

    @staticmethod
    def resolve_required(root: Any, info: Any) -> list[Any]:
        return [Row(name) for name in "abc"]

    resolve_nullable_list = resolve_nullable_items = resolve_required

    @staticmethod
    def resolve_one(root: Any, info: Any) -> Any:
        return Row("b")


HELD = graphene.Schema(query=HeldQuery).graphql_schema


@pytest.mark.parametrize("query", [
    "{ required { name requiredLater } }",
    "{ nullableList { name requiredLater } }",
    "{ nullableItems { name later requiredLater } }",
    "{ nullableItems { name requiredLater } nullableList { name later } }",
    "{ one { name later requiredLater } required { later } }",
])
def test_a_null_for_a_non_null_field_from_a_batch_nulls_the_nearest_nullable_parent(query: str) -> None:
    """As the specification says and graphql-core does with plain values: the error is reported at the field,
    its parents up to the first nullable one are null, and the rest of the answer stands (a batch's failure
    once left pending fields behind and failed the whole request)."""
    batched = execute(HELD, parse(query), context_value={}, execution_context_class=BatchingExecutionContext)
    plain = execute(HELD, parse(query), context_value={"direct": True})
    assert plain.errors, "the case must have an error to propagate"
    assert batched.data == plain.data
    assert [(e.message, e.path) for e in batched.errors or []] == [(e.message, e.path) for e in plain.errors]


class Typed(graphene.ObjectType):
    """A type that accepts only its own rows, as the platform's node types do (``is_type_of``)."""

    name = graphene.String(required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, Row)


class Box(graphene.ObjectType):
    """An object holding others in attributes read by graphene's default resolver, as an edge holds its node."""

    item = graphene.Field(Item)
    must = graphene.Field(Item, required=True)
    typed = graphene.Field(Typed)


class BoxQuery(graphene.ObjectType):
    boxes = graphene.List(graphene.NonNull(Box))

    @staticmethod
    def resolve_boxes(root: Any, info: Any) -> list[Any]:
        return info.context["boxes"]


class Boxed:
    def __init__(self, item: Any = None, must: Any = None, typed: Any = None) -> None:
        self.item, self.must, self.typed = item, must, typed


BOXES = graphene.Schema(query=BoxQuery).graphql_schema


def test_an_object_held_in_an_attribute_is_completed_in_line(monkeypatch: Any) -> None:
    """The object is read, checked and its fields executed without the full path (``ObjectField``); its own
    fields, batched ones included, answer as before."""
    executed: list[tuple[str, str]] = []
    full_path = BatchingExecutionContext.execute_field

    def spy(self: Any, parent_type: Any, source: Any, field_nodes: Any, path: Any) -> Any:
        executed.append((parent_type.name, field_nodes[0].name.value))
        return full_path(self, parent_type, source, field_nodes, path)

    monkeypatch.setattr(BatchingExecutionContext, "execute_field", spy)
    boxes = [Boxed(Row("a", count=1), Row("b"), Row("c")), Boxed({"name": "d"}, Row("e"), Row("f"))]
    result = execute(BOXES, parse("{ boxes { item { name count later } must { shout } typed { name } } }"),
                     context_value={"boxes": boxes}, execution_context_class=BatchingExecutionContext)
    assert result.errors is None
    assert result.data == {"boxes": [
        {"item": {"name": "a", "count": 1, "later": "later a"}, "must": {"shout": "B"}, "typed": {"name": "c"}},
        {"item": {"name": "d", "count": None, "later": "later d"}, "must": {"shout": "E"}, "typed": {"name": "f"}}]}
    assert not {("Box", "item"), ("Box", "must"), ("Box", "typed")} & set(executed)
    assert ("Item", "later") in executed and ("Item", "shout") in executed  # resolvers of their own still run


@pytest.mark.parametrize(("query", "boxes"), [
    ("{ boxes { item { name } } }", [Boxed(None), Boxed(Row("a"))]),
    ("{ boxes { must { name } } }", [Boxed(must=Row("a")), Boxed(must=None)]),
    ("{ boxes { item { name } must { name } } }", [Boxed(Row(None), Row("b")), Boxed(Row("c"), Row("d"))]),
    ("{ boxes { must { name } } }", [Boxed(must=Row(None))]),
    ("{ boxes { typed { name } } }", [Boxed(typed=Row("a")), Boxed(typed={"name": "not a row"})]),
    ("{ boxes { item { count } } }", [Boxed(Row("a", count="many"))]),
])
def test_an_object_held_in_an_attribute_answers_nulls_and_errors_as_the_full_path(query: str, boxes: Any) -> None:
    """A null, a value its type refuses, an error in its own fields: the same answer and errors as graphql-core's
    own execution."""
    batched = execute(BOXES, parse(query), context_value={"boxes": boxes},
                      execution_context_class=BatchingExecutionContext)
    plain = execute(BOXES, parse(query), context_value={"boxes": boxes})
    assert batched.data == plain.data
    assert [(e.message, e.path) for e in batched.errors or []] == [(e.message, e.path) for e in plain.errors or []]


def test_a_kept_document_collects_each_selection_once(monkeypatch: Any) -> None:
    """A document parsed once and run again (as ``api.documents`` keeps them) reuses the fields collected for
    each selection; a fresh parse of the same text starts again."""
    graphql_execute = importlib.import_module("graphql.execution.execute")  # the package's `execute` hides it
    collected: list[str] = []
    collect = graphql_execute.collect_sub_fields

    def spy(schema: Any, fragments: Any, variables: Any, return_type: Any, field_nodes: Any) -> Any:
        collected.append(return_type.name)
        return collect(schema, fragments, variables, return_type, field_nodes)

    monkeypatch.setattr(graphql_execute, "collect_sub_fields", spy)
    document = parse("{ boxes { item { name } } }")
    boxes = [Boxed(Row("a")), Boxed(Row("b"))]
    for _ in range(3):
        result = execute(BOXES, document, context_value={"boxes": boxes},
                         execution_context_class=BatchingExecutionContext)
        assert result.data == {"boxes": [{"item": {"name": "a"}}, {"item": {"name": "b"}}]}
    assert sorted(collected) == ["Box", "Item"]
    execute(BOXES, parse("{ boxes { item { name } } }"), context_value={"boxes": boxes},
            execution_context_class=BatchingExecutionContext)
    assert sorted(collected) == ["Box", "Box", "Item", "Item"]


@pytest.mark.parametrize("directive", ["@include(if: $flag)", "@skip(if: $flag)"])
def test_a_selection_that_a_variable_includes_is_collected_for_each_request(directive: str) -> None:
    """With ``@include`` or ``@skip`` reading a variable, the same kept document answers each request's
    variables, not the first request's."""
    document = parse(f"query Q($flag: Boolean!) {{ boxes {{ item {{ name count {directive} }} }} }}")
    boxes = [Boxed(Row("a", count=1))]
    answers = [execute(BOXES, document, context_value={"boxes": boxes}, variable_values={"flag": flag},
                       execution_context_class=BatchingExecutionContext).data for flag in (True, False, True)]
    shown, hidden = {"boxes": [{"item": {"name": "a", "count": 1}}]}, {"boxes": [{"item": {"name": "a"}}]}
    assert answers == ([shown, hidden, shown] if directive.startswith("@include") else [hidden, shown, hidden])
