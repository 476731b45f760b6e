"""Policy-narrowed statements compiled once per process, not once per request.

Building a statement narrowed by the policy (the rule's ``Q`` with its share, mandate and release subqueries,
``filter()``, then the compiler) costs several times the CPU of running it: a case page's seven narrowed
statements spent about 30 of its 50 ms building and compiling SQL that came out the same, request after
request. Yet that SQL is a function of three things only:

* the statement's *shape*: which loader asks, for which model, relation and columns (the caller's key);
* the viewer's *signature* (:meth:`access.policy.Viewer.signature`): every input the rules read in Python — the
  officer, agency, role, clearance, purpose, token scopes and the mandates in force;
* its *values*: the keys asked for and the request's instant ``viewer.at`` (and its date in the time zone in
  force, which is part of the key).

Four uses: ``where`` keeps the condition ``policy.visible`` adds for a model (every narrowed read — lists,
counts, exports, pages — then skips building the rule's ``Q`` and compiling it); ``rows`` keeps whole
statements of the loaders and ``node(id)``, keys included; ``page`` keeps a connection's page of a model's
whole visible list, bounds included; ``sql`` keeps the visible rows a search embeds.

So the first request of a shape and signature builds the statement through the policy as any other, and also a
second time with other keys and a later instant (``_probe_instant``). If the two texts are the same and
their parameters differ only where the keys and the instant (or its date) went, the text is kept with those
slots; later requests fill the slots with their own keys and instant and run it as it is. Anything else — a
parameter derived from the keys or the instant in another way, a text that changes with the number of keys (an
``IN`` list on SQLite) — is remembered as not cacheable and built every time as before. The policy is not
bypassed: the cached text *is* what the policy built for that signature, and a rule that reads anything else in
Python must add it to the signature (``register_signature``); re-registering a rule empties the cache.
"""

from __future__ import annotations

import dataclasses
import datetime
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any

import psycopg
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections, models
from django.db.models.base import ModelState
from django.db.models.query import ModelIterable, RelatedPopulator, ValuesListIterable
from django.db.models.sql.where import AND
from django.utils import timezone

if TYPE_CHECKING:
    from django.db.models import Q

    from .policy import Viewer

#: Statements kept per process (each a few kilobytes of SQL text).
CAPACITY = 4096
#: How much later the second build's instant is (``_probe_instant``).
PROBE_SHIFT = datetime.timedelta(days=400, hours=1, microseconds=1)

Build = Callable[["Viewer", Any], "models.QuerySet[Any]"]
#: Makes a parameter from the keys, the instant and its local date (None when no slot takes it).
Filler = Callable[[Any, datetime.datetime, datetime.date | None], Any]


@dataclasses.dataclass(frozen=True)
class Statement:
    """A compiled statement and where its keys and instant go among its parameters."""

    sql: str
    params: tuple[Any, ...]
    #: (position, filler) pairs; a filler makes the parameter from (keys, instant, local date).
    slots: tuple[tuple[int, Filler], ...]
    #: Builds the result from the fetched rows: tuples for ``values_list``, else instances (``_reader``).
    read: Callable[[list[tuple[Any, ...]]], list[Any]]
    database: str
    #: Whether a slot takes the instant's local date: computed once per run, not once per slot (a rule with
    #: mandates, shares and releases in force compares the date five times in one statement).
    dated: bool = False

    def parameters(self, keys: Any, at: datetime.datetime) -> list[Any]:
        params = list(self.params)
        today = timezone.localdate(at) if self.dated else None
        for position, fill in self.slots:
            params[position] = fill(keys, at, today)
        return params


_statements: OrderedDict[Hashable, Statement | None] = OrderedDict()
#: gunicorn's threaded workers share the cache: reads that mark an entry used and writes that evict hold this.
_lock = threading.Lock()
#: What ``_lookup`` answers for a key never seen (None means "seen: build it every time").
MISSING = object()
#: Models whose rules (and the conditions they use) read nothing in Python beyond their signature.
_cacheable: dict[type[models.Model], Callable[[Viewer], Hashable]] = {}


def cacheable(*models_: type[models.Model], signature: Callable[[Viewer], Hashable] | None = None) -> None:
    """Declare, next to their rules, models whose rules read nothing in Python beyond ``signature``
    (by default everything ``Viewer.signature`` gathers; a rule that reads less says so, and saves reading it)."""
    for model in models_:
        _cacheable[model] = signature or _full_signature


