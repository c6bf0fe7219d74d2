"""Tripletex: posting into a fake that enforces Tripletex's rules, checked against its spec."""

from __future__ import annotations

import base64
import logging
import random
from decimal import Decimal

import pytest

from kontera.domain.errors import PermanentError
from kontera.post.connector import AttachmentFile
from kontera.post.http import CallRecord
from kontera.post.job import PostingJob
from kontera.post.job import Step
from kontera.post.job import advance
from kontera.post.tripletex import TripletexConnector
from kontera.post.tripletex import TripletexCredentials
from kontera.post.voucher_builder import ApprovedPosting
from kontera.post.voucher_builder import build_voucher
from tests.fakes.common import Quota
from tests.fakes.transport import Faults
from tests.fakes.tripletex import FakeTripletex
from tests.post.conftest import make_invoice
from tests.post.contract import tripletex_spec
from tests.post.contract import validate_all
from tests.post.harness import TRIPLETEX_URL
from tests.post.harness import retry_policy
from tests.post.harness import tripletex_rig


def post_one(rig, invoice, approved, pdf: bytes, key: str = "k-1") -> PostingJob:  # type: ignore[no-untyped-def]
    job = PostingJob(key, "tripletex")
    voucher = build_voucher(invoice, approved)
    return advance(
        job,
        rig.connector,
        voucher,
        AttachmentFile(pdf, "faktura.pdf", "application/pdf"),
        lambda j: None,
    )


def test_invoice_is_posted_with_its_attachment_and_every_request_matches_the_spec(
    pdf_bytes: bytes,
) -> None:
    rig = tripletex_rig()
    invoice, approved = make_invoice([("1000.00", "25", "6300"), ("80.00", "15", "4000")])

    job = post_one(rig, invoice, approved, pdf_bytes)

    assert job.step is Step.POSTED
    voucher_id = int(job.external_id or 0)
    stored = rig.fake.vouchers[voucher_id]
    assert stored["externalVoucherNumber"] == "k-1"
    assert [p["row"] for p in stored["postings"]] == [1, 2, 3]
    assert stored["postings"][-1]["supplier"]["id"] in rig.fake.suppliers
    assert rig.fake.attachments[voucher_id] == [pdf_bytes]
    assert validate_all(tripletex_spec(), rig.recorder.requests) == len(rig.recorder.requests)


def test_session_uses_basic_auth_with_company_zero(pdf_bytes: bytes) -> None:
    rig = tripletex_rig()
    invoice, approved = make_invoice([("10.00", "25", "6300")])
    post_one(rig, invoice, approved, pdf_bytes)

    voucher_post = next(r for r in rig.recorder.requests if r.url.path == "/v2/ledger/voucher")
    user, _, token = (
        base64.b64decode(voucher_post.headers["authorization"][6:]).decode().partition(":")
    )
    assert user == "0" and token in rig.fake.sessions


def test_known_supplier_is_reused_not_created_again(pdf_bytes: bytes) -> None:
    rig = tripletex_rig()
    for n in range(3):
        invoice, approved = make_invoice([("10.00", "25", "6300")], number=str(n))
        post_one(rig, invoice, approved, pdf_bytes, key=f"k-{n}")
    assert [s["name"] for s in rig.fake.suppliers.values()] == ["Leverandør AS"]
    assert len(rig.fake.vouchers) == 3


def test_posting_again_with_the_same_key_finds_the_first_voucher(pdf_bytes: bytes) -> None:
    rig = tripletex_rig()
    invoice, approved = make_invoice([("10.00", "25", "6300")])
    first = post_one(rig, invoice, approved, pdf_bytes)
    again = post_one(rig, invoice, approved, pdf_bytes)
    assert again.external_id == first.external_id
    assert (
        len(rig.fake.vouchers) == 1 and len(rig.fake.attachments[int(first.external_id or 0)]) == 1
    )


def test_vat_code_not_valid_for_the_account_fails_with_tripletexs_words(pdf_bytes: bytes) -> None:
    """GIVEN input VAT on a bank account WHEN posted THEN the job fails with a readable reason."""
    rig = tripletex_rig()
    invoice, _ = make_invoice([("100.00", "25", "1920")])
    approved = [ApprovedPosting("1920", "1", Decimal("100.00"))]

    job = post_one(rig, invoice, approved, pdf_bytes)

    assert job.step is Step.FAILED
    assert job.last_error == (
        "Tripletex: Validering feilet.; "
        "postings.vatType: Mva-koden 1 er ikke gyldig for konto 1920."
    )
    assert rig.fake.vouchers == {}


def test_unknown_account_is_a_permanent_error() -> None:
    rig = tripletex_rig()
    invoice, _ = make_invoice([("100.00", "25", "6999")])
    voucher = build_voucher(invoice, [ApprovedPosting("6999", "1", Decimal("100.00"))])
    with pytest.raises(PermanentError, match="Tripletex has no account 6999"):
        rig.connector.create_voucher(voucher, "k")


