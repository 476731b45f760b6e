"""One hit per officer, entity, holding case and UTC day, enforced by a unique constraint.

Existing hits get the day they were made; duplicates a race may have left (the earlier check-then-create could
make two) are merged into the earliest before the constraint is added.
"""

from typing import Any

from django.conf import settings
from django.db import migrations, models

import sharing.models


def fill_days(apps: Any, schema_editor: Any) -> None:
    hit_model = apps.get_model("sharing", "Hit")
    seen: set[tuple[int, int, int, Any]] = set()
    for hit in hit_model.objects.order_by("created_at", "pk").iterator():
        key = (hit.officer_id, hit.entity_id, hit.case_id, hit.created_at.date())
        if key in seen:
            hit.delete()
            continue
        seen.add(key)
        hit.day = key[3]
        hit.save(update_fields=["day"])


class Migration(migrations.Migration):

    dependencies = [
        ("agencies", "0001_initial"),
        ("cases", "0003_watch_alerts"),
        ("sharing", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="hit",
            name="day",
            field=models.DateField(default=sharing.models.utc_today, editable=False,
                                   help_text="UTC day of the hit: one hit per officer, entity and holding case a day."),
        ),
        migrations.RunPython(fill_days, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="hit",
            constraint=models.UniqueConstraint(fields=("officer", "entity", "case", "day"), name="hit_once_a_day"),
        ),
    ]