def _full_signature(viewer: Viewer) -> Hashable:
    return viewer.signature()


def rows(viewer: Viewer, model: type[models.Model], shape: Hashable, keys: Any, build: Build) -> list[Any]:
    """The rows of ``build(viewer, keys)``, a queryset of ``model``: instances, or tuples for ``values_list``.

    ``build`` must narrow its queryset through the policy itself (``visible``, a condition) and depend on
    nothing but the viewer and ``keys``; ``shape`` names it (the same shape always builds the same statement).
    Models not declared ``cacheable`` are built every time.
    """
    key = _key(viewer, model, shape)
    if key is None:
        return list(build(viewer, keys))
    statement = _lookup(key)
    if statement is None:
        return list(build(viewer, keys))
    if statement is not MISSING:
        assert isinstance(statement, Statement)
        return _run(statement, keys, viewer.at)
    queryset = build(viewer, keys)
    _remember(key, _prepare(viewer, keys, build, queryset, _compiled))
    return list(queryset)


def unnarrowed(shape: Hashable, keys: Any, at: datetime.datetime,
               build: Callable[[Any, datetime.datetime], models.QuerySet[Any]]) -> list[Any]:
    """The rows of ``build(keys, at)``: a statement the policy does not narrow, because it reads the policy's
    own inputs (the mandates in force of an agency), and that depends on nothing but ``keys`` and ``at``.

    Kept as ``rows`` keeps the policy's statements: every request of a signed-in officer reads them, and
    building them cost more than running them.
    """
    key = ("unnarrowed", shape, timezone.get_current_timezone_name())
    statement = _lookup(key)
    if statement is None:
        return list(build(keys, at))
    if statement is not MISSING:
        assert isinstance(statement, Statement)
        return _run(statement, keys, at)
    queryset = build(keys, at)
    _remember(key, _probed(at, keys, lambda later, other: build(other, later), queryset, _compiled))
    return list(queryset)


def page(viewer: Viewer, model: type[models.Model], shape: Hashable, start: int, size: int,
         build: Callable[[Viewer], models.QuerySet[Any]]) -> list[Any]:
    """Rows ``start`` to ``start + size`` of ``build(viewer)``, an ordered list narrowed by the policy (a page of
    a connection), as ``build(viewer)[start:start + size]`` gives them.

    Kept as ``rows`` keeps its statements, with the bounds bound as parameters: Django writes a slice's bounds
    into the text, which would keep a statement for every page. Building and compiling a page of cases cost
    about 0.6 ms of CPU, and Django's instances as much again as ``_reader``'s.
    """
    found = _kept_or_built(viewer, model, ("page", shape), build, _paged)
    if isinstance(found, Statement):
        return _run(found, None, viewer.at, (size, start))
    return list(found[start:start + size])


def sql(viewer: Viewer, model: type[models.Model], shape: Hashable,
        build: Callable[[Viewer], models.QuerySet[Any]]) -> tuple[str, tuple[Any, ...]]:
    """The SQL and parameters of ``build(viewer)``, to be embedded in a larger statement (a search's visible
    matches); raises ``EmptyResultSet`` as compiling it would, when nothing can match."""
    found = _kept_or_built(viewer, model, ("sql", shape), build, _text)
    if isinstance(found, Statement):
        return found.sql, tuple(found.parameters(None, viewer.at))
    return _text_or_empty(found)


def _kept_or_built(viewer: Viewer, model: type[models.Model], shape: Hashable,
                   build: Callable[[Viewer], models.QuerySet[Any]],
                   compile_: Callable[[models.QuerySet[Any]], tuple[str, tuple[Any, ...]] | None],
                   ) -> Statement | models.QuerySet[Any]:
    """The statement kept for ``shape`` and ``viewer`` (keys: none), or else ``build(viewer)``, built now; the
    first time, also what to keep (``compile_`` of it, probed) for the next requests."""
    key = _key(viewer, model, shape)
    statement = None if key is None else _lookup(key)
    if isinstance(statement, Statement):
        return statement
    queryset = build(viewer)
    if statement is MISSING:
        _remember(key, _prepare(viewer, None, lambda who, _: build(who), queryset, compile_))
    return queryset


