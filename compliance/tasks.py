from celery import shared_task

from .deadlines import process_deadlines


@shared_task(name="compliance.tasks.process_notice_deadlines")
def process_notice_deadlines() -> dict[str, int]:
    """Remind and escalate overdue notices. Takes no arguments: the deadlines in the rows are the queue, and a
    run that overlaps another, or repeats one, sends nothing twice (see ``compliance.deadlines``)."""
    return process_deadlines().counts()
