"""GraphQL: ``stixBundle``, a case or a search's results as a STIX 2.1 bundle."""

from __future__ import annotations

from typing import Any

import graphene
from django.http import QueryDict
from graphene.types.generic import GenericScalar
from graphql import GraphQLError

from access.errors import ActionError, NotFound
from api.context import get_viewer
from api.nodes import invalid

from .exports import export_case, export_search


class Query(graphene.ObjectType):
    stix_bundle = GenericScalar(
        case_reference=graphene.String(description="A case's reference, e.g. FR-OFB-2026-00001."),
        query=graphene.String(description="Search words: the bundle holds what the search finds (at most "
                                          "EXPORT_MAX_ROWS results), audited as the CSV export is."),
        description="A case, or a search's results, as a STIX 2.1 bundle of what you may see (give one of the "
                    "two arguments). Withheld groups of a share are absent; every object carries its handling "
                    "code's markings (statement and TLP 2.0). Null for a case that is missing or that you may "
                    "not see. Shared intelligence needs a declared purpose. Recorded as a read.")

    @staticmethod
    def resolve_stix_bundle(root: Any, info: Any, case_reference: str | None = None,
                            query: str | None = None) -> Any:
        if (case_reference is None) == (query is None):
            raise invalid("Give either caseReference or query.", "caseReference")
        viewer = get_viewer(info)
        if case_reference is not None:
            try:
                return export_case(info.context, viewer, case_reference, flush=False)
            except NotFound:
                return None
        params = QueryDict(mutable=True)
        params["q"] = query or ""
        try:
            return export_search(info.context, viewer, params)
        except ActionError as error:
            raise GraphQLError(error.message, extensions={"code": error.code.value, "field": "query"}) from None
