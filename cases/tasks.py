from celery import shared_task

from .evidence import sweep_orphan_files


@shared_task(name="cases.tasks.sweep_orphan_evidence")
def sweep_orphan_evidence() -> int:
    """Delete evidence files that no evidence row refers to (a crashed or failed upload), audited."""
    return len(sweep_orphan_files())
