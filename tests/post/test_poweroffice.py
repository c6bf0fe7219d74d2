"""PowerOffice Go: supplier invoices with a VAT code per line, then the voucher page."""

from __future__ import annotations

from decimal import Decimal

from kontera.post.connector import AttachmentFile
from kontera.post.job import PostingJob
from kontera.post.job import Step
from kontera.post.job import advance
from kontera.post.voucher_builder import ApprovedPosting
from kontera.post.voucher_builder import build_voucher
from tests.post.conftest import make_invoice
from tests.post.harness import poweroffice_campaign
from tests.post.harness import poweroffice_rig


def post(rig, invoice, approved, pdf: bytes, key: str = "k-1") -> PostingJob:  # type: ignore[no-untyped-def]
    voucher = build_voucher(invoice, approved)
    file = AttachmentFile(pdf, "faktura.pdf", "application/pdf")
    return advance(PostingJob(key, "poweroffice"), rig.connector, voucher, file, lambda j: None)


def test_supplier_invoice_with_gross_lines_kid_and_page(pdf_bytes: bytes) -> None:
    rig = poweroffice_rig()
    invoice, approved = make_invoice([("1000.00", "25", "6300"), ("100.00", "12", "7140")])

    job = post(rig, invoice, approved, pdf_bytes)

    assert job.step is Step.POSTED
    stored = rig.fake.vouchers[int(job.external_id or 0)]
    assert [
        (line["AccountNo"], line["Amount"], line["VatCode"]) for line in stored["VoucherLines"]
    ] == [
        (6300, 1250.0, "1"),
        (7140, 112.0, "13"),
    ]
    assert (stored["TotalAmount"], stored["PaymentReference"]) == (1362.0, invoice.payment.kid)
    assert rig.fake.pages[int(job.external_id or 0)] == [pdf_bytes]
    every = rig.recorder.requests
    assert all(r.headers["Ocp-Apim-Subscription-Key"] == rig.fake.subscription_key for r in every)


def test_vat_code_on_a_balance_account_is_refused_in_words(pdf_bytes: bytes) -> None:
    rig = poweroffice_rig()
    invoice, _ = make_invoice([("100.00", "25", "1920")])
    job = post(rig, invoice, [ApprovedPosting("1920", "1", Decimal("100.00"))], pdf_bytes)

    assert job.step is Step.FAILED
    assert (
        job.last_error
        == "PowerOffice Go: Validation failed; VatCode: Mva-kode 1 kan ikke brukes på konto 1920."
    )


def test_wrong_client_key_is_a_credentials_problem(pdf_bytes: bytes) -> None:
    rig = poweroffice_rig()
    rig.fake.client_key = "the-customer-revoked-ours"
    invoice, approved = make_invoice([("100.00", "25", "6300")])
    job = post(rig, invoice, approved, pdf_bytes)
    assert job.step is Step.FAILED
    assert "refused the credentials" in (job.last_error or "")


def test_stays_under_10_requests_per_second(pdf_bytes: bytes) -> None:
    rig = poweroffice_rig()
    for n in range(10):
        invoice, approved = make_invoice([("10.00", "25", "6300")], number=str(n))
        post(rig, invoice, approved, pdf_bytes, key=f"k-{n}")
    assert rig.fake.quota.refused == 0 and len(rig.fake.vouchers) == 10


def test_every_invoice_once_under_faults_and_crashes() -> None:
    outcome = poweroffice_campaign(100, rate=0.30, crash_rate=0.03, seed=9)
    assert outcome.failed == []
    assert outcome.crashes > 0
    assert outcome.exactly_once, outcome