def where(viewer: Viewer, model: type[models.Model], rule: Callable[[Viewer], Q]) -> Fragment | None:
    """The condition ``rule(viewer)`` puts on ``model``'s rows, compiled, for ``policy.visible``; None when it is
    not kept (the caller then adds the rule's ``Q`` as usual): a model not declared, a rule that needs a join or
    matches all or nothing."""
    key = _key(viewer, model, ("where", model))
    if key is None:
        return None
    statement = _lookup(key)
    if statement is MISSING:
        statement = _prepare(viewer, None, lambda who, _: model._default_manager.filter(rule(who)),
                             model._default_manager.filter(rule(viewer)), _where_text)
        _remember(key, statement)
    if statement is None:
        return None
    assert isinstance(statement, Statement)
    return Fragment(model._meta.db_table, model._meta.db_table, statement.sql,
                    tuple(statement.parameters(None, viewer.at)))


def narrowed(queryset: models.QuerySet[Any], fragment: Fragment) -> models.QuerySet[Any]:
    """``queryset`` with ``fragment`` added to its ``WHERE``, as ``filter`` adds a condition."""
    clone = queryset._chain()  # type: ignore[attr-defined]
    clone.query.where.add(fragment, AND)
    return clone


class Fragment:
    """A compiled condition on a model's rows, in its table's ``WHERE`` (as Django's ``ExtraWhere``).

    Compiled against the table's own name; where the rows are read under another alias (the query nested as a
    subquery, or combined), Django relabels it like any condition (``relabeled_clone``) and the table's name is
    replaced by the alias where it qualifies a column (``"table".``): the fragment's own subqueries use aliases of
    their own (``U0``, ``V0``…), never the table's name.
    """

    contains_aggregate = False
    contains_over_clause = False

    def __init__(self, table: str, alias: str, sql: str, params: tuple[Any, ...]) -> None:
        self.table, self.alias, self.sql, self.params = table, alias, sql, params

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        sql = self.sql
        if self.alias != self.table:
            qualified = connection.ops.quote_name(self.table) + "."
            sql = sql.replace(qualified, compiler.quote_name_unless_alias(self.alias) + ".")
        return f"({sql})", list(self.params)

    def relabeled_clone(self, change_map: dict[str, str]) -> Fragment:
        return Fragment(self.table, change_map.get(self.alias, self.alias), self.sql, self.params)

    def get_group_by_cols(self) -> list[Any]:
        return []

    def get_refs(self) -> set[Any]:
        return set()


def _where_text(queryset: models.QuerySet[Any]) -> tuple[str, tuple[Any, ...]] | None:
    """The ``WHERE`` of ``queryset`` alone, if it reads nothing but the model's table (no join to carry)."""
    query = queryset.query
    base = query.base_table
    if any(query.alias_refcount[alias] for alias in query.alias_map if alias != base):
        return None
    try:
        sql, params = query.get_compiler(queryset.db).compile(query.where)
    except (EmptyResultSet, FullResultSet):
        return None
    return sql, tuple(params)


def _key(viewer: Viewer, model: type[models.Model], shape: Hashable) -> Hashable | None:
    """Where a statement of ``shape`` is kept for ``viewer``: the model is part of it, so two models' statements
    never share a key, whatever their callers name their shapes."""
    signature = _cacheable.get(model)
    if signature is None or not viewer.active:
        return None
    return (shape, model, signature(viewer), timezone.get_current_timezone_name())


def forget() -> None:
    """Drop every kept statement and decision (a rule was registered again; tests that swap rules)."""
    with _lock:
        _statements.clear()
        _decisions.clear()


_decisions: OrderedDict[Hashable, bool] = OrderedDict()


def decided(viewer: Viewer, model: type[models.Model], question: Hashable, decide: Callable[[], bool]) -> bool:
    """``decide()``, a question about ``model``'s rule for ``viewer`` (whether it shows every row), answered
    once per signature as statements are kept: the rule depends on nothing else. Building an entity's rule
    to learn that it does not show every entity cost a case detail more CPU than the statement the answer saves."""
    key = _key(viewer, model, ("decided", question))
    if key is None:
        return decide()
    with _lock:
        answer = _decisions.get(key)
    if answer is None:
        answer = decide()
        with _lock:
            _decisions[key] = answer
            if len(_decisions) > CAPACITY:
                _decisions.popitem(last=False)
    return answer


