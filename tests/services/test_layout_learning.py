"""A bookkeeper corrects a field once; the next invoice from that supplier is read right,
for text PDFs and for scans.

The invoices are drawn here with reportlab: the supplier prints its invoice number in the
right margin after "Ordrenr." (its billing system calls every number an order number), which
a template-free reader cannot know is the invoice number (it may guess, but not with
confidence).
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pypdfium2
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from kontera.interpret.fields.assemble import REVIEW_BELOW
from kontera.services.context import AppContext
from kontera.services.suggest.layouts import words_key
from tests.conftest import ApiClient


def unlabelled_number_invoice(number: str, kid: str) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont("Helvetica-Bold", 16)
    page.drawString(50, 800, "Fjordlys Rør AS")
    page.setFont("Helvetica", 10)
    page.drawString(50, 785, "Org.nr NO 923 609 016 MVA")
    page.drawString(400, 800, "FAKTURA")
    page.drawString(400, 770, "Dato 03.11.2026")
    page.drawString(400, 755, "Forfall 17.11.2026")
    page.drawString(470, 700, number)
    page.drawString(400, 700, "Ordrenr.")  # its billing system calls every number so
    page.drawString(50, 600, "Rørleggerarbeid")
    page.drawString(400, 600, "1 000,00")
    page.drawString(300, 560, "Sum eks. mva")
    page.drawString(400, 560, "1 000,00")
    page.drawString(300, 545, "Mva 25%")
    page.drawString(400, 545, "250,00")
    page.drawString(300, 530, "Å betale NOK")
    page.drawString(400, 530, "1 250,00")
    page.drawString(50, 480, f"Kontonr 1503.02.12345  KID {kid}")
    page.save()
    return buffer.getvalue()


def known(invoice: dict[str, Any], number: str) -> bool:
    """The invoice number is read and believed (a guess shown unsure goes to a person: the
    reader may well pick the only number-shaped value, but it cannot be sure)."""
    field = invoice["fields"].get("invoice_number")
    return field is not None and field["value"] == number and field["confidence"] >= REVIEW_BELOW


def test_a_corrected_field_is_read_right_on_the_suppliers_next_invoice(api: ApiClient) -> None:
    first = api.upload(unlabelled_number_invoice("A-20931", "12345678903"), "first.pdf")
    before = api.get(f"/v1/documents/{first['id']}")
    assert not known(before["invoice"], "A-20931")  # the reader cannot know yet

    corrected = api.http.patch(
        f"/v1/documents/{first['id']}/fields",
        headers=api.headers,
        json={"fields": {"invoice_number": "A-20931"}},
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["invoice"]["fields"]["invoice_number"]["source"] == "person"

    second = api.upload(unlabelled_number_invoice("A-20932", "23456789013"), "second.pdf")
    after = api.get(f"/v1/documents/{second['id']}")["invoice"]
    assert known(after, "A-20932")
    assert after["fields"]["invoice_number"]["source"] == "pdf_text"


def scanned(pdf: bytes, shift: tuple[int, int], angle: float) -> bytes:
    """The page as an office scanner gives it: 200 dpi, a little off place and askew."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=200 / 72, grayscale=True).to_pil()
    finally:
        document.close()
    placed = Image.new("L", image.size, 255)
    placed.paste(image, shift)
    tilted = placed.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    buffer = io.BytesIO()
    tilted.save(buffer, format="PNG", dpi=(200, 200))
    return buffer.getvalue()


def test_a_correction_on_a_scan_teaches_the_next_scan_from_that_supplier(
    api: ApiClient, ctx: AppContext
) -> None:
    """GIVEN a scanned invoice whose unlabelled number the reader cannot know
    WHEN a bookkeeper corrects the number once
    THEN the hint is learned from the words OCR read when the scan arrived (kept in the
    document store, not read again), and the supplier's next scan — lying differently on the
    glass — is read right from the learned place."""
    first_png = scanned(unlabelled_number_invoice("A-20931", "12345678903"), (0, 0), 0.4)
    first = api.upload(first_png, "first.png")
    before = api.get(f"/v1/documents/{first['id']}")
    assert not known(before["invoice"], "A-20931")
    assert ctx.blobs.read(words_key(hashlib.sha256(first_png).hexdigest()))  # kept at reading

    corrected = api.http.patch(
        f"/v1/documents/{first['id']}/fields",
        headers=api.headers,
        json={"fields": {"invoice_number": "A-20931"}},
    )
    assert corrected.status_code == 200, corrected.text

    second_png = scanned(unlabelled_number_invoice("A-20932", "23456789013"), (14, 22), -0.6)
    after = api.get(f"/v1/documents/{api.upload(second_png, 'second.png')['id']}")["invoice"]
    assert known(after, "A-20932")
    assert after["fields"]["invoice_number"]["source"] == "ocr"
