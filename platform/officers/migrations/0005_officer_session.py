import django.db.models.deletion
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import migrations, models
from django.utils import timezone


def keep_live_sessions(apps, schema_editor):
    """Officers signed in before the move stay signed in: their live sessions are copied, with the officer their
    data names (the data is signed with a salt of the store's class name, ``SessionStore`` in both)."""
    old, new = apps.get_model("sessions", "Session"), apps.get_model("officers", "OfficerSession")
    officers = set(apps.get_model("officers", "Officer").objects.values_list("pk", flat=True))
    store = type("SessionStore", (SessionBase,), {})()
    for session in old.objects.filter(expire_date__gt=timezone.now()).iterator():
        named = store.decode(session.session_data).get("_auth_user_id")
        officer = int(named) if named is not None and str(named).isdigit() and int(named) in officers else None
        new.objects.create(session_key=session.session_key, session_data=session.session_data,
                           expire_date=session.expire_date, officer_id=officer)


class Migration(migrations.Migration):

    dependencies = [
        ('officers', '0004_sign_in_security'),
        ('sessions', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='OfficerSession',
            fields=[
                ('session_key', models.CharField(max_length=40, primary_key=True, serialize=False, verbose_name='session key')),
                ('session_data', models.TextField(verbose_name='session data')),
                ('expire_date', models.DateTimeField(db_index=True, verbose_name='expire date')),
                ('officer', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'session',
                'verbose_name_plural': 'sessions',
                'db_table': 'officers_session',
                'abstract': False,
            },
        ),
        migrations.RunPython(keep_live_sessions, migrations.RunPython.noop),
    ]
