"""An admin connects a company to its accounting system from the settings page."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from kontera.services.context import AppContext
from kontera.store.db import session_scope
from kontera.store.tables_post import AccountingConnection
from kontera.web import create_web_app
from tests.review.conftest import PASSWORD
from tests.review.conftest import make_bureau
from tests.review.ui_client import UiClient


def test_an_admin_connects_tripletex_and_the_secret_is_stored_encrypted(ctx: AppContext) -> None:
    bureau = make_bureau(
        ctx,
        bureau="Byrå",
        company="Kunde AS",
        org="923609016",
        email="a@byraa.no",
        role="admin",
        history=False,
    )
    company_id = bureau.company.id
    with TestClient(create_web_app(ctx)) as http:
        ui = UiClient(http, "a@byraa.no", PASSWORD)
        saved = ui.post(
            f"/c/{company_id}/connection",
            {
                "system": "tripletex",
                "secret": "employee-token-123",
                "base_url": "https://api.tripletex.io/v2",
            },
        )
        assert saved.status_code == 303
        page = http.get(f"/c/{company_id}/settings").text
        assert "tripletex" in page and "https://api.tripletex.io/v2" in page
        assert "employee-token-123" not in page
    with session_scope(ctx.engine) as session:
        row = session.exec(select(AccountingConnection)).one()
    assert row.system == "tripletex"
    assert row.secret and "employee-token-123" not in row.secret


def test_a_bookkeeper_cannot_change_the_connection(ctx: AppContext) -> None:
    bureau = make_bureau(
        ctx,
        bureau="Byrå",
        company="Kunde AS",
        org="923609016",
        email="b@byraa.no",
        role="bookkeeper",
        history=False,
    )
    with TestClient(create_web_app(ctx)) as http:
        ui = UiClient(http, "b@byraa.no", PASSWORD)
        refused = ui.post(
            f"/c/{bureau.company.id}/connection", {"system": "tripletex", "secret": "x"}
        )
        assert refused.status_code in (403, 404)
    with session_scope(ctx.engine) as session:
        assert session.exec(select(AccountingConnection)).first() is None
