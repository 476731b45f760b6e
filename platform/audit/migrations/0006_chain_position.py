"""Events are placed in the chain by position (inserting transaction, id); the pending table and its trigger go.

An event is now one INSERT and nothing else. The sealer finds pending events after the head's mark through the
``(txid, id)`` index instead of a pending row written by a trigger with every event. In order:

1. the trigger that wrote pending rows is dropped, so nothing pends any more;
2. ``txid`` is added with the constant default 0, so PostgreSQL does not rewrite the table (a volatile default
   would), and the head gains the mark and its HMAC;
3. events still pending are chained as the old sealer would have (id order), so every existing event is chained
   at position (0, id) and the head's mark is (0, highest chained id): PostgreSQL transaction ids start at 3,
   and SQLite ids only grow, so every later event comes after the mark;
4. the pending table goes, the default becomes the inserting transaction's id, and the index is built;
5. SQLite rebuilt ``audit_auditevent`` to add the column, which dropped its triggers: the guard that refuses
   updates is created again (PostgreSQL keeps its triggers through ``ALTER TABLE``).

The HMACs are computed here with ``settings.AUDIT_CHAIN_KEY``, as the sealer does: the key stays out of the
database.
"""

import hashlib
import hmac

from django.conf import settings
from django.db import migrations, models

import audit.models

GENESIS = "0" * 64
DROP_PENDING_TRIGGER = {
    "sqlite": ("DROP TRIGGER IF EXISTS audit_event_pending;",),
    "postgresql": ("DROP TRIGGER IF EXISTS audit_event_pending ON audit_auditevent;",
                   "DROP FUNCTION IF EXISTS audit_event_pending();"),
}
SQLITE_GUARD = ("CREATE TRIGGER IF NOT EXISTS audit_event_immutable BEFORE UPDATE ON audit_auditevent "
                "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;")


def _mac(message):
    return hmac.new(settings.AUDIT_CHAIN_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()


def drop_pending_trigger(apps, schema_editor):
    for statement in DROP_PENDING_TRIGGER.get(schema_editor.connection.vendor, ()):
        schema_editor.execute(statement)


def chain_pending_and_sign_head(apps, schema_editor):
    event_model = apps.get_model("audit", "AuditEvent")
    link_model = apps.get_model("audit", "ChainLink")
    pending_model = apps.get_model("audit", "PendingSeal")
    head_model = apps.get_model("audit", "ChainHead")
    head, _ = head_model.objects.get_or_create(pk=1)
    seq, previous = head.last_seq, head.last_hash or GENESIS
    pending = event_model.objects.filter(pk__in=pending_model.objects.values("event_id")).order_by("id")
    links = []
    for event_id, digest in pending.values_list("id", "content_hash").iterator():
        seq += 1
        previous = _mac(f"{previous}:{seq}:{digest}")
        links.append(link_model(seq=seq, event_id=event_id, chain_hash=previous))
    link_model.objects.bulk_create(links, batch_size=1000)
    last_event = link_model.objects.order_by("-event_id").values_list("event_id", flat=True).first() or 0
    head.last_seq, head.last_txid, head.last_event_id = seq, 0, last_event
    if seq:
        head.last_hash = previous
    head.mac = _mac(f"head:{head.last_seq}:{head.last_hash}:{head.last_txid}:{head.last_event_id}")
    head.save()


def restore_sqlite_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_GUARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_chain_links")]

    operations = [
        migrations.RunPython(drop_pending_trigger, migrations.RunPython.noop),
        migrations.AddField(model_name="chainhead", name="last_txid", field=models.BigIntegerField(default=0)),
        migrations.AddField(model_name="chainhead", name="last_event_id", field=models.BigIntegerField(default=0)),
        migrations.AddField(model_name="chainhead", name="mac", field=models.CharField(default="", max_length=64)),
        migrations.AddField(
            model_name="auditevent", name="txid",
            field=models.BigIntegerField(
                db_default=0, editable=False,
                help_text="The inserting transaction, set by the database: with the id, the order in which events "
                          "are chained."),
        ),
        migrations.RunPython(chain_pending_and_sign_head, migrations.RunPython.noop),
        migrations.DeleteModel(name="PendingSeal"),
        migrations.AlterField(
            model_name="auditevent", name="txid",
            field=models.BigIntegerField(
                db_default=audit.models.CurrentTransaction(), editable=False,
                help_text="The inserting transaction, set by the database: with the id, the order in which events "
                          "are chained."),
        ),
        migrations.AddIndex(model_name="auditevent",
                            index=models.Index(fields=["txid", "id"], name="audit_chain_position")),
        migrations.RunPython(restore_sqlite_guard, migrations.RunPython.noop),
    ]
