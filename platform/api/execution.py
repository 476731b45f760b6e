"""The execution context that lets nested loaders batch, with a short path for plain scalar fields."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from graphene.relay.node import GlobalID
from graphene_django import DjangoObjectType
from graphql import (
    ExecutionContext,
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLID,
    GraphQLLeafType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    OperationDefinitionNode,
    is_non_null_type,
    located_error,
)
from graphql.execution.execute import get_field_def
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, is_iterable
from graphql_sync_dataloaders import DeferredExecutionContext, SyncFuture
from graphql_sync_dataloaders.execution_context import PENDING_FUTURE

from .loaders import Loader, by_id, request_loaders
from .selection import DEFAULT_RESOLVERS, FOREIGN, subfields_of


class PlainField:
    """How to complete a field that reads an attribute of its parent and returns a scalar or an enum.

    Most fields of a page are such: a case's ``reference``, a listing's ``url``. graphql-core builds, for each
    one, a path, a resolve-info object and an argument dict, and walks ``complete_value`` twice (non-null, then
    leaf), which was most of the CPU of a 100-case page. For these fields none of that can change the answer:
    no arguments, no resolver of our own, no middleware.
    """

    __slots__ = ("attname", "default", "leaf", "names", "non_null")

    def __init__(self, attname: str, default: Any, leaf: GraphQLLeafType, non_null: bool) -> None:
        self.attname, self.default, self.leaf, self.non_null = attname, default, leaf, non_null
        #: An enum's names by value, as its ``serialize`` gave them (graphene's builds an enum member each time).
        self.names: dict[Any, Any] | None = {} if isinstance(leaf, GraphQLEnumType) else None

    def complete(self, source: Any) -> Any:
        """The serialised value, or ``Undefined`` when the full path must run (to raise its own error)."""
        value = (source.get(self.attname, self.default) if isinstance(source, dict)
                 else getattr(source, self.attname, self.default))
        if value is None or value is Undefined:
            return Undefined if self.non_null else None
        if isinstance(value, Exception):
            return Undefined
        return self.serialise(value)

    def serialise(self, value: Any) -> Any:
        """One value that is not null, serialised, or ``Undefined`` when the scalar refuses it."""
        names = self.names
        if names is not None and value.__class__ in (str, int):
            name = names.get(value)
            if name is None:
                name = names[value] = self.leaf.serialize(value)
            return name
        serialised = self.leaf.serialize(value)
        return Undefined if serialised is None else serialised


class PlainListField(PlainField):
    """How to complete a list of scalars or enums read from an attribute of its parent (a case's
    ``jurisdictions``, its ``citesAppendices``): each item serialised as :class:`PlainField` would.

    A null item, or one its scalar refuses, sends the whole field through the full path, which reports it.
    """

    __slots__ = ("items_non_null",)

    def __init__(self, attname: str, default: Any, leaf: GraphQLLeafType, non_null: bool,
                 items_non_null: bool) -> None:
        super().__init__(attname, default, leaf, non_null)
        self.items_non_null = items_non_null

    def complete(self, source: Any) -> Any:
        values = (source.get(self.attname, self.default) if isinstance(source, dict)
                  else getattr(source, self.attname, self.default))
        if values is None or values is Undefined:
            return Undefined if self.non_null else None
        if not isinstance(values, list | tuple):
            return Undefined
        completed: list[Any] = []
        for value in values:
            if value is None:
                if self.items_non_null:
                    return Undefined
                completed.append(None)
                continue
            serialised = self.serialise(value)
            if serialised is Undefined:
                return Undefined
            completed.append(serialised)
        return completed


class GlobalIdField:
    """How to complete a Relay ``id``: the type's name and the row's key, in base 64 (graphene's ``GlobalID``
    over ``DjangoObjectType.resolve_id``), without a resolver call."""

    __slots__ = ("node", "type_name")

    def __init__(self, node: Any, type_name: str) -> None:
        self.node, self.type_name = node, type_name

    def complete(self, source: Any) -> Any:
        pk = getattr(source, "pk", None)
        return Undefined if pk is None else self.node.to_global_id(self.type_name, pk)


class ForeignField:
    """How to complete a field that answers the object a foreign key of its parent points at (``related``).

    When a list loaded that object ahead (``api.loaders.children``), its loader already holds it
    (``Loader.loaded``): the field is completed in line, the object's own fields run at once, and no
    resolve-info, argument dict or future is made for it. A null key, or a row the loader found hidden by the
    policy, answers null in line, as the field's resolver would. Otherwise (not loaded yet, an error, a non-null
    field) the full path runs, through the same loader and its cached future, and answers as it always did.
    """

    __slots__ = ("attname", "field_def", "info", "loader", "model", "non_null", "object_type")

    def __init__(self, attname: str, model: type, object_type: GraphQLObjectType, non_null: bool,
                 field_def: Any) -> None:
        self.attname, self.model, self.object_type, self.non_null = attname, model, object_type, non_null
        self.field_def = field_def
        #: The resolve-info handed to the loader and to ``is_type_of``: they read only its context and schema.
        self.info: Any = None
        #: The request's loader of the target model, once asked for.
        self.loader: Loader | None = None


def foreign_field(parent_type: GraphQLObjectType, field_node: FieldNode, schema: Any) -> ForeignField | None:
    """The :class:`ForeignField` of ``parent_type.field``, or None when it is not a foreign key's field."""
    field_def = get_field_def(schema, parent_type, field_node)
    if field_def is None or field_def.args or field_def.resolve not in FOREIGN:
        return None
    non_null = is_non_null_type(field_def.type)
    object_type = field_def.type.of_type if non_null else field_def.type  # type: ignore[union-attr]
    if not isinstance(object_type, GraphQLObjectType):
        return None
    attname, model = FOREIGN[field_def.resolve]
    return ForeignField(attname, model, object_type, non_null, field_def)


