"""Recording reads of another agency's intelligence (DESIGN: "every read of shared intelligence").

Object types declare how to find the case an object belongs to (``read_scope``). Whenever GraphQL completes
such an object, whichever path led to it (a connection, ``node``, a nested field), the object is noted on the
request; when the response is ready, the registered recorders turn the notes into audit events — one per case
read, not one per field — so reads through any path are audited without a query per object.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

#: case id → object type → ids.
Reads = dict[int, dict[str, set[str]]]
#: Given a request and its reads, what to write (a callable run inside the flush's transaction), or None when
#: there is nothing to record — deciding reads the database, writing happens only when there is something.
Writer = Callable[[], None]
Recorder = Callable[[Any, Reads], Writer | None]
_recorders: list[Recorder] = []


def register_recorder(recorder: Recorder) -> Recorder:
    _recorders.append(recorder)
    return recorder


def note(request: Any, case_id: int | None, label: str, pk: Any, owner: int | None = None) -> None:
    """Remember that ``request`` read an object of case ``case_id`` (owned by agency ``owner``, when known).

    Called for every object a response holds (thousands for a page), so it only appends to the request's log;
    :func:`flush` sorts the log into reads per case, once.
    """
    if case_id is None:
        return
    log = request.__dict__.get("_wildnet_read_log")
    if log is None:
        log = request.__dict__["_wildnet_read_log"] = []
    log.append((case_id, label, pk, owner))


def _collect(request: Any) -> Reads:
    """The reads noted since the last flush, by case, type and id; the owners they said go to ``known_owners``."""
    reads: Reads = defaultdict(lambda: defaultdict(set))
    owners = request.__dict__.setdefault("_wildnet_read_owners", {})
    for case_id, label, pk, owner in request.__dict__.pop("_wildnet_read_log", None) or ():
        reads[case_id][label].add(str(pk))
        if owner is not None:
            owners[case_id] = owner
    return reads


def known_owners(request: Any) -> dict[int, int]:
    """The owning agency of the cases read, as the objects read said it (a case page knows its cases')."""
    return getattr(request, "_wildnet_read_owners", {})


def flush(request: Any) -> None:
    """Hand the request's reads to the recorders (the sharing app audits those of other agencies' cases).

    Called before the response leaves (the GraphQL view's ``get_response``, the export before its first byte).
    The recorders' writes run in one transaction: the request's read events are written all or none, and if
    writing them fails the caller fails too, so intelligence never leaves unaudited. A request that read only
    its own agency's intelligence has nothing to write and opens no transaction.
    """
    reads = _collect(request)
    if not reads:
        return
    writers = [writer for writer in (recorder(request, reads) for recorder in _recorders) if writer is not None]
    if writers:
        with transaction.atomic(savepoint=False):  # inside a caller's transaction, that transaction is the unit
            for write in writers:
                write()
