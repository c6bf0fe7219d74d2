"""A doubtful supplier name is no reason for review once the supplier is found by its number."""

from __future__ import annotations

import pytest

from kontera.domain.fields import Source
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Severity
from kontera.domain.invoice import note
from kontera.domain.messages import msg
from kontera.domain.suggestion import LineSuggestion
from kontera.domain.suggestion import Suggestion
from kontera.interpret.matching import KnownSupplier
from kontera.interpret.matching import match_supplier
from kontera.interpret.name_doubt import settle_name_doubt
from kontera.services.review.rules import review_reasons

SYFT = KnownSupplier("s1", "SYFT ONLINE LTD T/A INDEED FLEX", org_number="976967631")


def _scanned(name: str, org_number: str | None) -> Invoice:
    """A scan whose supplier name the reader was unsure of, as the reader leaves it."""
    invoice = Invoice()
    invoice.set_field("seller.name", name, confidence=0.6, source=Source.OCR)
    if org_number:
        invoice.set_field("seller.org_number", org_number, confidence=0.97, source=Source.OCR)
    invoice.add_note(
        note(
            msg("Unsure of the field “Supplier” ({value}): please check it.", value=name),
            Severity.WARNING,
            "low_confidence",
            field="seller.name",
        )
    )
    return invoice


def _held_for_the_name(invoice: Invoice) -> bool:
    suggestion = Suggestion(lines=[LineSuggestion(0, "6702", "1", 0.99)], model="t")
    return any("Supplier" in str(reason) for reason in review_reasons(invoice, suggestion))


@pytest.mark.parametrize(
    ("read", "settled"),
    [
        ("SYFT ONLINE LTD T/A INDEED FLEX", True),
        ("SYFT 0NLINE LTD T/A INDEED FLFX", True),  # OCR slips in a name it is
        ("NORDIC FACTORING AS", False),  # another company's name beside the number
    ],
)
def test_a_name_doubt_is_settled_by_the_org_number_when_the_name_is_that_supplier_s(
    read: str, settled: bool
) -> None:
    """GIVEN a scan whose org.nr is a supplier's in the books and whose name the reader doubts
    THEN the doubt becomes information when the name is that supplier's, and stays a reason
    for review when it is another company's."""
    invoice = _scanned(read, "976967631")
    match = match_supplier(invoice, [SYFT])
    assert match is not None and match.method == "org_number"
    assert _held_for_the_name(invoice)

    assert settle_name_doubt(invoice, match) is settled

    assert _held_for_the_name(invoice) is not settled
    recognised = [n for n in invoice.notes if n.code == "supplier_recognised"]
    assert len(recognised) == int(settled)
    assert all(n.severity is Severity.INFO and SYFT.name in n.message for n in recognised)


def test_a_supplier_found_by_its_name_alone_keeps_the_doubt() -> None:
    """No number read: the name is the only evidence, and the reader doubts it."""
    invoice = _scanned("SYFT ONLINE LTD T/A INDEED FLEX", None)
    match = match_supplier(invoice, [SYFT])
    assert match is not None and match.method == "name"
    assert not settle_name_doubt(invoice, match)
    assert _held_for_the_name(invoice)
