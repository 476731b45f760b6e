"""``AuditEvent.content``: what an event's object says, kept apart from the details every auditor reads.

SQLite adds a column with a default by rebuilding the table, which drops the table's triggers; the guard of
0003 is created again afterwards (PostgreSQL keeps its trigger through ``ALTER TABLE``).
"""

from django.db import migrations, models

SQLITE_GUARD = """
CREATE TRIGGER IF NOT EXISTS audit_sealed_immutable BEFORE UPDATE ON audit_auditevent
WHEN OLD.seq IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
"""


def restore_sqlite_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_GUARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_chain_head_and_guards")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="content",
            field=models.JSONField(
                blank=True, default=dict,
                help_text="What the object says (URLs, digests, notes, search words): shown only to readers who may "
                          "see the object, or to the actor when there is none.",
            ),
        ),
        migrations.RunPython(restore_sqlite_guard, migrations.RunPython.noop),
    ]
