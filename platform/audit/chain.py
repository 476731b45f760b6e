"""Hashing, sealing and verifying the audit chain.

Every hash is an HMAC under ``settings.AUDIT_CHAIN_KEY``, which never enters the database: someone who can write
to the database can change rows, but cannot compute the hashes that would make the changes verify.

* an event's ``content_hash`` covers its canonical content (written with the event, never updated);
* a link's ``chain_hash`` covers the previous link's hash, its sequence number and its event's ``content_hash``;
* the head's ``mac`` covers where the chain ends and where sealing resumes.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL

from .models import AuditEvent, ChainHead, ChainLink

GENESIS = "0" * 64
SEAL_BATCH = 1000

#: Sealers take turns through this transaction-level advisory lock (PostgreSQL; SQLite's IMMEDIATE transactions
#: already let one writer in at a time). Unlike a row lock it gives the sealer no transaction id, so a pass that
#: finds nothing to seal writes nothing and its commit waits for no disk flush.
ADVISORY_LOCK = 0x77_6E_61_75_64_69_74  # "wnaudit": a key no other code uses

#: The exclusive upper bound of the transaction ids the sealer may chain (PostgreSQL only), read with the head
#: once the lock is held, before the pending events are read. Every transaction of this database below the bound
#: has ended by then, unless it is still running (a session's ``backend_xid``, or a prepared transaction) — those
#: lower the bound. So every event below it that ever commits is visible to the next statement, and any event still
#: to commit is at or above it: it will come after the mark, never behind it. The bound starts from the lowest id
#: a transaction can be given after this statement's snapshot (``pg_snapshot_xmax``) or, for a sealer called inside
#: a transaction that already has an id, one past that id ("own"), whichever is higher: such a sealer chains its
#: own transaction's events too, which then commit or roll back with their links. Other databases' transactions
#: do not hold sealing back; a long transaction in this one delays it until it ends. Running ids are 32-bit: each
#: is widened to 64 bits as the id nearest to the starting bound (running ids are never 2^31 apart). Within a
#: transaction ``pg_stat_activity`` repeats its first answer, which could miss a transaction started since: the
#: lock's statement clears that snapshot (``pg_stat_clear_snapshot``), so each batch reads the sessions afresh.
HORIZON = """
    SELECT LEAST(me.bound, min(me.bound + mod(running.xid - mod(me.bound, 4294967296) + 6442450944, 4294967296)
                               - 2147483648))
    FROM (SELECT GREATEST(pg_current_xact_id_if_assigned()::text::bigint + 1,
                          pg_snapshot_xmax(pg_current_snapshot())::text::bigint) AS bound) AS me
    LEFT JOIN (
        SELECT backend_xid::text::bigint AS xid FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL
        UNION ALL
        SELECT transaction::text::bigint FROM pg_prepared_xacts WHERE database = current_database()
    ) AS running ON true
    GROUP BY me.bound"""
#: SQLite lets one writer in at a time: every committed event is already behind the next one to commit.
NO_HORIZON = 2**63 - 1

#: The next events to chain, in position order, by a range scan of the ``(txid, id)`` index from the mark. SQLite
#: cannot start a range scan at a row value (it would read every event of the mark's txid, i.e. the whole
#: history): it reads the rest of the mark's transaction and the later transactions apart.
PENDING = {
    "postgresql": """
        SELECT id, content_hash, txid FROM audit_auditevent WHERE (txid, id) > (%(txid)s, %(id)s)
        AND txid < %(horizon)s ORDER BY txid, id LIMIT %(batch)s""",
    "sqlite": """
        SELECT id, content_hash, txid FROM audit_auditevent WHERE txid = %(txid)s AND id > %(id)s
        UNION ALL
        SELECT id, content_hash, txid FROM audit_auditevent WHERE txid > %(txid)s AND txid < %(horizon)s
        ORDER BY txid, id LIMIT %(batch)s""",
}

#: Appending a batch's links: one INSERT of the whole batch (arrays on PostgreSQL, a JSON array on SQLite, so the
#: statement is the same whatever the batch's size), and on PostgreSQL, in the same statement, moving the head.
APPEND = {
    "postgresql": """
        WITH appended AS (
            INSERT INTO audit_chainlink (seq, event_id, chain_hash)
            SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[]))
        UPDATE audit_chainhead SET last_seq = %s, last_hash = %s, last_txid = %s, last_event_id = %s, mac = %s
        WHERE id = 1""",
    "sqlite": """
        INSERT INTO audit_chainlink (seq, event_id, chain_hash)
        SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]')
        FROM json_each(%s)""",
}
MOVE_HEAD = ("UPDATE audit_chainhead SET last_seq = %s, last_hash = %s, last_txid = %s, last_event_id = %s, mac = %s "
             "WHERE id = 1")


class ChainHeadAltered(Exception):
    """The chain head does not carry its own HMAC: it was changed outside the sealer (perhaps wound back over a
    cut-off end). The sealer refuses to extend it, which would sign the change anew; ``verify_audit`` says where."""


def _mac(message: str) -> str:
    # The one-shot C function: every event is hashed when it is written, and again by each verification.
    return hmac.digest(settings.AUDIT_CHAIN_KEY.encode(), message.encode(), "sha256").hex()


def content_hash(event: AuditEvent) -> str:
    return _mac(json.dumps(event.canonical(), sort_keys=True, separators=(",", ":"), default=str))


def link_hash(previous: str, seq: int, content: str) -> str:
    return _mac(f"{previous}:{seq}:{content}")


def head_mac(seq: int, last_hash: str, txid: int, event_id: int) -> str:
    """The head's HMAC; the ``head:`` prefix keeps it apart from every link hash."""
    return _mac(f"head:{seq}:{last_hash}:{txid}:{event_id}")


