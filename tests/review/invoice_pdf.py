"""A born-digital supplier invoice drawn with reportlab, for tests that need real PDF pages."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas


def invoice_pdf(
    number: str = "2024-118", amount: str = "12 500,00", *, without: tuple[str, ...] = ()
) -> bytes:
    """The invoice; `without` leaves out the lines that start with those words (as a reader
    that missed them would see it), e.g. ("Fakturanummer", "Å betale")."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    _, height = A4
    lines = [
        ("Helvetica-Bold", 16, 50, "Fjordtre Snekkeri AS"),
        ("Helvetica", 10, 50, "Org.nr. 923 609 016 MVA"),
        ("Helvetica", 10, 50, "Sjøgata 4, 5003 Bergen"),
        ("Helvetica-Bold", 14, 50, "FAKTURA"),
        ("Helvetica", 10, 50, f"Fakturanummer: {number}"),
        ("Helvetica", 10, 50, "Fakturadato: 03.11.2026"),
        ("Helvetica", 10, 50, "Forfallsdato: 17.11.2026"),
        ("Helvetica", 10, 50, "Kunde: Demo Regnskap AS"),
        ("Helvetica", 10, 50, "Beskrivelse                       Beløp"),
        ("Helvetica", 10, 50, "Snekkerarbeid kontor               10 000,00"),
        ("Helvetica", 10, 50, "Sum eks. mva                       10 000,00"),
        ("Helvetica", 10, 50, "Mva 25 %                            2 500,00"),
        ("Helvetica-Bold", 11, 50, f"Å betale NOK                      {amount}"),
        ("Helvetica", 10, 50, "Kontonummer: 1503.02.12344"),
        ("Helvetica", 10, 50, "KID: 0001000085"),
    ]
    y = height - 60
    for font, size, x, text in lines:
        if text.startswith(without):
            continue
        canvas.setFont(font, size)
        canvas.drawString(x, y, text)
        y -= 22
    canvas.showPage()
    canvas.save()
    return out.getvalue()
