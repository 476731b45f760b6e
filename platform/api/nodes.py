"""Object types and connections whose every read goes through the policy."""

from __future__ import annotations

import json
from contextvars import ContextVar
from functools import partial
from typing import Any

import graphene
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Count, Window
from django.db.models.query import ModelIterable
from graphene import relay
from graphene.relay.connection import connection_adapter, page_info_adapter
from graphene_django import DjangoConnectionField, DjangoObjectType
from graphene_django.filter import DjangoFilterConnectionField
from graphene_django.utils import maybe_queryset
from graphql import FieldNode, FragmentSpreadNode, GraphQLError, InlineFragmentNode
from graphql_relay import connection_from_array_slice, cursor_to_offset, offset_to_cursor

from access import prepared
from access.policy import Viewer, visible, visible_among

from . import reads
from .context import get_viewer
from .selection import narrowable, selected_columns


class CountableConnection(relay.Connection):
    """A Relay connection with the total number of items the viewer may see (never more)."""

    class Meta:
        abstract = True

    total_count = graphene.Int(required=True)

    def resolve_total_count(self, info: Any) -> int:
        return self.length


class PolicyNode(relay.Node):
    """The Relay ``Node`` interface, where any id that names no visible object resolves to ``null``.

    graphene's own raises (an internal error) for an unparseable id, an unknown type name or a type that is not
    a node; here all of those answer exactly like an object that does not exist.
    """

    class Meta:
        name = "Node"

    @classmethod
    def get_node_from_global_id(cls, info: Any, global_id: str, only_type: Any = None) -> Any:
        try:
            type_name, pk = cls.resolve_global_id(info, global_id)
        except Exception:  # graphene raises a bare Exception for ids it cannot decode
            return None
        named = info.schema.get_type(type_name) if type_name else None
        graphene_type = getattr(named, "graphene_type", None)
        interfaces = getattr(getattr(graphene_type, "_meta", None), "interfaces", ())
        if graphene_type is None or cls not in interfaces or (only_type and graphene_type is not only_type):
            return None
        return graphene_type.get_node(info, pk)


class PolicyObjectType(DjangoObjectType):
    """A Django object type that shows only what the policy lets the viewer see.

    ``get_queryset`` narrows every connection and list built on the type, and ``get_node`` answers
    ``node(id:)`` with ``null`` both for a missing and for an invisible object.
    """

    class Meta:
        abstract = True

    @classmethod
    def __init_subclass_with_meta__(cls, **options: Any) -> None:
        options.setdefault("interfaces", (PolicyNode,))
        options.setdefault("connection_class", CountableConnection)
        super().__init_subclass_with_meta__(**options)

    @classmethod
    def get_queryset(cls, queryset: models.QuerySet[Any], info: Any) -> models.QuerySet[Any]:
        return visible(get_viewer(info), queryset)

    @classmethod
    def read_scope(cls, obj: Any) -> int | None:
        """The id of the case ``obj`` belongs to, for the access audit; None for objects outside cases."""
        return None

    @classmethod
    def read_owner(cls, obj: Any) -> int | None:
        """The agency owning ``obj``'s case when ``obj`` says it (a case does): the audit then need not ask."""
        return None

    @classmethod
    def along(cls, viewer: Viewer) -> dict[str, Any]:
        """Annotations that ride along when an object of the type is fetched by id (``get_node``), for what a
        loader would otherwise ask in a statement of its own (a case's redaction flags); the type's
        ``is_type_of`` hands them over. Built for ``viewer`` through the policy, and kept with the statement.

        Not on pages: their statements are compiled per request, and compiling the annotations' policy
        subqueries for a page of 100 cases cost about 18 ms of CPU in one alternated run, where the statement
        they spare costs under 1 ms."""
        return {}

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        """Called by graphql-core for every object it completes: the one place every read passes through.

        A row of the type's own model is the common case, answered without graphene-django's checks; the read
        is only appended to the request's log (``api.reads``), sorted once when the response is ready.
        """
        if type(root) is not cls._meta.model and not super().is_type_of(root, info):
            return False
        reads.note(info.context, cls.read_scope(root), cls._meta.name, root.pk, owner=cls.read_owner(root))
        return True

    @classmethod
    def get_node(cls, info: Any, id: Any) -> Any:  # noqa: A002  (graphene's signature)
        """The object if visible, else ``None`` — the same for a missing and an invisible object.

        One query filtered by the policy, whatever the id: nothing about a hidden object is looked up, so a
        miss costs the same statements and time whether the row exists or not, and nothing records that it
        does (an audit event of a refused read would itself tell the reader, through their own log, that the
        object exists).
        """
        model = cls._meta.model

        def build(viewer: Viewer, pk: Any) -> models.QuerySet[Any]:
            return visible_among(viewer, model, pk).annotate(**cls.along(viewer))

        try:
            pk = model._meta.pk.get_prep_value(id)
        except (ValueError, TypeError):
            return None
        if cls.get_queryset.__func__ is not PolicyObjectType.get_queryset.__func__:  # type: ignore[attr-defined]
            try:
                return cls.get_queryset(model._default_manager.all(), info).get(pk=pk)
            except model.DoesNotExist:
                return None
        found = prepared.rows(get_viewer(info), model, ("node", model), pk, build)
        return found[0] if found else None