class ObjectField:
    """How to complete a field that reads an attribute of its parent holding an object: a connection edge's
    ``node``, once per case of a page.

    graphql-core builds a resolve-info, an argument dict and a path for it, calls the default resolver, and walks
    ``complete_value`` twice (non-null, then object) before the object's own fields; here the attribute is read,
    the object checked by ``is_type_of`` (which notes the read for the audit) and its fields executed at once.
    Anything else (a null, an error, another type) takes the full path, which reports it as it always did.
    """

    __slots__ = ("attname", "default", "field_def", "info", "object_type")

    def __init__(self, attname: str, default: Any, object_type: GraphQLObjectType, field_def: Any) -> None:
        self.attname, self.default, self.object_type, self.field_def = attname, default, object_type, field_def
        #: The resolve-info handed to ``is_type_of``, made at the first object: it reads only context and schema.
        self.info: Any = None

    def value(self, source: Any) -> Any:
        return (source.get(self.attname, self.default) if isinstance(source, dict)
                else getattr(source, self.attname, self.default))


def object_field(parent_type: GraphQLObjectType, field_node: FieldNode, schema: Any) -> ObjectField | None:
    """The :class:`ObjectField` of ``parent_type.field``, or None when graphene's default resolver does not
    answer it with an object type's value."""
    field_def = get_field_def(schema, parent_type, field_node)
    if field_def is None or field_def.args:
        return None
    resolve = field_def.resolve
    if not (isinstance(resolve, partial) and resolve.func in DEFAULT_RESOLVERS and len(resolve.args) == 2
            and not resolve.keywords):
        return None
    object_type = field_def.type.of_type if is_non_null_type(field_def.type) else field_def.type  # type: ignore[union-attr]
    if not isinstance(object_type, GraphQLObjectType):
        return None
    return ObjectField(resolve.args[0], resolve.args[1], object_type, field_def)


def plain_field(parent_type: GraphQLObjectType, field_node: FieldNode,
                schema: Any) -> PlainField | GlobalIdField | None:
    """The :class:`PlainField` (:class:`PlainListField`, :class:`GlobalIdField`) of ``parent_type.field``, or
    None when the field needs graphql-core's full path."""
    field_def = get_field_def(schema, parent_type, field_node)
    if field_def is None or field_def.args:
        return None
    resolve = field_def.resolve
    if (isinstance(resolve, partial) and resolve.func is GlobalID.id_resolver
            and resolve.args[:1] == (DjangoObjectType.resolve_id,) and len(resolve.args) == 2
            and set(resolve.keywords) <= {"parent_type_name"} and is_non_null_type(field_def.type)
            and field_def.type.of_type.name == GraphQLID.name):  # type: ignore[union-attr]
        return GlobalIdField(resolve.args[1], resolve.keywords.get("parent_type_name") or parent_type.name)
    if not (isinstance(resolve, partial) and resolve.func in DEFAULT_RESOLVERS and len(resolve.args) == 2
            and not resolve.keywords):
        return None
    return_type, non_null = field_def.type, is_non_null_type(field_def.type)
    leaf = return_type.of_type if non_null else return_type  # type: ignore[union-attr]
    if isinstance(leaf, GraphQLList):
        items_non_null = is_non_null_type(leaf.of_type)
        item = leaf.of_type.of_type if items_non_null else leaf.of_type
        if not isinstance(item, GraphQLScalarType | GraphQLEnumType):
            return None
        return PlainListField(resolve.args[0], resolve.args[1], item, non_null, items_non_null)
    if not isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
        return None
    return PlainField(resolve.args[0], resolve.args[1], leaf, non_null)


