"""The PostgreSQL backend's timestamp reader (``wildnet.postgresql``) gives exactly what Django's own gives — the
same instants, zones and folds, the same refusals — in every time zone Django may set, and it is the one in use;
long statements keep their conversion; and a kept connection is checked on its socket, not with a statement."""

from __future__ import annotations

import datetime
import time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from django.db.backends.postgresql.psycopg_any import register_tzloader

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="the backend is PostgreSQL's")]

VALUES = [
    "2026-11-30 21:03:12.345678+00", "2026-11-30 21:03:12.12+00", "2026-11-30 21:03:12+00",
    "2026-10-25 00:30:00+00", "2026-10-25 01:30:00+00",  # the same hour twice in Paris (fold 0, then 1)
    "1850-01-01 00:00:00+00",  # Paris's local mean time then: an offset in seconds
    "0001-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+00",
]
REFUSED = ["infinity", "-infinity", "0044-03-15 12:00:00+00 BC", "10000-01-01 00:00:00+00"]


def read(zone: datetime.tzinfo | None, session_zone: str, text: str, ours: bool) -> Any:
    """``text`` as a ``timestamptz`` read in a session set to ``session_zone`` (as Django sets it), by our
    loader for ``zone`` or by Django's; the exception's type when it refuses."""
    from wildnet.postgresql.base import adapters

    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        cursor.execute("SELECT set_config('TimeZone', %s, true)", [session_zone])
        if ours:
            loader = adapters(connection.connection.adapters, zone).get_loader(1184, 0)
            cursor.adapters.register_loader("timestamptz", loader)
        else:
            register_tzloader(zone, cursor)
        try:
            cursor.execute("SELECT %s::timestamptz", [text])
            value = cursor.fetchone()[0]
        except Exception as error:  # compared with Django's below
            return type(error)
        return value, getattr(value, "fold", None), getattr(value, "tzinfo", None)


@pytest.mark.parametrize(("zone", "session_zone"), [
    (datetime.UTC, "UTC"), (ZoneInfo("Europe/Paris"), "Europe/Paris"), (ZoneInfo("America/Bogota"), "America/Bogota"),
    (None, "Europe/Paris"),  # USE_TZ = False: naive local times
])
def test_our_reader_reads_what_djangos_reads(zone: datetime.tzinfo | None, session_zone: str) -> None:
    for text in VALUES + REFUSED:
        assert read(zone, session_zone, text, ours=True) == read(zone, session_zone, text, ours=False), text
    folded = read(zone, session_zone, "2026-10-25 01:30:00+00", ours=True)[0]
    assert zone != ZoneInfo("Europe/Paris") or folded.fold == 1


def test_connections_read_timestamps_with_it() -> None:
    from wildnet.postgresql.base import TimestamptzLoader

    connection.ensure_connection()
    assert issubclass(connection.connection.adapters.get_loader(1184, 0), TimestamptzLoader)
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        assert cursor.fetchone()[0].tzinfo is datetime.UTC



def test_a_long_statement_is_converted_once() -> None:
    """A statement over psycopg's own limits (4 KB, 50 parameters) is converted on its first run only."""
    from psycopg import _queries

    from access.prepared import server_cursor

    statement = f"SELECT {' + '.join(['%s'] * 60)} AS total -- {'padding ' * 600}"
    with server_cursor(connection) as cursor:
        cursor.execute(statement, list(range(60)))
        assert cursor.fetchall() == [(1770,)]
    before = _queries._query2pg.cache_info()
    with server_cursor(connection) as cursor:
        cursor.execute(statement, [1] * 60)
        assert cursor.fetchall() == [(60,)]
    after = _queries._query2pg.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (1, 0)


def test_a_kept_connection_is_checked_without_a_statement_and_a_terminated_one_is_closed() -> None:
    kept = connections.create_connection("default")  # health-checked, as the settings ask of every connection
    try:
        with kept.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid() -- the last statement")
            pid = cursor.fetchone()[0]

        def last_statement() -> str | None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
                row = cursor.fetchone()
            return row and row[0]

        assert kept.is_usable()
        assert last_statement() == "SELECT pg_backend_pid() -- the last statement"  # no SELECT 1 was sent

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 10
        while last_statement() is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        kept.health_check_done = False  # as at the start of a request (close_if_unusable_or_obsolete)
        kept.close_if_health_check_failed()
        assert kept.connection is None  # closed: the request's first statement opens a new one
        with kept.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    finally:
        kept.close()