def invalid(message: str, argument: str | None = None) -> GraphQLError:
    """A typed refusal of a query's arguments (code ``INVALID``), shown to the client as it is."""
    extensions = {"code": "INVALID", **({"field": argument} if argument else {})}
    return GraphQLError(message, extensions=extensions)


class PolicyConnectionField(DjangoFilterConnectionField):
    """A filterable connection; the type's ``get_queryset`` applies the policy before any filter, and
    ``RELAY_CONNECTION_MAX_LIMIT`` caps the page size. Bad paging or filtering arguments are typed ``INVALID``
    errors, not faults."""

    @classmethod
    def resolve_queryset(cls, connection: Any, iterable: Any, info: Any, args: dict[str, Any],
                         filtering_args: dict[str, Any], filterset_class: Any) -> Any:
        """The type's visible rows, filtered; only the columns the page's selection reads (``api.selection``).

        Without any filter argument the filterset is not built: it would bind and validate a form of empty
        fields, every one of which (ours included) leaves the rows as they are, for about a millisecond.
        """
        if all(args.get(name) is None for name in filtering_args):
            kept = KeptList.of(connection, iterable, info)
            if kept is not None:
                return kept
            queryset = DjangoConnectionField.resolve_queryset(connection, iterable, info, args)
        else:
            try:
                queryset = super().resolve_queryset(connection, iterable, info, args, filtering_args,
                                                    filterset_class)
            except ValidationError as error:  # django-filter's form refused a filter or an ``orderBy``
                raise invalid(_filter_message(error)) from None
        if narrowable(queryset):
            columns = selected_columns(info, queryset.model, ("edges", "node"))
            if columns is not None:
                queryset = queryset.only(*columns)
        return queryset

    @classmethod
    def connection_resolver(cls, resolver: Any, connection: Any, default_manager: Any, queryset_resolver: Any,
                            max_limit: int | None, enforce_first_or_last: bool, root: Any, info: Any,
                            **args: Any) -> Any:
        # graphene-django refuses an oversized page with an assertion, which would surface as an internal
        # error; the client deserves to know what to change.
        for name in ("first", "last", "offset"):
            value = args.get(name)
            if value is not None and value < 0:
                raise invalid(f"`{name}` cannot be negative.", name)
            if name != "offset" and value is not None and max_limit is not None and value > max_limit:
                raise invalid(f"`{name}` must be between 0 and {max_limit}.", name)
        if args.get("offset") is not None and args.get("before") is not None:
            raise invalid("Use either `offset` or `before`, not both.", "offset")
        # graphene-django would add None to an offset (a TypeError), or slice a queryset from a negative
        # offset (which Django refuses); this list never hands out either.
        for name in ("after", "before"):
            cursor = args.get(name)
            position = None if cursor is None else cursor_to_offset(cursor)
            if cursor is not None and (position is None or position < 0):
                raise invalid(f"`{name}` is not a cursor of this list.", name)
        token = _counted.set(_selects(info, "totalCount") or args.get("last") is not None
                             or args.get("before") is not None)
        try:
            return super().connection_resolver(resolver, connection, default_manager, queryset_resolver,
                                               max_limit, enforce_first_or_last, root, info, **args)
        finally:
            _counted.reset(token)

    @classmethod
    def resolve_connection(cls, connection: Any, args: dict[str, Any], iterable: Any,
                           max_limit: int | None = None) -> Any:
        """graphene-django's, without a statement of its own for the ``COUNT(*)``.

        graphene-django counts every list in a statement of its own to slice it, whatever the client asked.
        Paging forwards needs no count: one row past the page says whether there is a next one; and when the
        client asks for ``totalCount``, the page's own statement counts the rows (``COUNT(*) OVER ()``), which
        spares a second compilation, planning and round trip of the policy's conditions. Only paging backwards
        (``last``, ``before``), a page past the last row and a list the window cannot count (``DISTINCT``,
        grouped, combined) count apart.
        """
        iterable = maybe_queryset(iterable)
        backwards = args.get("last") is not None or args.get("before") is not None
        if backwards and isinstance(iterable, KeptList):
            iterable = iterable.queryset()
        kept = iterable if isinstance(iterable, KeptList) else None
        if backwards or not (kept or isinstance(iterable, models.QuerySet)) or (
                _counted.get() and not kept and not _window_counts(iterable)):
            return super().resolve_connection(connection, args, iterable, max_limit)
        offset = args.pop("offset", None)
        after = cursor_to_offset(args["after"]) if args.get("after") else None  # checked by connection_resolver
        start = (-1 if after is None else after) + 1 + (offset or 0)
        if offset:
            args["after"] = offset_to_cursor(start - 1)
        if args.get("first") is None:
            args["first"] = max_limit
        size = args["first"] if args["first"] is not None else DEFAULT_PAGE
        if _counted.get():
            rows = (kept.rows(start, size, counted=True) if kept
                    else list(iterable.annotate(**{_TOTAL: Window(Count("*"))})[start:start + size]))
            # Past the last row the page holds no row to carry the count: then (only then) a count of its own.
            length = getattr(rows[0], _TOTAL) if rows else ((kept.queryset() if kept else iterable).count()
                                                            if start else 0)
        else:
            rows = kept.rows(start, size + 1, counted=False) if kept else list(iterable[start:start + size + 1])
            length = start + len(rows)
        page: Any = connection_from_array_slice(
            rows, args, slice_start=start, array_length=length, array_slice_length=len(rows),
            connection_type=partial(connection_adapter, connection), edge_type=connection.Edge,
            page_info_type=page_info_adapter)
        page.iterable = iterable
        page.length = length
        return page


