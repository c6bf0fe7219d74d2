"""Learning from a correction: the next invoice in the same supplier's layout is read right."""

from __future__ import annotations

import io
import json

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from kontera.domain.invoice import Party
from kontera.domain.suppliers import supplier_key
from kontera.interpret.base import InterpretContext
from kontera.interpret.fields.layout import fingerprint
from kontera.interpret.fields.layout import learn_from_correction
from kontera.interpret.pages.corrections import hint_from_document
from kontera.interpret.pages.pdf import PdfTextInterpreter
from kontera.interpret.pages.pdf import read_pdf_pages

_, HEIGHT = A4


def _odd_layout(voucher: str, order: str, total: str) -> bytes:
    """A supplier that calls its invoice number "Bilag" and prints an order number as "Nr."."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    lines = [
        (40, 60, "Hamar Elektro AS", 16),
        (40, 80, "Org.nr. 923 609 016 MVA", 8),
        (360, 120, f"Nr. {order}", 9),
        (360, 134, "Dato 03.02.2025", 9),
        (40, 200, f"Bilag {voucher}", 11),
        (360, 300, "Sum eks. mva 800,00", 9),
        (360, 314, "MVA 25 % 200,00", 9),
        (360, 328, f"Å betale {total}", 9),
    ]
    for x, y, text, size in lines:
        canvas.setFont("Helvetica", size)
        canvas.drawString(x, HEIGHT - y, text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_a_corrected_field_is_right_on_the_suppliers_next_invoice() -> None:
    """GIVEN a new supplier layout where the invoice number is misread
    WHEN a bookkeeper corrects it once and the hint is stored for that supplier
    THEN the next invoice from the supplier has the right number, from the learned position."""
    ctx = InterpretContext()
    first = _odd_layout("77001", "55512", "1 000,00")
    invoice = PdfTextInterpreter().interpret(first, ctx).invoice
    assert invoice.invoice_number != "77001"  # the generic reader takes the order number

    page = read_pdf_pages(first, ctx)[0]
    hint = learn_from_correction(page, "invoice_number", "77001")
    assert hint is not None
    key = supplier_key(Party(org_number="923609016"))
    assert key is not None
    stored = json.loads(json.dumps({key: [hint]}))  # hints are plain JSON

    second = _odd_layout("77002", "55540", "1 000,00")
    learned = PdfTextInterpreter().interpret(second, InterpretContext(layout_hints=stored)).invoice
    assert learned.invoice_number == "77002"
    assert not [n for n in learned.notes if n.field == "invoice_number"]  # no review needed
    assert learned.fields["invoice_number"].page == 1


def test_hints_for_another_supplier_change_nothing() -> None:
    ctx = InterpretContext()
    first = _odd_layout("77001", "55512", "1 000,00")
    hint = learn_from_correction(read_pdf_pages(first, ctx)[0], "invoice_number", "77001")
    stored = {"org:974760673": [hint]}
    second = _odd_layout("77002", "55540", "1 000,00")
    plain = PdfTextInterpreter().interpret(second, ctx).invoice
    with_other = (
        PdfTextInterpreter().interpret(second, InterpretContext(layout_hints=stored)).invoice
    )
    assert with_other.invoice_number == plain.invoice_number


def test_a_value_not_on_the_page_teaches_nothing() -> None:
    page = read_pdf_pages(_odd_layout("77001", "55512", "1 000,00"), InterpretContext())[0]
    assert learn_from_correction(page, "invoice_number", "99999") is None


def test_same_layout_same_fingerprint_other_values() -> None:
    ctx = InterpretContext()
    one = read_pdf_pages(_odd_layout("77001", "55512", "1 000,00"), ctx)[0]
    two = read_pdf_pages(_odd_layout("88002", "66612", "2 000,00"), ctx)[0]
    assert fingerprint(one) == fingerprint(two)


def test_a_correction_on_the_document_bytes_gives_the_same_hint() -> None:
    """The services layer only has the stored original: the hint comes from its bytes."""
    data = _odd_layout("77001", "55512", "1 000,00")
    hint = hint_from_document(data, "invoice_number", "77001", InterpretContext())
    assert hint is not None and hint["page"] == 1 and hint["field"] == "invoice_number"
    assert hint_from_document(data, "invoice_number", "77001", InterpretContext(), page=2) is None
