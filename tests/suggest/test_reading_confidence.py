"""What was read, as one probability: amounts that add up stand or fall together."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kontera.domain.fields import Source
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Severity
from kontera.domain.invoice import note
from kontera.domain.messages import msg
from kontera.domain.suggestion import LineSuggestion
from kontera.domain.suggestion import Suggestion
from kontera.services.review.rules import review_reasons
from kontera.suggest.voucher_confidence import TrackRecord
from kontera.suggest.voucher_confidence import confirmed_fields
from kontera.suggest.voucher_confidence import contradicted_fields
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


NAME = "seller.name"


def test_a_name_people_approved_letter_for_letter_is_no_reason_for_review() -> None:
    """GIVEN a scan whose supplier name the reader is unsure of, and the supplier's last
    invoices approved with exactly that name THEN the doubt no longer sends it to review;
    a name read otherwise still does."""
    invoice = _scanned("800.00", "200.00", "1000.00")
    invoice.set_field("seller.name", "SYFT ONLINE LTD", confidence=0.6, source=Source.OCR)
    invoice.add_note(
        note(
            msg("Unsure of the supplier."), Severity.WARNING, "low_confidence", field="seller.name"
        )
    )
    line = LineSuggestion(0, "6702", "1", 0.99, vat_confidence=0.99)
    approved = TrackRecord(reviewed=3, unchanged=3, confirmed={"seller.name": "SYFT ONLINE LTD"})
    for track, held in ((approved, False), (TrackRecord(), True)):
        suggestion = Suggestion(lines=[line], model="t")
        suggestion.confirmed_fields = confirmed_fields(invoice, track)
        assert any("supplier" in str(r) for r in review_reasons(invoice, suggestion)) is held


@pytest.mark.parametrize(("gross", "held"), [("1000.00", False), ("1100.00", True)])
def test_an_unsure_total_that_is_the_net_plus_the_vat_is_no_reason_for_review(
    gross: str, held: bool
) -> None:
    """GIVEN net 800 + VAT 200 = 1000 to pay, read surely, and the total incl. VAT read unsure
    THEN a total of 1000 is settled by the three around it; one of 1100 still needs a look."""
    invoice = _scanned("800.00", "200.00", "1000.00")
    invoice.set_field("totals.gross", Decimal(gross), confidence=0.7, source=Source.OCR)
    suggestion = Suggestion(lines=[LineSuggestion(0, "6702", "1", 0.99)], model="t")
    reasons = " ".join(str(r) for r in review_reasons(invoice, suggestion))
    assert ("Total incl. VAT" in reasons) is held


ORG = "seller.org_number"


def _with_org(read: str, confidence: float = 0.97) -> Invoice:
    invoice = _scanned("800.00", "200.00", "1000.00")
    invoice.set_field(ORG, read, confidence=confidence, source=Source.OCR)
    return invoice


def _reasons(invoice: Invoice, track: TrackRecord) -> str:
    suggestion = Suggestion(lines=[LineSuggestion(0, "6702", "1", 0.99)], model="t")
    suggestion.confirmed_fields = confirmed_fields(invoice, track)
    suggestion.contradicted_fields = contradicted_fields(invoice, track)
    return " ".join(str(r) for r in review_reasons(invoice, suggestion))


def test_an_org_number_read_otherwise_than_people_approved_is_held_and_named() -> None:
    """GIVEN a supplier whose last invoices were approved with org.nr 976967631
    WHEN a scan of its next invoice is read, surely, as 976967637 (a misread digit)
    THEN the voucher is at most even odds (never posts itself), and the review says what
    was read and what people approved; read as approved, it is confirmed instead."""
    track = TrackRecord(reviewed=3, unchanged=3, confirmed={ORG: "976967631"})
    misread, right = _with_org("976967637"), _with_org("976967631")
    assert contradicted_fields(misread, track) == {ORG: "976967631"}
    assert reading_confidence(misread, track) <= 0.5
    assert reading_confidence(right, track) > 0.85
    assert "976967637" in _reasons(misread, track) and "976967631" in _reasons(misread, track)
    assert "976967631" not in _reasons(right, track)


def test_without_approved_values_nothing_is_contradicted() -> None:
    """A supplier nobody has approved yet has no values to contradict: the reader's own
    confidence stands."""
    invoice = _with_org("976967637")
    assert contradicted_fields(invoice, TrackRecord()) == {}
    assert reading_confidence(invoice) == pytest.approx(0.93 * 0.98 * 0.95 * 0.97)


def test_a_changed_bank_account_lowers_the_voucher_but_is_named_by_its_own_warning() -> None:
    """A bank account other than the approved one caps the voucher at even odds; the review
    reason is the bank-account warning the matcher writes, not a second one here."""
    invoice = _scanned("800.00", "200.00", "1000.00")
    invoice.set_field("payment.bank_account", "15030212344", confidence=0.99, source=Source.OCR)
    track = TrackRecord(reviewed=3, unchanged=3, confirmed={"payment.bank_account": "86011117947"})
    assert reading_confidence(invoice, track) <= 0.5
    assert "86011117947" not in _reasons(invoice, track)


def test_an_identifier_written_with_spaces_is_the_value_people_approved() -> None:
    """An EHF's "NO976967631MVA" approved, a PDF's "NO 976 967 631 MVA" read: one VAT id,
    confirmed, not contradicted."""
    invoice = _scanned("800.00", "200.00", "1000.00")
    invoice.set_field("seller.vat_id", "NO 976 967 631 MVA", confidence=0.9, source=Source.OCR)
    track = TrackRecord(reviewed=3, unchanged=3, confirmed={"seller.vat_id": "NO976967631MVA"})
    assert confirmed_fields(invoice, track) == ["seller.vat_id"]
    assert contradicted_fields(invoice, track) == {}


def test_a_currency_other_than_the_supplier_s_usual_one_is_held_and_named() -> None:
    """GIVEN a supplier whose last invoices people approved in NOK WHEN one is read as EUR
    (a misread "Tot." line, or a supplier that changed) THEN it waits for a person, who is
    told both currencies."""
    invoice = _scanned("800.00", "200.00", "1000.00")
    invoice.set_field("currency", "EUR", confidence=0.96, source=Source.OCR)
    track = TrackRecord(reviewed=3, unchanged=3, confirmed={"currency": "NOK"})
    assert reading_confidence(invoice, track) <= 0.5
    reasons = _reasons(invoice, track)
    assert "EUR" in reasons and "NOK" in reasons
