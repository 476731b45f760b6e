"""File uploads through GraphQL, by the GraphQL multipart request spec.

A client posts ``multipart/form-data`` with an ``operations`` field (the usual JSON request, with ``null``
where each file goes), a ``map`` field (``{"0": ["variables.file"]}``: which form file goes to which variable
path) and the files themselves. :func:`multipart_operations` puts Django's uploaded files at those paths, and
the :class:`Upload` scalar hands them to the resolver untouched: the action, not the API layer, decides what a
file may be.
"""

from __future__ import annotations

import json
from typing import Any

import graphene
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponseBadRequest
from django.http.multipartparser import MultiPartParserError
from graphene_django.views import HttpError
from graphql import GraphQLError


class Upload(graphene.Scalar):
    """A file sent in a multipart request (GraphQL multipart request spec). Input only."""

    @staticmethod
    def serialize(value: Any) -> Any:
        raise GraphQLError("An upload cannot be returned, only sent.")

    @staticmethod
    def parse_value(value: Any) -> UploadedFile:
        if not isinstance(value, UploadedFile):
            raise GraphQLError("Expected a file sent as a multipart part (GraphQL multipart request spec).")
        return value

    @staticmethod
    def parse_literal(node: Any, _variables: Any = None) -> Any:
        raise GraphQLError("A file cannot be written in the query; send it as a multipart variable.")


class MalformedUpload(HttpError, GraphQLError):
    """A multipart request that does not follow the spec: a 400 whose message the client may read.

    It is an ``HttpError`` so that graphene-django answers 400 before executing anything, and a
    ``GraphQLError`` so that the endpoint shows its message instead of masking it as an internal fault.
    """

    def __init__(self, message: str) -> None:
        HttpError.__init__(self, HttpResponseBadRequest(), message)  # which hands the message to GraphQLError
        self.extensions = {"code": "BAD_REQUEST"}


def multipart_operations(request: HttpRequest) -> dict[str, Any] | None:
    """The GraphQL request of a multipart upload, with files in place; ``None`` for a plain form post."""
    try:
        form, files = request.POST, request.FILES
    except (MultiPartParserError, SuspiciousOperation, BadRequest):
        raise MalformedUpload("The multipart body could not be read.") from None
    if "operations" not in form:
        return None
    operations = _json_field(form, "operations")
    if not isinstance(operations, dict):
        raise MalformedUpload("`operations` must be one JSON object (batching is not supported).")
    mapping = _json_field(form, "map")
    if not isinstance(mapping, dict) or not all(
        isinstance(paths, list) and all(isinstance(p, str) for p in paths) for paths in mapping.values()
    ):
        raise MalformedUpload("`map` must be a JSON object of file keys to lists of paths.")
    for key, paths in mapping.items():
        upload = files.get(key)
        if upload is None:
            raise MalformedUpload(f"`map` names the file {key!r}, which the request does not carry.")
        for path in paths:
            _place(operations, path, upload)
    return operations


def _json_field(form: Any, name: str) -> Any:
    if name not in form:
        raise MalformedUpload(f"The multipart request has no `{name}` field.")
    try:
        return json.loads(form[name])
    except ValueError:
        raise MalformedUpload(f"`{name}` is not valid JSON.") from None


def _place(operations: dict[str, Any], path: str, upload: UploadedFile) -> None:
    """Put ``upload`` at ``path`` ("variables.files.0"), where ``operations`` must hold a ``null``.

    Only variables can receive files, and only at a place the operations declared, so a map cannot graft
    files onto the query text or build structures the client did not send.
    """
    head, *keys = path.split(".")
    if head != "variables" or not keys:
        raise MalformedUpload(f"`map` path {path!r} must point inside `variables`.")
    *parents, last = keys
    container: Any = operations.get("variables")
    for key in parents:
        container = container[_slot(container, key, path)]
    slot = _slot(container, last, path)
    if container[slot] is not None:
        raise MalformedUpload(f"`map` path {path!r} must point at a null placeholder.")
    container[slot] = upload


def _slot(container: Any, key: str, path: str) -> str | int:
    if isinstance(container, dict) and key in container:
        return key
    if isinstance(container, list) and key.isdigit() and int(key) < len(container):
        return int(key)
    raise MalformedUpload(f"`map` path {path!r} does not exist in `operations`.")
