"""Reactions of the sharing app to what happens elsewhere."""

from typing import Any

from django.dispatch import receiver

from cases.signals import identifiers_seen

from .actions import record_hits


@receiver(identifiers_seen)
def _hits(sender: Any, viewer: Any, entity_ids: list[int], trigger: str, **kwargs: Any) -> None:
    record_hits(viewer, entity_ids, trigger)
