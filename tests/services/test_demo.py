"""The demo company a newcomer meets with `make run`: confident suggestions, a visible voucher."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.demo import DEMO_COMPANY
from kontera.services.demo import DEMO_ORIGINALS
from kontera.services.demo import export_folder
from kontera.services.demo import load_demo
from tests.conftest import FIXTURES
from tests.conftest import ApiClient


@pytest.fixture
def demo(ctx: AppContext, app_client: TestClient) -> ApiClient:
    load_demo(ctx, fixtures=FIXTURES)
    key = companies.create_api_key(ctx, company_name=DEMO_COMPANY, name="test").key
    company = companies.find_company(ctx, DEMO_COMPANY)
    return ApiClient(app_client, key, company.id)


def documents(demo: ApiClient) -> dict[str, dict[str, Any]]:
    listed = demo.get("/v1/documents?limit=100")["items"]
    return {row["filename"]: demo.get(f"/v1/documents/{row['id']}") for row in listed}


def test_every_demo_invoice_has_an_account_suggested_for_every_line(demo: ApiClient) -> None:
    """GIVEN the demo loaded as `serve --demo` loads it (history, EHF, PDFs and a scan)
    WHEN the newcomer opens the queue
    THEN each invoice, the PDFs and the scan included, has an account on every line (the
    history covers the demo's own suppliers), none waits for want of one, and every invoice
    read from text is ready to approve."""
    shown = documents(demo)
    assert set(DEMO_ORIGINALS) <= set(shown)
    assert len(shown) == len(DEMO_ORIGINALS) + len(list((FIXTURES / "demo").glob("*.xml")))
    for filename, document in shown.items():
        lines = document["suggestion"]["lines"]
        assert lines, filename
        assert all(line["account"] and not line["abstained"] for line in lines), (filename, lines)
        assert "No account could be suggested" not in (document["status_reason"] or ""), filename
        # Read from text, nothing is left to check; a scan's OCR may still ask for a look.
        if ".scan." not in filename:
            assert document["status"] == "suggested", (filename, document["status_reason"])


def test_approving_a_demo_invoice_as_suggested_writes_its_voucher(
    demo: ApiClient, ctx: AppContext
) -> None:
    """GIVEN the demo company, connected to an export folder
    WHEN the newcomer approves a PDF invoice exactly as Kontera suggested
    THEN it is posted, and the folder holds its voucher with the suggested accounts, balanced,
    beside the original."""
    document = documents(demo)["no-english-001.pdf"]
    response = demo.http.post(f"/v1/documents/{document['id']}/approve", headers=demo.headers)
    assert response.status_code == 200, response.text

    posted = demo.get(f"/v1/documents/{document['id']}")
    assert posted["status"] == "posted", posted["status_reason"]
    folder = Path(export_folder(ctx))
    [voucher_file] = folder.glob("*.csv")
    assert [p.suffix for p in folder.glob(f"{voucher_file.stem}.document.*")] == [".pdf"]
    rows = list(csv.DictReader(io.StringIO(voucher_file.read_text("utf-8")), delimiter=";"))
    suggested = {line["account"] for line in document["suggestion"]["lines"]}
    assert suggested <= {row["account"] for row in rows}
    assert sum(Decimal(row["amount"]) for row in rows) == 0
    assert {row["invoice_number"] for row in rows} == {document["invoice_number"]}
