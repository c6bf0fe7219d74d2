"""`/docs` and `/redoc` render with the network unplugged: Kontera serves their assets.

Chromium loads each page with every request outside the server refused; Swagger UI must list
the API's operations and ReDoc its title, and not one request may have tried to leave.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.review.conftest import LiveServer
from tests.review.conftest import chromium  # noqa: F401 - the module-scoped browser
from tests.review.conftest import live_server  # noqa: F401

pytestmark = pytest.mark.live


def _offline_page(browser: Any, server: LiveServer) -> tuple[Any, list[str]]:
    page = browser.new_context().new_page()
    refused: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    return page, refused


def test_swagger_ui_renders_without_internet(live_server: LiveServer, chromium: Any) -> None:  # noqa: F811
    page, refused = _offline_page(chromium, live_server)
    page.goto(f"{live_server.url}/docs")
    page.locator(".opblock").first.wait_for(timeout=30_000)
    operations = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/v1/documents" in path for path in operations)
    assert page.locator(".scheme-container .authorize").count() == 1  # the API key scheme
    assert refused == []


def test_redoc_renders_without_internet(live_server: LiveServer, chromium: Any) -> None:  # noqa: F811
    page, refused = _offline_page(chromium, live_server)
    page.goto(f"{live_server.url}/redoc")
    heading = page.locator("h2", has_text="Send a document (multipart field `file`)")
    heading.first.wait_for(timeout=30_000)
    assert refused == []


def test_the_docs_pages_forbid_inline_and_foreign_scripts(live_server: LiveServer) -> None:  # noqa: F811
    import httpx

    for path in ("/docs", "/redoc"):
        response = httpx.get(f"{live_server.url}{path}")
        policy = response.headers["content-security-policy"]
        assert "script-src 'self';" in policy
        assert "http" not in response.text.split("<body>")[1]  # no absolute asset URLs
