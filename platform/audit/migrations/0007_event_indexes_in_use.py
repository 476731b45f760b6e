"""Every event is inserted into each index of its table, so only indexes some query uses stay.

Dropped: ``actor`` and ``object_agency`` alone (``audit_actor_recent`` and ``audit_owner_recent`` start with
them), ``country`` and its prefix-search twin (the coordinators' visibility ORs it with the object agency's
country, which no index on this table can serve) and ``action``'s two indexes, replaced by one pattern index that
serves both equality (the access log) and prefix searches (the sign-in page). Twelve indexes become seven.

SQLite rebuilds the table to change a field, which drops its triggers: the guard that refuses updates is created
again, as in 0006 (PostgreSQL only drops the indexes and keeps its triggers).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SQLITE_GUARD = ("CREATE TRIGGER IF NOT EXISTS audit_event_immutable BEFORE UPDATE ON audit_auditevent "
                "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;")


def restore_sqlite_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_GUARD)


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0005_platform_kind"),
        ("audit", "0006_chain_position"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                    to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="country",
            field=models.CharField(blank=True, max_length=2),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="object_agency",
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False,
                                    help_text="The agency that owns the object, so owners can review access to it.",
                                    null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                    to="agencies.agency"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["action"], name="audit_action", opclasses=["varchar_pattern_ops"]),
        ),
        migrations.RunPython(restore_sqlite_guard, migrations.RunPython.noop),
    ]
