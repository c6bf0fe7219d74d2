"""Real Peppol BIS 3 / EHF examples from the corpus, interpreted by Kontera, then posted."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from kontera.domain.invoice import DocumentType
from kontera.domain.invoice import Invoice
from kontera.domain.money import ZERO
from kontera.interpret.registry import interpret_bytes
from kontera.post.connector import AttachmentFile
from kontera.post.job import PostingJob
from kontera.post.job import Step
from kontera.post.job import advance
from kontera.post.job import retry_failed
from kontera.post.tripletex import TripletexConnector
from kontera.post.tripletex import TripletexCredentials
from kontera.post.voucher_builder import ApprovedPosting
from kontera.post.voucher_builder import build_voucher
from tests.post.conftest import render_pdf
from tests.post.contract import tripletex_spec
from tests.post.contract import validate_all
from tests.post.harness import TRIPLETEX_URL
from tests.post.harness import retry_policy
from tests.post.harness import tripletex_rig

BIS3 = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "ehf" / "peppol-bis3"
EXAMPLES = ["Allowance-example.xml", "Vat-category-S.xml", "base-creditnote-correction.xml",
            "base-example.xml", "base-negative-inv-correction.xml", "vat-category-E.xml",
            "vat-category-O.xml", "vat-category-Z.xml"]  # fmt: skip
NORWEGIAN = "national-examples/NO/Norwegian-example-1.xml"
CODES = {Decimal("25"): "1", Decimal("15"): "11", Decimal("12"): "13"}


def read(name: str) -> tuple[Invoice, bytes | None]:
    path = BIS3 / ("examples/" + name if "/" not in name else name)
    if not path.exists():
        pytest.skip("the shared corpus is not available")
    result = interpret_bytes(path.read_bytes())
    return result.invoice, result.rendering


def approve_as_interpreted(invoice: Invoice) -> list[ApprovedPosting]:
    """What a bookkeeper approves: every line and document allowance/charge on 6300."""
    postings = [
        ApprovedPosting(
            "6300", CODES.get(line.vat_rate or ZERO, "0"), line.net or ZERO, line.description
        )
        for line in invoice.lines
    ]
    for ac in invoice.allowances_charges:
        amount = ac.amount if ac.is_charge else -ac.amount
        postings.append(
            ApprovedPosting("6300", CODES.get(ac.vat_rate or ZERO, "0"), amount, ac.reason)
        )
    return postings


@pytest.mark.parametrize("name", [*EXAMPLES, NORWEGIAN])
def test_every_example_builds_a_balanced_voucher_owing_the_document_total(name: str) -> None:
    invoice, _ = read(name)
    voucher = build_voucher(invoice, approve_as_interpreted(invoice))

    payable = voucher.postings[-1]
    # What is still owed (BT-115); a prepaid amount (BT-113) is a posting of its own.
    assert invoice.totals.payable is not None
    assert voucher.balance() == ZERO
    assert payable.amount == -invoice.totals.payable
    assert sum((p.vat_amount or ZERO for p in voucher.postings), ZERO) == invoice.totals.vat
    if invoice.document_type is DocumentType.CREDIT_NOTE:
        assert payable.amount > 0  # the supplier owes us


def test_norwegian_ehf_is_posted_to_tripletex_with_its_rendering() -> None:
    invoice, rendering = read(NORWEGIAN)
    assert rendering is not None
    rig = tripletex_rig()
    voucher = build_voucher(invoice, approve_as_interpreted(invoice))
    file = AttachmentFile(rendering, "ehf.pdf", "application/pdf")

    job = advance(PostingJob("ehf-no-1", "tripletex"), rig.connector, voucher, file, lambda j: None)

    assert job.step is Step.POSTED, job.last_error
    stored = rig.fake.vouchers[int(job.external_id or 0)]
    # 1801.78 + 0.22 rounding − 1000 prepaid (its own posting on 1749): still owed 802
    assert stored["postings"][-1]["amountGross"] == -802.0
    assert [p["row"] for p in stored["postings"]] == list(range(1, len(stored["postings"]) + 1))
    assert rig.fake.attachments[int(job.external_id or 0)] == [rendering]
    assert validate_all(tripletex_spec(), rig.recorder.requests) == len(rig.recorder.requests)


def test_refused_attachment_fails_readably_then_a_retry_attaches_without_a_second_voucher() -> None:
    """GIVEN the EHF XML itself as the attachment (Tripletex takes PDF/PNG/JPEG/TIFF only)
    WHEN posted THEN the voucher is created and the attachment refused in Tripletex's words;
    AND after a person supplies a PDF, a retry attaches it to the same voucher."""
    invoice, _ = read(NORWEGIAN)
    xml = (BIS3 / NORWEGIAN).read_bytes()
    rig = tripletex_rig()
    voucher = build_voucher(invoice, approve_as_interpreted(invoice))
    job = PostingJob("ehf-no-1", "tripletex")

    advance(
        job,
        rig.connector,
        voucher,
        AttachmentFile(xml, "ehf.xml", "application/xml"),
        lambda j: None,
    )

    assert job.step is Step.FAILED
    assert job.last_error == (
        "Tripletex: Validering feilet.; "
        "file: Ugyldig filformat. Gyldige formater er PDF, PNG, JPEG og TIFF."
    )
    pdf = render_pdf("Faktura 1 Salescompany ltd.")
    advance(
        retry_failed(job),
        rig.connector,
        voucher,
        AttachmentFile(pdf, "ehf.pdf", "application/pdf"),
        lambda j: None,
    )

    assert job.step is Step.POSTED  # type: ignore[comparison-overlap]  # advance moved it on
    assert len(rig.fake.vouchers) == 1
    assert rig.fake.attachments[int(job.external_id or 0)] == [pdf]


def test_euro_invoice_is_posted_in_nok_and_eur() -> None:
    invoice, _ = read("Vat-category-S.xml")
    rig = tripletex_rig()
    fake = rig.fake
    connector = TripletexConnector(
        rig.client,
        TripletexCredentials(fake.consumer_token, fake.employee_token, base_url=TRIPLETEX_URL),
        retry=retry_policy(rig.clock),
        exchange_rate=lambda currency, day: Decimal("11.7513") if currency == "EUR" else Decimal(1),
    )
    voucher = build_voucher(invoice, approve_as_interpreted(invoice))
    file = AttachmentFile(render_pdf("EUR"), "eur.pdf", "application/pdf")

    job = advance(PostingJob("eur-1", "tripletex"), connector, voucher, file, lambda j: None)

    assert job.step is Step.POSTED, job.last_error
    postings = fake.vouchers[int(job.external_id or 0)]["postings"]
    assert postings[-1]["amountGrossCurrency"] == -8550.0
    assert postings[-1]["amountGross"] == pytest.approx(-8550 * 11.7513, abs=0.05)
    assert all(p["currency"]["id"] == fake.currency_ids["EUR"] for p in postings)
    # The spec marks Currency read-only, yet a foreign-currency posting must name it: that
    # request alone strays from the spec, and only because of that field.
    is_voucher_post = lambda r: r.method == "POST" and r.url.path == "/v2/ledger/voucher"  # noqa: E731
    others = [r for r in rig.recorder.requests if not is_voucher_post(r)]
    assert validate_all(tripletex_spec(), others) == len(others)
    with pytest.raises(AssertionError, match=re.escape("read-only property with {'id': 3}")):
        validate_all(tripletex_spec(), [r for r in rig.recorder.requests if is_voucher_post(r)])
    assert voucher.date == invoice.issue_date != date.today()
