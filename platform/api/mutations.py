"""The base class of every mutation: authentication, token scope, one transaction, typed errors, audit."""

from __future__ import annotations

import logging
from typing import Any

import graphene
from django.db import transaction
from django.utils.translation import gettext as _
from graphene.types.mutation import MutationOptions
from graphql_relay import from_global_id

from access.errors import ActionError, ErrorCode, NotFound
from access.policy import Viewer
from audit.actions import record
from audit.models import Outcome

from .context import get_viewer
from .errors import Error

logger = logging.getLogger(__name__)

_REFUSALS = {ErrorCode.PERMISSION_DENIED, ErrorCode.NOT_FOUND, ErrorCode.UNAUTHENTICATED,
             ErrorCode.READ_ONLY_TOKEN, ErrorCode.MANDATE_NOT_COVERING}


class BaseMutationOptions(MutationOptions):
    audit_action: str = ""


class BaseMutation(graphene.Mutation):
    """Subclasses implement ``perform(info, viewer, **input) -> dict`` of output fields.

    ``perform`` runs in one database transaction. Raising :class:`ActionError` rolls it back, so bad input or
    a refusal changes nothing, and returns the error in ``errors`` (not in the GraphQL ``errors`` list, which
    is kept for faults). Refused attempts are audited after the rollback, so the refusal itself is recorded.
    """

    errors = graphene.List(graphene.NonNull(Error), required=True)

    class Meta:
        abstract = True

    @classmethod
    def __init_subclass_with_meta__(cls, audit_action: str = "", _meta: Any = None, **options: Any) -> None:
        if _meta is None:
            _meta = BaseMutationOptions(cls)
        _meta.audit_action = audit_action
        super().__init_subclass_with_meta__(_meta=_meta, **options)

    @classmethod
    def perform(cls, info: Any, viewer: Viewer, **data: Any) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def mutate(cls, root: Any, info: Any, **data: Any) -> Any:
        viewer = get_viewer(info)
        try:
            if not viewer.active:
                raise ActionError(ErrorCode.UNAUTHENTICATED, _("Sign in first."))
            if not viewer.may_write():
                raise ActionError(ErrorCode.READ_ONLY_TOKEN, _("This API token may only read."))
            with transaction.atomic():
                output = cls.perform(info, viewer, **data)
        except ActionError as error:
            cls._audit_failure(viewer, error)
            return cls(errors=[Error.from_action(error)])
        return cls(errors=[], **output)

    @classmethod
    def _audit_failure(cls, viewer: Viewer, error: ActionError) -> None:
        if not viewer.active:
            return
        outcome = Outcome.DENIED if error.code in _REFUSALS else Outcome.FAILED
        record(cls._meta.audit_action or cls.__name__, actor=viewer.officer, outcome=outcome,
               details={"code": error.code.value, "field": error.field})


def decode_id(global_id: str, expected: str, field: str) -> int:
    """The primary key inside a Relay global id of type ``expected``; ``NOT_FOUND`` for anything else."""
    try:
        type_name, pk = from_global_id(global_id)
        if type_name != expected:
            raise ValueError(type_name)
        return int(pk)
    except (ValueError, TypeError, UnicodeDecodeError):
        raise NotFound(field, expected) from None