def _lookup(key: Hashable) -> Statement | object | None:
    """The statement kept under ``key`` (None: built every time), or ``MISSING``; marks it recently used."""
    with _lock:
        statement = _statements.get(key, MISSING)
        if statement is not MISSING:
            _statements.move_to_end(key)
        return statement


def _remember(key: Hashable, statement: Statement | None) -> None:
    with _lock:
        _statements[key] = statement
        if len(_statements) > CAPACITY:
            _statements.popitem(last=False)


class _ServerCursor(psycopg.Cursor[Any]):
    """A psycopg cursor that binds parameters on the server and prepares every statement it runs."""

    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = True,
                binary: bool | None = None) -> Any:
        return super().execute(query, params, prepare=prepare, binary=binary)


def server_cursor(connection: Any) -> Any:
    """A cursor of ``connection`` for a statement whose text never changes, run again and again.

    On PostgreSQL it binds the values apart from the text and prepares the statement: PostgreSQL parses and
    plans it once per connection (when the connection allows prepared statements at all: see
    DATABASE_PREPARED_STATEMENTS in the settings), where Django's cursors quote every value into the text on the
    client and PostgreSQL plans each statement again (3 of a case page's 3.8 ms in PostgreSQL were planning).
    It is still Django's cursor wrapper, with its execute wrappers. While Django logs queries (DEBUG, tests
    counting statements) and on other databases it is Django's own cursor: the query log shows a statement's
    text only for cursors that bind on the client.
    """
    if connection.vendor != "postgresql" or connection.queries_logged:
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    return connection.make_cursor(_ServerCursor(connection.connection))


def _run(statement: Statement, keys: Any, at: datetime.datetime, bounds: tuple[int, ...] = ()) -> list[Any]:
    with server_cursor(connections[statement.database]) as cursor:
        cursor.execute(statement.sql, [*statement.parameters(keys, at), *bounds])
        return statement.read(cursor.fetchall())


def _tuples(rows: list[tuple[Any, ...]]) -> list[Any]:
    return [tuple(row) for row in rows]


def _reader(queryset: models.QuerySet[Any]) -> Callable[[list[tuple[Any, ...]]], list[Any]]:
    """How the rows of ``queryset``'s statement become what iterating the queryset gives.

    ``values_list`` rows are tuples as they come (``_compiled`` keeps only those that need no converter). Model
    rows go through their columns' converters, as Django's ``ModelIterable`` does, and become instances without
    ``Model.__init__``: a loader builds a thousand instances per page, and ``__init__`` (a ``setattr`` through
    each field's descriptor, the init signals) cost more than reading them. The instance is what ``from_db``
    makes — the loaded columns in ``__dict__`` (the others deferred), ``_state`` saying which database and not
    adding — so a model with init signal receivers (which would expect ``__init__``) goes through ``from_db``.
    """
    if queryset._iterable_class is ValuesListIterable:
        return _tuples
    compiler = queryset.query.get_compiler(queryset.db)
    compiler.setup_query()
    select, positions = compiler.select, compiler.klass_info["select_fields"]
    start, end = positions[0], positions[-1] + 1
    names = tuple(column.target.attname for column, _, _ in select[start:end])
    annotations = tuple(compiler.annotation_col_map.items())
    converters = tuple((index, functions, expression) for index, (functions, expression)
                       in compiler.get_converters([column for column, _, _ in select]).items())
    model, database = queryset.model, queryset.db
    connection = connections[database]
    signals = _init_signals(model)
    related = ([_SharedPopulator(info, select, database) for info in compiler.klass_info["related_klass_infos"]]
               if queryset.query.select_related else [])

    def instance(row: list[Any], made: dict[tuple[int, Any], models.Model]) -> models.Model:
        built = _instance(model, database, names, row[start:end], signals)
        for populator in related:  # ``select_related`` rows, as Django's ``ModelIterable`` fills them in
            populator.populate(row, built, made)
        for name, index in annotations:
            setattr(built, name, row[index])
        return built

    def instances(rows: list[tuple[Any, ...]]) -> list[Any]:
        built = []
        made: dict[tuple[int, Any], models.Model] = {}
        for fetched in rows:
            row = list(fetched)
            for index, functions, expression in converters:
                value = row[index]
                for convert in functions:
                    value = convert(value, expression, connection)
                row[index] = value
            built.append(instance(row, made))
        return built

    return instances


