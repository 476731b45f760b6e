from celery import shared_task

from .actions import deliver_due


@shared_task(name="outbox.tasks.drain_outbox", ignore_result=True)
def drain_outbox() -> int:
    """Deliver due outbox messages. Takes no arguments: the rows themselves are the queue."""
    return deliver_due()
