"""Parsing and validating GraphQL documents once, with WildNet's limits and argument checks.

Shared by the API endpoint and the console, which runs its named documents in process: both get the same
validation (limits, no introspection in production, no explicit null for a defaulted argument, no NUL) and the
same cache of prepared documents.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import Any, NamedTuple

from django.conf import settings
from graphene_django.settings import graphene_settings
from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    ListValueNode,
    NullValueNode,
    ObjectValueNode,
    StringValueNode,
    Undefined,
    ValidationRule,
    ValueNode,
    VariableNode,
    parse,
    specified_rules,
    validate,
)

from .limits import alias_limit_rule, cost_limit_rule, depth_limit_rule

#: The meta-fields that describe the schema itself.
SCHEMA_INTROSPECTION = frozenset({"__schema", "__type"})


class SchemaIntrospectionDisabled(ValidationRule):
    """No ``__schema`` or ``__type`` when introspection is off: they hand out the whole schema.

    ``__typename`` stays allowed (graphene's ``DisableIntrospection`` refuses every ``__`` field): it names the
    type of an object the client receives anyway, and Apollo, Relay and urql add it to every selection, so
    refusing it breaks every standard client.
    """

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.name.value in SCHEMA_INTROSPECTION:
            self.report_error(GraphQLError(f"Cannot query '{node.name.value}': introspection is disabled.", node))


@dataclass(frozen=True)
class Binding:
    """A variable used in an argument: the request's value is checked where the document's literals were."""

    argument: str
    variable: str
    default: str | None  # the argument's default (as JSON) when the variable is its whole value, else None


def _literal_has_nul(node: ValueNode) -> bool:
    if isinstance(node, StringValueNode):
        return "\x00" in node.value
    if isinstance(node, ListValueNode):
        return any(_literal_has_nul(item) for item in node.values)
    if isinstance(node, ObjectValueNode):
        return any(_literal_has_nul(item.value) for item in node.fields)
    return False


def _variables_in(node: ValueNode) -> list[str]:
    if isinstance(node, VariableNode):
        return [node.name.value]
    if isinstance(node, ListValueNode):
        return [name for item in node.values for name in _variables_in(item)]
    if isinstance(node, ObjectValueNode):
        return [name for item in node.fields for name in _variables_in(item.value)]
    return []


def argument_rule(bindings: list[Binding]) -> type[ValidationRule]:
    """Refuse, in the document, an explicit ``null`` for an argument that has a default and text holding the NUL
    character; note where variables are used, so the same checks apply to the request's values.

    GraphQL passes such a null on instead of the default, which no resolver expects; no field of WildNet holds a
    NUL, which PostgreSQL refuses in a string (a fault, were it let through) and SQLite would store.
    """

    class ArgumentValues(ValidationRule):
        def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
            definition = self.context.get_argument()
            default = (None if definition is None or definition.default_value in (Undefined, None)
                       else json.dumps(definition.default_value, default=str))
            name = node.name.value
            if isinstance(node.value, NullValueNode) and default is not None:
                self.report_error(_null_error(name, default, node))
            elif _literal_has_nul(node.value):
                self.report_error(_nul_error(name, node))
            bindings.extend(Binding(name, variable, default if isinstance(node.value, VariableNode) else None)
                            for variable in _variables_in(node.value))

    return ArgumentValues


def _null_error(argument: str, default: str, node: Any = None) -> GraphQLError:
    return GraphQLError(f"`{argument}` cannot be null: leave it out for its default ({default}).", node,
                        extensions={"code": "INVALID", "field": argument})


def _nul_error(argument: str, node: Any = None) -> GraphQLError:
    return GraphQLError(f"`{argument}` cannot contain the NUL character.", node,
                        extensions={"code": "INVALID", "field": argument})


def _has_nul(value: Any) -> bool:
    """Whether a variable's value (JSON: strings, lists, objects) holds a NUL character anywhere, keys included."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def variable_errors(bindings: tuple[Binding, ...], variables: dict[str, Any]) -> list[GraphQLError]:
    """The checks of :func:`argument_rule`, on the values the request gives its variables."""
    errors = []
    for binding in bindings:
        if binding.variable not in variables:
            continue
        value = variables[binding.variable]
        if value is None and binding.default is not None:
            errors.append(_null_error(binding.argument, binding.default))
        elif _has_nul(value):
            errors.append(_nul_error(binding.argument))
    return errors


@dataclass(frozen=True)
class Prepared:
    """A parsed and validated document, kept for the next request that sends the same text."""

    document: DocumentNode | None
    errors: tuple[GraphQLError, ...]
    bindings: tuple[Binding, ...]


class CacheInfo(NamedTuple):
    hits: int
    misses: int
    maxsize: int
    currsize: int


class DocumentCache:
    """Prepared documents by content: the SHA-256 of the text, the schema and the limits (a bounded LRU).

    The key is the text's digest, not the text, so the cache holds at most ``maxsize`` prepared documents and no
    copy of up to ``GRAPHQL_MAX_QUERY_BYTES`` of text each. A document's validation errors are kept too: the same
    text under the same schema and limits is refused again without being validated again, and any other text
    (a single character apart) is parsed and validated in full.
    """

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[Any, ...], Prepared] = OrderedDict()
        self._lock = Lock()
        self.hits = self.misses = 0

    def __call__(self, schema: GraphQLSchema, query: str, limits: tuple[Any, ...]) -> Prepared:
        key = (schema, hashlib.sha256(query.encode("utf-8", "surrogatepass")).digest(), limits)
        with self._lock:
            prepared = self._entries.get(key)
            if prepared is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return prepared
            self.misses += 1
        prepared = _prepare(schema, query)
        with self._lock:
            self._entries[key] = prepared
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return prepared

    def cache_info(self) -> CacheInfo:
        return CacheInfo(self.hits, self.misses, self.maxsize, len(self._entries))

    def cache_clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0


