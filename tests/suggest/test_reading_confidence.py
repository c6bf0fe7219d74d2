"""What was read, as one probability: amounts that add up stand or fall together."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kontera.domain.fields import Source
from kontera.domain.invoice import Invoice
from kontera.suggest.voucher_confidence import reading_confidence
from kontera.suggest.voucher_confidence import totals_agree


def _scanned(net: str, vat: str, payable: str) -> Invoice:
    invoice = Invoice()
    for path, value, confidence in (
        ("invoice_number", "3653900", 0.93),
        ("issue_date", "2026-11-02", 0.98),
        ("totals.net", Decimal(net), 0.97),
        ("totals.vat", Decimal(vat), 0.95),
        ("totals.payable", Decimal(payable), 0.99),
    ):
        invoice.set_field(path, value, confidence=confidence, source=Source.OCR)
    return invoice


def test_totals_that_add_up_count_once_at_the_weakest_amount() -> None:
    """GIVEN a scan whose net 800 + VAT 200 is the 1000 to pay
    THEN the three amounts count once, at the VAT's 0.95, not 0.97 × 0.95 × 0.99."""
    invoice = _scanned("800.00", "200.00", "1000.00")
    assert totals_agree(invoice)
    assert reading_confidence(invoice) == pytest.approx(0.93 * 0.98 * 0.95)


def test_totals_that_do_not_add_up_count_one_by_one() -> None:
    """GIVEN a scan whose net and VAT do not make the amount to pay (one is misread)
    THEN each amount counts on its own, and the voucher is less sure."""
    invoice = _scanned("800.00", "200.00", "1080.00")
    assert not totals_agree(invoice)
    assert reading_confidence(invoice) == pytest.approx(0.93 * 0.98 * 0.97 * 0.95 * 0.99)


def test_a_missing_amount_is_no_agreement() -> None:
    invoice = _scanned("800.00", "200.00", "1000.00")
    del invoice.fields["totals.vat"]
    assert not totals_agree(invoice)
