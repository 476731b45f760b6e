"""Human labels for the GraphQL enum names the console's documents return (``INVESTIGATOR`` → "Investigator").

Each app registers the choices of its own enums; the shell registers the core's. Labels are lazy translations,
so a page shows them in the officer's language.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Choices

_labels: dict[str, dict[str, Any]] = {}
_options: dict[str, list[tuple[str, Any]]] = {}


def register(kind: str, choices: type[Choices]) -> None:
    """Label ``kind``'s members by GraphQL enum name and by stored value (some fields return the value)."""
    _labels[kind] = {**{str(member.value): member.label for member in choices},
                     **{member.name: member.label for member in choices}}
    _options[kind] = [(member.name, member.label) for member in choices]


def define(kind: str, labels: dict[str, Any]) -> None:
    """Label names that are not a model's choices (a search result's type, a facet)."""
    _labels[kind] = dict(labels)
    _options[kind] = list(labels.items())


def label(kind: str, name: str | None) -> Any:
    """The label of member ``name`` (or value) of ``kind``; the name itself when unknown (never an empty cell)."""
    if name is None:
        return ""
    return _labels.get(kind, {}).get(name, name)


def options(kind: str) -> list[tuple[str, Any]]:
    """``kind``'s GraphQL enum names with their labels, in declaration order: a form's select options."""
    return _options.get(kind, [])
