"""Batched, policy-checked loading of nested objects.

A nested field (``mandate.agency``, ``taskForce.members``) must neither issue one query per parent (the N+1
problem) nor bypass the policy. Each loader collects the keys asked for during one execution pass and loads
them in one query narrowed by :func:`access.policy.visible`, the keys as one array (``api.lookups``); an object
the viewer may not see resolves to ``null`` (or is left out of a list), exactly as if it did not exist.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import graphene
from django.db import models
from graphql_sync_dataloaders import SyncDataLoader, SyncFuture

from access import prepared
from access.policy import Viewer, sees_every, visible

from . import lookups  # noqa: F401  (registers ``__any``)
from .context import get_viewer
from .selection import narrowable, reads_columns, selected_columns


def _cache(info: Any) -> dict[tuple[Any, ...], SyncDataLoader]:
    request = info.context
    cache = getattr(request, "_wildnet_loaders", None)
    if cache is None:
        cache = request._wildnet_loaders = {}
    return cache


class Loader(SyncDataLoader):
    """graphql-sync-dataloaders' loader, told of objects in hand so that it does not read them again."""

    def prime(self, key: Any, value: Any) -> None:
        if key not in self._cache:
            future = SyncFuture()
            future.set_result(value)
            self._cache[key] = future


def batched(info: Any, key: tuple[Any, ...], load: Callable[[list[Any]], list[Any]]) -> SyncDataLoader:
    """The request's loader under ``key``, made from ``load`` the first time it is asked for."""
    cache = _cache(info)
    if key not in cache:
        cache[key] = SyncDataLoader(load)
    return cache[key]


def by_id(info: Any, model: type[models.Model]) -> SyncDataLoader:
    """Load ``model`` instances by primary key; invisible or missing ones load as ``None``."""
    key = ("id", model)
    cache = _cache(info)
    if key not in cache:
        viewer = get_viewer(info)

        def build(who: Viewer, keys: list[Any]) -> models.QuerySet[Any]:
            return visible(who, model._default_manager.filter(pk__any=keys))

        def load(ids: list[Any]) -> list[Any]:
            found = {row.pk: row for row in prepared.rows(viewer, model, key, list(set(ids)), build)}
            return [found.get(i) for i in ids]

        loader = cache[key] = Loader(load)
        agency = _own_agency(viewer)
        if isinstance(agency, model) and sees_every(viewer, model):
            loader.prime(agency.pk, agency)
    return cache[key]


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
) -> SyncDataLoader:
    """Load the visible ``model`` rows whose ``fk`` points at each key (a reverse relation); only ``columns``
    of them when given (what the selection reads, :func:`api.selection.selected_columns`)."""
    key = ("children", model, fk, narrow, columns)
    cache = _cache(info)
    if key not in cache:
        viewer = get_viewer(info)

        def build(who: Viewer, keys: list[Any]) -> models.QuerySet[Any]:
            qs = model._default_manager.filter(**{f"{fk}__any": keys})
            if narrow is not None:
                qs = narrow(qs)
            if columns is not None and narrowable(qs):
                qs = qs.only(*columns)
            return visible(who, qs)

        def load(parent_ids: list[Any]) -> list[list[Any]]:
            grouped: dict[Any, list[Any]] = defaultdict(list)
            for row in prepared.rows(viewer, model, key, list(set(parent_ids)), build):
                grouped[getattr(row, f"{fk}_id")].append(row)
            return [grouped.get(pid, []) for pid in parent_ids]

        cache[key] = SyncDataLoader(load)
    return cache[key]


def related(type_: Any, model: type[models.Model], attname: str, **kwargs: Any) -> graphene.Field:
    """A field for a foreign key, loaded through :func:`by_id` (so it is batched and policy-checked)."""

    def resolve(parent: Any, info: Any) -> Any:
        pk = getattr(parent, attname)
        return None if pk is None else by_id(info, model).load(pk)

    return graphene.Field(type_, resolver=reads_columns(resolve, attname), **kwargs)


def related_list(
    type_: Any, model: type[models.Model], fk: str,
    narrow: Callable[[models.QuerySet[Any]], models.QuerySet[Any]] | None = None, **kwargs: Any,
) -> graphene.List:
    """A list field for a reverse foreign key, loaded through :func:`children`."""

    def resolve(parent: Any, info: Any) -> Any:
        return children(info, model, fk, narrow, selected_columns(info, model)).load(parent.pk)

    return graphene.List(graphene.NonNull(type_), required=True, resolver=reads_columns(resolve), **kwargs)


def many(info: Any, model: type[models.Model], field_name: str) -> SyncDataLoader:
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

        cache[key] = SyncDataLoader(load)
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