class KeptList:
    """A connection's list when it is its model's whole visible list: a resolver's ``Model.objects.all()``, no
    filter argument, a type that narrows with the policy alone. Its pages are read by a kept statement
    (``access.prepared.page``) instead of a queryset built, compiled and turned into instances per request: a
    page of cases spent about 1.5 ms of CPU on those, for a statement that came out the same every time.

    The kept statement is the one the policy builds for the viewer (``build``); backwards paging and a count past
    the last row read ``queryset()``, the same list as a queryset.
    """

    def __init__(self, model: type[models.Model], columns: tuple[str, ...] | None, viewer: Viewer) -> None:
        self.model, self.columns, self.viewer = model, columns, viewer

    @classmethod
    def of(cls, connection: Any, iterable: Any, info: Any) -> KeptList | None:
        node = connection._meta.node
        if node.get_queryset.__func__ is not PolicyObjectType.get_queryset.__func__ or (  # type: ignore[attr-defined]
                not _whole(iterable) or not _window_counts(iterable)):
            return None
        return cls(iterable.model, selected_columns(info, iterable.model, ("edges", "node")), get_viewer(info))

    def build(self, viewer: Viewer) -> models.QuerySet[Any]:
        queryset = visible(viewer, self.model._default_manager.all())
        return queryset if self.columns is None else queryset.only(*self.columns)

    def queryset(self) -> models.QuerySet[Any]:
        return self.build(self.viewer)

    def rows(self, start: int, size: int, counted: bool) -> list[Any]:
        """Rows ``start`` to ``start + size``, each carrying the list's length (``_TOTAL``) when ``counted``."""

        def build(viewer: Viewer) -> models.QuerySet[Any]:
            queryset = self.build(viewer)
            return queryset.annotate(**{_TOTAL: Window(Count("*"))}) if counted else queryset

        return prepared.page(self.viewer, self.model, (self.columns, counted), start, size, build)


