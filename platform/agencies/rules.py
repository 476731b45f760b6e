"""Who sees agencies and task forces: every signed-in officer (it is the directory of who can share with whom)."""

from django.db.models import Q

from access import prepared
from access.policy import Viewer, register_visibility

from .models import Agency, TaskForce, TaskForceMembership


@register_visibility(Agency)
@register_visibility(TaskForce)
@register_visibility(TaskForceMembership)
def directory(viewer: Viewer) -> Q:
    return Q()


def nothing_read(viewer: Viewer) -> tuple[()]:
    """The directory's rule reads nothing of the viewer: one statement serves every signed-in officer."""
    return ()


prepared.cacheable(Agency, TaskForce, TaskForceMembership, signature=nothing_read)
