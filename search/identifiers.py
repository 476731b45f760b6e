"""What a search text names besides its words: the identifiers it is, read as the searcher types them.

One reading for every backend and for the hits a search records (``search``, the export): the database backend
matches the entities it designates, Elasticsearch the same matching keys, and the holders of those identifiers
in intelligence the searcher cannot see get a hit. A phone number in national format (``06 12 34 56 78``) is read
in the searcher's country, their agency's, as :func:`cases.identifiers.normalise_phone` reads ``00`` as ``+``.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from access.policy import Viewer
from cases.identifiers import InvalidIdentifier, normalise_entity
from cases.models import Entity, EntityKind

#: Entity kinds a search text may be an identifier of.
IDENTIFIER_KINDS = (EntityKind.PHONE, EntityKind.EMAIL, EntityKind.CRYPTO_WALLET, EntityKind.ONLINE_ACCOUNT)


def identifier_keys(viewer: Viewer, text: str) -> frozenset[tuple[str, str]]:
    """The ``(kind, matching key)`` pairs the whole text reads as; pure, so a request builder may call it.

    An online account's key here is the handle alone: its entities are keyed ``platform:handle``.
    """
    keys = set()
    for kind in IDENTIFIER_KINDS:
        try:
            keys.add((kind, normalise_entity(kind, text.strip(), region=viewer.country or None)))
        except InvalidIdentifier:
            continue
    return frozenset(keys)


def identifier_select(viewer: Viewer, text: str) -> tuple[str, list[Any]] | None:
    """``SELECT doc_id`` of the entities whose matching key is one the text reads as, and its parameters
    (``None`` when it reads as none), for a search statement to embed.

    Used to find (never to show: results still go through the policy) the entities the text designates, so
    that the caller can record hits in intelligence the searcher cannot see. Written as SQL rather than built
    through the ORM: a filter of a few ``kind``/key pairs cost about a millisecond to build and compile, twice a
    search, for a statement that is always this one.
    """
    keys = identifier_keys(viewer, text)
    if not keys:
        return None
    column = {name: connection.ops.quote_name(name) for name in ("id", "kind", "normalised")}
    tests, params = [], []
    for kind, key in sorted(keys):
        tests.append(f"({column['kind']} = %s AND {column['normalised']} = %s)")
        params += [str(kind), key]
        if kind == EntityKind.ONLINE_ACCOUNT:
            tests.append(f"({column['kind']} = %s AND {column['normalised']} LIKE %s ESCAPE '\\')")
            params += [str(kind), f"%:{connection.ops.prep_for_like_query(key)}"]
    table = connection.ops.quote_name(Entity._meta.db_table)
    return f"SELECT {column['id']} AS doc_id FROM {table} WHERE {' OR '.join(tests)}", params  # noqa: S608


def identifier_entities(viewer: Viewer, text: str) -> list[int]:
    """The ids of :func:`identifier_select`'s entities; none for an empty text."""
    found = identifier_select(viewer, text) if text.strip() else None
    if found is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(*found)
        return [pk for pk, in cursor.fetchall()]