#: Each field's :class:`PlainField` (or :class:`GlobalIdField`, or None) by parent type and name, kept for the
#: process: it depends on the schema alone (a type belongs to one schema), and a case detail has some 45 fields.
_PLAIN: dict[tuple[GraphQLObjectType, str], PlainField | GlobalIdField | None] = {}


class BatchingExecutionContext(DeferredExecutionContext):
    """graphql-sync-dataloaders' deferred execution, compatible with current graphql-core 3.2, in rounds.

    The library calls ``handle_field_error(error, return_type)``, the signature of graphql-core before 3.2.4;
    later releases added ``path``, so without this a resolver error would crash the request instead of
    nulling the field. The path is optional here and, when missing, the error is still collected.

    Plain scalar fields (:class:`PlainField`) are completed in line, in ``execute_fields_serially``; anything
    unusual about one (a null for a non-null field, a value the scalar refuses) goes through graphql-core's full
    path, which reports it exactly as it always did. So are foreign keys loaded ahead (:class:`ForeignField`).

    The library dispatches the pending batches one by one, each completing its fields at once. Here the batches
    pending together form a round (:meth:`run_round`): all are fetched, then the batches their rows load ahead,
    and only then are fields completed.
    """

    _deferred_callbacks: list[Callable[[], None]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._subfields_cache = subfields_of(self.operation, self.fragments)
        self._plans: dict[int, tuple[dict[str, list[FieldNode]], list[Any]]] = {}
        # graphene-django hands over its (usually empty) list of middleware as a manager even when it is empty.
        self._wrapped = bool(self.middleware_manager and self.middleware_manager.middlewares)

    def execute_operation(self, operation: OperationDefinitionNode, root_value: Any) -> Any:
        self._deferred_callbacks = []
        result = ExecutionContext.execute_operation(self, operation, root_value)
        while self._deferred_callbacks:
            callbacks, self._deferred_callbacks = self._deferred_callbacks, []
            self.run_round(callbacks)
        if isinstance(result, SyncFuture):
            if not result.done():
                raise RuntimeError("GraphQL deferred execution failed to complete.")
            return result.result()
        return result

    def run_round(self, callbacks: list[Callable[[], None]]) -> None:
        """Dispatch the batches pending together, in three steps.

        1. Fetch every pending batch, those that load ahead first, so the keys they queue in other loaders
           (a listing's platform) join those loaders' batches of this round rather than make a new one.
        2. Fetch what is queued now: the batches loaded ahead, one per loader.
        3. Settle: the loaders without look-ahead first, so that completing the rows of the others finds their
           related objects loaded; then any other callback, in its order.
        """
        loaders: list[Loader] = []
        for callback in callbacks:
            owner = getattr(callback, "__self__", None)
            if isinstance(owner, Loader) and owner not in loaders:
                loaders.append(owner)
        for loader in sorted(loaders, key=lambda each: not each.ahead):
            loader.fetch()
        ahead = [loader for loader in request_loaders(self.context_value) if loader.pending()]
        while ahead:
            for loader in ahead:
                loader.fetch()
                if loader not in loaders:
                    loaders.append(loader)
            ahead = [loader for loader in request_loaders(self.context_value) if loader.pending()]
        for loader in sorted(loaders, key=lambda each: each.ahead):
            loader.settle()
        for callback in callbacks:
            if not isinstance(getattr(callback, "__self__", None), Loader):
                callback()

    def handle_field_error(self, error: GraphQLError, return_type: GraphQLOutputType, path: Any = None) -> None:
        if is_non_null_type(return_type):
            raise error
        self.collected_errors.add(error, path)

    def _plan(self, parent_type: GraphQLObjectType,
              fields: dict[str, list[FieldNode]]) -> list[tuple[str, list[FieldNode], Any]]:
        """Each field of a selection with its :class:`PlainField`, :class:`ForeignField` or :class:`ObjectField`
        (or None), once per selection and request.

        ``fields`` comes from graphql-core's cache of collected fields, so the same selection (each listing's)
        is the same dict; it is kept with its plan, so that its id cannot be reused by another.
        """
        entry = self._plans.get(id(fields))
        if entry is None or entry[0] is not fields:
            plan: list[tuple[str, list[FieldNode], Any]] = []
            for name, nodes in fields.items():
                key = (parent_type, nodes[0].name.value)
                if key not in _PLAIN:
                    _PLAIN[key] = plain_field(parent_type, nodes[0], self.schema)
                handler: Any = _PLAIN[key]
                if handler is None:
                    handler = (foreign_field(parent_type, nodes[0], self.schema)
                               or object_field(parent_type, nodes[0], self.schema))
                plan.append((name, nodes, handler))
            entry = self._plans[id(fields)] = (fields, plan)
        return entry[1]

    def complete_foreign(self, foreign: ForeignField, parent_type: GraphQLObjectType, source: Any,
                         field_nodes: list[FieldNode], path: Path) -> Any:
        """The completed object of a :class:`ForeignField` loaded ahead, or ``Undefined`` for the full path.

        A row of the target type is checked by ``is_type_of`` as graphql-core does (which notes the read for
        the audit); an error in the object's own fields is reported at this field, as ``execute_field`` would.
        """
        pk = getattr(source, foreign.attname, Undefined)
        if pk is None:  # no key: null, as the field's resolver answers (an error if the field is non-null)
            return Undefined if foreign.non_null else None
        if pk is Undefined:
            return Undefined
        loader = foreign.loader
        if loader is None:
            foreign.info = self.build_resolve_info(foreign.field_def, field_nodes, parent_type, path)
            loader = foreign.loader = by_id(foreign.info, foreign.model)
        row = loader.loaded.get(pk, Undefined)
        if row is None and not foreign.non_null:  # loaded, and the policy hides it: null, as the full path answers
            return None
        if row is None or row is Undefined:  # not loaded (yet): the full path loads it
            return Undefined
        return self._complete_in_line(foreign.object_type, row, foreign.info, foreign.field_def, field_nodes, path)

    def complete_object(self, field: ObjectField, parent_type: GraphQLObjectType, source: Any,
                        field_nodes: list[FieldNode], path: Path) -> Any:
        """The completed object of an :class:`ObjectField`, or ``Undefined`` for the full path."""
        row = field.value(source)
        if row is None or row is Undefined or isinstance(row, Exception | SyncFuture):
            return Undefined
        if field.info is None:
            field.info = self.build_resolve_info(field.field_def, field_nodes, parent_type, path)
        return self._complete_in_line(field.object_type, row, field.info, field.field_def, field_nodes, path)

    def _complete_in_line(self, object_type: GraphQLObjectType, row: Any, info: Any, field_def: Any,
                          field_nodes: list[FieldNode], path: Path) -> Any:
        """``row``'s fields executed at once, or ``Undefined`` when ``is_type_of`` refuses it (the full path
        reports that); an error in the object's own fields is reported at this field, as ``execute_field``
        would."""
        if object_type.is_type_of is not None and object_type.is_type_of(row, info) is not True:
            return Undefined
        try:
            completed = self.execute_fields(object_type, row, path,
                                            self.collect_subfields(object_type, field_nodes))
            if isinstance(completed, SyncFuture) and completed.done():
                return completed.result()
        except Exception as raw_error:
            self.handle_field_error(located_error(raw_error, field_nodes, path.as_list()), field_def.type, path)
            return None
        if not isinstance(completed, SyncFuture):
            return completed
        settled = SyncFuture()
        completed.add_done_callback(partial(self._settle_field, settled, completed, field_def.type, field_nodes,
                                            path))
        return settled

    def complete_list_value(self, return_type: GraphQLList[GraphQLOutputType], field_nodes: list[FieldNode],
                            info: GraphQLResolveInfo, path: Path, result: Any) -> Any:
        """The library's, with rows completed in one loop and errors in batches propagated as graphql-core does.

        graphql-core completes each item through ``complete_value`` twice (non-null, then object), checks it
        with ``is_type_of``, collects its sub-fields and executes them; here the sub-fields are collected once
        for the list and a row of the item type is checked (which notes the read) and executed directly.
        Anything else (a null, a future, another type) takes ``complete_value``, which reports it.
        """
        if isinstance(result, SyncFuture) or not is_iterable(result):
            return super().complete_list_value(return_type, field_nodes, info, path, result)
        items = result if isinstance(result, list) else list(result)
        item_type = return_type.of_type
        object_type = item_type.of_type if is_non_null_type(item_type) else item_type  # type: ignore[union-attr]
        plan = is_type_of = None
        if isinstance(object_type, GraphQLObjectType) and not self._wrapped:
            plan = self._plan(object_type, self.collect_subfields(object_type, field_nodes))
            is_type_of = object_type.is_type_of
        completed: list[Any] = [None] * len(items)
        waiting: list[tuple[int, SyncFuture, Path]] = []
        for index, item in enumerate(items):
            item_path = path.add_key(index, None)
            try:
                if isinstance(item, SyncFuture) and not item.done():
                    if item.deferred_callback:
                        self._deferred_callbacks.append(item.deferred_callback)
                    value: Any = SyncFuture()
                    item.add_done_callback(partial(self._complete_later, value, item, item_type, field_nodes, info,
                                                   item_path))
                else:
                    if isinstance(item, SyncFuture):
                        item = item.result()
                    if plan is not None and item is not None and not isinstance(item, Exception) and (
                            is_type_of is None or is_type_of(item, info) is True):
                        value = self.execute_plan(object_type, item, item_path, plan)  # type: ignore[arg-type]
                    else:
                        value = self.complete_value(item_type, field_nodes, info, item_path, item)
                    if isinstance(value, SyncFuture) and value.done():
                        value = value.result()
            except Exception as raw_error:
                self.handle_field_error(located_error(raw_error, field_nodes, item_path.as_list()), item_type,
                                        item_path)
                continue
            if isinstance(value, SyncFuture):
                if value.deferred_callback:
                    self._deferred_callbacks.append(value.deferred_callback)
                waiting.append((index, value, item_path))
            else:
                completed[index] = value
        if not waiting:
            return completed
        future = SyncFuture()
        unresolved = len(waiting)

        def settle_item(index: int, value: SyncFuture, item_path: Path) -> None:
            nonlocal unresolved
            try:
                completed[index] = value.result()
            except Exception as raw_error:
                if not self._collect(raw_error, field_nodes, item_path, item_type):
                    if not future.done():
                        future.set_exception(located_error(raw_error, field_nodes, item_path.as_list()))
                    return
            unresolved -= 1
            if not unresolved and not future.done():
                future.set_result(completed)

        for index, value, item_path in waiting:
            value.add_done_callback(partial(settle_item, index, value, item_path))
        return future

    def _collect(self, raw_error: Exception, field_nodes: list[FieldNode], path: Path,
                 return_type: GraphQLOutputType) -> bool:
        """Record an error raised while completing a field later, in a callback: True if the field is nullable
        (it is then null), False if the error must fail the parent instead, as graphql-core propagates it."""
        if is_non_null_type(return_type):
            return False
        self.handle_field_error(located_error(raw_error, field_nodes, path.as_list()), return_type, path)
        return True

    def _complete_later(self, future: SyncFuture, resolved: SyncFuture, return_type: GraphQLOutputType,
                        field_nodes: list[FieldNode], info: GraphQLResolveInfo, path: Path) -> None:
        """Complete a value that a batch has just resolved into ``future``; a failure fails ``future`` if the
        field is non-null, else nulls it (a callback must never raise: the batch's other fields would lose their
        rows)."""
        try:
            completed = self.complete_value(return_type, field_nodes, info, path, resolved.result())
            if isinstance(completed, SyncFuture):
                if not completed.done():
                    completed.add_done_callback(partial(self._settle_field, future, completed, return_type,
                                                        field_nodes, path))
                    return
                completed = completed.result()
        except Exception as raw_error:
            self._fail(future, raw_error, field_nodes, path, return_type)
            return
        future.set_result(completed)

    def _settle_field(self, future: SyncFuture, completed: SyncFuture, return_type: GraphQLOutputType,
                      field_nodes: list[FieldNode], path: Path) -> None:
        """Hand a field's completed value (an object whose own fields waited for a batch) to ``future``."""
        try:
            value = completed.result()
        except Exception as raw_error:
            self._fail(future, raw_error, field_nodes, path, return_type)
            return
        future.set_result(value)

    def _fail(self, future: SyncFuture, raw_error: Exception, field_nodes: list[FieldNode], path: Path,
              return_type: GraphQLOutputType) -> None:
        """Settle a field's ``future`` after its completion failed: null if the field is nullable, else failed."""
        if self._collect(raw_error, field_nodes, path, return_type):
            future.set_result(None)
        else:
            future.set_exception(located_error(raw_error, field_nodes, path.as_list()))

    def execute_field(self, parent_type: GraphQLObjectType, source: Any, field_nodes: list[FieldNode],
                      path: Path) -> Any:
        """The library's, with a failure in a later completion propagated to the parent (:meth:`_collect`)."""
        field_def = get_field_def(self.schema, parent_type, field_nodes[0])
        if not field_def:
            return Undefined
        return_type = field_def.type
        resolve_fn = field_def.resolve or self.field_resolver
        if self.middleware_manager:
            resolve_fn = self.middleware_manager.get_field_resolver(resolve_fn)
        info = self.build_resolve_info(field_def, field_nodes, parent_type, path)
        try:
            args = get_argument_values(field_def, field_nodes[0], self.variable_values)
            result = resolve_fn(source, info, **args)
            if isinstance(result, SyncFuture):
                if not result.done():
                    if result.deferred_callback:
                        self._deferred_callbacks.append(result.deferred_callback)
                    future = SyncFuture()
                    result.add_done_callback(partial(self._complete_later, future, result, return_type, field_nodes,
                                                     info, path))
                    return future
                result = result.result()
            completed = self.complete_value(return_type, field_nodes, info, path, result)
            if isinstance(completed, SyncFuture):
                if completed.done():
                    return completed.result()
                future = SyncFuture()
                completed.add_done_callback(partial(self._settle_field, future, completed, return_type, field_nodes,
                                                    path))
                return future
            return completed
        except Exception as raw_error:
            self.handle_field_error(located_error(raw_error, field_nodes, path.as_list()), return_type, path)
            return None

    def execute_fields_serially(self, parent_type: GraphQLObjectType, source_value: Any, path: Path | None,
                                fields: dict[str, list[FieldNode]]) -> Any:
        """The library's, with plain fields and foreign keys loaded ahead answered in line.

        A field whose value needs graphql-core's full path (to report an error) takes it, like any other.
        """
        if self._wrapped:
            return super().execute_fields_serially(parent_type, source_value, path, fields)
        return self.execute_plan(parent_type, source_value, path, self._plan(parent_type, fields))

    execute_fields = execute_fields_serially

    def execute_plan(self, parent_type: GraphQLObjectType, source_value: Any, path: Path | None,
                     plan: list[tuple[str, list[FieldNode], Any]]) -> Any:
        """Execute the fields of a selection's plan (:meth:`_plan`) on ``source_value``."""
        results: dict[str, Any] = {}
        unresolved = 0
        future: SyncFuture | None = None

        def process_result(response_name: str, result: SyncFuture) -> None:
            nonlocal unresolved
            try:
                awaited = result.result()
            except Exception as error:  # a non-null field failed: so does this object, and so on up
                if future is not None and not future.done():
                    future.set_exception(error)
                return
            if awaited is not Undefined:
                results[response_name] = awaited
            else:
                del results[response_name]
            unresolved -= 1
            if not unresolved and future is not None and not future.done():
                future.set_result(results)

        for response_name, field_nodes, handler in plan:
            result: Any = Undefined
            if handler.__class__ is ForeignField:
                result = self.complete_foreign(handler, parent_type, source_value, field_nodes,
                                               Path(path, response_name, parent_type.name))
            elif handler.__class__ is ObjectField:
                result = self.complete_object(handler, parent_type, source_value, field_nodes,
                                              Path(path, response_name, parent_type.name))
            elif handler is not None:
                try:
                    result = handler.complete(source_value)
                except Exception:  # the full path below raises it again and reports it as it should
                    result = Undefined
            if result is Undefined:
                result = self.execute_field(parent_type, source_value, field_nodes,
                                            Path(path, response_name, parent_type.name))
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