def test_unsupported_attachment_format_is_refused(pdf_bytes: bytes) -> None:
    rig = tripletex_rig()
    invoice, approved = make_invoice([("10.00", "25", "6300")])
    job = PostingJob("k", "tripletex")
    voucher = build_voucher(invoice, approved)
    file = AttachmentFile(b"<Invoice/>", "faktura.xml", "application/xml")

    advance(job, rig.connector, voucher, file, lambda j: None)

    assert job.step is Step.FAILED and "Ugyldig filformat" in (job.last_error or "")
    assert job.external_id is not None  # the voucher stays; a retry only attaches


def test_quota_headers_make_the_client_wait_before_a_429(pdf_bytes: bytes) -> None:
    """GIVEN a quota of 3 calls per 10 s, announced in X-Rate-Limit-* on every answer
    WHEN an invoice is posted (about 9 calls) THEN the client pauses when told 0 remain
    and never runs into a 429."""
    fake = FakeTripletex(quota=Quota(calls=3, period=10.0))
    rig = tripletex_rig(fake=fake)
    started = rig.clock.now
    invoice, approved = make_invoice([("10.00", "25", "6300")])

    job = post_one(rig, invoice, approved, pdf_bytes)

    assert job.step is Step.POSTED
    assert fake.quota.refused == 0
    assert rig.clock.now - started >= 20.0  # at least two full windows waited


def test_a_429_is_waited_out_for_as_long_as_the_server_says(pdf_bytes: bytes) -> None:
    rig = tripletex_rig()
    invoice, approved = make_invoice([("10.00", "25", "6300")])
    post_one(rig, invoice, approved, pdf_bytes, key="warm-up")  # session and ids cached
    rig.fake.quota = Quota(calls=1, period=30.0, clock=rig.clock)
    rig.fake.quota.take()  # someone else just spent the quota
    started = rig.clock.now

    job = post_one(rig, invoice, approved, pdf_bytes, key="k-2")

    assert job.step is Step.POSTED
    assert rig.fake.quota.refused >= 1
    assert rig.clock.now - started >= 30.0


def test_bureau_user_authenticates_as_the_client_company(pdf_bytes: bytes) -> None:
    rig = tripletex_rig()
    fake = rig.fake
    rig.connector = TripletexConnector(
        rig.client,
        TripletexCredentials(
            fake.consumer_token, fake.employee_token, company_id=4242, base_url=TRIPLETEX_URL
        ),
        retry=retry_policy(rig.clock),
    )
    invoice, approved = make_invoice([("10.00", "25", "6300")])
    post_one(rig, invoice, approved, pdf_bytes)

    voucher_post = next(r for r in rig.recorder.requests if r.url.path == "/v2/ledger/voucher")
    assert base64.b64decode(voucher_post.headers["authorization"][6:]).decode().startswith("4242:")


def test_tokens_never_reach_the_log(pdf_bytes: bytes, caplog: pytest.LogCaptureFixture) -> None:
    rig = tripletex_rig()
    invoice, approved = make_invoice([("10.00", "25", "6300")])
    with caplog.at_level(logging.INFO, logger="kontera.post.http"):
        post_one(rig, invoice, approved, pdf_bytes)
    text = caplog.text
    assert "PUT https://tripletex.no/v2/token/session/:create" in text
    assert "POST https://tripletex.no/v2/ledger/voucher" in text
    for secret in (rig.fake.consumer_token, rig.fake.employee_token, *rig.fake.sessions):
        assert secret not in text


def test_a_voucher_in_a_currency_without_rate_fails_the_job_in_words(pdf_bytes: bytes) -> None:
    invoice, approved = make_invoice([("10.00", "25", "6300")], currency="USD")
    job = post_one(tripletex_rig(), invoice, approved, pdf_bytes)
    assert job.step is Step.FAILED
    assert job.last_error == "The invoice is in USD; no exchange rate to NOK is configured."


def test_every_outbound_call_reaches_the_observer_masked(pdf_bytes: bytes) -> None:
    """The audit trail's hook: one record per HTTP attempt, retries included, no secrets."""
    rig = tripletex_rig(faults=Faults(rate=0.3, rng=random.Random(4)))
    records: list[CallRecord] = []
    rig.connector.api.observer = records.append
    invoice, approved = make_invoice([("10.00", "25", "6300")])

    for n in range(5):
        post_one(rig, invoice, approved, pdf_bytes, key=f"k-{n}")

    assert len(records) == len(rig.recorder.requests) > 0
    assert {r.outcome for r in records} >= {"200", "201"}
    assert any(not r.outcome.isdigit() or r.outcome.startswith("5") for r in records)
    assert not any(rig.fake.employee_token in r.url for r in records)
