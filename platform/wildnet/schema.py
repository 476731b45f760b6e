"""The root GraphQL schema, assembled from every app's ``Query`` and ``Mutation``."""

import graphene

from agencies.schema import Query as AgencyQuery
from api.nodes import PolicyNode
from api.scalars import restrict_datetime
from audit.schema import Query as AuditQuery
from cases.schema import Mutation as CaseMutation
from cases.schema import Query as CaseQuery
from cases.schema_evidence import Mutation as EvidenceMutation
from compliance.measures.schema import Mutation as MeasuresMutation
from compliance.measures.schema import Query as MeasuresQuery
from compliance.schema import Mutation as ComplianceMutation
from compliance.schema import Query as ComplianceQuery
from compliance.schema_metrics import Query as ComplianceMetricsQuery
from interop.schema_import import Mutation as InteropImportMutation
from interop.schema_import import Query as InteropImportQuery
from interop.schema_stix import Query as StixQuery
from mandates.schema import Mutation as MandateMutation
from mandates.schema import Query as MandateQuery
from officers.schema import Mutation as OfficerMutation
from officers.schema import Query as OfficerQuery
from reports.schema import Mutation as ReportMutation
from reports.schema import Query as ReportQuery
from reports.schema_figures import Query as ReportFiguresQuery
from search.schema import Query as SearchQuery
from sharing.schema import Mutation as SharingMutation
from sharing.schema import Query as SharingQuery


class Query(AgencyQuery, OfficerQuery, MandateQuery, AuditQuery, CaseQuery, SharingQuery, ComplianceQuery,
            ComplianceMetricsQuery, MeasuresQuery, SearchQuery, ReportQuery, ReportFiguresQuery, InteropImportQuery,
            StixQuery, graphene.ObjectType):
    node = PolicyNode.Field(description="Any object by global id; null when missing or not visible.")


class Mutation(OfficerMutation, MandateMutation, CaseMutation, EvidenceMutation, SharingMutation,
               ComplianceMutation, MeasuresMutation, ReportMutation, InteropImportMutation, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
restrict_datetime(schema.graphql_schema)
