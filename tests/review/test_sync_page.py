"""The company's page shows the ledger sync: last run, counts, errors in words, Sync now.

GIVEN a company connected to a fake Tripletex (on a loopback port) holding generated books,
WHEN an admin presses "Synkroniser nå" on the settings page, THEN the run reads the ledger
and the page shows it completed with what arrived; WHEN the token is revoked and they sync
again, THEN the page says (in Norwegian) that Tripletex refused the token and to reconnect.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from kontera.config import Settings
from kontera.services.context import AppContext
from kontera.store.db import session_scope
from kontera.store.tables_sync import SyncRun
from kontera.web import create_web_app
from tests.fakes.books import BookSpec
from tests.fakes.books import generate_books
from tests.fakes.books_sources import available
from tests.fakes.ledger_rig import connected_rig
from tests.fakes.ledger_rig import rig_settings
from tests.review.conftest import PASSWORD
from tests.review.conftest import make_bureau
from tests.review.ui_client import UiClient


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return rig_settings(tmp_path / "data")


def test_sync_now_and_what_the_page_says(ctx: AppContext) -> None:
    if not available("harrogate"):
        pytest.skip("the corpus's posting history is not present")
    books = generate_books(BookSpec(source="harrogate", max_lines=400))
    bureau = make_bureau(
        ctx, bureau="Byrå", company="Kunde AS", org="923609016", email="a@byraa.no",
        role="admin", history=False,
    )  # fmt: skip
    company_id = bureau.company.id
    with (
        connected_rig(ctx, company_id, "tripletex", books, serve=True) as rig,
        TestClient(create_web_app(ctx)) as http,
    ):
        ui = UiClient(http, "a@byraa.no", PASSWORD)
        before = http.get(f"/c/{company_id}/settings").text
        assert "Ikke synkronisert ennå." in before and "Synkroniser nå" in before
        assert ui.post(f"/c/{company_id}/sync", {"full": "1"}).status_code == 303
        page = http.get(f"/c/{company_id}/settings").text
        assert page.count('id="sync"') == 1 and "<section" not in page.split("</title>")[0]
        assert "fullført" in page and "Tripletex" in page
        assert f"<dd>{books.cost_lines} / {books.cost_lines}</dd>" in page
        # The history page says where the company's history came from.
        assert f"tripletex {books.cost_lines}" in http.get("/models").text
        rig.fake.employee_token = "revoked"
        assert ui.post(f"/c/{company_id}/sync").status_code == 303
        page = http.get(f"/c/{company_id}/settings").text
    assert "Tripletex avviste nøkkelen: koble til integrasjonen på nytt." in page
    with session_scope(ctx.engine) as session:
        triggers = [run.trigger for run in session.exec(select(SyncRun)).all()]
    assert triggers.count("ui") == 2
