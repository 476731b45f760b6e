"""``field__any=[…]``: membership as one array parameter on PostgreSQL instead of an ``IN`` list of thousands.

A page's loaders ask for the listings of 100 cases, then the platforms and entities of 1,000 listings: with
``IN`` Django compiles one placeholder per id, psycopg adapts and splices each, and PostgreSQL parses each; with
``= ANY(%s)`` the ids travel as one array, whatever their number, and the statement's text stays the same, so
PostgreSQL's plan cache and ``pg_stat_statements`` see one statement. Other databases get the usual ``IN``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup
from django.db.models.lookups import In


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        return [self.lhs.output_field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        if connection.vendor != "postgresql":
            return In(self.lhs, self.rhs).as_sql(compiler, connection)
        if not self.rhs:  # as ``IN``: nothing to match, and no statement when nothing else could match
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(self.rhs))


# Foreign keys look their lookups up no further than ``ForeignObject``: registered on both.
Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)
