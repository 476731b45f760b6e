"""The Celery application.

Beat's schedule lives in settings (``CELERY_BEAT_SCHEDULE``) so operators can read it in one place.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wildnet.settings")

app = Celery("wildnet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
