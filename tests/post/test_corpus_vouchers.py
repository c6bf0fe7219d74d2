"""Every corpus e-invoice makes a proposed voucher that balances to the cent against BT-115.

The proposal is what Kontera suggests: one posting per invoice line at its net amount, with
the VAT code the line's category and rate call for (`kontera.domain.vat_rules`); allowances,
charges, prepaid amounts and rounding are the builder's to add.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kontera.domain.vat_rules import no_vat_code
from kontera.domain.vat_rules import rule_for_invoice_line
from kontera.interpret.registry import interpret_bytes
from kontera.post.voucher_builder import ApprovedPosting
from kontera.post.voucher_builder import VoucherOptions
from kontera.post.voucher_builder import build_voucher
from tests.interpret.test_einvoice_corpus import ACCEPTANCE_GLOBS
from tests.interpret.test_einvoice_corpus import CORPUS


def corpus_einvoices() -> list[Path]:
    return sorted(p for pattern in ACCEPTANCE_GLOBS for p in CORPUS.glob(pattern) if p.is_file())


@pytest.mark.parametrize("path", corpus_einvoices(), ids=lambda p: p.name)
def test_the_proposed_voucher_balances_against_the_payable_amount(path: Path) -> None:
    invoice = interpret_bytes(path.read_bytes()).invoice
    home = "SE" if (invoice.buyer.country or "").upper() == "SE" else "NO"
    proposed = [
        ApprovedPosting(
            "6300",
            rule_for_invoice_line(invoice, index, home).code or no_vat_code(home),
            line.net or Decimal(0),
            line_index=index,
        )
        for index, line in enumerate(invoice.lines)
    ]
    voucher = build_voucher(invoice, proposed, VoucherOptions.for_country(home))
    payable = next(p for p in voucher.postings if p.is_payable)
    assert invoice.totals.payable is not None
    assert -payable.amount == invoice.totals.payable
    assert voucher.balance() == 0


def test_the_official_norwegian_example_books_allowance_charge_prepaid_and_rounding() -> None:
    path = CORPUS / "ehf/ehf-g3/docs/billing-3.0/norway/files/ehf-2-faktura-1.xml"
    if not path.exists():
        pytest.skip("corpus absent")
    invoice = interpret_bytes(path.read_bytes()).invoice
    proposed = [
        ApprovedPosting("6300", rule_for_invoice_line(invoice, i, "NO").code, line.net or 0)
        for i, line in enumerate(invoice.lines)
    ]
    voucher = build_voucher(invoice, proposed)
    words = {p.description for p in voucher.postings}
    accounts = {p.account: p.amount for p in voucher.postings}
    assert accounts["1749"] == Decimal("-1000.00")  # prepaid (BT-113)
    assert accounts["7790"] != 0  # rounding (BT-114)
    assert len(voucher.postings) == len(proposed) + 2 + 2 + 1, words  # allowance, charge
