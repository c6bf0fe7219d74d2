"""Does the PDF show what its embedded XML says? Mismatches become notes for the bookkeeper.

The XML is the truth that gets posted, but the PDF is what people read and archive. When the
invoice number or the amount due in the XML cannot be found in the PDF's text layer, the two
documents may disagree (the corpus has real samples like that), so a person should look.
Only the text layer is read (pypdfium2, milliseconds); a scanned PDF is not OCRed for this.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pypdfium2 as pdfium

from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Severity
from kontera.domain.invoice import note
from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.interpret.pages.pdfium_lock import PDFIUM

_MAX_PAGES = 20
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
MISMATCH = "xml_pdf_mismatch"


def visible_text(data: bytes, max_pages: int = _MAX_PAGES) -> str:
    """The PDF's text layer with all kinds of spaces removed; empty when unreadable."""
    with PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            return ""
        try:
            chunks = []
            for index in range(min(len(document), max_pages)):
                page = document[index]
                text_page = page.get_textpage()
                chunks.append(text_page.get_text_range())
                text_page.close()
                page.close()
        finally:
            document.close()
    return _SPACES.sub("", "".join(chunks))


def amount_spellings(value: Decimal) -> set[str]:
    """How an amount may be printed, without spaces: 1234.56, 1.234,56, 1,234.56, 1234,56."""
    plain = f"{abs(value):.2f}"
    whole, cents = plain.split(".")
    grouped = f"{int(whole):,}"
    return {
        f"{whole}.{cents}",
        f"{whole},{cents}",
        f"{grouped}.{cents}",
        f"{grouped.replace(',', '.')},{cents}",
    }


def compare_with_visible_text(invoice: Invoice, pdf: bytes) -> None:
    text = visible_text(pdf)
    if len(text) < 20:
        return  # no usable text layer: nothing to compare against
    number = invoice.invoice_number
    if number and _SPACES.sub("", number) not in text:
        _mismatch(
            invoice,
            msg("The invoice number {number} from the XML is not shown in the PDF.", number=number),
        )
    # Either the amount due or the invoice total must be visible (a settled correction may
    # print only the total, not "0.00 due").
    amounts = [a for a in (invoice.totals.payable, invoice.totals.gross) if a is not None]
    if amounts and not any(s in text for a in amounts for s in amount_spellings(a)):
        shown = abs(amounts[0]).quantize(Decimal("0.01"))
        _mismatch(
            invoice,
            msg("The amount due {amount} from the XML is not shown in the PDF.", amount=shown),
        )


def _mismatch(invoice: Invoice, message: Message) -> None:
    invoice.add_note(note(message, Severity.WARNING, MISMATCH))
