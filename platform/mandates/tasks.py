from celery import shared_task
from django.db import transaction

from .actions import notify_lapsed


@shared_task(name="mandates.tasks.expire_mandates")
def expire_mandates() -> int:
    """Inform agencies of mandates that lapsed. Access itself ended without this job (see ``notify_lapsed``)."""
    with transaction.atomic():
        return notify_lapsed()
