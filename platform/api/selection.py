"""The columns a GraphQL selection reads, so that a list loads those and not whole rows.

A page of 100 cases with their 1,000 listings read every column of every listing (the advert's text, half a
dozen timestamps) to answer ``url title status``: most of the rows' decoding and of the model instances' cost.
A selection says which fields it wants; a field read by graphene's default resolver reads one column, and the
loaders' fields (``related``, ``related_list``, ``related_many``) say which columns they read. Any other
resolver may read anything, so a selection holding one loads whole rows, as before: a deferred column read later
would cost a statement per object.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import models
from graphene.relay.node import GlobalID
from graphene.types.resolver import attr_resolver, dict_or_attr_resolver, dict_resolver
from graphene_django import DjangoObjectType
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLObjectType,
    OperationDefinitionNode,
    VariableNode,
    get_named_type,
)
from graphql.execution.collect_fields import collect_sub_fields

#: graphene's resolvers of a field without a ``resolve_…`` method: an attribute (or key) of the parent.
DEFAULT_RESOLVERS = frozenset({dict_or_attr_resolver, attr_resolver, dict_resolver})
#: Resolvers of a foreign key loaded by key (``api.loaders.related``, declared by :func:`reads_foreign`): the
#: parent's column holding the key, and the target model.
FOREIGN: dict[Callable[..., Any], tuple[str, type[models.Model]]] = {}
#: Resolvers that read only the columns listed (the loaders' fields), beyond the key and the foreign keys.
_COLUMNS: dict[Callable[..., Any], tuple[str, ...]] = {}


def reads_columns(resolve: Callable[..., Any], *columns: str) -> Callable[..., Any]:
    """Declare that ``resolve`` reads only ``columns`` of its parent's row (with its key and foreign keys)."""
    _COLUMNS[resolve] = columns
    return resolve


def reads_foreign(resolve: Callable[..., Any], attname: str, model: type[models.Model]) -> Callable[..., Any]:
    """Declare that ``resolve`` answers the ``model`` row that its parent's column ``attname`` points at,
    loaded by key through the policy: a list may then load those rows ahead, the execution context answer the
    field in line (``api.execution.ForeignField``)."""
    FOREIGN[resolve] = (attname, model)
    return reads_columns(resolve, attname)


def subfields_of(operation: OperationDefinitionNode,
                 fragments: dict[str, FragmentDefinitionNode]) -> dict[tuple[Any, ...], dict[str, list[FieldNode]]]:
    """graphql-core's cache of the fields collected for each selection, kept with the operation when no
    ``@skip`` or ``@include`` of it reads a variable, else for this execution alone.

    Then a selection collects the same fields in every request, and a document is parsed once and kept
    (``api.documents``): the same operation comes back with every request that sends it, and a case detail
    collected its sixteen selections again each time. The cache lives on the operation itself, keyed by its
    own nodes' ids, so it goes when the document does and never meets another document's nodes. What the
    loaders work out from a selection (:func:`selected_columns`, :func:`selected_foreign`) is kept beside it.
    """
    shared = operation.__dict__.get("_wildnet_subfields")
    if shared is None:
        nodes: list[Any] = [operation, *fragments.values()]
        while nodes:
            node = nodes.pop()
            for directive in getattr(node, "directives", None) or ():
                if directive.name.value in ("skip", "include") and any(
                        isinstance(argument.value, VariableNode) for argument in directive.arguments):
                    return {}
            selection_set = getattr(node, "selection_set", None)
            if selection_set is not None:
                nodes.extend(selection_set.selections)
        shared = operation.__dict__["_wildnet_subfields"] = {}
    return shared


def _kept(info: Any, name: str) -> dict[Any, Any]:
    """The cache ``name`` of what selections read: with the operation when its selections are the same in every
    request (:func:`subfields_of`), else with the request."""
    operation = info.operation.__dict__
    if "_wildnet_subfields" in operation:
        return operation.setdefault(name, {})
    return info.context.__dict__.setdefault(name, {})


def selected_foreign(info: Any) -> tuple[tuple[str, type[models.Model]], ...]:
    """The foreign keys that the objects of the field being resolved read through :func:`reads_foreign` fields
    (a listing's ``platform``), as ``(attname, model)`` pairs; worked out once per place in the document (per
    request when it depends on a variable, :func:`_kept`)."""
    cache = _kept(info, "_wildnet_foreign")
    key = id(info.field_nodes[0])
    if key not in cache:
        current, found = get_named_type(info.return_type), set()
        if isinstance(current, GraphQLObjectType):
            fields = collect_sub_fields(info.schema, info.fragments, info.variable_values, current,
                                        list(info.field_nodes))
            for nodes in fields.values():
                field = current.fields.get(nodes[0].name.value)
                if field is not None and field.resolve in FOREIGN:
                    found.add(FOREIGN[field.resolve])
        cache[key] = tuple(sorted(found, key=lambda pair: (pair[0], pair[1]._meta.label)))
    return cache[key]


def narrowable(queryset: Any) -> bool:
    """Whether ``only`` may narrow ``queryset``: rows (not ``values()``), no ``union``, no ``select_related``
    (whose related rows ``only`` would narrow too)."""
    return (isinstance(queryset, models.QuerySet) and getattr(queryset, "_fields", None) is None
            and not queryset.query.combinator and not queryset.query.select_related)


def selected_columns(info: Any, model: type[models.Model], path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """The columns of ``model`` that the selection of the field being resolved reads, or None for all of them.

    ``path`` leads from the field to the objects (``("edges", "node")`` for a connection). The key and every
    foreign key are always loaded: the read audit asks objects for their case, the loaders group by them.
    Worked out once per place in the document (per request when it depends on a variable, :func:`_kept`).
    """
    cache = _kept(info, "_wildnet_columns")
    key = (id(info.field_nodes[0]), model, path)
    if key not in cache:
        cache[key] = _columns(info, model, path)
    return cache[key]


def _columns(info: Any, model: type[models.Model], path: tuple[str, ...]) -> tuple[str, ...] | None:
    current, nodes = get_named_type(info.return_type), list(info.field_nodes)
    for step in path:
        if not isinstance(current, GraphQLObjectType) or step not in current.fields:
            return None
        fields = collect_sub_fields(info.schema, info.fragments, info.variable_values, current, nodes)
        nodes = [node for found in fields.values() for node in found if node.name.value == step]
        current = get_named_type(current.fields[step].type)
    if not isinstance(current, GraphQLObjectType):
        return None
    concrete = {field.attname for field in model._meta.concrete_fields}
    wanted = {model._meta.pk.attname} | {field.attname for field in model._meta.concrete_fields if field.is_relation}
    fields = collect_sub_fields(info.schema, info.fragments, info.variable_values, current, nodes) if nodes else {}
    for found in fields.values():
        name = found[0].name.value
        if name == "__typename":
            continue
        field = current.fields.get(name)
        if field is None:
            return None
        resolve = field.resolve
        if isinstance(resolve, partial) and resolve.func in DEFAULT_RESOLVERS and resolve.args[:1] and \
                resolve.args[0] in concrete:
            wanted.add(resolve.args[0])
        elif isinstance(resolve, partial) and resolve.func is GlobalID.id_resolver and \
                resolve.args[:1] == (DjangoObjectType.resolve_id,):
            continue  # the key
        elif resolve in _COLUMNS:
            wanted.update(_COLUMNS[resolve])
        else:
            return None
    return tuple(sorted(wanted))
