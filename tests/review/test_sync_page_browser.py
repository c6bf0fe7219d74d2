"""Acceptance: an admin syncs a company with its ledger from the settings page, in Chromium.

GIVEN a company connected to a fake Tripletex (loopback) that holds generated books
WHEN its admin opens the settings page in a real browser and presses "Synkroniser nå"
THEN the page comes back with the run completed and what arrived from the ledger.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kontera.config import Settings
from kontera.services.context import AppContext
from tests.fakes.books import BookSpec
from tests.fakes.books import generate_books
from tests.fakes.books_sources import available
from tests.fakes.ledger_rig import connected_rig
from tests.fakes.ledger_rig import rig_settings
from tests.review.conftest import LiveServer
from tests.review.conftest import make_bureau
from tests.review.test_acceptance_ui import sign_in

pytestmark = pytest.mark.live


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return rig_settings(tmp_path / "data")


def test_sync_now_in_the_browser(
    ctx: AppContext, live_server: LiveServer, chromium: Any, screenshots: Path
) -> None:
    if not available("harrogate"):
        pytest.skip("the corpus's posting history is not present")
    books = generate_books(BookSpec(source="harrogate", max_lines=300))
    bureau = make_bureau(
        ctx, bureau="Byrå", company="Kunde AS", org="923609016", email="admin@byraa.no",
        role="admin", history=False,
    )  # fmt: skip
    company_id = bureau.company.id
    with connected_rig(ctx, company_id, "tripletex", books, serve=True):
        page = sign_in(chromium, live_server, bureau.user_email)
        page.goto(f"{live_server.url}/c/{company_id}/settings")
        section = page.locator("#sync")
        assert "Ikke synkronisert ennå." in section.inner_text()
        page.set_default_timeout(120_000)
        section.get_by_role("button", name="Synkroniser nå").click()
        page.wait_for_url(f"{live_server.url}/c/{company_id}/settings?synced=1#sync")
        text = page.locator("#sync").inner_text()
        page.screenshot(path=str(screenshots / "sync.png"), full_page=True)
    assert "fullført" in text
    assert f"{books.cost_lines} / {books.cost_lines}" in text
    assert str(len(books.suppliers)) in text
