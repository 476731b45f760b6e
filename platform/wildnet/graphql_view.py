"""The GraphQL endpoint: limits, production hardening, and errors that reveal nothing."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from graphene_django.settings import graphene_settings
from graphene_django.views import GraphQLView, HttpError
from graphql import (
    ArgumentNode,
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    ListValueNode,
    NullValueNode,
    ObjectValueNode,
    OperationType,
    StringValueNode,
    Undefined,
    ValidationRule,
    ValueNode,
    VariableNode,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)

from access.errors import ActionError
from api import reads
from api.execution import BatchingExecutionContext
from api.origin import cross_site, refusal
from api.upload import multipart_operations

from .graphql_limits import alias_limit_rule, cost_limit_rule, depth_limit_rule, nesting_depth
from .views import database_unavailable, unavailable_error

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


@dataclass(frozen=True)
class Binding:
    """A variable used in an argument: the request's value is checked where the document's literals were."""

    argument: str
    variable: str
    default: str | None  # the argument's default (as JSON) when the variable is its whole value, else None


def _literal_has_nul(node: ValueNode) -> bool:
    if isinstance(node, StringValueNode):
        return "\x00" in node.value
    if isinstance(node, ListValueNode):
        return any(_literal_has_nul(item) for item in node.values)
    if isinstance(node, ObjectValueNode):
        return any(_literal_has_nul(item.value) for item in node.fields)
    return False


def _variables_in(node: ValueNode) -> list[str]:
    if isinstance(node, VariableNode):
        return [node.name.value]
    if isinstance(node, ListValueNode):
        return [name for item in node.values for name in _variables_in(item)]
    if isinstance(node, ObjectValueNode):
        return [name for item in node.fields for name in _variables_in(item.value)]
    return []


def argument_rule(bindings: list[Binding]) -> type[ValidationRule]:
    """Refuse, in the document, an explicit ``null`` for an argument that has a default and text holding the NUL
    character; note where variables are used, so the same checks apply to the request's values.

    GraphQL passes such a null on instead of the default, which no resolver expects; no field of WildNet holds a
    NUL, which PostgreSQL refuses in a string (a fault, were it let through) and SQLite would store.
    """

    class ArgumentValues(ValidationRule):
        def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
            definition = self.context.get_argument()
            default = (None if definition is None or definition.default_value in (Undefined, None)
                       else json.dumps(definition.default_value, default=str))
            name = node.name.value
            if isinstance(node.value, NullValueNode) and default is not None:
                self.report_error(_null_error(name, default, node))
            elif _literal_has_nul(node.value):
                self.report_error(_nul_error(name, node))
            bindings.extend(Binding(name, variable, default if isinstance(node.value, VariableNode) else None)
                            for variable in _variables_in(node.value))

    return ArgumentValues


def _null_error(argument: str, default: str, node: Any = None) -> GraphQLError:
    return GraphQLError(f"`{argument}` cannot be null: leave it out for its default ({default}).", node,
                        extensions={"code": "INVALID", "field": argument})


def _nul_error(argument: str, node: Any = None) -> GraphQLError:
    return GraphQLError(f"`{argument}` cannot contain the NUL character.", node,
                        extensions={"code": "INVALID", "field": argument})


def _has_nul(value: Any) -> bool:
    """Whether a variable's value (JSON: strings, lists, objects) holds a NUL character anywhere, keys included."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def variable_errors(bindings: tuple[Binding, ...], variables: dict[str, Any]) -> list[GraphQLError]:
    """The checks of :func:`argument_rule`, on the values the request gives its variables."""
    errors = []
    for binding in bindings:
        if binding.variable not in variables:
            continue
        value = variables[binding.variable]
        if value is None and binding.default is not None:
            errors.append(_null_error(binding.argument, binding.default))
        elif _has_nul(value):
            errors.append(_nul_error(binding.argument))
    return errors


@dataclass(frozen=True)
class Prepared:
    """A parsed and validated document, kept for the next request that sends the same text."""

    document: DocumentNode | None
    errors: tuple[GraphQLError, ...]
    bindings: tuple[Binding, ...]


@lru_cache(maxsize=512)
def prepare(schema: GraphQLSchema, query: str, limits: tuple[Any, ...]) -> Prepared:
    """Parse and validate ``query`` once per text and set of limits (``limits`` is only the cache key).

    A client sends the same few documents over and over; parsing and validating one costs milliseconds, more
    than many resolvers. What depends on the request (its variables) is checked apart, from the bindings.
    """
    try:
        document = parse(query)
    except GraphQLError as error:
        return Prepared(None, (error,), ())
    bindings: list[Binding] = []
    errors = validate(schema, document, (*validation_rules(), argument_rule(bindings)),
                      graphene_settings.MAX_VALIDATION_ERRORS)
    return Prepared(document, tuple(errors), tuple(bindings))


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


