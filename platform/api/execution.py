"""The execution context that lets nested loaders batch, with a short path for plain scalar fields."""

from __future__ import annotations

from functools import partial
from typing import Any

from graphene.types.resolver import attr_resolver, dict_or_attr_resolver, dict_resolver
from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    is_non_null_type,
)
from graphql.execution.execute import get_field_def
from graphql.pyutils import Path, Undefined
from graphql_sync_dataloaders import DeferredExecutionContext, SyncFuture
from graphql_sync_dataloaders.execution_context import PENDING_FUTURE

#: graphene's resolvers of a field without a ``resolve_…`` method: an attribute (or key) of the parent.
DEFAULT_RESOLVERS = frozenset({dict_or_attr_resolver, attr_resolver, dict_resolver})


class PlainField:
    """How to complete a field that reads an attribute of its parent and returns a scalar or an enum.

    Most fields of a page are such: a case's ``reference``, a listing's ``url``. graphql-core builds, for each
    one, a path, a resolve-info object and an argument dict, and walks ``complete_value`` twice (non-null, then
    leaf), which was most of the CPU of a 100-case page. For these fields none of that can change the answer:
    no arguments, no resolver of our own, no middleware.
    """

    __slots__ = ("attname", "default", "leaf", "non_null")

    def __init__(self, attname: str, default: Any, leaf: GraphQLLeafType, non_null: bool) -> None:
        self.attname, self.default, self.leaf, self.non_null = attname, default, leaf, non_null

    def complete(self, source: Any) -> Any:
        """The serialised value, or ``Undefined`` when the full path must run (to raise its own error)."""
        value = (source.get(self.attname, self.default) if isinstance(source, dict)
                 else getattr(source, self.attname, self.default))
        if value is None or value is Undefined:
            return Undefined if self.non_null else None
        if isinstance(value, Exception):
            return Undefined
        serialised = self.leaf.serialize(value)
        return Undefined if serialised is None else serialised


def plain_field(parent_type: GraphQLObjectType, field_node: FieldNode, schema: Any) -> PlainField | None:
    """The :class:`PlainField` of ``parent_type.field``, or None when the field needs graphql-core's full path."""
    field_def = get_field_def(schema, parent_type, field_node)
    if field_def is None or field_def.args:
        return None
    resolve = field_def.resolve
    if not (isinstance(resolve, partial) and resolve.func in DEFAULT_RESOLVERS and len(resolve.args) == 2
            and not resolve.keywords):
        return None
    return_type, non_null = field_def.type, is_non_null_type(field_def.type)
    leaf = return_type.of_type if non_null else return_type  # type: ignore[union-attr]
    if not isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
        return None
    return PlainField(resolve.args[0], resolve.args[1], leaf, non_null)


class BatchingExecutionContext(DeferredExecutionContext):
    """graphql-sync-dataloaders' deferred execution, compatible with current graphql-core 3.2.

    The library calls ``handle_field_error(error, return_type)``, the signature of graphql-core before 3.2.4;
    later releases added ``path``, so without this a resolver error would crash the request instead of
    nulling the field. The path is optional here and, when missing, the error is still collected.

    Plain scalar fields (:class:`PlainField`) are completed in line, in ``execute_fields_serially``; anything
    unusual about one (a null for a non-null field, a value the scalar refuses) goes through graphql-core's full
    path, which reports it exactly as it always did.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain: dict[tuple[GraphQLObjectType, str], PlainField | None] = {}
        self._plans: dict[int, tuple[dict[str, list[FieldNode]], list[Any]]] = {}
        # graphene-django hands over its (usually empty) list of middleware as a manager even when it is empty.
        self._wrapped = bool(self.middleware_manager and self.middleware_manager.middlewares)

    def handle_field_error(self, error: GraphQLError, return_type: GraphQLOutputType, path: Any = None) -> None:
        if is_non_null_type(return_type):
            raise error
        self.collected_errors.add(error, path)

    def _plan(self, parent_type: GraphQLObjectType,
              fields: dict[str, list[FieldNode]]) -> list[tuple[str, list[FieldNode], PlainField | None]]:
        """Each field of a selection with its :class:`PlainField` (or None), once per selection and request.

        ``fields`` comes from graphql-core's cache of collected fields, so the same selection (each listing's)
        is the same dict; it is kept with its plan, so that its id cannot be reused by another.
        """
        entry = self._plans.get(id(fields))
        if entry is None or entry[0] is not fields:
            plan = []
            for name, nodes in fields.items():
                key = (parent_type, nodes[0].name.value)
                if key not in self._plain:
                    self._plain[key] = plain_field(parent_type, nodes[0], self.schema)
                plan.append((name, nodes, self._plain[key]))
            entry = self._plans[id(fields)] = (fields, plan)
        return entry[1]

    def execute_fields_serially(self, parent_type: GraphQLObjectType, source_value: Any, path: Path | None,
                                fields: dict[str, list[FieldNode]]) -> Any:
        """The library's, with plain fields answered in line: no path, no call, no future for them.

        A plain field whose value needs graphql-core's full path (to report an error) takes it, like any other.
        """
        if self._wrapped:
            return super().execute_fields_serially(parent_type, source_value, path, fields)
        results: dict[str, Any] = {}
        unresolved = 0
        future: SyncFuture | None = None

        def process_result(response_name: str, result: SyncFuture) -> None:
            nonlocal unresolved
            awaited = result.result()
            if awaited is not Undefined:
                results[response_name] = awaited
            else:
                del results[response_name]
            unresolved -= 1
            if not unresolved:
                assert future is not None
                future.set_result(results)

        for response_name, field_nodes, plain in self._plan(parent_type, fields):
            if plain is not None:
                try:
                    value = plain.complete(source_value)
                except Exception:  # the full path below raises it again and reports it as it should
                    value = Undefined
                if value is not Undefined:
                    results[response_name] = value
                    continue
            result = self.execute_field(parent_type, source_value, field_nodes, Path(path, response_name,
                                                                                     parent_type.name))
            if isinstance(result, SyncFuture):
                if result.done():
                    result = result.result()
                    if result is not Undefined:
                        results[response_name] = result
                else:
                    results[response_name] = PENDING_FUTURE  # keeps the field's place in the response
                    future = future or SyncFuture()
                    unresolved += 1
                    result.add_done_callback(partial(process_result, response_name, result))
            elif result is not Undefined:
                results[response_name] = result
        return future if future is not None else results

    execute_fields = execute_fields_serially
