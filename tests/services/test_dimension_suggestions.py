"""Suggested dimensions through the API, and approving exactly what Kontera suggested.

GIVEN a company connected to PowerOffice Go whose imported history says that what the buyer's
      reference DEMO orders from Fjellnett Telekom goes to department 20 (the history file has
      department and buyer's reference columns)
WHEN an invoice with the buyer's reference DEMO arrives and is approved as suggested
THEN the history kept both columns, the API's suggestion names department 20 with a
     confidence and the counted reason, and the voucher reaches the ledger with
     department 20; the approval is learnt with its department and references.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from kontera.config import Settings
from kontera.services.context import AppContext
from kontera.services.post import connections
from kontera.services.suggest.history_files import import_history_file
from kontera.services.suggest.suggestions import history_lines
from kontera.store.db import session_scope
from kontera.store.tables import PostingHistory
from tests.conftest import DEMO_BUYER_ORG
from tests.conftest import FIXTURES
from tests.conftest import make_api_client
from tests.fakes.poweroffice import DEPARTMENT_IDS
from tests.fakes.poweroffice import FakePowerOffice
from tests.servers import asgi_server

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


def test_the_suggested_department_is_posted_when_approved_as_suggested(
    ctx: AppContext, ledger: tuple[FakePowerOffice, str]
) -> None:
    from kontera.api.app import create_app

    fake, url = ledger
    with TestClient(create_app(ctx)) as client:
        api = make_api_client(ctx, client, "Demo Regnskap AS", DEMO_BUYER_ORG)
        import_history_file(
            ctx, company_id=api.company_id, data=history_with_departments(),
            filename="history.csv", actor="test",
        )  # fmt: skip
        kept = list(history_lines(ctx, api.company_id))
        ours = [line for line in kept if line.supplier_name == SUPPLIER]
        assert ours and {(h.department, h.buyer_reference) for h in ours} == {("20", "DEMO")}
        connections.connect(
            ctx, company_name="Demo Regnskap AS", system="poweroffice", secret=fake.client_key,
            settings={"base_url": f"{url}/v2", "token_url": f"{url}/OAuth/Token"},
        )  # fmt: skip
        created = api.upload(EHF, "ehf-01.xml")
        document = api.get(f"/v1/documents/{created['id']}")
        lines = document["suggestion"]["lines"]
        assert lines and all(line["dimensions"] == {"department": "20"} for line in lines)
        first = lines[0]
        assert 0.5 <= first["dimension_confidence"]["department"] <= 1.0
        assert first["dimension_reasons"]["department"].startswith(
            f"department 20: the buyer's reference 'DEMO' went there {len(ours)} of {len(ours)}"
        )
        response = client.post(f"/v1/documents/{created['id']}/approve", headers=api.headers)
        assert response.status_code == 200, response.text
        posted = wait_until_done(api, created["id"])
    assert posted["status"] == "posted", posted["status_reason"]
    (voucher,) = fake.vouchers.values()  # Go names a department by its id (code 20 → 10 020)
    ids = {line.get("DepartmentId") for line in voucher["SupplierVoucherLines"]}
    assert ids == {DEPARTMENT_IDS + 20}
    with session_scope(ctx.engine) as session:
        learnt = session.exec(
            select(PostingHistory).where(PostingHistory.source == "approval")
        ).all()
    assert learnt and {(r.department, r.buyer_reference) for r in learnt} == {("20", "DEMO")}


def wait_until_done(api: Any, document_id: str) -> Any:
    deadline = time.monotonic() + 30
    while (document := api.get(f"/v1/documents/{document_id}"))["status"] in (
        "approved",
        "posting",
    ):
        assert time.monotonic() < deadline, document
        time.sleep(0.1)
    return document