def _authentic(head: ChainHead) -> bool:
    return hmac.compare_digest(head.mac, head_mac(head.last_seq, head.last_hash, head.last_txid, head.last_event_id))


def _locked(wait: bool) -> bool:
    """Take the sealers' lock for this transaction; False when another sealer holds it and ``wait`` is false."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s), pg_stat_clear_snapshot()", [ADVISORY_LOCK])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s), pg_stat_clear_snapshot()", [ADVISORY_LOCK])
        return bool(cursor.fetchone()[0])


def _head() -> tuple[ChainHead, int]:
    """The authenticated head and the horizon, read in one statement once the sealers' lock is held."""
    heads = ChainHead.objects.filter(pk=1)
    if connection.vendor == "postgresql":
        heads = heads.annotate(horizon=RawSQL(HORIZON, []))  # noqa: S611 (a constant)
    head = heads.first()
    if head is None:
        if ChainLink.objects.exists():
            raise ChainHeadAltered("the chain has links but no head")
        head = ChainHead.objects.create(pk=1, mac=head_mac(0, "", 0, 0))
        return _head()
    if not _authentic(head):
        raise ChainHeadAltered(f"the chain head at sequence {head.last_seq} does not match its HMAC")
    return head, getattr(head, "horizon", NO_HORIZON)


