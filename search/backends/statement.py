"""The one SQL statement of a database search: the page, the counts and the facets over the visible matches.

Each type's visible matches (the policy, the filters and the text, as ``DatabaseBackend._ranked`` selects them)
are a common table expression, and the page, the counts and every facet read those rows: the policy is evaluated
once per type and search, where a search with facets used to run about ten statements that each derived the
viewer's visible cases again. A CTE read more than once is computed once, by PostgreSQL (12 and later) as by
SQLite (3.35 and later).

The parts of the statement return rows of one shape, so that they are one ``UNION ALL``: what the row is, the
type, a document id and score (page rows), a count, and a few texts (a page row's fields to highlight and its
whole row as JSON, a facet row's values). Only the page's ordering is redone in Python, on at most 101 rows. The
facets of a type count its best-ranked ``FACET_SAMPLE`` matches at most, and say when they did.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import connection, models
from django.db.models import Count, F
from django.db.models.expressions import RawSQL
from django.utils import timezone

from .base import FACET_NAMES

#: Single-valued facets of each type (one value per document, so one grouped count gives them all), as paths
#: from the type's model; the case's ``,ES,FR,`` keys are few distinct values, split in Python.
SINGLE: dict[str, dict[str, str]] = {
    "case": {"country": "jurisdiction_key", "cites_appendix": "appendix_key", "status": "status"},
    "listing": {"country": "case__jurisdiction_key", "cites_appendix": "case__appendix_key", "status": "status",
                "platform": "platform__code"},
    "report": {"country": "case__jurisdiction_key", "cites_appendix": "case__appendix_key"},
}
#: Many-valued facets (a document counted once per value), one grouped count each.
MANY: dict[str, dict[str, str]] = {
    "case": {"species": "species__scientific_name", "platform": "platforms__code"},
    "listing": {"species": "species__scientific_name"},
    "report": {"species": "case__species__scientific_name", "platform": "case__platforms__code"},
}
#: Facets whose value is a ``,A,B,`` key.
KEYED = frozenset({"country", "cites_appendix"})
#: The facets of a type count at most this many of its visible matches, the best ranked (as the page orders
#: them): a common word matches a hundred thousand listings at 1,000,000, and counting the facets of every one
#: (a join to its case, platform and species each) was most of such a search's time. Above it, each count is a
#: lower bound ("at least", ``Found.sampled``); the total and the ``type`` facet always count every match.
FACET_SAMPLE = 2_000

Key = tuple[float, str, int]


@dataclass(frozen=True)
class Page:
    """The page asked for: after which key, how many rows, whether with the texts to highlight, and whether with
    its rows (``objects``: each page row's model instance, read by the same statement)."""

    after: Key | None
    limit: int
    texts: bool
    objects: bool = False


@dataclass
class Found:
    """What the statement read."""

    keys: list[Key] = field(default_factory=list)  # the page, ranked
    texts: dict[tuple[str, int], dict[str, str | None]] = field(default_factory=dict)
    objects: dict[tuple[str, int], models.Model] = field(default_factory=dict)  # the page's rows, when asked for
    counts: Counter[str] = field(default_factory=Counter)  # visible matches by type, when counted
    facets: dict[str, Counter[str]] = field(default_factory=lambda: {name: Counter() for name in FACET_NAMES})
    matched: bool = False  # whether anything visible matches, whatever the cursor (when counted or probed)
    identified: list[int] = field(default_factory=list)  # the entities the text is an identifier of, visible or not
    fingerprint: str | None = None  # of the species tables, when asked for
    ran: bool = False  # whether the statement ran (it does not when nothing is asked)
    sampled: set[str] = field(default_factory=set)  # types whose facets count their best FACET_SAMPLE matches only


class Statement:
    """Builds the statement for the matches of each type (``{type: (sql, params)}``) and reads its rows.

    ``fields`` and ``models`` are the backend's: the fields highlighted and the model of each type.
    """

    #: The facet parts of each type, by database vendor, model and number of text columns (see ``_facets``).
    facet_parts: ClassVar[dict[tuple[str, type[models.Model], int, int], list[tuple[str, list[Any]]]]] = {}

    def __init__(self, matches: dict[str, tuple[str, list[Any]]], fields: dict[str, tuple[str, ...]],
                 models_: dict[str, type[models.Model]]) -> None:
        # The types name the statement's CTEs and are written into it: only the backend's own constants.
        assert set(matches) <= set(fields) <= set(models_), matches
        self.matches, self.fields, self.models = matches, fields, models_
        # The texts of a row: a page row's fields to highlight, then its whole row as JSON (``Page.objects``).
        self.width = max(len(names) for names in fields.values()) + 1
        real = "double precision" if connection.vendor == "postgresql" else "REAL"
        self.null = {"id": "CAST(NULL AS bigint)", "score": f"CAST(NULL AS {real})", "n": "CAST(NULL AS bigint)",
                     "text": "CAST(NULL AS text)"}

    def run(self, page: Page | None, *, count: bool, facets: bool, probe: bool,
            identified: tuple[str, list[Any]] | None = None, fingerprint: str | None = None) -> Found:
        """Execute the statement: the page when asked for, the counts by type when ``count`` or ``facets``, the
        facets when ``facets``, and (``probe``, without counts) whether anything matches at all.

        Two readings ride along, so that a search request needs no statement of its own for them: the ids of the
        ``identified`` entities (``SELECT doc_id``; whoever holds them, for the hits the caller records — they are
        never shown) and the value of the SQL expression ``fingerprint`` (the species tables', to tell whether the
        species matcher the caller used was current).
        """
        parts: list[tuple[str, list[Any]]] = []
        texts = ", ".join([self.null["text"]] * self.width)
        if identified is not None:
            parts.append((f"SELECT 'identified' AS part, 'entity' AS doc_type, i.doc_id AS doc_id, "  # noqa: S608
                          f"{self.null['score']} AS score, {self.null['n']} AS n, {texts} FROM ({identified[0]}) i",
                          list(identified[1])))
        if fingerprint is not None:
            rest = "".join(f", {self.null['text']}" for _ in range(self.width - 1))
            parts.append((f"SELECT 'fingerprint' AS part, '' AS doc_type, {self.null['id']} AS doc_id, "
                          f"{self.null['score']} AS score, {self.null['n']} AS n, CAST({fingerprint} AS text){rest}",
                          []))
        if page is not None:
            parts.append(self._page(page))
        if count or facets:
            parts += [self._count("count", doc_type, f"m_{doc_type}") for doc_type in self.matches]
        elif probe:
            parts.append(self._count("any", "", "(SELECT 1 FROM hits LIMIT 1) a"))
        if facets:
            parts += [part for doc_type in self.matches for part in self._facets(doc_type)]
        if not parts:
            return Found()
        ctes = [(f"m_{doc_type} AS ({sql})", params) for doc_type, (sql, params) in self.matches.items()]
        union = " UNION ALL ".join(f"SELECT doc_type, doc_id, score FROM m_{doc_type}"  # noqa: S608 (a type)
                                   for doc_type in self.matches)
        ctes.append((f"hits AS ({union})", []))
        if facets:
            ctes += [(f"b_{doc_type} AS (SELECT doc_id FROM m_{doc_type} "  # noqa: S608 (a type, a constant)
                      f"ORDER BY score DESC, doc_id LIMIT {FACET_SAMPLE})", [])
                     for doc_type in self.matches if doc_type in SINGLE]
        sql = (f"WITH {', '.join(cte for cte, _ in ctes)} "
               + " UNION ALL ".join(part for part, _ in parts))
        params = [param for _, cte_params in ctes for param in cte_params]
        params += [param for _, part_params in parts for param in part_params]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return self._read(cursor.fetchall(), count or facets)

    def _count(self, part: str, doc_type: str, source: str) -> tuple[str, list[Any]]:
        """The row counting ``source``; ``part`` and ``doc_type`` are constants of this module, not input."""
        texts = ", ".join([self.null["text"]] * self.width)
        return (f"SELECT '{part}' AS part, '{doc_type}' AS doc_type, {self.null['id']} AS doc_id, "  # noqa: S608
                f"{self.null['score']} AS score, COUNT(*) AS n, {texts} FROM {source}", [])

    def _page(self, page: Page) -> tuple[str, list[Any]]:
        """The next ``limit`` keys after the cursor over every type, with the fields to highlight."""
        where, params = "", []
        if page.after is not None:
            where = " WHERE score < %s OR (score = %s AND (doc_type > %s OR (doc_type = %s AND doc_id > %s)))"
            score, doc_type, doc_id = page.after
            params = [score, score, doc_type, doc_type, doc_id]
        texts, joins = self._texts(page) if page.texts or page.objects else ([self.null["text"]] * self.width, [])
        sql = (f"SELECT 'page' AS part, p.doc_type, p.doc_id, p.score, {self.null['n']}, "  # noqa: S608 (constants)
               f"{', '.join(texts)} FROM (SELECT doc_type, doc_id, score FROM hits{where} "
               f"ORDER BY score DESC, doc_type, doc_id LIMIT %s) p {' '.join(joins)}")
        return sql, [*params, page.limit]

    def _texts(self, page: Page) -> tuple[list[str], list[str]]:
        """The page's fields to highlight and its rows as JSON (``CASE`` on the type), and the joins that read
        them."""
        quote = connection.ops.quote_name
        columns = []
        for position in range(self.width - 1):
            whens = [f"WHEN '{t}' THEN h_{t}.{quote(self._column(t, self.fields[t][position]))}"
                     for t in self.matches if position < len(self.fields[t])] if page.texts else []
            columns.append(f"CAST(CASE p.doc_type {' '.join(whens)} END AS text)" if whens else self.null["text"])
        whens = [f"WHEN '{t}' THEN {self._json(t)}" for t in self.matches] if page.objects else []
        columns.append(f"CASE p.doc_type {' '.join(whens)} END" if whens else self.null["text"])
        joins = [f"LEFT JOIN {quote(self.models[t]._meta.db_table)} h_{t} "
                 f"ON p.doc_type = '{t}' AND h_{t}.{quote(self._column(t, self._pk(t)))} = p.doc_id"
                 for t in self.matches]
        return columns, joins

    def _json(self, doc_type: str) -> str:
        """The page row of ``doc_type`` as a JSON object of its columns (text), read back by ``instance``."""
        if connection.vendor == "postgresql":
            return f"CAST(row_to_json(h_{doc_type}) AS text)"
        quote = connection.ops.quote_name
        pairs = []
        for concrete in self.models[doc_type]._meta.concrete_fields:
            column = f"h_{doc_type}.{quote(str(concrete.column))}"
            pairs.append(f"'{concrete.column}', " + (f"json({column})" if isinstance(concrete, models.JSONField)
                                                     else column))
        return f"json_object({', '.join(pairs)})"

    def _column(self, doc_type: str, name: str) -> str:
        concrete = self.models[doc_type]._meta.get_field(name)
        assert isinstance(concrete, models.Field) and concrete.column is not None, name
        return concrete.column

    def _pk(self, doc_type: str) -> str:
        pk = self.models[doc_type]._meta.pk
        assert pk is not None
        return pk.name

    def _facets(self, doc_type: str) -> list[tuple[str, list[Any]]]:
        """One grouped count of the single-valued facets and one per many-valued facet, over the best
        ``FACET_SAMPLE`` rows of ``m_{doc_type}`` (every row, when there are no more): ``b_{doc_type}``, a common
        table expression of its own, so that the type's two or three counts rank its matches once (and PostgreSQL
        plans that once: 0.7 ms of planning and 0.6 of execution of a demo-size search).

        They read the CTE by its name and depend on nothing else, so the ORM builds and compiles them once per
        process and database (about a sixth of a search's CPU when built each time).
        """
        if doc_type not in SINGLE:
            return []
        key = (connection.vendor, self.models[doc_type], self.width, FACET_SAMPLE)
        if key not in self.facet_parts:
            self.facet_parts[key] = self._build_facets(doc_type)
        return self.facet_parts[key]

    def _build_facets(self, doc_type: str) -> list[tuple[str, list[Any]]]:
        best = f"SELECT doc_id FROM b_{doc_type}"  # noqa: S608 (a type)
        rows = self.models[doc_type]._default_manager.order_by().filter(
            pk__in=RawSQL(best, []))  # noqa: S611 (a type and a constant, no input)
        single = {f"v{i}": F(path) for i, path in enumerate(SINGLE[doc_type].values())}
        parts = [self._grouped("single", doc_type, rows.values(**single).annotate(n=Count("pk")), len(single))]
        for name, path in MANY[doc_type].items():
            grouped = rows.values(v0=F(path)).annotate(n=Count("pk", distinct=True))
            parts.append(self._grouped(name, doc_type, grouped, 1))
        return parts

    def _grouped(self, part: str, doc_type: str, grouped: models.QuerySet[Any], values: int) -> tuple[str, list[Any]]:
        sql, params = grouped.query.sql_with_params()
        texts = [f"g.v{i}" if i < values else self.null["text"] for i in range(self.width)]
        return (f"SELECT '{part}' AS part, '{doc_type}' AS doc_type, {self.null['id']} AS doc_id, "  # noqa: S608
                f"{self.null['score']} AS score, g.n, {', '.join(texts)} FROM ({sql}) g", list(params))

    def _read(self, rows: list[tuple[Any, ...]], counted: bool) -> Found:
        found = Found(ran=True)
        for part, doc_type, doc_id, score, n, *texts in rows:
            if part == "page":
                found.keys.append((float(score), str(doc_type), int(doc_id)))
                found.texts[(doc_type, int(doc_id))] = dict(zip(self.fields[doc_type], texts[:-1], strict=False))
                if texts[-1] is not None:
                    found.objects[(doc_type, int(doc_id))] = instance(self.models[doc_type], texts[-1])
            elif part == "count":
                found.counts[doc_type] += n
            elif part == "any":
                found.matched = bool(n)
            elif part == "identified":
                found.identified.append(int(doc_id))
            elif part == "fingerprint":
                found.fingerprint = texts[0]
            elif part == "single":
                for name, value in zip(SINGLE[doc_type], texts, strict=False):
                    values = (value or "").split(",") if name in KEYED else [value]
                    found.facets[name].update({v: n for v in values if v})
            elif texts[0] is not None:
                found.facets[part][texts[0]] += n
        if counted:
            found.matched = any(found.counts.values())
            found.facets["type"].update(found.counts)
            found.sampled = {doc_type for doc_type, n in found.counts.items() if n > FACET_SAMPLE}
        found.keys.sort(key=lambda key: (-key[0], key[1], key[2]))
        return found


def instance(model: type[models.Model], row: str) -> models.Model:
    """The model instance of a row the statement read as JSON (``Statement._json``), as the ORM would build it.

    Values come back as JSON gives them: numbers are read as exact decimals (a ``DecimalField`` keeps its scale,
    as the ORM's), texts of dates and times are parsed (a naive one, from SQLite, is UTC as Django stores it),
    and a ``JSONField`` keeps its value (its numbers as JSON reads them).
    """
    data = json.loads(row, parse_float=Decimal)
    names, values = [], []
    for concrete in model._meta.concrete_fields:
        value = data[concrete.column]
        if isinstance(concrete, models.JSONField):
            value = _plain(value)
        elif value is not None:
            value = concrete.to_python(value)
            if isinstance(concrete, models.DecimalField):
                value = value.quantize(Decimal(1).scaleb(-(concrete.decimal_places or 0)))
            elif isinstance(value, datetime.datetime) and settings.USE_TZ and timezone.is_naive(value):
                value = timezone.make_aware(value, datetime.UTC)
        names.append(concrete.attname)
        values.append(value)
    return model.from_db(connection.alias, names, values)


def _plain(value: Any) -> Any:
    """A JSON value read with exact decimals, with its numbers as ``json.loads`` gives them."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def partial_facets(sampled: set[str]) -> frozenset[str]:
    """The facets a sampled type counts (``Found.sampled``): each of their counts is a lower bound."""
    return frozenset(name for doc_type in sampled for name in (*SINGLE.get(doc_type, {}), *MANY.get(doc_type, {})))
