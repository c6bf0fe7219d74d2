"""Approval refuses a voucher the ledger would refuse — through the API, the page and bulk."""

from __future__ import annotations

from kontera.domain.chart import ChartAccount
from kontera.domain.chart import ChartSource
from kontera.services.context import AppContext
from kontera.services.review import queue as review_queue
from kontera.services.review.voucher_preview import voucher_preview
from kontera.services.suggest.chart import store_accounts
from kontera.store import repo
from kontera.store.db import session_scope
from tests.conftest import FIXTURES
from tests.conftest import ApiClient

EHF = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()


def approve(api: ApiClient, document_id: str, postings: list[dict[str, str]]) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = api.http.post(
        f"/v1/documents/{document_id}/approve", headers=api.headers, json={"postings": postings}
    )
    return response.status_code, response.json()


def test_one_line_of_1_00_on_a_large_invoice_is_refused(api: ApiClient) -> None:
    """GIVEN an e-invoice WHEN an integrator approves one 1.00 line
    THEN 422 voucher_refused says what is missing, and the document still waits for review."""
    document = api.upload(EHF)
    status, body = approve(
        api, document["id"], [{"account": "6900", "vat_code": "1", "amount": "1.00"}]
    )
    assert status == 422, body
    assert body["error"] == "voucher_refused"
    assert "not accounted for" in body["message"]
    assert api.get(f"/v1/documents/{document['id']}")["status"] in ("suggested", "needs_review")


def test_an_unknown_account_and_vat_code_are_refused_and_not_learned(
    ctx: AppContext, api: ApiClient
) -> None:
    document = api.upload(EHF)
    status, body = approve(api, document["id"], [{"account": "ABC-99999", "vat_code": "77"}])
    assert status == 422
    assert "'ABC-99999' is not an account number" in body["message"]
    assert "VAT code 77 is not one of the company's VAT codes" in body["message"]
    with session_scope(ctx.engine) as session:
        history = repo.supplier_history(
            session, company_id=api.company_id, supplier_key="org:912345688"
        )
    assert all(row.account != "ABC-99999" for row in history)


def test_an_account_outside_a_synced_chart_is_refused(ctx: AppContext, api: ApiClient) -> None:
    store_accounts(
        ctx,
        company_id=api.company_id,
        accounts=[ChartAccount("6900", "Telefon"), ChartAccount("6901", "Old", active=False)],
        source=ChartSource.LEDGER,
    )
    document = api.upload(EHF)
    status, body = approve(api, document["id"], [{"account": "6901", "vat_code": "1"}])
    assert status == 422 and "6901 Old is inactive" in body["message"]
    status, body = approve(api, document["id"], [{"account": "6300", "vat_code": "1"}])
    assert status == 422 and "6300 is not in the company's chart" in body["message"]
    # the payable account 2400 is not in this (deliberately small) chart either
    assert "Account 2400 is not in the company's chart" in body["message"]
    store_accounts(
        ctx,
        company_id=api.company_id,
        accounts=[ChartAccount("2400", "Leverandørgjeld")],
        source=ChartSource.LEDGER,
    )
    status, body = approve(api, document["id"], [{"account": "6900", "vat_code": "1"}])
    assert status == 200, body


def test_the_payable_account_a_ledger_keeps_off_cost_lines_still_takes_the_payable(
    ctx: AppContext, api: ApiClient
) -> None:
    """GIVEN a synced chart where 2400 may not carry a supplier invoice's cost lines (as
    Tripletex marks its supplier ledger) WHEN the suggestion is approved as it stands THEN the
    voucher's own payable posting on 2400 is accepted, while a cost line on 2400 is not."""
    store_accounts(
        ctx,
        company_id=api.company_id,
        accounts=[
            ChartAccount("6900", "Telefon"),
            ChartAccount("2400", "Leverandørgjeld", supplier_invoices=False),
            ChartAccount("2710", "Inngående mva", supplier_invoices=False),
        ],
        source=ChartSource.LEDGER,
    )
    document = api.upload(EHF)
    status, body = approve(api, document["id"], [{"account": "2400", "vat_code": "1"}])
    assert status == 422 and "2400 Leverandørgjeld cannot be used on supplier" in body["message"]
    status, body = approve(api, document["id"], [{"account": "6900", "vat_code": "1"}])
    assert status == 200, body


def test_the_page_balance_is_the_posting_builders(ctx: AppContext, api: ApiClient) -> None:
    """GIVEN the review page's rows WHEN a line is lowered THEN the preview is off by exactly
    that net plus its VAT, and names why approval would refuse it."""
    document = api.upload(EHF)
    good = [{"account": "6900", "vat_code": "1", "amount": ""}]
    preview = voucher_preview(
        ctx, company_id=api.company_id, document_id=document["id"], lines=good
    )
    assert preview is not None and preview.balanced, preview
    assert preview.vat > 0
    bad = [{"account": "6900", "vat_code": "0", "amount": ""}]
    preview = voucher_preview(ctx, company_id=api.company_id, document_id=document["id"], lines=bad)
    assert preview is not None and not preview.balanced
    assert preview.problems


def test_bulk_never_takes_a_suggestion_that_would_be_refused(
    ctx: AppContext, api: ApiClient
) -> None:
    """GIVEN a confident suggestion whose lines miss the payable
    THEN "approve the safe ones" does not offer it, and approving it anyway is refused."""
    document = api.upload(EHF)
    with session_scope(ctx.engine) as session:
        row = repo.get_document(session, company_id=api.company_id, document_id=document["id"])
        row.status, row.warnings, row.confidence = "suggested", 0, 1.0
        record = repo.latest_suggestion(session, document_id=document["id"])
        assert record is not None
        payload = dict(record.payload)
        payload["lines"] = [
            {
                "line_index": 0,
                "account": "6900",
                "vat_code": "1",
                "amount": "1.00",
                "confidence": 0.99,
                "vat_confidence": 0.99,
            }
        ]
        record.payload = payload
        session.add_all([row, record])
    company_ids = frozenset({api.company_id})
    chosen = review_queue.confident_documents(
        ctx, company_ids=company_ids, document_ids=[document["id"]]
    )
    assert chosen == []
    result = review_queue.bulk_approve(
        ctx, company_ids=company_ids, document_ids=[document["id"]], actor="test"
    )
    assert result.approved == [] and document["id"] in result.skipped
