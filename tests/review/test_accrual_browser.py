"""In Chromium: a bookkeeper sees an annual fee's accrual, shortens it, and approves.

GIVEN a Norwegian company on Tripletex (the fake on a loopback port), its history knowing the
      supplier, and an annual subscription EHF (invoice period 2027) uploaded
WHEN  the bookkeeper opens it in Chromium (nb), reads why it is accrued and its twelve
      releases, sets the first month to July and six months, and presses "Godkjenn"
THEN  Tripletex holds the invoice's voucher (the net on 1700) and six release vouchers dated
      the last days of July to December 2027, each 2 000,00 (the last takes the cent).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from kontera.config import Settings
from kontera.domain.accrual import month_end
from kontera.services.context import AppContext
from kontera.services.post import connections
from kontera.services.suggest.history_files import import_history_file
from tests.acceptance.matrix_inputs import NO
from tests.acceptance.matrix_inputs import history_csv
from tests.acceptance.test_accruals import ledger_rows
from tests.acceptance.test_accruals import make_fake
from tests.acceptance.test_accruals import subscription_ehf
from tests.fakes.tripletex import FakeTripletex
from tests.review.conftest import LiveServer
from tests.review.conftest import make_bureau
from tests.review.test_acceptance_ui import sign_in
from tests.review.test_acceptance_ui import upload
from tests.servers import asgi_server

pytestmark = pytest.mark.live
NET = Decimal("11999.99")


@pytest.fixture
def tripletex() -> Iterator[tuple[FakeTripletex, str]]:
    fake = make_fake("tripletex")
    with asgi_server(fake) as url:
        yield fake, url


@pytest.fixture
def settings(tmp_path: Path, tripletex: tuple[FakeTripletex, str]) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        immediate_jobs=True,
        log_json=False,
        tripletex_consumer_token=FakeTripletex().consumer_token,
        posting_delay_seconds=0,
    )


def test_the_bookkeeper_shortens_an_accrual_and_approves_it(
    ctx: AppContext, live_server: LiveServer, chromium: Any, tripletex: tuple[FakeTripletex, str]
) -> None:
    fake, url = tripletex
    firm = make_bureau(ctx, bureau="Fjordbyrå", company="Abonnent AS", org="923609016",
                       email="kari@fjord.no", history=False)  # fmt: skip
    import_history_file(ctx, company_id=firm.company.id, data=history_csv(NO, []),
                        filename="h.csv", actor="test")  # fmt: skip
    connections.connect(ctx, company_name="Abonnent AS", system="tripletex",
                        secret=fake.employee_token, settings={"base_url": f"{url}/v2"})  # fmt: skip
    document_id = upload(live_server, firm, subscription_ehf(NO), "arsavgift.xml")
    page = sign_in(chromium, live_server, firm.user_email)
    page.goto(f"{live_server.url}/c/{firm.company.id}/d/{document_id}")

    accrual = page.locator("[data-accrual]")
    assert "Fakturaen gjelder" in accrual.inner_text()
    assert page.locator("#accrual_on_0").is_checked()
    accrual.locator("details summary").click()
    assert accrual.locator("details tbody tr").count() == 12

    page.fill("#accrual_start_0", "2027-07")
    page.fill("#accrual_months_0", "6")
    page.locator("#approve").click()
    page.wait_for_url(lambda u: f"/d/{document_id}" not in u)

    deadline = time.monotonic() + 30
    headers = {"Authorization": f"Bearer {firm.api_key}"}
    while (
        status := httpx.get(
            f"{live_server.url}/v1/documents/{document_id}", headers=headers
        ).json()["status"]
    ) in ("approved", "posting"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert status == "posted"
    rows = ledger_rows("tripletex", fake)
    releases = sorted((day, amount) for _, day, acc, amount in rows if acc == NO.account
                      and day > date(2026, 12, 31))  # fmt: skip
    assert [day for day, _ in releases] == [month_end(2027, m) for m in range(7, 13)]
    assert [a for _, a in releases] == [Decimal("2000.00")] * 5 + [Decimal("1999.99")]
    assert sum(a for _, _, acc, a in rows if acc == "1700") == 0
