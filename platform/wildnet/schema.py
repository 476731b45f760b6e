"""The root GraphQL schema, assembled from every app's ``Query`` and ``Mutation``."""

import graphene
from graphene import relay

from agencies.schema import Query as AgencyQuery
from audit.schema import Query as AuditQuery
from mandates.schema import Mutation as MandateMutation
from mandates.schema import Query as MandateQuery
from officers.schema import Mutation as OfficerMutation
from officers.schema import Query as OfficerQuery


class Query(AgencyQuery, OfficerQuery, MandateQuery, AuditQuery, graphene.ObjectType):
    node = relay.Node.Field(description="Any object by global id; null when missing or not visible.")


class Mutation(OfficerMutation, MandateMutation, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
