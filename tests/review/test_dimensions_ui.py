"""Dimensions in the review page, in a real browser (Debian's Chromium), in Norwegian.

GIVEN a company connected to PowerOffice Go (the fake, enforcing its departments), whose
      history says that what the buyer's reference DEMO orders goes to department 20, and
      whose departments 10 and 20 were read from the ledger
WHEN the bookkeeper opens an invoice with the buyer's reference DEMO
THEN the posting line shows department 20 with its confidence and the counted reason; the
     bookkeeper changes it to 10 and approves, and the voucher reaches the ledger with
     department 10 — what the person chose, not what was suggested.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kontera.config import Settings
from kontera.domain.ledger import DimensionKind
from kontera.domain.ledger import LedgerDimension
from kontera.services.context import AppContext
from kontera.services.post import connections
from kontera.services.suggest.history_files import import_history_file
from kontera.services.sync.ledger_records import store_dimensions
from kontera.store import repo
from kontera.store.db import session_scope
from tests.conftest import FIXTURES
from tests.fakes.poweroffice import DEPARTMENT_IDS
from tests.fakes.poweroffice import FakePowerOffice
from tests.review.conftest import Bureau
from tests.review.conftest import LiveServer
from tests.review.conftest import make_bureau
from tests.review.test_acceptance_ui import sign_in
from tests.review.test_acceptance_ui import upload
from tests.servers import asgi_server

pytestmark = pytest.mark.live
EHF = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()  # Fjellnett Telekom, buyer's ref DEMO
SUPPLIER = "Fjellnett Telekom AS"


@pytest.fixture
def ledger() -> Iterator[tuple[FakePowerOffice, str]]:
    fake = FakePowerOffice()
    with asgi_server(fake) as url:
        yield fake, url


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    fake = FakePowerOffice()
    return Settings(
        data_dir=tmp_path / "data",
        immediate_jobs=True,
        log_json=False,
        poweroffice_application_key=fake.application_key,
        poweroffice_subscription_key=fake.subscription_key,
    )


def history_with_departments() -> bytes:
    """The demo history, with the buyer's reference and department of each line: the
    telecom lines ordered by DEMO went to department 20, everything else to 10."""
    rows = list(csv.DictReader(io.StringIO((FIXTURES / "demo" / "history.csv").read_text())))
    out = io.StringIO()
    writer = csv.DictWriter(out, [*rows[0], "buyer_reference", "department"])
    writer.writeheader()
    for row in rows:
        ours = row["supplier_name"] == SUPPLIER
        writer.writerow(
            {**row, "buyer_reference": "DEMO" if ours else "", "department": "20" if ours else "10"}
        )
    return out.getvalue().encode()


def company_with_departments(ctx: AppContext, url: str, fake: FakePowerOffice) -> Bureau:
    bureau = make_bureau(
        ctx, bureau="Fjordbyrå", company="Demo Regnskap AS", org="999999905",
        email="anne@fjord.no", history=False,
    )  # fmt: skip
    import_history_file(
        ctx, company_id=bureau.company.id, data=history_with_departments(),
        filename="history.csv", actor="test",
    )  # fmt: skip
    connections.connect(
        ctx, company_name="Demo Regnskap AS", system="poweroffice", secret=fake.client_key,
        settings={"base_url": f"{url}/v2", "token_url": f"{url}/OAuth/Token"},
    )  # fmt: skip
    with session_scope(ctx.engine) as session:  # what the ledger sync reads
        store_dimensions(
            session,
            company_id=bureau.company.id,
            dimensions=[
                LedgerDimension(DimensionKind.DEPARTMENT, "10", "Salg"),
                LedgerDimension(DimensionKind.DEPARTMENT, "20", "Drift"),
            ],
        )
    return bureau


def wait_until_posted(ctx: AppContext, bureau: Bureau, document_id: str) -> str:
    deadline = time.monotonic() + 30
    while True:
        with session_scope(ctx.engine) as session:
            found = repo.get_document(
                session, company_id=bureau.company.id, document_id=document_id
            )
            status, reason = found.status, found.status_reason
        if status not in ("approved", "posting") or time.monotonic() > deadline:
            assert status == "posted", reason
            return status
        time.sleep(0.2)


def test_a_suggested_department_is_shown_changed_and_posted(
    ctx: AppContext,
    live_server: LiveServer,
    chromium: Any,
    ledger: tuple[FakePowerOffice, str],
    screenshots: Path,
) -> None:
    fake, url = ledger
    bureau = company_with_departments(ctx, url, fake)
    document_id = upload(live_server, bureau, EHF, "ehf-01.xml")

    page = sign_in(chromium, live_server, bureau.user_email)
    page.goto(f"{live_server.url}/c/{bureau.company.id}/d/{document_id}")
    department = page.locator("#dim_department_0")
    assert department.input_value() == "20"
    assert page.get_by_label("Avdeling").first.input_value() == "20"
    why = page.locator('[data-dim-why="department"]').first.inner_text()
    assert "avdeling 20: kjøpers referanse 'DEMO' gikk dit" in why, why
    assert "%" in why
    page.screenshot(path=str(screenshots / "review-dimensions.png"), full_page=True)

    # Every line of the invoice goes to department 10 instead.
    lines = page.locator("select[data-name='dim_department']")
    for i in range(lines.count()):
        lines.nth(i).select_option("10")
    page.click("#approve")
    page.wait_for_url(lambda u: f"/d/{document_id}" not in u)
    wait_until_posted(ctx, bureau, document_id)

    (voucher,) = fake.vouchers.values()  # Go names a department by its id (code 10 → 10 010)
    ids = {line.get("DepartmentId") for line in voucher["SupplierVoucherLines"]}
    assert ids == {DEPARTMENT_IDS + 10}
