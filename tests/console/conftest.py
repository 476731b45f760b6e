"""Browser-test fixtures: Playwright driving Debian's Chromium against pytest-django's live server.

A test asks for ``page`` (a fresh browser context in ``locale``, on the live server, with the demo world in its
database) and gets the ``browser`` marker; without Chromium it skips, saying to run ``make browser``. The page
fails its test when it logs a console error, throws, breaks its Content Security Policy or asks a host other
than the live server for anything (``browser_errors``). The helpers a test calls are in ``browser.py``.
"""

from __future__ import annotations

import io
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page, Route, sync_playwright
from psycopg import sql

from tests.console.browser import FOREIGN_URL

CHROMIUM = os.environ.get("WILDNET_CHROMIUM", "/usr/bin/chromium")
LANGUAGES = ("en", "fr", "es")
BROWSER_FIXTURES = {"chromium", "browser_context", "page"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the package, launched by path: Playwright's own browser download is not used."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"Chromium not found at {CHROMIUM}: run `make browser` (or set WILDNET_CHROMIUM)")
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an asyncio loop on this thread (paused between calls), which Django takes
        # for an async context and so refuses the ORM; nothing runs concurrently, and the flag ends with the package.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            yield browser
            browser.close()


class DemoWorld:
    """The demo world of ``wildnet load_demo``, put in the live server's database before each test.

    Loading it takes a second on SQLite and several on PostgreSQL, so the first load is kept as an image and
    copied back before the next tests: SQLite's backup API (page by page) or PostgreSQL's binary COPY of every
    table (milliseconds on SQLite, about 0.3 s on PostgreSQL). After each test pytest-django empties the database.
    """

    def __init__(self) -> None:
        self.sqlite_image: sqlite3.Connection | None = None
        self.tables: dict[str, bytes] | None = None

    def put(self) -> None:
        connection.ensure_connection()
        if self.sqlite_image is not None:
            self.sqlite_image.backup(connection.connection)
        elif self.tables is not None:
            self._copy_in(self.tables)
        else:
            call_command("load_demo", stdout=io.StringIO())
            self._keep()
            return
        ContentType.objects.clear_cache()  # the image's ids, not those recreated after the last flush

    def _keep(self) -> None:
        if connection.vendor == "sqlite":
            self.sqlite_image = sqlite3.connect(":memory:", check_same_thread=False)
            connection.connection.backup(self.sqlite_image)
        elif connection.vendor == "postgresql":
            self.tables = {}
            with connection.connection.cursor() as cursor:
                for table in connection.introspection.django_table_names(only_existing=True):
                    with cursor.copy(_copy_statement(table, "TO STDOUT")) as copy:
                        self.tables[table] = b"".join(copy)

    @staticmethod
    def _copy_in(tables: dict[str, bytes]) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            # Rows go back as they were: no trigger fires (the audit trigger would add a second pending seal
            # for every event), and foreign keys are already consistent in the image. The flush left the rows
            # that post_migrate makes (content types, permissions) under other ids: the image's replace them.
            cursor.execute("SET LOCAL session_replication_role = replica")
            raw = cursor.cursor
            for table, data in tables.items():
                raw.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
                with raw.copy(_copy_statement(table, "FROM STDIN")) as copy:
                    copy.write(data)

    def close(self) -> None:
        if self.sqlite_image is not None:
            self.sqlite_image.close()


def _copy_statement(table: str, direction: str) -> sql.Composed:
    return sql.SQL(f"COPY {{}} {direction} (FORMAT binary)").format(sql.Identifier(table))


@pytest.fixture(scope="package")
def _demo_world() -> Iterator[DemoWorld]:
    world = DemoWorld()
    yield world
    world.close()


@pytest.fixture(scope="package")
def _demo_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Evidence files of the demo world: kept for the package, as the database image refers to them."""
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture
def live_demo(live_server: Any, settings: Any, _demo_world: DemoWorld, _demo_media: Path) -> str:
    """The live server's address, with the demo world (every role, cases, shares, notices) in its database."""
    settings.MEDIA_ROOT = _demo_media
    _demo_world.put()
    return str(live_server.url)


@pytest.fixture
def locale() -> str:
    """The browser's language; ``@pytest.mark.parametrize("locale", LANGUAGES)`` runs a test in each."""
    return "en"


class BrowserErrors:
    """What a page did wrong in the browser: console errors (CSP violations among them), uncaught exceptions,
    requests to foreign hosts. ``allow`` excuses an expected message (a refusal test's 404) by a substring."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.allowed: list[str] = []

    def allow(self, substring: str) -> None:
        self.allowed.append(substring)

    def record(self, message: str) -> None:
        if not any(allowed in message for allowed in self.allowed):
            self.messages.append(message)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.record(f"console error at {message.location.get('url', '?')}: {message.text}")

    def on_page_error(self, error: Error) -> None:
        self.record(f"uncaught {error.name}: {error.message}")

    def on_foreign_request(self, route: Route) -> None:
        self.record(f"request to a foreign host refused: {route.request.url}")
        route.abort("blockedbyclient")


@pytest.fixture
def browser_errors() -> BrowserErrors:
    return BrowserErrors()


@pytest.fixture
def browser_context(chromium: Browser, live_demo: str, locale: str,
                    browser_errors: BrowserErrors) -> Iterator[BrowserContext]:
    """A fresh profile (no cookies) in ``locale`` whose relative URLs go to the live server."""
    context = chromium.new_context(base_url=live_demo, locale=locale, timezone_id="UTC",
                                   viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    context.route(FOREIGN_URL, browser_errors.on_foreign_request)
    yield context
    context.close()


@pytest.fixture
def page(browser_context: BrowserContext, browser_errors: BrowserErrors) -> Iterator[Page]:
    """A tab of ``browser_context``; the test fails if the page logged an error, threw, or reached outside."""
    tab = browser_context.new_page()
    tab.on("console", browser_errors.on_console)
    tab.on("pageerror", browser_errors.on_page_error)
    yield tab
    if browser_errors.messages:
        pytest.fail("the page reported errors in the browser:\n" + "\n".join(browser_errors.messages))


@pytest.fixture
def world(db: Any) -> None:
    """The whole demo world (cases, shares, notices) in the test's database, as `make run` loads it."""
    call_command("load_demo", verbosity=0)
