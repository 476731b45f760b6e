"""The GraphQL endpoint: limits, production hardening, and errors that reveal nothing."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView
from graphql import ExecutionResult, FieldNode, GraphQLError, ValidationRule, specified_rules

from api import reads
from api.execution import BatchingExecutionContext
from api.origin import cross_site, refusal
from api.upload import multipart_operations

from .graphql_limits import alias_limit_rule, cost_limit_rule, depth_limit_rule, nesting_depth

logger = logging.getLogger("wildnet.graphql")

_SUGGESTION = re.compile(r"\s*Did you mean .*\?$")
#: Brackets of any kind; well above what the depth limit lets through, far below the parser's recursion limit.
MAX_NESTING = 64


#: The meta-fields that describe the schema itself.
SCHEMA_INTROSPECTION = frozenset({"__schema", "__type"})


class SchemaIntrospectionDisabled(ValidationRule):
    """No ``__schema`` or ``__type`` when introspection is off: they hand out the whole schema.

    ``__typename`` stays allowed (graphene's ``DisableIntrospection`` refuses every ``__`` field): it names the
    type of an object the client receives anyway, and Apollo, Relay and urql add it to every selection, so
    refusing it breaks every standard client.
    """

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.name.value in SCHEMA_INTROSPECTION:
            self.report_error(GraphQLError(f"Cannot query '{node.name.value}': introspection is disabled.", node))


def validation_rules() -> tuple[Any, ...]:
    """The standard GraphQL rules (which a custom list would otherwise replace), then ours."""
    rules: list[Any] = [
        *specified_rules,
        depth_limit_rule(settings.GRAPHQL_MAX_DEPTH),
        alias_limit_rule(settings.GRAPHQL_MAX_ALIASES),
        cost_limit_rule(settings.GRAPHQL_MAX_COST),
    ]
    if not settings.GRAPHQL_INTROSPECTION:
        rules.append(SchemaIntrospectionDisabled)
    return tuple(rules)


def _no_response(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


@method_decorator(csrf_exempt, name="dispatch")
class WildnetGraphQLView(GraphQLView):
    """graphene-django's view, hardened.

    * CSRF: a browser session must send the CSRF token (checked here, since the view is exempted only so
      that bearer-token clients, which carry no cookie, need none); a query by GET with the session must come
      from WildNet's own pages (``api.origin``), as it may record a hit.
    * Limits on depth, aliases and cost; no introspection in production; no batching.
    * Errors: a GraphQL error about the query (syntax, validation) is shown; any other exception becomes
      "Internal error" with the request id, and the traceback goes to the log only. Field suggestions
      ("Did you mean …?") are removed when introspection is off, since they would reveal the schema.
    * Nested loaders are batched: execution uses the deferred context of graphql-sync-dataloaders.
    """

    execution_context_class = BatchingExecutionContext

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("graphiql", settings.GRAPHIQL_ENABLED)
        kwargs.setdefault("validation_rules", validation_rules())
        super().__init__(**kwargs)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "GET" and request.GET.get("query") and cross_site(request):
            return refusal(request)  # a query by GET may record a hit in the officer's name (api.origin)
        if request.method == "POST" and not getattr(request, "_dont_enforce_csrf_checks", False):
            from django.middleware.csrf import CsrfViewMiddleware

            rejection = CsrfViewMiddleware(_no_response).process_view(request, _no_response, (), {})
            if rejection is not None:
                return rejection
        return super().dispatch(request, *args, **kwargs)

    def parse_body(self, request: HttpRequest) -> Any:
        """A multipart request carries files by the GraphQL multipart request spec; anything else as usual."""
        if self.get_content_type(request) == "multipart/form-data":
            operations = multipart_operations(request)
            if operations is not None:
                return operations
        return super().parse_body(request)

    def format_error(self, error: Any) -> dict[str, Any]:
        request_id = getattr(self, "_request_id", "")
        original = getattr(error, "original_error", None)
        if isinstance(error, GraphQLError) and (original is None or isinstance(original, GraphQLError)):
            formatted: dict[str, Any] = dict(error.formatted)
            if not settings.GRAPHQL_INTROSPECTION:
                formatted["message"] = _SUGGESTION.sub("", formatted["message"])
            return formatted
        logger.error("GraphQL fault (request %s)", request_id, exc_info=original or error)
        formatted = {"message": f"Internal error. Quote request id {request_id} to support.",
                     "extensions": {"code": "INTERNAL_ERROR", "requestId": request_id}}
        if isinstance(error, GraphQLError):
            formatted["path"] = error.path
        return formatted

    def execute_graphql_request(self, request: HttpRequest, data: Any, query: str | None, variables: Any,
                                operation_name: str | None, show_graphiql: bool = False) -> Any:
        """Refuse documents too large or too deeply nested to parse safely, before parsing them."""
        if query and (len(query) > settings.GRAPHQL_MAX_QUERY_BYTES
                      or nesting_depth(query) > MAX_NESTING):
            return ExecutionResult(errors=[GraphQLError(
                f"Query too large or too deeply nested (at most {settings.GRAPHQL_MAX_QUERY_BYTES} characters "
                f"and {MAX_NESTING} levels).")])
        return super().execute_graphql_request(request, data, query, variables, operation_name, show_graphiql)

    def get_response(self, request: HttpRequest, data: Any, show_graphiql: bool = False) -> Any:
        self._request_id = getattr(request, "request_id", "")
        try:
            return super().get_response(request, data, show_graphiql)
        finally:
            reads.flush(request)
