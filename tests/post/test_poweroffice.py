"""PowerOffice Go: supplier invoices and credit notes on the supplier's subledger account,
gross lines with VAT code ids, then the voucher page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kontera.post.connector import AttachmentFile
from kontera.post.job import PostingJob
from kontera.post.job import Step
from kontera.post.job import advance
from kontera.post.poweroffice import marker
from kontera.post.voucher_builder import ApprovedPosting
from kontera.post.voucher_builder import build_voucher
from tests.post.conftest import make_invoice
from tests.post.harness import Rig
from tests.post.harness import _wall
from tests.post.harness import poweroffice_campaign
from tests.post.harness import poweroffice_connector
from tests.post.harness import poweroffice_rig


def post(rig: Rig, invoice: Any, approved: Any, pdf: bytes, key: str = "k-1") -> PostingJob:
    voucher = build_voucher(invoice, approved)
    file = AttachmentFile(pdf, "faktura.pdf", "application/pdf")
    job = PostingJob(key, "poweroffice")
    return advance(job, rig.connector, voucher, file, lambda j: None, now=lambda: _wall(rig.clock))


def test_supplier_invoice_with_gross_lines_kid_and_page(pdf_bytes: bytes) -> None:
    rig = poweroffice_rig()
    fake = rig.fake
    invoice, approved = make_invoice([("1000.00", "25", "6300"), ("100.00", "12", "7140")])

    job = post(rig, invoice, approved, pdf_bytes)

    assert job.step is Step.POSTED
    stored = fake.vouchers[job.external_id or ""]
    lines = [
        (x["DebitAccountId"], x["DebitVatId"], x["CurrencyAmount"])
        for x in stored["SupplierVoucherLines"]
    ]
    assert lines == [
        (fake.account_ids["6300"], fake.vat_ids["1"], 1250.0),
        (fake.account_ids["7140"], fake.vat_ids["13"], 112.0),
    ]
    assert (stored["CurrencyAmount"], stored["Cid"], stored["InvoiceNo"]) == (
        1362.0,
        invoice.payment.kid,
        "10001",
    )
    assert stored["SupplierAccountId"] == next(iter(fake.suppliers.values()))["SubledgerAccountId"]
    assert fake.pages[job.external_id or ""] == [pdf_bytes]
    assert all(
        r.headers["Ocp-Apim-Subscription-Key"] == fake.subscription_key
        for r in rig.recorder.requests
    )


def test_credit_note_goes_to_supplier_credit_notes_on_the_credit_side(pdf_bytes: bytes) -> None:
    rig = poweroffice_rig()
    invoice, approved = make_invoice([("400.00", "25", "6300")], credit=True, number="CN-7")

    job = post(rig, invoice, approved, pdf_bytes)

    assert job.step is Step.POSTED, job.last_error
    stored = rig.fake.vouchers[job.external_id or ""]
    assert stored["_type"] == "IncomingCreditNote" and stored["CreditNoteNo"] == "CN-7"
    assert [x["CurrencyAmount"] for x in stored["SupplierVoucherLines"]] == [500.0]
    assert "CreditAccountId" in stored["SupplierVoucherLines"][0]
    assert rig.fake.pages[job.external_id or ""] == [pdf_bytes]


def test_lost_answer_is_found_by_the_key_in_the_description(pdf_bytes: bytes) -> None:
    """GIVEN a create whose answer was lost (the job had saved when it started creating)
    WHEN the job runs again THEN it finds the voucher among this integration's recent ones."""
    rig = poweroffice_rig()
    invoice, approved = make_invoice([("10.00", "25", "6300")])
    voucher = build_voucher(invoice, approved)
    job = PostingJob("k-lost", "poweroffice", create_started_at=_wall(rig.clock))
    booked = rig.connector.create_voucher(voucher, "k-lost")  # the answer never arrived
    rig.clock.sleep(120)

    file = AttachmentFile(pdf_bytes, "f.pdf", "application/pdf")
    again = advance(job, poweroffice_connector(rig), voucher, file, lambda j: None)

    assert again.step is Step.POSTED and again.external_id == booked
    assert len(rig.fake.vouchers) == 1
    assert marker("k-lost") in rig.fake.vouchers[booked]["Description"]


def test_vat_code_on_a_balance_account_is_refused_in_words(pdf_bytes: bytes) -> None:
    rig = poweroffice_rig()
    invoice, _ = make_invoice([("100.00", "25", "1920")])
    job = post(rig, invoice, [ApprovedPosting("1920", "1", Decimal("100.00"))], pdf_bytes)

    assert job.step is Step.FAILED
    assert job.last_error == (
        "PowerOffice Go: Validation failed; DebitVatId: Mva-kode 1 kan ikke brukes på konto 1920."
    )


def test_wrong_client_key_is_a_credentials_problem(pdf_bytes: bytes) -> None:
    rig = poweroffice_rig()
    rig.fake.client_key = "the-customer-revoked-ours"
    invoice, approved = make_invoice([("100.00", "25", "6300")])
    job = post(rig, invoice, approved, pdf_bytes)
    assert job.step is Step.FAILED
    assert "refused the credentials" in (job.last_error or "")


def test_stays_under_10_requests_per_second_and_finds_existing_suppliers(pdf_bytes: bytes) -> None:
    rig = poweroffice_rig()
    for n in range(10):
        invoice, approved = make_invoice([("10.00", "25", "6300")], number=str(n))
        rig.connector = poweroffice_connector(rig)  # a new worker: empty caches
        post(rig, invoice, approved, pdf_bytes, key=f"k-{n}")
    assert rig.fake.quota.refused == 0 and len(rig.fake.vouchers) == 10
    assert len(rig.fake.suppliers) == 1


def test_every_invoice_once_under_faults_and_crashes() -> None:
    outcome = poweroffice_campaign(100, rate=0.30, crash_rate=0.03, seed=9)
    assert outcome.failed == []
    assert outcome.crashes > 0
    assert outcome.exactly_once, outcome
