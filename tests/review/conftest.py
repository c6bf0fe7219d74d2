"""A real server (uvicorn on a free loopback port) and Debian's Chromium for the UI tests."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from kontera.services.admin import companies
from kontera.services.admin import users
from kontera.services.context import AppContext
from kontera.services.suggest.history_files import import_history_file
from kontera.store.tables import Company
from tests.conftest import FIXTURES
from tests.conftest import REPO
from tests.servers import free_port
from tests.servers import wait_for_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
PASSWORD = "korrekt-hest-batteri"


@dataclass(frozen=True)
class Bureau:
    company: Company
    user_email: str
    api_key: str


def make_bureau(
    ctx: AppContext,
    *,
    bureau: str,
    company: str,
    org: str,
    email: str,
    role: str = "approver",
    locale: str = "nb",
    history: bool = True,
) -> Bureau:
    """A bureau with one client company (with the demo posting history) and one user."""
    found = users.create_bureau(ctx, name=bureau)
    client = companies.create_company(ctx, name=company, org_number=org, bureau_id=found.id)
    if history:
        data = (FIXTURES / "demo" / "history.csv").read_bytes()
        import_history_file(
            ctx, company_id=client.id, data=data, filename="history.csv", actor="test"
        )
    users.create_user(
        ctx,
        email=email,
        password=PASSWORD,
        role=role,
        locale=locale,
        bureau_id=found.id,
        company_ids=[client.id],
    )
    key = companies.create_api_key(ctx, company_name=company).key
    return Bureau(client, email, key)


class LiveServer:
    """`create_web_app(ctx)` served by uvicorn in a thread, as `kontera serve` does."""

    def __init__(self, ctx: AppContext, port: int | None = None) -> None:
        from kontera.web import create_web_app

        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_web_app(ctx), host="127.0.0.1", port=self.port, log_config=None, lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        wait_for_port(self.port)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(ctx: AppContext) -> Iterator[LiveServer]:
    with LiveServer(ctx) as server:
        yield server


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Module-scoped: Playwright's sync API keeps an event loop running in this thread while
    it is open, which would break later tests that run their own loop."""
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
