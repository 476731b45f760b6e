"""What the built schema's ``DateTime`` accepts: only times that exist in UTC.

graphene's ``DateTime`` parses any ISO 8601 text, including ``9999-12-31T23:00:00-10:00``, an instant after the
last one a Python ``datetime`` can hold in UTC: the first comparison or query that converts it raises
``OverflowError``, a fault wherever the value goes (a filter, a search, a mutation). The check belongs where the
value enters, once, for every argument and input field of the type, literal or variable.
"""

from __future__ import annotations

import datetime
from typing import Any

from graphene.types.datetime import DateTime
from graphql import GraphQLError, GraphQLScalarType, GraphQLSchema


def _in_range(moment: datetime.datetime) -> datetime.datetime:
    if moment.utcoffset() is not None:
        try:
            moment.astimezone(datetime.UTC)
        except OverflowError:
            raise GraphQLError(f"DateTime {moment.isoformat()} is outside the years 1 to 9999 in UTC.",
                               extensions={"code": "INVALID"}) from None
    return moment


def _parse_value(value: Any) -> datetime.datetime:
    return _in_range(DateTime.parse_value(value))


def _parse_literal(node: Any, variables: Any = None) -> datetime.datetime:
    return _in_range(DateTime.parse_literal(node, variables))


def restrict_datetime(schema: GraphQLSchema) -> None:
    """Make the schema's ``DateTime`` refuse instants that UTC cannot hold, as it refuses text that is no time."""
    scalar = schema.get_type("DateTime")
    assert isinstance(scalar, GraphQLScalarType)
    scalar.parse_value = _parse_value  # type: ignore[method-assign]
    scalar.parse_literal = _parse_literal  # type: ignore[method-assign]