def _prepare(schema: GraphQLSchema, query: str) -> Prepared:
    """Parse and validate ``query``: the standard rules, the limits (``validation_rules``), the argument checks.

    A client sends the same few documents over and over; parsing and validating one costs milliseconds, more
    than many resolvers. What depends on the request (its variables) is checked apart, from the bindings.
    """
    try:
        document = parse(query)
    except GraphQLError as error:
        return Prepared(None, (error,), ())
    bindings: list[Binding] = []
    errors = validate(schema, document, (*validation_rules(), argument_rule(bindings)),
                      graphene_settings.MAX_VALIDATION_ERRORS)
    return Prepared(document, tuple(errors), tuple(bindings))


#: ``prepare(schema, query, limits_key())``: the prepared document, from the cache when the same text was
#: prepared under the same schema and limits. ``limits`` is only part of the key: the rules read the settings.
prepare = DocumentCache(maxsize=512)


def validation_rules() -> tuple[Any, ...]:
    """The standard GraphQL rules (which a custom list would otherwise replace), then ours."""
    rules: list[Any] = [
        *specified_rules,
        depth_limit_rule(settings.GRAPHQL_MAX_DEPTH),
        alias_limit_rule(settings.GRAPHQL_MAX_ALIASES),
        cost_limit_rule(settings.GRAPHQL_MAX_COST),
    ]
    if not settings.GRAPHQL_INTROSPECTION:
        rules.append(SchemaIntrospectionDisabled)
    return tuple(rules)


def limits_key() -> tuple[Any, ...]:
    """The settings a prepared document depends on: part of :func:`prepare`'s cache key."""
    return (settings.GRAPHQL_MAX_DEPTH, settings.GRAPHQL_MAX_ALIASES, settings.GRAPHQL_MAX_COST,
            settings.GRAPHQL_INTROSPECTION)
