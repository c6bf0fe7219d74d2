"""Fortnox: vouchers and supplier invoices into a fake that enforces Fortnox's rules."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from kontera.domain.errors import Forbidden
from kontera.domain.invoice import Invoice
from kontera.post.connector import AttachmentFile
from kontera.post.fortnox import FortnoxMode
from kontera.post.http import CredentialsRejected
from kontera.post.job import PostingJob
from kontera.post.job import Step
from kontera.post.job import advance
from kontera.post.oauth import OAuthState
from kontera.post.oauth import authorization_url
from kontera.post.oauth import exchange_code
from kontera.post.oauth import make_state
from kontera.post.oauth import new_nonce
from kontera.post.oauth import read_state
from kontera.post.voucher_builder import ApprovedPosting
from kontera.post.voucher_builder import VoucherOptions
from kontera.post.voucher_builder import build_voucher
from tests.post.conftest import make_invoice
from tests.post.contract import fortnox_spec
from tests.post.contract import validate_all
from tests.post.harness import FORTNOX_APP
from tests.post.harness import Rig
from tests.post.harness import fortnox_connector
from tests.post.harness import fortnox_rig

SE = VoucherOptions.for_country("SE")


def swedish_invoice(
    number: str = "5001", lines: list[tuple[str, str, str]] | None = None
) -> tuple[Invoice, list[ApprovedPosting]]:
    invoice, approved = make_invoice(
        lines or [("1000.00", "25", "5410"), ("100.00", "12", "5460")],
        currency="SEK",
        number=number,
        org="5560360793",
        name="Leverantör AB",
        kid="4578",
    )
    se_codes = {"1": "SE25", "13": "SE12", "0": "SE0"}
    return invoice, [
        ApprovedPosting(p.account, se_codes[p.vat_code or "0"], p.amount) for p in approved
    ]


def post(rig: Rig, key: str, pdf: bytes, number: str = "5001") -> PostingJob:
    invoice, approved = swedish_invoice(number)
    voucher = build_voucher(invoice, approved, SE)
    file = AttachmentFile(pdf, "faktura.pdf", "application/pdf")
    return advance(PostingJob(key, "fortnox"), rig.connector, voucher, file, lambda j: None)


def test_voucher_has_vat_on_its_own_row_and_the_file_connected(pdf_bytes: bytes) -> None:
    rig = fortnox_rig()
    job = post(rig, "k-1", pdf_bytes)

    assert job.step is Step.POSTED
    stored = rig.fake.vouchers["A-1-2"]
    rows = {r["Account"]: (r["Debit"], r["Credit"]) for r in stored["VoucherRows"]}
    assert rows == {
        5410: (1000.0, 0.0),
        5460: (100.0, 0.0),
        2641: (262.0, 0.0),
        2440: (0.0, 1362.0),
    }
    assert rig.fake.attachments_of("voucher", "A-1-2") == 1
    assert validate_all(fortnox_spec(), rig.recorder.requests) == len(rig.recorder.requests)


def test_supplier_invoice_mode_books_on_the_supplier_with_ocr(pdf_bytes: bytes) -> None:
    rig = fortnox_rig(mode=FortnoxMode.SUPPLIER_INVOICE)
    first = post(rig, "k-1", pdf_bytes, number="1")
    second = post(rig, "k-2", pdf_bytes, number="2")

    assert first.step is second.step is Step.POSTED
    assert [s["Name"] for s in rig.fake.suppliers.values()] == ["Leverantör AB"]
    stored = rig.fake.invoices[first.external_id or ""]
    assert (stored["Total"], stored["VAT"], stored["OCR"]) == ("1362.00", "262.00", "4578")
    assert rig.fake.attachments_of("invoice", first.external_id or "") == 1
    assert validate_all(fortnox_spec(), rig.recorder.requests) == len(rig.recorder.requests)


def test_same_key_twice_gives_one_voucher_one_file(pdf_bytes: bytes) -> None:
    rig = fortnox_rig()
    post(rig, "k-1", pdf_bytes)
    post(rig, "k-1", pdf_bytes)
    assert (
        len(rig.fake.vouchers) == 1 and len(rig.fake.connections) == 1 and len(rig.fake.files) == 1
    )


def test_expired_access_token_is_refreshed_and_the_rotated_refresh_token_saved(
    pdf_bytes: bytes,
) -> None:
    rig = fortnox_rig()
    store = rig.connector.tokens.store
    before = store.load()
    rig.clock.sleep(3700)  # past the hour

    job = post(rig, "k-1", pdf_bytes)

    after = store.load()
    assert job.step is Step.POSTED
    assert after.refresh_token != before.refresh_token == "refresh-2"
    assert rig.fake.refresh_token == after.refresh_token


def test_client_stays_under_25_requests_per_5_seconds(pdf_bytes: bytes) -> None:
    rig = fortnox_rig()
    started = rig.clock.now
    for n in range(12):
        post(rig, f"k-{n}", pdf_bytes)
    calls = len(rig.recorder.requests)

    assert calls > 50
    assert rig.fake.quota.refused == 0
    assert rig.clock.now - started >= (calls // 25 - 1) * 5.0


def test_account_missing_from_the_chart_fails_with_fortnoxs_words(pdf_bytes: bytes) -> None:
    rig = fortnox_rig()
    invoice, _ = swedish_invoice(lines=[("100.00", "25", "9999")])
    voucher = build_voucher(invoice, [ApprovedPosting("9999", "SE25", Decimal("100.00"))], SE)
    job = advance(
        PostingJob("k", "fortnox"),
        rig.connector,
        voucher,
        AttachmentFile(pdf_bytes, "f.pdf", "application/pdf"),
        lambda j: None,
    )

    assert job.step is Step.FAILED
    assert job.last_error == "Fortnox: Kontot 9999 finns inte i kontoplanen. (Fortnox code 2000550)"


def test_authorization_url_carries_a_signed_expiring_state() -> None:
    keys = [b"k" * 32]
    started = OAuthState(company_id="company-7", user_id="user-1", nonce=new_nonce())
    state = make_state(keys, started)
    url = authorization_url(FORTNOX_APP, state)
    query = parse_qs(urlsplit(url).query)

    assert query["state"] == [state] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == [FORTNOX_APP.redirect_uri]
    assert read_state(keys, query["state"][0]) == started
    with pytest.raises(Forbidden, match="not started by Kontera"):
        read_state(keys, state[:-2] + ("AA" if not state.endswith("AA") else "BB"))
    with pytest.raises(Forbidden, match="not started by Kontera"):
        read_state([b"x" * 32], state)
    stale = make_state(keys, started, issued_at=int(time.time()) - 601)
    with pytest.raises(Forbidden, match="expired"):
        read_state(keys, stale)
    # After a key rotation the state signed with the old key is still accepted.
    assert read_state([b"k" * 32, b"n" * 32], state) == started


def test_euro_supplier_invoice_books_sek_rows_with_euro_totals(pdf_bytes: bytes) -> None:
    rig = fortnox_rig(mode=FortnoxMode.SUPPLIER_INVOICE)
    rig.connector.exchange_rate = lambda currency, day: Decimal("11.4025")
    invoice, approved = swedish_invoice()
    invoice.currency = "EUR"
    voucher = build_voucher(invoice, approved, SE)
    file = AttachmentFile(pdf_bytes, "faktura.pdf", "application/pdf")

    job = advance(PostingJob("eur", "fortnox"), rig.connector, voucher, file, lambda j: None)

    assert job.step is Step.POSTED, job.last_error
    stored = rig.fake.invoices[job.external_id or ""]
    assert (stored["Currency"], stored["Total"], stored["CurrencyRate"]) == (
        "EUR",
        "1362.00",
        "11.4025",
    )
    payable = next(r for r in stored["SupplierInvoiceRows"] if r["Account"] == 2440)
    assert payable["CreditCurrency"] == 1362.0
    assert payable["Credit"] == pytest.approx(1362 * 11.4025, abs=0.02)
    assert validate_all(fortnox_spec(), rig.recorder.requests) == len(rig.recorder.requests)


def test_a_second_worker_uses_the_rotated_tokens_instead_of_refreshing_again(
    pdf_bytes: bytes,
) -> None:
    """GIVEN two workers sharing one token store WHEN the hour is up and worker A refreshes
    THEN worker B picks up A's new tokens from the store; B's own refresh would have used a
    refresh token that rotation already killed."""
    rig = fortnox_rig()
    worker_b = fortnox_connector(rig)
    post(rig, "k-1", pdf_bytes)
    file = AttachmentFile(pdf_bytes, "f.pdf", "application/pdf")
    advance(
        PostingJob("k-2", "fortnox"),
        worker_b,
        build_voucher(*swedish_invoice("2"), SE),
        file,
        _drop,
    )
    rig.clock.sleep(3700)

    first = post(rig, "k-3", pdf_bytes, number="3")
    voucher = build_voucher(*swedish_invoice("4"), SE)
    second = advance(PostingJob("k-4", "fortnox"), worker_b, voucher, file, _drop)

    assert first.step is second.step is Step.POSTED
    token_calls = [r for r in rig.recorder.requests if r.url.path == "/oauth-v1/token"]
    assert len(token_calls) == 1


def test_an_invalid_authorization_code_asks_to_connect_again() -> None:
    rig = fortnox_rig()
    with pytest.raises(CredentialsRejected, match="connect the company again"):
        exchange_code(rig.connector.tokens.api, FORTNOX_APP, "forged-code")


def _drop(job: PostingJob) -> None:
    """Tests that look at the fake, not at the saved job state."""


def test_last_years_voucher_is_found_after_a_lost_answer(pdf_bytes: bytes) -> None:
    """GIVEN a December invoice posted in January, whose answer was lost after Fortnox booked
    it in last year's books WHEN the job runs THEN it finds that voucher: no second one."""
    rig = fortnox_rig()
    invoice, approved = swedish_invoice()
    invoice.issue_date = date(2025, 12, 20)
    voucher = build_voucher(invoice, approved, SE)
    booked = rig.connector.create_voucher(voucher, "k-dec")  # the answer that got lost

    job = advance(PostingJob("k-dec", "fortnox"), fortnox_connector(rig), voucher,
                  AttachmentFile(pdf_bytes, "f.pdf", "application/pdf"), _drop)  # fmt: skip

    assert job.step is Step.POSTED and job.external_id == booked == "A-1-1"
    assert list(rig.fake.vouchers) == ["A-1-1"]
    assert rig.fake.attachments_of("voucher", "A-1-1") == 1


def test_voucher_outside_every_financial_year_fails_in_words(pdf_bytes: bytes) -> None:
    rig = fortnox_rig()
    invoice, approved = swedish_invoice()
    invoice.issue_date = date(2023, 5, 1)
    file = AttachmentFile(pdf_bytes, "f.pdf", "application/pdf")

    job = advance(
        PostingJob("k", "fortnox"), rig.connector, build_voucher(invoice, approved, SE), file, _drop
    )

    assert job.step is Step.FAILED
    assert job.last_error == "Fortnox has no financial year for 2023-05-01; create it first."
