"""The transactional outbox: every side effect (mail, notification, indexing) is a row written in the same
transaction as the change that causes it, and delivered later by an idempotent Celery task.

Nothing is lost when the worker, the broker, the search engine or the mail server is down: the row stays
``pending`` and the periodic drain picks it up when they return.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Delivered")
    DEAD = "dead", _("Dead letter")


class OutboxMessage(models.Model):
    topic = models.CharField(max_length=64, db_index=True)
    payload = models.JSONField()
    status = models.CharField(max_length=8, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    available_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    processed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "available_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk} ({self.status})"
