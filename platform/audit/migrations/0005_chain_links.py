"""The chain moves out of the events into its own append-only rows; events are written once, never updated.

Existing sealed events become ``ChainLink`` rows with their sequence and hash unchanged (the chain verifies as
before), unsealed ones ``PendingSeal`` rows. From now on the database itself adds the pending row of every event
inserted (a trigger: one statement for the application, and no event, however inserted, can stay out of the
chain unnoticed). The guards change with it: an event can no longer be updated at all (nor deleted, on
PostgreSQL), and neither can a link; pending rows are the sealer's to delete.
"""

import django.db.models.deletion
from django.db import migrations, models

SQLITE_UP = (
    "CREATE TRIGGER audit_event_pending AFTER INSERT ON audit_auditevent "
    "BEGIN INSERT INTO audit_pendingseal (event_id) VALUES (NEW.id); END;",
    "CREATE TRIGGER audit_event_immutable BEFORE UPDATE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
    "CREATE TRIGGER audit_link_immutable BEFORE UPDATE ON audit_chainlink "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
)
SQLITE_DOWN = ("DROP TRIGGER IF EXISTS audit_event_pending;", "DROP TRIGGER IF EXISTS audit_event_immutable;",
               "DROP TRIGGER IF EXISTS audit_link_immutable;")
POSTGRES_UP = """
CREATE OR REPLACE FUNCTION audit_event_pending() RETURNS trigger AS $$
BEGIN
    INSERT INTO audit_pendingseal (event_id) VALUES (NEW.id);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_pending AFTER INSERT ON audit_auditevent
FOR EACH ROW EXECUTE FUNCTION audit_event_pending();
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_link_append_only BEFORE UPDATE OR DELETE ON audit_chainlink
FOR EACH ROW EXECUTE FUNCTION audit_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS audit_event_pending ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_pending();
DROP TRIGGER IF EXISTS audit_link_append_only ON audit_chainlink;
DROP TRIGGER IF EXISTS audit_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_append_only();
"""
OLD_GUARDS = {
    "sqlite": "DROP TRIGGER IF EXISTS audit_sealed_immutable;",
    "postgresql": "DROP TRIGGER IF EXISTS audit_append_only ON audit_auditevent; "
                  "DROP FUNCTION IF EXISTS audit_append_only();",
}


def drop_old_guards(apps, schema_editor):
    statement = OLD_GUARDS.get(schema_editor.connection.vendor)
    if statement:
        schema_editor.execute(statement)


def move_chain(apps, schema_editor):
    event_model = apps.get_model("audit", "AuditEvent")
    link_model = apps.get_model("audit", "ChainLink")
    pending_model = apps.get_model("audit", "PendingSeal")
    sealed = event_model.objects.filter(seq__isnull=False).order_by("seq").values_list("seq", "id", "chain_hash")
    link_model.objects.bulk_create([link_model(seq=seq, event_id=pk, chain_hash=digest)
                                    for seq, pk, digest in sealed.iterator()], batch_size=1000)
    unsealed = event_model.objects.filter(seq__isnull=True).values_list("id", flat=True)
    pending_model.objects.bulk_create([pending_model(event_id=pk) for pk in unsealed.iterator()],
                                      batch_size=1000)


def guards_up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)


def guards_down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_event_content")]

    operations = [
        migrations.RunPython(drop_old_guards, migrations.RunPython.noop),
        migrations.CreateModel(
            name="PendingSeal",
            fields=[
                ("event", models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING,
                                               primary_key=True, related_name="+", serialize=False,
                                               to="audit.auditevent")),
            ],
        ),
        migrations.CreateModel(
            name="ChainLink",
            fields=[
                ("seq", models.BigIntegerField(primary_key=True, serialize=False)),
                ("chain_hash", models.CharField(max_length=64)),
                ("event", models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING,
                                               related_name="+", to="audit.auditevent")),
            ],
        ),
        migrations.RunPython(move_chain, migrations.RunPython.noop),
        migrations.RemoveField(model_name="auditevent", name="chain_hash"),
        migrations.RemoveField(model_name="auditevent", name="seq"),
        migrations.RunPython(guards_up, guards_down),
    ]