def _init_signals(model: type[models.Model]) -> bool:
    return bool(models.signals.pre_init.has_listeners(model) or models.signals.post_init.has_listeners(model))


def _instance(model: type[models.Model], database: str, names: Sequence[str], values: Sequence[Any],
              signals: bool) -> models.Model:
    if signals:
        return model.from_db(database, names, values)
    built = object.__new__(model)
    state = ModelState()
    state.adding, state.db = False, database
    built.__dict__ = dict(zip(names, values, strict=True))
    built._state = state
    return built


class _SharedPopulator(RelatedPopulator):
    """Django's populator of a ``select_related`` model, making one instance per key and statement, and
    without ``__init__`` as ``_reader`` does: a page's thousand listings name a handful of platforms, and
    Django made a thousand agencies, each through ``__init__`` and its signals (a third of the page's CPU).
    The instances made so far come with each call (``made``), since a kept statement's reader serves every
    thread of the process."""

    def __init__(self, klass_info: dict[str, Any], select: Any, database: str) -> None:
        super().__init__(klass_info, select, database)  # type: ignore[call-arg]  # the stubs are Django 6's
        self.shared = [_SharedPopulator(info, select, database) for info in klass_info.get("related_klass_infos", [])]
        self.signals = _init_signals(self.model_cls)

    def populate(self, row: Any, from_obj: Any, made: dict[tuple[int, Any], models.Model]) -> None:  # type: ignore[override]
        values = self.reorder_for_init(row) if self.reorder_for_init else row[self.cols_start:self.cols_end]
        pk = values[self.pk_idx]
        built = None
        if pk is not None:
            built = made.get((id(self), pk))
            if built is None:
                built = made[(id(self), pk)] = _instance(self.model_cls, self.db, self.init_list, values, self.signals)
                for populator in self.shared:
                    populator.populate(row, built, made)
        self.local_setter(from_obj, built)
        if built is not None:
            self.remote_setter(built, from_obj)


def _text(queryset: models.QuerySet[Any]) -> tuple[str, tuple[Any, ...]] | None:
    """The text of ``queryset``'s statement, whatever rows it gives (the caller embeds it)."""
    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:
        return None
    return sql, tuple(params)


