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
from graphql_sync_dataloaders import DeferredExecutionContext

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

    Plain scalar fields (:class:`PlainField`) are completed directly; anything unusual about one (a null for a
    non-null field, a value the scalar refuses) goes through graphql-core's full path, which reports it exactly
    as it always did.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain: dict[tuple[GraphQLObjectType, str], PlainField | None] = {}
        # graphene-django hands over its (usually empty) list of middleware as a manager even when it is empty.
        self._wrapped = bool(self.middleware_manager and self.middleware_manager.middlewares)

    def handle_field_error(self, error: GraphQLError, return_type: GraphQLOutputType, path: Any = None) -> None:
        if is_non_null_type(return_type):
            raise error
        self.collected_errors.add(error, path)

    def execute_field(self, parent_type: GraphQLObjectType, source: Any, field_nodes: list[FieldNode],
                      path: Path) -> Any:
        if not self._wrapped:
            key = (parent_type, field_nodes[0].name.value)
            try:
                plain = self._plain[key]
            except KeyError:
                plain = self._plain[key] = plain_field(parent_type, field_nodes[0], self.schema)
            if plain is not None:
                try:
                    value = plain.complete(source)
                except Exception:  # the full path below raises it again and reports it as it should
                    value = Undefined
                if value is not Undefined:
                    return value
        return super().execute_field(parent_type, source, field_nodes, path)
