"""Without an accounting system an approval is held, says so, and can go out as a file."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from kontera.domain.errors import NotFound
from kontera.post.export import ExportFormat
from kontera.services.context import AppContext
from kontera.services.post import connections
from kontera.services.post import held_vouchers
from kontera.services.post.held_vouchers import PlanKind
from tests.conftest import FIXTURES
from tests.conftest import ApiClient

INVOICES = [(FIXTURES / "demo" / f"ehf-0{n}.xml").read_bytes() for n in (1, 2)]


def approve(api: ApiClient, document_id: str) -> None:
    response = api.http.post(
        f"/v1/documents/{document_id}/approve",
        headers=api.headers,
        json={"postings": [{"account": "6900", "vat_code": "1"}]},
    )
    assert response.status_code == 200, response.text


def test_the_plan_names_what_an_approval_will_do(
    ctx: AppContext, api: ApiClient, tmp_path: Path
) -> None:
    plan = held_vouchers.posting_plan(ctx, company_id=api.company_id)
    assert plan.kind is PlanKind.HOLD and plan.system is None
    connections.connect(
        ctx,
        company_name="Fjordbyrå Kunde AS",
        system="export",
        settings={"folder": str(tmp_path)},
    )
    assert held_vouchers.posting_plan(ctx, company_id=api.company_id).kind is PlanKind.FOLDER
    connections.connect(ctx, company_name="Fjordbyrå Kunde AS", system="tripletex", secret="t")
    plan = held_vouchers.posting_plan(ctx, company_id=api.company_id)
    assert plan.kind is PlanKind.LEDGER and plan.system == "tripletex"


@pytest.mark.parametrize(
    ("fmt", "marker"), [(ExportFormat.SIE4, b"#VER"), (ExportFormat.CSV, b";")]
)
def test_held_approvals_go_out_as_one_file_and_are_then_posted(
    ctx: AppContext, api: ApiClient, fmt: ExportFormat, marker: bytes
) -> None:
    """GIVEN two approved invoices held because no system is connected
    WHEN the bookkeeper downloads the export
    THEN one file holds both vouchers, both count as posted (as that file), and each
    document can give the file again."""
    ids = [api.upload(data)["id"] for data in INVOICES]
    for document_id in ids:
        approve(api, document_id)
    assert sorted(held_vouchers.held_document_ids(ctx, company_id=api.company_id)) == sorted(ids)

    export = held_vouchers.export_held(ctx, company_id=api.company_id, fmt=fmt, actor="kari")

    assert sorted(export.document_ids) == sorted(ids) and export.skipped == {}
    for document_id in ids:
        assert export.content.count(f"kontera-{document_id}".encode()) >= 1
        document = api.get(f"/v1/documents/{document_id}")
        assert document["status"] == "posted"
        assert held_vouchers.exported_file(
            ctx, company_id=api.company_id, document_id=document_id
        ) == (export.filename, export.content)
    assert marker in export.content
    assert held_vouchers.held_document_ids(ctx, company_id=api.company_id) == []
    with pytest.raises(NotFound):
        held_vouchers.export_held(ctx, company_id=api.company_id, fmt=fmt, actor="kari")


def test_a_held_accrued_invoice_goes_out_with_its_monthly_releases(
    ctx: AppContext, api: ApiClient
) -> None:
    """GIVEN an annual fee approved with its accrual while no system is connected
    WHEN the bookkeeper downloads the SIE file
    THEN it holds the invoice (net moved to 1700) and twelve release vouchers that empty 1700."""
    from tests.acceptance.matrix_inputs import NO
    from tests.acceptance.test_accruals import subscription_ehf

    document_id = api.upload(subscription_ehf(NO, net=Decimal("1200.00")))["id"]
    lines = api.get(f"/v1/documents/{document_id}")["suggestion"]["lines"]
    accrual = lines[0]["accrual"]
    assert accrual is not None, json.dumps(lines)
    posted = [{"account": "6900", "vat_code": "1", "amount": "1200.00", "line_index": 0,
               "accrual": accrual}]  # fmt: skip
    response = api.http.post(
        f"/v1/documents/{document_id}/approve", headers=api.headers, json={"postings": posted}
    )
    assert response.status_code == 200, response.text

    export = held_vouchers.export_held(
        ctx, company_id=api.company_id, fmt=ExportFormat.SIE4, actor="kari"
    )

    text = export.content.decode("cp437")
    assert text.count("#VER") == 13
    prepaid = [Decimal(line.split()[3]) for line in text.splitlines() if "#TRANS 1700" in line]
    assert prepaid[0] == Decimal("1200.00") and len(prepaid) == 13 and sum(prepaid) == 0
