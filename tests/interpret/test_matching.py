"""Supplier matching (VAT id/org.nr, then account, then name) and duplicate detection."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from kontera.domain.invoice import DocumentType
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Party
from kontera.domain.invoice import Payment
from kontera.domain.invoice import References
from kontera.domain.invoice import Severity
from kontera.domain.invoice import Totals
from kontera.interpret.matching import KnownSupplier
from kontera.interpret.matching import SeenInvoice
from kontera.interpret.matching import find_credited_invoice
from kontera.interpret.matching import find_duplicate
from kontera.interpret.matching import match_supplier
from kontera.interpret.matching import supplier_key

FJORD = KnownSupplier(
    "s1", "Fjord Kontor AS", org_number="923609016", bank_accounts=("86011117947",)
)
GOTA = KnownSupplier(
    "s2", "Göta Kontorsvaror AB", vat_id="SE556707049401", bank_accounts=("7228-3039",)
)
KNOWN = [FJORD, GOTA]


def _invoice(**seller: str) -> Invoice:
    return Invoice(seller=Party(**seller))  # type: ignore[arg-type]


def test_vat_id_finds_the_supplier_even_when_the_name_differs() -> None:
    invoice = _invoice(name="Fjord AS avd. Bergen", vat_id="NO 923 609 016 MVA")
    match = match_supplier(invoice, KNOWN)
    assert match is not None
    assert (match.supplier.supplier_id, match.method) == ("s1", "org_number")


def test_bank_account_finds_the_supplier_without_ids() -> None:
    invoice = _invoice(name="Ukjent")
    invoice.payment = Payment(iban="NO9386011117947")
    match = match_supplier(invoice, KNOWN)
    assert match is not None
    assert (match.supplier.supplier_id, match.method) == ("s1", "bank_account")


def test_fuzzy_name_survives_an_ocr_slip() -> None:
    match = match_supplier(_invoice(name="Gota Kontorsvaror AB"), KNOWN)
    assert match is not None
    assert (match.supplier.supplier_id, match.method) == ("s2", "name")


def test_unrelated_name_matches_nothing() -> None:
    assert match_supplier(_invoice(name="Hamar Elektro AS"), KNOWN) is None


def test_known_supplier_with_a_new_bank_account_is_a_loud_warning() -> None:
    """GIVEN a supplier known by org.nr WHEN the invoice asks for payment to another account
    THEN the match carries a WARNING 'bank_account_changed' naming the new account."""
    invoice = _invoice(org_number="923609016")
    invoice.payment = Payment(bank_account="15036283753")
    match = match_supplier(invoice, KNOWN)
    assert match is not None
    (note,) = match.notes
    assert (note.code, note.severity) == ("bank_account_changed", Severity.WARNING)
    assert "15036283753" in note.message


def test_the_usual_account_raises_no_warning() -> None:
    invoice = _invoice(org_number="923609016")
    invoice.payment = Payment(bank_account="8601.11.17947")
    match = match_supplier(invoice, KNOWN)
    assert match is not None and match.notes == ()


def _received(number: str | None, gross: str, kid: str | None = None) -> Invoice:
    invoice = _invoice(org_number="923609016")
    invoice.invoice_number = number
    invoice.issue_date = date(2025, 3, 1)
    invoice.totals = Totals(gross=Decimal(gross), payable=Decimal(gross))
    invoice.payment = Payment(kid=kid)
    return invoice


FJORD_KEY = supplier_key(_invoice(vat_id="NO923609016MVA"))
SEEN = [
    SeenInvoice(
        "doc-ehf", FJORD_KEY, "2025-117", Decimal("1250.00"), date(2025, 3, 1), kid="4518197"
    ),
    SeenInvoice("doc-other", FJORD_KEY, "2025-118", Decimal("99.00"), date(2025, 3, 2)),
]


def test_same_supplier_and_number_is_a_duplicate_across_formats() -> None:
    """The EHF arrived first; the mailed PDF of the same invoice is its duplicate."""
    match = find_duplicate(_received("2025-117", "1250.00"), SEEN)
    assert match is not None
    assert match.document_id == "doc-ehf"
    assert "invoice_number" in match.evidence and "amount" in match.evidence


def test_misread_number_is_still_a_duplicate_on_amount_date_and_kid() -> None:
    match = find_duplicate(_received("2025-1l7", "1250.00", kid="4518197"), SEEN)
    assert match is not None
    assert match.document_id == "doc-ehf"
    assert set(match.evidence) == {"amount", "issue_date", "kid"}


def test_same_amount_and_date_alone_is_not_a_duplicate() -> None:
    assert find_duplicate(_received("2025-200", "1250.00"), SEEN) is None


def test_credit_note_is_linked_to_the_invoice_it_credits() -> None:
    credit = _received("K-9", "-1250.00")
    credit.document_type = DocumentType.CREDIT_NOTE
    credit.references = References(preceding_invoices=["2025-117"])
    assert find_credited_invoice(credit, SEEN) == "doc-ehf"
    assert supplier_key(credit) == FJORD_KEY
