"""Everything needed to pay an invoice reaches each ledger, in the fields its API has.

See docs/ledger-fields.md for the table these tests hold the connectors to. Requests to
Tripletex and Fortnox are validated against their published specs as well.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from kontera.domain.errors import PermanentError
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Payment
from kontera.post.connector import AttachmentFile
from kontera.post.fortnox import FortnoxMode
from kontera.post.job import PostingJob
from kontera.post.job import Step
from kontera.post.job import advance
from kontera.post.voucher_builder import ApprovedPosting
from kontera.post.voucher_builder import VoucherOptions
from kontera.post.voucher_builder import build_voucher
from tests.post.conftest import make_invoice
from tests.post.contract import fortnox_spec
from tests.post.contract import tripletex_spec
from tests.post.contract import validate_all
from tests.post.harness import Rig
from tests.post.harness import fortnox_rig
from tests.post.harness import poweroffice_rig
from tests.post.harness import tripletex_rig

NO_ACCOUNT = "86011117947"
NO_IBAN = "NO9386011117947"
KID = "1234567890128"


def norwegian(**payment: str) -> tuple[Invoice, list[ApprovedPosting]]:
    invoice, approved = make_invoice([("1000.00", "25", "6300"), ("80.00", "15", "4000")])
    invoice.payment = Payment(kid=KID, **payment)
    return invoice, approved


def swedish(**payment: str) -> tuple[Invoice, list[ApprovedPosting]]:
    invoice, approved = make_invoice(
        [("1000.00", "25", "5410")], currency="SEK", org="5560360793", name="Göta AB"
    )
    invoice.seller.country = "SE"
    invoice.payment = Payment(kid="1234567897", **payment)
    return invoice, [replace(p, vat_code="SE25") for p in approved]


def post(
    rig: Rig, invoice: Invoice, approved: list[ApprovedPosting], key: str = "k-1"
) -> PostingJob:
    options = VoucherOptions.for_country("SE" if invoice.currency == "SEK" else "NO")
    voucher = build_voucher(invoice, approved, options)
    pdf = AttachmentFile(b"%PDF-1.4 test", "faktura.pdf", "application/pdf")
    return advance(PostingJob(key, rig.connector.name), rig.connector, voucher, pdf, lambda j: None)


def test_tripletex_gets_due_date_invoice_number_kid_and_the_new_suppliers_account() -> None:
    rig = tripletex_rig()
    invoice, approved = norwegian(bank_account=NO_ACCOUNT, iban=NO_IBAN, bic="DNBANOKK")
    job = post(rig, invoice, approved)
    assert job.step is Step.POSTED, job.last_error
    voucher = rig.fake.vouchers[int(job.external_id or 0)]
    payable = voucher["postings"][-1]
    assert payable["termOfPayment"] == "2026-11-30"
    assert payable["invoiceNumber"] == "10001"
    assert voucher["vendorInvoiceNumber"] == "10001"
    assert f"KID {KID}" in payable["description"]  # no writable KID field (externalRef: read-only)
    (supplier,) = rig.fake.suppliers.values()
    assert supplier["bankAccountPresentation"] == [
        {"bban": NO_ACCOUNT, "iban": NO_IBAN, "bic": "DNBANOKK"}
    ]
    assert validate_all(tripletex_spec(), rig.recorder.requests) == len(rig.recorder.requests)


def test_tripletex_leaves_a_known_suppliers_accounts_alone() -> None:
    rig = tripletex_rig()
    first, approved = norwegian(bank_account=NO_ACCOUNT)
    post(rig, first, approved)
    second, approved = norwegian(bank_account="15030212344")
    second.invoice_number = "10002"
    post(rig, second, approved, key="k-2")
    (supplier,) = rig.fake.suppliers.values()
    assert supplier["bankAccountPresentation"] == [{"bban": NO_ACCOUNT}]


def test_poweroffice_gets_cid_due_date_and_the_suppliers_bank_account() -> None:
    rig = poweroffice_rig()
    invoice, approved = norwegian(bank_account=NO_ACCOUNT)
    job = post(rig, invoice, approved)
    assert job.step is Step.POSTED, job.last_error
    voucher = rig.fake.vouchers[job.external_id or ""]
    assert (voucher["Cid"], voucher["DueDate"], voucher["InvoiceNo"]) == (
        KID,
        "2026-11-30",
        "10001",
    )
    (account,) = rig.fake.bank_accounts.values()
    assert account["BankAccountNumber"] == NO_ACCOUNT
    assert voucher["SupplierBankAccountId"] == account["Id"]
    # The next invoice to the same account names the same registered account.
    again, approved = norwegian(bank_account=NO_ACCOUNT)
    again.invoice_number = "10002"
    second = post(rig, again, approved, key="k-2")
    assert rig.fake.vouchers[second.external_id or ""]["SupplierBankAccountId"] == account["Id"]
    assert len(rig.fake.bank_accounts) == 1


def test_poweroffice_names_no_bank_account_the_supplier_does_not_have() -> None:
    rig = poweroffice_rig()
    invoice, approved = norwegian(bank_account=NO_ACCOUNT)
    post(rig, invoice, approved)
    changed, approved = norwegian(bank_account="15030212344")
    changed.invoice_number = "10002"
    job = post(rig, changed, approved, key="k-2")
    assert job.step is Step.POSTED, job.last_error
    assert "SupplierBankAccountId" not in rig.fake.vouchers[job.external_id or ""]


def test_fortnox_supplier_invoice_is_booked_with_ocr_due_date_and_the_suppliers_giro() -> None:
    rig = fortnox_rig(mode=FortnoxMode.SUPPLIER_INVOICE)
    invoice, approved = swedish(bankgiro="5050-1055", plusgiro="90 20 03-3")
    job = post(rig, invoice, approved)
    assert job.step is Step.POSTED, job.last_error
    stored = rig.fake.invoices[job.external_id or ""]
    assert (stored["OCR"], stored["DueDate"], stored["InvoiceNumber"]) == (
        "1234567897",
        "2026-11-30",
        "10001",
    )
    assert stored["Booked"] is True
    (supplier,) = rig.fake.suppliers.values()
    assert (supplier["BG"], supplier["PG"]) == ("50501055", "9020033")
    assert validate_all(fortnox_spec(), rig.recorder.requests) == len(rig.recorder.requests)


def test_fortnox_supplier_gets_a_swedish_bank_account_and_iban() -> None:
    rig = fortnox_rig(mode=FortnoxMode.SUPPLIER_INVOICE)
    invoice, approved = swedish(
        bank_account="5000-1234560", iban="SE4550000000058398257466", bic="ESSESESS"
    )
    assert post(rig, invoice, approved).step is Step.POSTED
    (supplier,) = rig.fake.suppliers.values()
    assert supplier["BankAccountNumber"] == "50001234560"
    assert (supplier["IBAN"], supplier["BIC"]) == ("SE4550000000058398257466", "ESSESESS")


def test_fortnox_booking_is_a_company_setting() -> None:
    rig = fortnox_rig(mode=FortnoxMode.SUPPLIER_INVOICE)
    rig.connector.settings = replace(rig.connector.settings, bookkeep=False)
    invoice, approved = swedish()
    job = post(rig, invoice, approved)
    assert rig.fake.invoices[job.external_id or ""]["Booked"] is False


def test_fortnox_books_an_invoice_found_again_after_a_lost_answer() -> None:
    """GIVEN a supplier invoice created but not booked (the run died in between)
    WHEN the job runs again THEN the lookup finds it and books it; nothing is created twice."""
    rig = fortnox_rig(mode=FortnoxMode.SUPPLIER_INVOICE)
    invoice, approved = swedish()
    rig.connector.settings = replace(rig.connector.settings, bookkeep=False)
    first = post(rig, invoice, approved)
    rig.connector.settings = replace(rig.connector.settings, bookkeep=True)
    again = post(rig, invoice, approved)  # same key: found, not created
    assert again.external_id == first.external_id and len(rig.fake.invoices) == 1
    assert rig.fake.invoices[again.external_id or ""]["Booked"] is True


def test_fortnox_refuses_a_booking_in_a_locked_period() -> None:
    from datetime import date

    rig = fortnox_rig(mode=FortnoxMode.SUPPLIER_INVOICE)
    rig.fake.locked_until = date(2026, 11, 30)
    invoice, approved = swedish()
    job = post(rig, invoice, approved)
    assert job.step is Step.FAILED
    assert "låst" in (job.last_error or "")


@pytest.mark.parametrize("mode", [FortnoxMode.VOUCHER, FortnoxMode.SUPPLIER_INVOICE])
def test_fortnox_requests_match_the_spec_in_both_modes(mode: FortnoxMode) -> None:
    rig = fortnox_rig(mode=mode)
    invoice, approved = swedish(bankgiro="5050-1055")
    assert post(rig, invoice, approved).step is Step.POSTED
    assert validate_all(fortnox_spec(), rig.recorder.requests) == len(rig.recorder.requests)


def test_a_connector_without_an_org_number_says_so() -> None:
    rig = tripletex_rig()
    invoice, approved = norwegian()
    invoice.seller.org_number = None
    with pytest.raises(PermanentError):
        rig.connector.create_voucher(build_voucher(invoice, approved), "k")