def _text_or_empty(queryset: models.QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    return sql, tuple(params)


def _compiled(queryset: models.QuerySet[Any]) -> tuple[str, tuple[Any, ...]] | None:
    """The one statement ``queryset`` runs, if its rows can be rebuilt from it as Django would (``_reader``):
    model rows, with their ``select_related`` rows but without prefetching, or ``values_list`` tuples in the
    statement's column order whose columns need no converter."""
    query = queryset.query
    iterable = queryset._iterable_class
    if queryset._prefetch_related_lookups or query.extra:  # type: ignore[attr-defined]
        return None
    if iterable is not ModelIterable and iterable is not ValuesListIterable:
        return None
    compiler = query.get_compiler(queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    if iterable is ValuesListIterable:
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        if list(queryset._fields) != names or compiler.get_converters(  # type: ignore[attr-defined]
                [column for column, _, _ in compiler.select]):
            return None
    return sql, tuple(params)


def _paged(queryset: models.QuerySet[Any]) -> tuple[str, tuple[Any, ...]] | None:
    """``_compiled``'s statement with its bounds (``LIMIT``, then ``OFFSET``) left to the run (``page``)."""
    compiled = None if queryset.query.is_sliced else _compiled(queryset)
    return None if compiled is None else (f"{compiled[0]} LIMIT %s OFFSET %s", compiled[1])


def _probe_instant(at: datetime.datetime) -> datetime.datetime:
    """The second build's instant: over a year later (another year and date), at a time of day when the local
    date and the UTC date differ if the time zone in force is not UTC — so a rule taking the UTC date is told
    apart from one taking the local date (only the latter is filled in)."""
    later = (at + PROBE_SHIFT).astimezone(datetime.UTC)
    offset = timezone.localtime(later).utcoffset() or datetime.timedelta(0)
    if offset > datetime.timedelta(0):
        return later.replace(hour=23, minute=59, second=59, microsecond=999_998)
    if offset < datetime.timedelta(0):
        return later.replace(hour=0, minute=0, second=0, microsecond=1)
    return later


def _probe_keys(keys: Any) -> Any:
    """Other keys of the same kind (a list of two where ``keys`` is a list, so an ``IN`` list shows)."""
    if keys is None:
        return None
    if isinstance(keys, list):
        return [-1, -2] if len(keys) == 1 else [-1]
    if isinstance(keys, str):
        return "probe" if keys != "probe" else "probe-2"
    return -1 if keys != -1 else -2


def _prepare(viewer: Viewer, keys: Any, build: Build, queryset: models.QuerySet[Any],
             compile_: Callable[[models.QuerySet[Any]], tuple[str, tuple[Any, ...]] | None]) -> Statement | None:
    def rebuild(at: datetime.datetime, other_keys: Any) -> models.QuerySet[Any]:
        later = dataclasses.replace(viewer, at=at, cache={k: v for k, v in viewer.cache.items() if isinstance(k, str)})
        return build(later, other_keys)

    return _probed(viewer.at, keys, rebuild, queryset, compile_)


def _probed(at: datetime.datetime, keys: Any, rebuild: Callable[[datetime.datetime, Any], models.QuerySet[Any]],
            queryset: models.QuerySet[Any],
            compile_: Callable[[models.QuerySet[Any]], tuple[str, tuple[Any, ...]] | None]) -> Statement | None:
    """The statement of ``queryset`` (built for ``keys`` at ``at``) with the slots where its keys and instant go,
    found by building it again with other keys at the probe instant (``rebuild``); None if it cannot be kept."""
    first = compile_(queryset)
    if first is None:
        return None
    later = _probe_instant(at)
    other_keys = _probe_keys(keys)
    try:
        second = compile_(rebuild(later, other_keys))
    except (ValueError, TypeError):
        return None
    if second is None or first[0] != second[0] or len(first[1]) != len(second[1]):
        return None
    ops = connections[queryset.db].ops
    fillers: list[tuple[Callable[[datetime.datetime], Any], Filler]] = [
        (lambda t: t, lambda k, at, today: at),
        (ops.adapt_datetimefield_value, lambda k, at, today: ops.adapt_datetimefield_value(at)),
        (timezone.localdate, lambda k, at, today: today),
        (lambda t: ops.adapt_datefield_value(timezone.localdate(t)),
         lambda k, at, today: ops.adapt_datefield_value(today)),
    ]
    dated = {fillers[2][1], fillers[3][1]}
    slots = []
    for position, (one, two) in enumerate(zip(first[1], second[1], strict=True)):
        if one == two:
            continue
        if keys is not None and _holds(one, keys) and _holds(two, other_keys):
            slots.append((position, _keys_filler(keys)))
            continue
        for adapt, fill in fillers:
            if one == adapt(at) and two == adapt(later):
                slots.append((position, fill))
                break
        else:
            return None
    return Statement(sql=first[0], params=first[1], slots=tuple(slots),
                     read=_reader(queryset) if compile_ in (_compiled, _paged) else _tuples, database=queryset.db,
                     dated=any(fill in dated for _, fill in slots))


def _holds(param: Any, keys: Any) -> bool:
    """Whether ``param`` is the keys as the statement carries them (the array, or the single key)."""
    if isinstance(keys, list):
        return isinstance(param, list) and sorted(param) == sorted(keys)
    return not isinstance(param, list) and param == keys


def _keys_filler(keys: Any) -> Filler:
    if isinstance(keys, list):
        return lambda k, at, today: list(k)
    return lambda k, at, today: k


def kept(shape: Hashable) -> list[Statement | None]:
    """What is kept for ``shape`` (``("where", model)`` for ``visible``'s conditions), least recently used
    first (None: built every time): for tests and benchmarks."""
    with _lock:
        return [statement for key, statement in _statements.items() if isinstance(key, tuple) and key[0] == shape]


__all__: Sequence[str] = ("Fragment", "cacheable", "decided", "forget", "kept", "narrowed", "page", "rows",
                          "server_cursor", "sql", "unnarrowed", "where")