class RequestError(HttpError):
    """A request WildNet cannot take as GraphQL, answered with its HTTP status and a typed code, never as a fault.

    graphene-django raises ``HttpError`` for some of these (a bad method, a mutation by GET, no query); those are
    typed by their status (``STATUS_CODES``). Everything else a malformed body can raise is caught in
    ``parse_body`` and raised as this.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(HttpResponse(status=status), message)
        self.code = code


#: The typed code of each status graphene-django's own ``HttpError`` carries.
STATUS_CODES = {400: "BAD_REQUEST", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE",
                415: "UNSUPPORTED_MEDIA_TYPE"}
#: Content types a GraphQL request may have.
ACCEPTED_TYPES = frozenset({"application/json", "application/graphql", "application/x-www-form-urlencoded",
                            "multipart/form-data"})


def _json_operation(body: bytes) -> dict[str, Any]:
    """The one operation a JSON body holds, or the ``RequestError`` that says what is wrong with it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestError(400, "BAD_REQUEST", "The body is not UTF-8.") from None
    if not text.strip():
        raise RequestError(400, "BAD_REQUEST", "The body is empty: send {\"query\": \"…\"}.")
    if nesting_depth(text) > MAX_NESTING:
        raise RequestError(400, "BAD_REQUEST", f"The JSON body is nested more than {MAX_NESTING} levels.")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise RequestError(400, "BAD_REQUEST", "The body is not valid JSON.") from None
    if isinstance(data, list):
        raise RequestError(400, "BATCHING_DISABLED", "Batching is disabled: send one operation per request.")
    if not isinstance(data, dict):
        raise RequestError(400, "BAD_REQUEST", "The body must be a JSON object with a \"query\".")
    return data


