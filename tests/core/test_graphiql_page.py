"""GraphiQL on a closed network and under the Content Security Policy.

The page loads everything from WildNet's own static files (fetched by ``deploy/vendor_assets.py`` at
``make install``) and has no inline script or style: its settings travel in a JSON data block read by
``wildnet/graphiql.js``.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db

_REFERENCE = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""")
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL)


def graphiql_page(client: Client) -> str:
    from officers.models import Officer
    from wildnet import demo

    demo.load()
    client.force_login(Officer.objects.get(username="inv.ofb"))  # GraphiQL, as every page, asks for sign-in first
    response = client.get("/graphql/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response.templates[0].name == "wildnet/graphiql.html"
    return response.content.decode()


def test_graphiql_page_references_no_external_origin(client: Client) -> None:
    references = _REFERENCE.findall(graphiql_page(client))
    assert references
    assert not [url for url in references if "//" in url or ":" in url]


def test_every_asset_of_the_graphiql_page_is_a_static_file_of_wildnet(client: Client) -> None:
    references = _REFERENCE.findall(graphiql_page(client))
    static_url = "/" + settings.STATIC_URL.lstrip("/")
    assert all(url.startswith(static_url) for url in references), references
    missing = [url for url in references if finders.find(unquote(url.removeprefix(static_url))) is None]
    assert not missing, f"not found by the staticfiles finders (run `make install`?): {missing}"


def test_graphiql_page_loads_no_cdn_leftovers(client: Client) -> None:
    """Neither the fetch polyfill nor the websocket client: every browser has fetch, WildNet no subscriptions."""
    page = graphiql_page(client)
    assert "whatwg-fetch" not in page and "graphql-ws" not in page and "cdn.jsdelivr" not in page


def test_graphiql_page_has_no_inline_script_or_style(client: Client) -> None:
    page = graphiql_page(client)
    for attributes, body in _SCRIPT.findall(page):
        assert ("src=" in attributes and not body.strip()) or 'type="application/json"' in attributes, attributes
    assert "<style" not in page
    assert not re.search(r"\sstyle\s*=", page)
    assert not re.search(r"\son[a-z]+\s*=", page)  # no event-handler attributes


def test_graphiql_settings_travel_in_a_json_block(client: Client) -> None:
    block = re.search(r'<script id="graphiql-settings" type="application/json">(.*?)</script>',
                      graphiql_page(client), re.DOTALL)
    assert block is not None
    assert json.loads(block.group(1)) == {"headerEditorEnabled": True, "shouldPersistHeaders": False,
                                          "inputValueDeprecation": False}


def test_graphiql_page_carries_the_csrf_token_for_its_requests(client: Client) -> None:
    assert 'name="csrfmiddlewaretoken"' in graphiql_page(client)

