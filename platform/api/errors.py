"""Typed errors in mutation payloads."""

from __future__ import annotations

from typing import Any

import graphene

from access.errors import ActionError, ErrorCode

ErrorCodeEnum = graphene.Enum.from_enum(ErrorCode, description="Stable machine-readable error codes.")


class Error(graphene.ObjectType):
    """A refusal or an invalid input. The mutation changed nothing."""

    code = ErrorCodeEnum(required=True)
    field = graphene.String(description="The input field at fault, in camelCase; null for the whole input.")
    message = graphene.String(required=True)

    @staticmethod
    def from_action(error: ActionError) -> Error:
        return Error(code=error.code.value, field=_camel(error.field), message=error.message)


def _camel(name: str | None) -> str | None:
    if not name:
        return None
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def enum_value(member: Any) -> Any:
    """graphene 3 passes enum arguments as enum members; actions take plain values."""
    return getattr(member, "value", member)
