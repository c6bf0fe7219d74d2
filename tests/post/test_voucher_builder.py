"""The voucher builder: balanced vouchers with the document's VAT, signs and rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kontera.domain.errors import InvalidInput
from kontera.domain.money import ZERO
from kontera.post.rows import base_currency_amounts
from kontera.post.rows import explicit_vat_rows
from kontera.post.voucher_builder import ApprovedPosting
from kontera.post.voucher_builder import VoucherOptions
from kontera.post.voucher_builder import build_voucher
from tests.post.conftest import make_invoice


def test_invoice_becomes_cost_lines_and_a_payable_line() -> None:
    """GIVEN an invoice with 25 % and 15 % lines WHEN built THEN gross cost lines, VAT per
    rate as the document says, and the supplier credited with the total, KID and due date."""
    invoice, approved = make_invoice([("1000.00", "25", "6300"), ("200.00", "15", "4000")])
    voucher = build_voucher(invoice, approved)

    cost, payable = voucher.postings[:-1], voucher.postings[-1]
    assert [p.amount for p in cost] == [Decimal("1250.00"), Decimal("230.00")]
    assert [p.vat_code for p in cost] == ["1", "11"]
    assert payable.is_payable and payable.account == "2400"
    assert payable.amount == -invoice.totals.payable
    assert (payable.kid, payable.due_date) == (invoice.payment.kid, invoice.due_date)
    assert payable.supplier_ref == invoice.seller.org_number
    assert voucher.balance() == ZERO


def test_credit_note_is_the_mirror_image() -> None:
    lines = [("999.99", "25", "6300"), ("0.05", "12", "4000")]
    invoice, approved = make_invoice(lines)
    credit, credit_approved = make_invoice(lines, credit=True)

    forward = build_voucher(invoice, approved)
    mirrored = build_voucher(credit, credit_approved)

    assert [p.amount for p in mirrored.postings] == [-p.amount for p in forward.postings]
    assert mirrored.postings[-1].amount > 0  # the supplier owes us: debit
    assert mirrored.description.startswith("Kreditnota")


def test_per_line_vat_rounding_yields_to_the_documents_vat() -> None:
    """Three lines of 0.10 at 25 %: per line 0.03 each (0.09), the document says 0.08."""
    invoice, approved = make_invoice([("0.10", "25", "6800")] * 3)
    assert invoice.totals.vat == Decimal("0.08")

    voucher = build_voucher(invoice, approved)

    assert sum((p.vat_amount or ZERO for p in voucher.postings), ZERO) == Decimal("0.08")
    assert voucher.postings[-1].amount == -invoice.totals.payable


def test_document_rounding_goes_to_the_rounding_account() -> None:
    invoice, approved = make_invoice([("99.80", "25", "5410")], currency="SEK", rounding="0.25")
    voucher = build_voucher(invoice, approved, VoucherOptions.for_country("SE"))

    rounding = [p for p in voucher.postings if p.account == "3740"]
    assert [p.amount for p in rounding] == [Decimal("0.25")]
    assert voucher.postings[-1].account == "2440"
    assert voucher.postings[-1].amount == Decimal("-125.00")


def test_postings_that_do_not_cover_the_invoice_are_refused_in_words() -> None:
    invoice, approved = make_invoice([("1000.00", "25", "6300"), ("500.00", "25", "6300")])
    with pytest.raises(InvalidInput, match=r"invoice total is 1875\.00"):
        build_voucher(invoice, approved[:1])


def test_unknown_vat_code_is_refused() -> None:
    invoice, _ = make_invoice([("100.00", "25", "6300")])
    with pytest.raises(InvalidInput, match="VAT code 'X9'"):
        build_voucher(invoice, [ApprovedPosting("6300", "X9", Decimal("100.00"))])


def test_explicit_vat_rows_split_gross_into_net_and_vat_accounts() -> None:
    invoice, approved = make_invoice(
        [("1000.00", "25", "5410"), ("100.00", "12", "5460")], currency="SEK"
    )
    approved = [ApprovedPosting(p.account, "SE" + {"1": "25", "13": "12"}[p.vat_code or ""],
                                p.amount) for p in approved]  # fmt: skip
    voucher = build_voucher(invoice, approved, VoucherOptions.for_country("SE"))

    rows = {r.account: r.amount for r in explicit_vat_rows(voucher)}

    assert rows == {
        "5410": Decimal("1000.00"),
        "5460": Decimal("100.00"),
        "2641": Decimal("262.00"),
        "2440": Decimal("-1362.00"),
    }


def test_reverse_charge_adds_computed_input_and_output_vat() -> None:
    invoice, _ = make_invoice([("1000.00", "0", "6540")], currency="SEK")
    approved = [ApprovedPosting("6540", "SERC25", Decimal("1000.00"))]
    voucher = build_voucher(invoice, approved, VoucherOptions.for_country("SE"))

    rows = {r.account: r.amount for r in explicit_vat_rows(voucher)}

    assert voucher.postings[-1].amount == Decimal("-1000.00")  # supplier gets the net
    assert rows["2645"] == Decimal("250.00") and rows["2614"] == Decimal("-250.00")


def test_base_currency_amounts_balance_after_rounding() -> None:
    invoice, approved = make_invoice([("33.33", "25", "6300")] * 3, currency="EUR")
    voucher = build_voucher(invoice, approved)

    amounts = base_currency_amounts(voucher, Decimal("11.7513"))

    assert sum(amounts, ZERO) == ZERO
    assert all(a == a.quantize(Decimal("0.01")) for a in amounts)
