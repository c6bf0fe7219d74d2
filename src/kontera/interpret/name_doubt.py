"""A reader unsure of the supplier's name, where the supplier was found by its number.

The voucher goes to the supplier in the company's books, found by the org.nr or VAT id read
on the invoice (`kontera.interpret.matching`); the name as printed is not what is booked. So
a reader's doubt about the name is no reason for a person to look, as long as the name read
is that supplier's (nearly: an OCR slip, a legal form). A name that is another company's
keeps its doubt: a number and a name that disagree are for a person.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Note
from kontera.domain.invoice import Severity
from kontera.domain.invoice import note
from kontera.domain.messages import msg
from kontera.interpret.matching import SupplierMatch

IDENTIFIERS = frozenset({"vat_id", "org_number"})
# How alike the name read and the name in the books must be (rapidfuzz, 0–100): in order
# (an OCR slip keeps the word order) or with the words sorted (a name written the other way).
ALIKE = 80.0
NAME = "seller.name"
LOW_CONFIDENCE = "low_confidence"


def settle_name_doubt(invoice: Invoice, match: SupplierMatch) -> bool:
    """Turn the reader's doubt about the name into information; True if there was one."""
    if match.method not in IDENTIFIERS or not _alike(invoice.seller.name, match.supplier.name):
        return False
    doubts = [n for n in invoice.notes if n.code == LOW_CONFIDENCE and n.field == NAME]
    if not doubts:
        return False
    invoice.notes = [n for n in invoice.notes if n not in doubts]
    invoice.add_note(_recognised(match))
    return True


def _alike(read: str | None, known: str) -> bool:
    if not read:
        return False
    ours, theirs = _plain(read), _plain(known)
    return max(fuzz.ratio(ours, theirs), fuzz.token_sort_ratio(ours, theirs)) >= ALIKE


def _plain(name: str) -> str:
    return " ".join(name.casefold().split())


def _recognised(match: SupplierMatch) -> Note:
    if match.method == "vat_id":
        text = msg(
            "The supplier's name was hard to read; the supplier is {name}, recognised by its "
            "VAT id in the company's books.",
            name=match.supplier.name,
        )
    else:
        text = msg(
            "The supplier's name was hard to read; the supplier is {name}, recognised by its "
            "org.nr in the company's books.",
            name=match.supplier.name,
        )
    return note(text, Severity.INFO, "supplier_recognised", field=NAME)