def _check_operation(data: Any) -> None:
    """``query`` a string, ``variables`` an object, ``operationName`` a string (each may be absent or null)."""
    for key, kind, name in (("query", str, "a string"), ("variables", dict, "an object"),
                            ("operationName", str, "a string")):
        value = data.get(key)
        if value is not None and not isinstance(value, kind) and not (key == "variables" and value == ""):
            raise RequestError(400, "BAD_REQUEST", f"\"{key}\" must be {name}.")


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
    * GraphiQL runs from WildNet's static files (``deploy/vendor_assets.py``), not a CDN, and without inline
      script, so that it works on a closed network and under the Content Security Policy.
    """

    execution_context_class = BatchingExecutionContext
    graphiql_template = "wildnet/graphiql.html"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("graphiql", settings.GRAPHIQL_ENABLED)
        super().__init__(**kwargs)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self._request_id = getattr(request, "request_id", "")
        if request.method == "GET" and request.GET.get("query") and cross_site(request):
            return refusal(request)  # a query by GET may record a hit in the officer's name (api.origin)
        if request.method == "POST" and not getattr(request, "_dont_enforce_csrf_checks", False):
            from django.middleware.csrf import CsrfViewMiddleware

            rejection = CsrfViewMiddleware(_no_response).process_view(request, _no_response, (), {})
            if rejection is not None:
                return rejection
        return super().dispatch(request, *args, **kwargs)

    def render_graphiql(self, request: HttpRequest, **data: Any) -> HttpResponse:
        """The page with GraphiQL's settings as a JSON data block (read by ``wildnet/graphiql.js``).

        graphene-django's context is mostly CDN versions and SRI hashes, which the local files make moot.
        """
        settings_block = {"headerEditorEnabled": data["graphiql_header_editor_enabled"],
                          "shouldPersistHeaders": data["graphiql_should_persist_headers"],
                          "inputValueDeprecation": data["graphiql_input_value_deprecation"]}
        return render(request, self.graphiql_template, {"graphiql_settings": settings_block})

    def parse_body(self, request: HttpRequest) -> Any:
        """The operation of the request, or a ``RequestError`` saying why there is none.

        A multipart request carries files by the GraphQL multipart request spec; a JSON body is checked here
        (graphene-django would let a body nested 100,000 deep or a query that is a number reach a 500).
        """
        content_type = self.get_content_type(request)
        if request.method == "POST" and not int(request.META.get("CONTENT_LENGTH") or 0):
            raise RequestError(400, "BAD_REQUEST", "The body is empty: send {\"query\": \"…\"}.")
        if request.method == "POST" and content_type not in ACCEPTED_TYPES:
            raise RequestError(415, "UNSUPPORTED_MEDIA_TYPE",
                               "Send the operation as application/json (or application/graphql).")
        try:
            if content_type == "multipart/form-data":
                operations = multipart_operations(request)
                data = operations if operations is not None else super().parse_body(request)
            elif content_type == "application/json":
                data = _json_operation(request.body)
            else:
                data = super().parse_body(request)
        except RequestDataTooBig:
            raise RequestError(413, "PAYLOAD_TOO_LARGE", "The request body is too large.") from None
        except MultiPartParserError:
            raise RequestError(400, "BAD_REQUEST", "The multipart body is malformed.") from None
        if isinstance(data, dict):
            _check_operation(data)
        return data

    def format_error(self, error: Any) -> dict[str, Any]:
        request_id = getattr(self, "_request_id", "")
        if isinstance(error, HttpError):  # the request was not taken: say why, with a code
            code = getattr(error, "code", None) or STATUS_CODES.get(error.response.status_code, "BAD_REQUEST")
            return {"message": error.message, "extensions": {"code": code, "requestId": request_id}}
        original = getattr(error, "original_error", None)
        if isinstance(original, ActionError):  # a query's argument refused by an action or the policy: typed
            extensions = {"code": original.code.value, **({"field": original.field} if original.field else {})}
            return {"message": original.message, "extensions": extensions, "path": error.path}
        if isinstance(error, GraphQLError) and (original is None or isinstance(original, GraphQLError)):
            formatted: dict[str, Any] = dict(error.formatted)
            if not settings.GRAPHQL_INTROSPECTION:
                formatted["message"] = _SUGGESTION.sub("", formatted["message"])
            return formatted
        if database_unavailable(original):  # an outage, not a bug: typed, and the answer is a 503
            self._unavailable = True
            logger.warning("GraphQL request %s met a database outage: %s", request_id, original)
            return {**unavailable_error(request_id), "path": getattr(error, "path", None)}
        logger.error("GraphQL fault (request %s)", request_id, exc_info=original or error)
        formatted = {"message": f"Internal error. Quote request id {request_id} to support.",
                     "extensions": {"code": "INTERNAL_ERROR", "requestId": request_id}}
        if isinstance(error, GraphQLError):
            formatted["path"] = error.path
        return formatted

    def execute_graphql_request(self, request: HttpRequest, data: Any, query: str | None, variables: Any,
                                operation_name: str | None, show_graphiql: bool = False) -> Any:
        """graphene-django's, with documents too large or too deeply nested refused before parsing, and parsed
        and validated documents taken from :func:`prepare`'s cache."""
        if not query:
            if show_graphiql:
                return None
            raise HttpError(HttpResponseBadRequest("Must provide query string."))
        if len(query) > settings.GRAPHQL_MAX_QUERY_BYTES or nesting_depth(query) > MAX_NESTING:
            return ExecutionResult(errors=[GraphQLError(
                f"Query too large or too deeply nested (at most {settings.GRAPHQL_MAX_QUERY_BYTES} characters "
                f"and {MAX_NESTING} levels).")])
        schema = self.schema.graphql_schema
        prepared = prepare(schema, query, (settings.GRAPHQL_MAX_DEPTH, settings.GRAPHQL_MAX_ALIASES,
                                           settings.GRAPHQL_MAX_COST, settings.GRAPHQL_INTROSPECTION))
        if prepared.document is None or prepared.errors:
            return ExecutionResult(errors=list(prepared.errors))
        operation = get_operation_ast(prepared.document, operation_name)
        if request.method == "GET" and operation is not None and operation.operation != OperationType.QUERY:
            if show_graphiql:
                return None
            raise HttpError(HttpResponseNotAllowed(
                ["POST"], f"Can only perform a {operation.operation.value} operation from a POST request."))
        errors = variable_errors(prepared.bindings, variables if isinstance(variables, dict) else {})
        if errors:
            return ExecutionResult(errors=errors)
        try:
            return execute(schema, prepared.document, root_value=self.get_root_value(request),
                           context_value=self.get_context(request), variable_values=variables,
                           operation_name=operation_name, middleware=self.get_middleware(request),
                           execution_context_class=self.execution_context_class)
        except Exception as error:  # a fault in a batched load surfaces here: masked by format_error
            return ExecutionResult(errors=[GraphQLError(str(error), original_error=error)])

    def get_response(self, request: HttpRequest, data: Any, show_graphiql: bool = False) -> Any:
        self._request_id = getattr(request, "request_id", "")
        self._unavailable = False
        try:
            result, status = super().get_response(request, data, show_graphiql)
        finally:
            reads.flush(request)
        return result, 503 if self._unavailable else status
