"""What a search text names besides its words: the identifiers it is, read as the searcher types them.

One reading for every backend and for the hits a search records (``search``, the export): the database backend
matches the entities it designates, Elasticsearch the same matching keys, and the holders of those identifiers
in intelligence the searcher cannot see get a hit. A phone number in national format (``06 12 34 56 78``) is read
in the searcher's country, their agency's, as :func:`cases.identifiers.normalise_phone` reads ``00`` as ``+``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

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


def identifier_query(viewer: Viewer, text: str) -> models.QuerySet[Entity] | None:
    """Entities whose matching key is one the text reads as, as a queryset (``None`` when it reads as none), so
    that a search can match them in its statement.

    Used to find (never to show: results still go through the policy) the entities the text designates, so
    that the caller can record hits in intelligence the searcher cannot see.
    """
    keys = identifier_keys(viewer, text)
    if not keys:
        return None
    query = Q(pk__in=[])
    for kind, key in sorted(keys):
        query |= Q(kind=kind, normalised=key)
        if kind == EntityKind.ONLINE_ACCOUNT:
            query |= Q(kind=kind, normalised__endswith=f":{key}")
    return Entity.objects.filter(query)


def identifier_entities(viewer: Viewer, text: str) -> list[int]:
    """The ids of :func:`identifier_query`'s entities; none for an empty text."""
    found = identifier_query(viewer, text) if text.strip() else None
    return [] if found is None else list(found.values_list("pk", flat=True))
