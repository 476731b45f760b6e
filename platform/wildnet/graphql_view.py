"""The GraphQL endpoint: limits, production hardening, and errors that reveal nothing."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import orjson
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView, HttpError
from graphql import ExecutionResult, GraphQLError, OperationType, execute, get_operation_ast

from access.errors import ActionError
from access.markings import Purpose
from api import reads
from api.context import PURPOSE_HEADER
from api.documents import limits_key, prepare, variable_errors
from api.execution import BatchingExecutionContext
from api.limits import nested_deeper_than
from api.loaders import forget_loaders
from api.origin import cross_site, refusal
from api.upload import multipart_operations

from .views import database_unavailable, unavailable_error

logger = logging.getLogger("wildnet.graphql")

_SUGGESTION = re.compile(r"\s*Did you mean .*\?$")
#: Brackets of any kind; well above what the depth limit lets through, far below the parser's recursion limit.
MAX_NESTING = 64


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
    if nested_deeper_than(text, MAX_NESTING):
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


def unauthenticated(request: HttpRequest) -> HttpResponse:
    """No session and no token: a browser asking for GraphiQL goes to sign-in, a program gets a JSON 401."""
    if request.method == "GET" and "text/html" in request.headers.get("Accept", ""):
        return redirect_to_login(request.get_full_path())
    response = JsonResponse({"errors": [{
        "message": "Sign in, or send an API token in the Authorization header (Bearer wn_…).",
        "extensions": {"code": "UNAUTHENTICATED"}}]}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="wildnet"'
    return response


def unknown_purpose(request: HttpRequest) -> HttpResponse | None:
    """A purpose header that names no purpose is refused, not ignored: the caller would see less and not know why."""
    value = request.headers.get(PURPOSE_HEADER)
    if value is None or value in Purpose.values:
        return None
    return JsonResponse({"errors": [{
        "message": f"Unknown purpose in {PURPOSE_HEADER}: use one of {', '.join(Purpose.values)}.",
        "extensions": {"code": "INVALID", "field": PURPOSE_HEADER}}]}, status=400)


#: graphene-django's dispatch without its ``ensure_csrf_cookie``: a POST has passed the CSRF check of
#: ``WildnetGraphQLView.dispatch`` (the cookie is there) or carries a token, so masking a new CSRF token and setting
#: the cookie again on every API response is work for nothing; GraphiQL's page, a GET, still sets it.
_dispatch_without_cookie = GraphQLView.dispatch.__wrapped__


@method_decorator(login_not_required, name="dispatch")
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
        if not request.user.is_authenticated:
            return unauthenticated(request)
        refused = unknown_purpose(request)
        if refused is not None:
            return refused
        if request.method == "GET" and request.GET.get("query") and cross_site(request):
            return refusal(request)  # a query by GET may record a hit in the officer's name (api.origin)
        if request.method == "POST" and not getattr(request, "_dont_enforce_csrf_checks", False):
            from django.middleware.csrf import CsrfViewMiddleware

            rejection = CsrfViewMiddleware(_no_response).process_view(request, _no_response, (), {})
            if rejection is not None:
                return rejection
        if request.method == "GET":
            return super().dispatch(request, *args, **kwargs)
        return _dispatch_without_cookie(self, request, *args, **kwargs)

    def render_graphiql(self, request: HttpRequest, **data: Any) -> HttpResponse:
        """The page with GraphiQL's settings as a JSON data block (read by ``wildnet/graphiql.js``).

        graphene-django's context is mostly CDN versions and SRI hashes, which the local files make moot.
        """
        settings_block = {"headerEditorEnabled": data["graphiql_header_editor_enabled"],
                          "shouldPersistHeaders": data["graphiql_should_persist_headers"],
                          "inputValueDeprecation": data["graphiql_input_value_deprecation"]}
        return render(request, self.graphiql_template, {"graphiql_settings": settings_block})

    def json_encode(self, request: HttpRequest, d: Any, pretty: bool = False) -> str | bytes:
        """The answer as compact JSON, written by orjson; pretty (``?pretty``, GraphiQL) as graphene-django.

        ``json.dumps`` spent 3 to 4 ms of CPU writing a page of 100 cases (190 KB), 7 % of the request; orjson
        writes the same document in a tenth of a millisecond, UTF-8 as it is sent instead of ``\\u`` escapes.
        What orjson refuses (an integer past 64 bits from a custom scalar) is written by ``json.dumps`` as before.
        """
        if not (self.pretty or pretty) and not request.GET.get("pretty"):
            try:
                return orjson.dumps(d, option=orjson.OPT_NON_STR_KEYS)
            except orjson.JSONEncodeError:
                pass
        return super().json_encode(request, d, pretty)

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
        if len(query) > settings.GRAPHQL_MAX_QUERY_BYTES or nested_deeper_than(query, MAX_NESTING):
            return ExecutionResult(errors=[GraphQLError(
                f"Query too large or too deeply nested (at most {settings.GRAPHQL_MAX_QUERY_BYTES} characters "
                f"and {MAX_NESTING} levels).")])
        schema = self.schema.graphql_schema
        prepared = prepare(schema, query, limits_key())
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
        finally:
            forget_loaders(request)

    def get_response(self, request: HttpRequest, data: Any, show_graphiql: bool = False) -> Any:
        self._request_id = getattr(request, "request_id", "")
        self._unavailable = False
        try:
            result, status = super().get_response(request, data, show_graphiql)
        finally:
            reads.flush(request)
        return result, 503 if self._unavailable else status