def _append(head: ChainHead, pending: list[tuple[int, str, int]]) -> None:
    """Link ``pending`` (id, content hash, txid; in position order) after ``head`` and move the head past them."""
    seq, previous = head.last_seq, head.last_hash or GENESIS
    links = []
    for event_id, digest, _ in pending:
        seq += 1
        previous = link_hash(previous, seq, digest)
        links.append((seq, event_id, previous))
    last_id, _, last_txid = pending[-1]
    moved: list[int | str] = [seq, previous, last_txid, last_id, head_mac(seq, previous, last_txid, last_id)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(APPEND["postgresql"], [[s for s, _, _ in links], [e for _, e, _ in links],
                                                  [h for _, _, h in links], *moved])
        else:
            cursor.execute(APPEND["sqlite"], [json.dumps(links)])
            cursor.execute(MOVE_HEAD, moved)


def seal(batch: int = SEAL_BATCH, wait: bool = False) -> int:
    """Chain every committed, unsealed event; returns how many were sealed.

    A batch is one transaction of four statements whatever its size. On PostgreSQL: take the sealers' lock, read
    the head and the horizon (``HORIZON``), read the pending events between the head's mark and the horizon, and
    append their links and move the head in one statement. SQLite needs neither lock nor horizon but cannot change
    two tables in one statement: it appends the links in one and moves the head in another. Nothing is updated in
    the events themselves, and the pending events are found by an index range scan from the mark, so finding them
    costs the same after a million events as after ten. An event whose transaction commits late simply lands in a later
    batch with a higher sequence number, so the chain never needs to be rewritten. With ``wait=False`` a caller
    that finds another sealer at work returns at once: that sealer, or the periodic task, will seal what is left.

    Inside a caller's transaction no savepoint is taken: a failed batch fails that transaction, as it should.
    """
    total = 0
    while True:
        with transaction.atomic(savepoint=False):
            if not _locked(wait):
                return total
            head, horizon = _head()
            with connection.cursor() as cursor:
                cursor.execute(PENDING[connection.vendor], {"txid": head.last_txid, "id": head.last_event_id,
                                                            "horizon": horizon, "batch": batch})
                pending = [(int(pk), digest, int(txid)) for pk, digest, txid in cursor.fetchall()]
            if not pending:
                return total
            _append(head, pending)
            total += len(pending)
        if len(pending) < batch:
            return total


@dataclass(frozen=True)
class Break:
    event_id: int | None
    seq: int | None
    reason: str


def _up_to(txid: int, event_id: int) -> Q:
    """Events at or before the position (txid, event_id)."""
    return Q(txid__lt=txid) | Q(txid=txid, id__lte=event_id)


def verify(chunk: int = 5000) -> Break | None:
    """Walk the whole chain and return the first break, or None when it is intact.

    Detects an altered event (its content no longer matches ``content_hash``), an altered or forged hash, a
    removed or reordered event or link (a gap in the sequence, a link to no event, a chain hash that does not
    follow), a cut-off end (the head remembers the last sequence, and cannot be wound back without the key), an
    altered head, an unsealed event whose content was altered, and an event moved behind the mark, where the
    sealer would never take it (neither chained nor pending).
    """
    head = ChainHead.objects.filter(pk=1).first()
    if head is None and ChainLink.objects.exists():
        return Break(None, None, "the chain head is missing")
    if head is not None and not _authentic(head):
        return Break(None, head.last_seq, "the chain head does not match its HMAC (altered)")
    mark = (head.last_txid, head.last_event_id) if head is not None else (0, 0)
    previous, expected_seq = GENESIS, 1
    last_seen = 0
    while True:
        page = list(ChainLink.objects.filter(seq__gt=last_seen).order_by("seq")[:chunk])
        events = AuditEvent.objects.in_bulk([link.event_id for link in page])
        for link in page:
            if link.seq != expected_seq:
                return Break(link.event_id, expected_seq, f"event with sequence {expected_seq} is missing")
            event = events.get(link.event_id)
            if event is None:
                return Break(link.event_id, link.seq, f"event with sequence {link.seq} is missing (deleted)")
            if content_hash(event) != event.content_hash:
                return Break(event.id, link.seq, "content does not match its hash (event altered)")
            if link_hash(previous, link.seq, event.content_hash) != link.chain_hash:
                return Break(event.id, link.seq, "chain hash does not link to the previous event")
            if (event.txid, event.id) > mark:
                return Break(event.id, link.seq, "chained event lies after the chain head (its position altered)")
            previous, expected_seq = link.chain_hash, expected_seq + 1
        if len(page) < chunk:
            break
        last_seen = page[-1].seq
    if head is not None and head.last_seq != expected_seq - 1:
        return Break(None, head.last_seq, f"chain ends at {expected_seq - 1} but was sealed up to {head.last_seq}")
    if head is not None and head.last_seq and head.last_hash != previous:
        return Break(None, head.last_seq, "the last chained event does not match the chain head")
    for event in AuditEvent.objects.exclude(_up_to(*mark)).order_by("txid", "id").iterator():
        if content_hash(event) != event.content_hash:
            return Break(event.id, None, "content does not match its hash (unsealed event altered)")
    stray = (AuditEvent.objects.filter(_up_to(*mark)).exclude(pk__in=ChainLink.objects.values("event_id"))
             .order_by("id").values_list("id", flat=True).first())
    if stray is not None:
        return Break(stray, None, "event is neither chained nor waiting to be sealed")
    return None