def _whole(queryset: Any) -> bool:
    """Whether ``queryset`` is its model's default manager's ``all()``, in its default order, as it comes."""
    if not isinstance(queryset, models.QuerySet) or (
            type(queryset) is not queryset.model._default_manager._queryset_class):
        return False
    query = queryset.query
    return (not query.where.children and not query.annotations and not query.select_related and not query.order_by
            and query.default_ordering and not query.extra and not query.is_sliced and not query.distinct
            and not query.combinator and query.deferred_loading == (frozenset(), True) and len(query.alias_map) <= 1
            and not queryset._prefetch_related_lookups  # type: ignore[attr-defined]
            and queryset._iterable_class is ModelIterable and queryset._db is None)  # type: ignore[attr-defined]


#: Whether the connection being resolved must count its rows (``totalCount``, or paging backwards).
_counted: ContextVar[bool] = ContextVar("wildnet_connection_counted", default=True)
#: The annotation that carries the window count on each row of a counted page.
_TOTAL = "_wildnet_total"


def _window_counts(queryset: models.QuerySet[Any]) -> bool:
    """Whether ``COUNT(*) OVER ()`` on the page's statement counts the list's rows: not after ``DISTINCT``
    (the window runs before it), a ``GROUP BY`` or a ``UNION``, nor where the database has no window."""
    query = queryset.query
    return (not query.distinct and query.group_by is None and not query.combinator and not query.is_sliced
            and connections[queryset.db].features.supports_over_clause)


#: Page size when neither ``first`` nor a maximum is set (graphene-django's own default is no limit).
DEFAULT_PAGE = 100


def _selects(info: Any, name: str) -> bool:
    """Whether the field being resolved selects ``name`` directly, through fragments included."""

    def walk(selection_set: Any) -> bool:
        for selection in getattr(selection_set, "selections", None) or ():
            if isinstance(selection, FieldNode) and selection.name.value == name:
                return True
            if isinstance(selection, InlineFragmentNode) and walk(selection.selection_set):
                return True
            if isinstance(selection, FragmentSpreadNode):
                fragment = info.fragments.get(selection.name.value)
                if fragment is not None and walk(fragment.selection_set):
                    return True
        return False

    return any(walk(node.selection_set) for node in info.field_nodes)


def _filter_message(error: ValidationError) -> str:
    """The form's messages, which graphene-django packs as JSON into the error's one message."""
    try:
        fields = json.loads(error.messages[0])
    except (ValueError, IndexError):
        return "Invalid filter."
    return " ".join(f"{name}: {item['message']}" for name, items in fields.items() for item in items)
