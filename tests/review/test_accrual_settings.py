"""A company's accrual settings on its settings page: the switch and the prepaid account.

GIVEN an administrator of a Norwegian company (nb) on the settings page
WHEN  the prepaid-expenses account is set to 1750, then an invalid account is tried, then
      proposing accruals is switched off
THEN  the page shows 1700 at first and 1750 after saving; a subscription invoice is proposed
      onto 1750; 2400 is refused in Norwegian and nothing changes; switched off, the next
      subscription invoice is proposed without an accrual; each change is an audit event.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from kontera.services.context import AppContext
from kontera.store.db import session_scope
from kontera.store.tables import AuditEvent
from tests.acceptance.matrix_inputs import NO
from tests.acceptance.test_accruals import subscription_ehf
from tests.conftest import ApiClient
from tests.review.conftest import PASSWORD
from tests.review.conftest import Bureau
from tests.review.conftest import make_bureau
from tests.review.ui_client import UiClient


@pytest.fixture
def web(ctx: AppContext) -> Iterator[TestClient]:
    from kontera.web import create_web_app

    with TestClient(create_web_app(ctx)) as client:
        yield client


@pytest.fixture
def admin(ctx: AppContext) -> Bureau:
    return make_bureau(ctx, bureau="Fjordbyrå", company="Abonnent AS", org="923609016",
                       email="kari@fjord.no", role="admin")  # fmt: skip


def suggested_accrual(api: ApiClient, data: bytes) -> dict[str, object] | None:
    created = api.upload(data, "arsavgift.xml")
    (line,) = api.get(f"/v1/documents/{created['id']}")["suggestion"]["lines"]
    accrual: dict[str, object] | None = line["accrual"]
    return accrual


def test_the_prepaid_account_and_the_switch_are_set_on_the_settings_page(
    ctx: AppContext, web: TestClient, admin: Bureau
) -> None:
    ui = UiClient(web, admin.user_email, PASSWORD)
    api = ApiClient(web, admin.api_key, admin.company.id)
    settings_url = f"/c/{admin.company.id}/settings"
    page = web.get(settings_url).text
    assert "Periodisering" in page and 'name="prepaid_account"' in page and 'value="1700"' in page

    accruals_url = f"/c/{admin.company.id}/accruals"
    saved = ui.post(accruals_url, {"enabled": "1", "prepaid_account": "1750"})
    assert saved.status_code == 303
    assert 'value="1750"' in web.get(settings_url).text
    accrual = suggested_accrual(api, subscription_ehf(NO))
    assert accrual is not None and accrual["account"] == "1750"

    refused = ui.post(
        f"/c/{admin.company.id}/accruals", {"enabled": "1", "prepaid_account": "2400"}
    )
    assert refused.status_code >= 400
    assert "firesifret eiendelskonto" in refused.text
    assert 'value="1750"' in web.get(settings_url).text

    off = ui.post(accruals_url, {"prepaid_account": "1750"})
    assert off.status_code == 303
    second = subscription_ehf(NO, "AB-2027-2", Decimal("2400.00"))
    assert suggested_accrual(api, second) is None

    with session_scope(ctx.engine) as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action == "settings:accruals")
        ).all()
    assert [e.detail["after"]["enabled"] for e in events] == [True, False]
