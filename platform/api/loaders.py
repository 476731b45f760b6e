"""Batched, policy-checked loading of nested objects.

A nested field (``mandate.agency``, ``taskForce.members``) must neither issue one query per parent (the N+1
problem) nor bypass the policy. Each loader collects the keys asked for during one execution pass and loads
them in one query narrowed by the policy (:func:`access.policy.visible`, or ``visible_among`` for keys), several
keys as one array (``access.lookups``) and a single key as one value (:func:`_batch`); an object the viewer may not
see resolves to ``null`` (or is left out of a list), exactly as if it did not exist.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import graphene
from django.db import models
from graphql.pyutils import is_collection
from graphql_sync_dataloaders import SyncDataLoader, SyncFuture

from access import prepared
from access.policy import Viewer, keys_q, sees_every, visible, visible_among, visible_through

from .context import get_viewer
from .selection import narrowable, reads_columns, reads_foreign, selected_columns, selected_foreign


def _cache(info: Any) -> dict[tuple[Any, ...], Loader]:
    request = info.context
    cache = getattr(request, "_wildnet_loaders", None)
    if cache is None:
        cache = request._wildnet_loaders = {}
    return cache


class Loader(SyncDataLoader):
    """graphql-sync-dataloaders' loader, told of objects in hand so that it does not read them again, and
    dispatched in two steps: :meth:`fetch` runs the batch, :meth:`settle` hands the rows to the waiting fields.

    Between the two, the execution context fetches the batches that the fetched rows' selection will ask for
    next (see :func:`children`), so that completing those rows finds their related objects loaded.
    """

    _queue: list[tuple[Any, SyncFuture]]

    def __init__(self, batch_load_fn: Callable[[list[Any]], list[Any]]) -> None:
        super().__init__(batch_load_fn)
        #: The foreign keys its batches load ahead (``(attname, model)``, see :func:`children`): such a loader
        #: is fetched first in a round.
        self.ahead: set[tuple[str, type[models.Model]]] = set()
        #: The values loaded so far by key, read without a future by the execution context's in-line fields.
        self.loaded: dict[Any, Any] = {}
        self._fetched: list[tuple[list[tuple[Any, SyncFuture]], list[Any]]] = []

    def prime(self, key: Any, value: Any) -> None:
        """Give the loader a row in hand for ``key``. A key already queued is then left out of the batch
        (:meth:`fetch`): a listing's seller queued by the listings is often a claim's entity, read with the claims."""
        future = self._cache.get(key)
        if future is None:
            future = SyncFuture()
            future.set_result(value)
            self._cache[key] = future
            self.loaded[key] = value
        elif not future.done():
            self.loaded[key] = value

    def pending(self) -> bool:
        return bool(self._queue)

    def fetch(self) -> None:
        """Run the batch of the keys queued so far; their futures stay pending until :meth:`settle`."""
        queue, self._queue = self._queue, []
        if not queue:
            return
        missing = [key for key, _ in queue if key not in self.loaded]  # not primed since it was queued
        found: dict[Any, Any] = {}
        if missing:
            values = self._batch_load_fn(missing)
            if not is_collection(values) or len(missing) != len(values):
                raise ValueError("The batch loader does not return an expected result")
            found = dict(zip(missing, values, strict=True))
        self._fetched.append((queue, [found[key] if key in found else self.loaded[key] for key, _ in queue]))

    def settle(self) -> None:
        """Resolve the futures of the fetched batches, which completes the fields waiting on them."""
        fetched, self._fetched = self._fetched, []
        for queue, values in fetched:
            for (key, _), value in zip(queue, values, strict=True):
                if not isinstance(value, Exception):
                    self.loaded[key] = value
            try:
                for (_, future), value in zip(queue, values, strict=True):
                    if isinstance(value, Exception):
                        future.set_exception(value)
                    else:
                        future.set_result(value)
            except Exception as error:
                for key, future in queue:
                    self.clear(key)
                    if not future.done():
                        future.set_exception(error)

    def clear(self, key: Any) -> None:
        super().clear(key)
        self.loaded.pop(key, None)

    def dispatch_queue(self) -> None:
        self.fetch()
        self.settle()

    def forget(self) -> None:
        """Let go of every row loaded (the operation is answered: see :func:`forget_loaders`)."""
        self._cache.clear()
        self.loaded.clear()
        self._queue, self._fetched = [], []


def request_loaders(context: Any) -> list[Loader]:
    """The loaders made so far for the request ``context``."""
    return list(getattr(context, "_wildnet_loaders", {}).values())


def own_loader(info: Any, name: str, make: Callable[[], Loader]) -> Loader:
    """The request's loader ``name``, made by ``make`` the first time: one that graphql-sync-dataloaders
    dispatches when its futures are awaited, apart from the loaders the execution context fetches ahead
    (:func:`request_loaders`)."""
    own = info.context.__dict__.setdefault("_wildnet_own_loaders", {})
    loader = own.get(name)
    if loader is None:
        loader = own[name] = make()
    return loader


def forget_loaders(context: Any) -> None:
    """Drop the loaders of the request ``context`` once its operation is answered.

    A Django request is always part of a reference cycle (its messages' storage, its lazy user point back to
    it), and so is a loader whose batch function reads the loader itself (:func:`children`): whatever they hold
    waits for the garbage collector. A page's loaders held its thousand listings and their entities, some 6,500
    objects that a collection then had to walk (3.5 ms of the page's 45 ms of CPU). Emptied, their rows are
    freed as soon as the answer no longer needs them.
    """
    for name in ("_wildnet_loaders", "_wildnet_own_loaders"):
        for loader in context.__dict__.pop(name, {}).values():
            loader.forget()


def batched(info: Any, key: tuple[Any, ...], load: Callable[[list[Any]], list[Any]]) -> Loader:
    """The request's loader under ``key``, made from ``load`` the first time it is asked for."""
    cache = _cache(info)
    if key not in cache:
        cache[key] = Loader(load)
    return cache[key]


def by_id(info: Any, model: type[models.Model]) -> Loader:
    """Load ``model`` instances by primary key; invisible or missing ones load as ``None``."""
    key = ("id", model)
    cache = _cache(info)
    if key not in cache:
        viewer = get_viewer(info)

        def build(who: Viewer, keys: Any) -> models.QuerySet[Any]:
            return visible_among(who, model, keys)

        def load(ids: list[Any]) -> list[Any]:
            count, keys = _batch(ids)
            found = {row.pk: row for row in prepared.rows(viewer, model, (key, count), keys, build)}
            return [found.get(i) for i in ids]

        loader = cache[key] = Loader(load)
        agency = _own_agency(viewer)
        if isinstance(agency, model) and sees_every(viewer, model):
            loader.prime(agency.pk, agency)
    return cache[key]


def _batch(keys: list[Any]) -> tuple[str, Any]:
    """A batch's distinct keys as its statement takes them: one key alone (``= %s``), several as a list
    (``= ANY(%s)``); the first part names the shape, for ``access.prepared`` to keep each apart.

    Kept statements run prepared, and PostgreSQL plans a prepared statement once per connection (a generic
    plan) only while that plan looks no costlier than one made for the values at hand. Not knowing an array's
    length, it assumed ten cases where a case detail asks for one, found a scan of every case cheaper than ten
    lookups, and so planned the detail's listings, claims and reports again on every request (0.4–1.3 ms of
    PostgreSQL's CPU each, for 0.1 ms of execution). With one key it sees one case, the generic plan is the
    lookup, and it keeps it. A list shorter than ten is filled up to ten with its first key (``= ANY`` matches
    a row once however often its key is repeated): the plan for the values at hand then expects as many rows as
    the generic plan, and PostgreSQL keeps the generic one (a case detail's three entities were planned again on
    every request, 1.2 ms of PostgreSQL's CPU, a third of its share of the request).
    """
    unique = list(set(keys))
    if len(unique) == 1:
        return "one", unique[0]
    return "many", unique + unique[:1] * (ARRAY_GUESS - len(unique))


#: The length PostgreSQL assumes for an array parameter whose value its generic plan does not know
#: (``estimate_array_length``).
ARRAY_GUESS = 10


def _own_agency(viewer: Viewer) -> Any:
    """The viewer's agency if it was loaded with the officer (by the token or session middleware), else None:
    most cases an officer reads are their agency's, and their ``ownerAgency`` then costs no statement."""
    officer = viewer.officer
    if officer is None or not officer.__class__.agency.is_cached(officer):  # the class through a lazy user
        return None
    return officer.agency


def children(
    info: Any,
    model: type[models.Model],
    fk: str,
    narrow: Callable[[models.QuerySet[Any]], models.QuerySet[Any]] | None = None,
    columns: tuple[str, ...] | None = None,
    ahead: tuple[tuple[str, type[models.Model]], ...] = (),
) -> Loader:
    """Load the visible ``model`` rows whose ``fk`` points at each key (a reverse relation); only ``columns``
    of them when given (what the selection reads, :func:`api.selection.selected_columns`).

    ``ahead`` names the rows' foreign keys that the selection reads through :func:`related` (a listing's
    ``platform``): each batch queues their targets in those loaders, which the execution context fetches in the
    same round, in one batch per loader, before the rows are completed. Without it every row's field waited for
    the next round, through a future per row and field; the statements are the same batches, fetched earlier.
    For the rows of one parent, a target that the policy shows with every visible row
    (:func:`access.policy.visible_through`: any agency, a claim's entity) is read in the rows' own statement
    instead and handed to its loader: a case detail takes two statements fewer. Not for several parents: a page's
    thousand listings name a handful of platforms, decoded a thousand times when joined and a handful of times
    when read by key (a page of 100 cases took 43 → 54 ms of CPU joined, in one alternated run).
    Selections of the same rows (an assessment's ``entries`` and its ``summary``) share one loader, which loads
    ahead what any of them reads.
    """
    key = ("children", model, fk, narrow, columns)
    cache = _cache(info)
    if key not in cache:
        viewer = get_viewer(info)

        def load(parent_ids: list[Any]) -> list[list[Any]]:
            grouped: dict[Any, list[Any]] = defaultdict(list)
            count, keys = _batch(parent_ids)
            ahead = [(_foreign_key(model, attname), target) for attname, target
                     in sorted(loader.ahead, key=lambda pair: (pair[0], pair[1]._meta.label))]
            joined = () if count == "many" else tuple(
                field.name for field, _ in ahead if visible_through(viewer, model, field.name))

            def build(who: Viewer, keys: Any) -> models.QuerySet[Any]:
                qs = model._default_manager.filter(keys_q(fk, keys))
                if narrow is not None:
                    qs = narrow(qs)
                if columns is not None and narrowable(qs):
                    qs = qs.only(*columns)
                return visible(who, qs.select_related(*joined) if joined else qs)

            rows = prepared.rows(viewer, model, (key, count, joined), keys, build)
            for row in rows:
                grouped[getattr(row, f"{fk}_id")].append(row)
            for field, target in ahead:
                targets = by_id(info, target)
                for row in rows:
                    pk = getattr(row, field.attname)
                    if pk is None:
                        continue
                    if field.name in joined:
                        targets.prime(pk, getattr(row, field.name))
                    else:
                        targets.load(pk)
            return [grouped.get(pid, []) for pid in parent_ids]

        cache[key] = Loader(load)
    loader = cache[key]
    loader.ahead.update(ahead)
    return loader


def _foreign_key(model: type[models.Model], attname: str) -> Any:
    return next(field for field in model._meta.concrete_fields if field.attname == attname)


def related(type_: Any, model: type[models.Model], attname: str, **kwargs: Any) -> graphene.Field:
    """A field for a foreign key, loaded through :func:`by_id` (so it is batched and policy-checked)."""

    def resolve(parent: Any, info: Any) -> Any:
        pk = getattr(parent, attname)
        return None if pk is None else by_id(info, model).load(pk)

    return graphene.Field(type_, resolver=reads_foreign(resolve, attname, model), **kwargs)


def related_list(
    type_: Any, model: type[models.Model], fk: str,
    narrow: Callable[[models.QuerySet[Any]], models.QuerySet[Any]] | None = None, **kwargs: Any,
) -> graphene.List:
    """A list field for a reverse foreign key, loaded through :func:`children`."""

    def resolve(parent: Any, info: Any) -> Any:
        return children(info, model, fk, narrow, selected_columns(info, model), selected_foreign(info)).load(parent.pk)

    return graphene.List(graphene.NonNull(type_), required=True, resolver=reads_columns(resolve), **kwargs)


def many(info: Any, model: type[models.Model], field_name: str) -> Loader:
    """Load the visible targets of a many-to-many field for each parent key: two queries per batch."""
    key = ("m2m", model, field_name)
    cache = _cache(info)
    if key not in cache:
        viewer = get_viewer(info)
        m2m = model._meta.get_field(field_name)
        through = m2m.remote_field.through  # type: ignore[union-attr]
        source, target = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()  # type: ignore[union-attr]
        target_model = m2m.related_model

        def load(parent_ids: list[Any]) -> list[list[Any]]:
            pairs = list(through.objects.filter(**{f"{source}__any": list(set(parent_ids))})
                         .values_list(f"{source}_id", f"{target}_id"))
            found = visible(viewer, target_model._default_manager.filter(  # type: ignore[union-attr]
                pk__any=list({t for _, t in pairs}))).in_bulk()
            grouped: dict[Any, list[Any]] = defaultdict(list)
            for parent, target_id in pairs:
                if target_id in found:
                    grouped[parent].append(found[target_id])
            return [grouped.get(pid, []) for pid in parent_ids]

        cache[key] = Loader(load)
    return cache[key]


def related_many(type_: Any, model: type[models.Model], field_name: str, **kwargs: Any) -> graphene.List:
    """A list field for a many-to-many relation, loaded through :func:`many`."""

    def resolve(parent: Any, info: Any) -> Any:
        return many(info, model, field_name).load(parent.pk)

    return graphene.List(graphene.NonNull(type_), required=True, resolver=reads_columns(resolve), **kwargs)


def then(future: SyncFuture, transform: Callable[[Any], Any]) -> Any:
    """``transform(result)`` of a batched load: at once if the loader already has it, else as a future."""
    if future.done():
        return transform(future.result())
    derived = SyncFuture()
    # The loader's batch is dispatched by the execution context through this callback: pass it on, or a field
    # resolved only through ``then`` would wait for a batch nobody starts.
    derived.deferred_callback = future.deferred_callback
    future.add_done_callback(lambda: derived.set_result(transform(future.result())))
    return derived
