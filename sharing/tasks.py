from celery import shared_task
from django.db import transaction

from .actions import tidy_expired


@shared_task(name="sharing.tasks.tidy_expired_shares")
def tidy_expired_shares() -> int:
    """Housekeeping of lapsed shares (access itself ended at ``expires_at``, without this task)."""
    with transaction.atomic():
        return tidy_expired()
