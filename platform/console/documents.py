"""Running a page's named GraphQL documents in process, as the signed-in officer.

The console reads and writes only through the schema: a view runs a document kept in a ``.graphql`` file next to
it, with the request as context, so the policy, the purpose of access, the read audit, the limits and the typed
errors are exactly the API's. A document that does not validate is a bug in the console (a test validates every
document against the schema); a fault inside a resolver is raised to the server-error page, never shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from django.http import HttpRequest
from graphene_django.settings import graphene_settings
from graphql import ExecutionResult, GraphQLError, GraphQLSchema, execute

from access.errors import ActionError, ErrorCode
from api import reads
from api.documents import limits_key, prepare, variable_errors
from api.execution import BatchingExecutionContext


class DocumentFault(Exception):
    """A console document the schema refuses: a programming error, shown as a server error."""


class ConfirmationRequired(Exception):
    """A mutation refused a sensitive act until the session confirms its password (``REAUTHENTICATE``): the
    console asks for it and replays the form (console.middleware.ConfirmationMiddleware), so no page handles it."""


@dataclass(frozen=True)
class Problem:
    """A typed refusal of the whole operation or of one argument (``NOT_FOUND``, ``INVALID`` …)."""

    code: str
    message: str
    field: str | None = None


@dataclass
class Result:
    data: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)

    def problem(self, code: str) -> Problem | None:
        return next((problem for problem in self.problems if problem.code == code), None)


def schema() -> GraphQLSchema:
    return graphene_settings.SCHEMA.graphql_schema


class Documents:
    """The documents of one app's pages: ``Documents(__file__)`` reads ``<name>.graphql`` beside that module."""

    def __init__(self, module_file: str) -> None:
        self.directory = Path(module_file).resolve().parent

    @cached_property
    def texts(self) -> dict[str, str]:
        return {path.stem: path.read_text(encoding="utf-8") for path in sorted(self.directory.glob("*.graphql"))}

    def run(self, request: HttpRequest, name: str, variables: dict[str, Any] | None = None) -> Result:
        """Execute document ``name`` for ``request``'s viewer; typed errors come back as problems."""
        return run(request, self.texts[name], variables or {})


def run(request: HttpRequest, text: str, variables: dict[str, Any]) -> Result:
    prepared = prepare(schema(), text, limits_key())
    if prepared.document is None or prepared.errors:
        raise DocumentFault("; ".join(error.message for error in prepared.errors))
    refused = variable_errors(prepared.bindings, variables)
    if refused:
        return Result({}, [_problem(error) for error in refused])
    try:
        outcome = execute(schema(), prepared.document, context_value=request, variable_values=variables,
                          execution_context_class=BatchingExecutionContext)
    finally:
        reads.flush(request)
    assert isinstance(outcome, ExecutionResult)  # no resolver of WildNet is asynchronous
    problems = []
    for error in outcome.errors or ():
        original = error.original_error
        if original is not None and not isinstance(original, ActionError | GraphQLError):
            raise original
        problems.append(_problem(error))
    data = outcome.data or {}
    if any(error.get("code") == ErrorCode.REAUTHENTICATE for payload in data.values() if isinstance(payload, dict)
           for error in payload.get("errors") or ()):
        raise ConfirmationRequired
    return Result(data, problems)


def _problem(error: GraphQLError) -> Problem:
    original = error.original_error
    if isinstance(original, ActionError):
        return Problem(original.code.value, original.message, original.field)
    extensions = error.extensions or {}
    return Problem(str(extensions.get("code", "INVALID")), error.message, extensions.get("field"))
