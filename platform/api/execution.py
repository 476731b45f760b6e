"""The execution context that lets nested loaders batch."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, GraphQLOutputType, is_non_null_type
from graphql_sync_dataloaders import DeferredExecutionContext


class BatchingExecutionContext(DeferredExecutionContext):
    """graphql-sync-dataloaders' deferred execution, compatible with current graphql-core 3.2.

    The library calls ``handle_field_error(error, return_type)``, the signature of graphql-core before 3.2.4;
    later releases added ``path``, so without this a resolver error would crash the request instead of
    nulling the field. The path is optional here and, when missing, the error is still collected.
    """

    def handle_field_error(self, error: GraphQLError, return_type: GraphQLOutputType, path: Any = None) -> None:
        if is_non_null_type(return_type):
            raise error
        self.collected_errors.add(error, path)
