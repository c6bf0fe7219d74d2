"""A human-readable PDF of an e-invoice that came without one (the voucher attachment).

Laid out like a paper invoice with reportlab: header, parties, references, lines, VAT
breakdown, totals and payment details, with labels in Norwegian, Swedish or English (chosen
from the buyer's country unless asked). Amounts are shown as the document wrote them, so a
credit note reads with positive amounts under the title "Credit note".
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable
from reportlab.platypus import Paragraph
from reportlab.platypus import SimpleDocTemplate
from reportlab.platypus import Spacer
from reportlab.platypus import Table
from reportlab.platypus import TableStyle

from kontera.domain.invoice import DocumentType
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Party
from kontera.interpret.render.labels import LABELS
from kontera.interpret.render.labels import language_for

# DejaVu covers more scripts than the built-in Helvetica; fall back when it is not installed.
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_FONTS: tuple[str, str] | None = None
_MAX_CELL_TEXT = 1500


def _fonts() -> tuple[str, str]:
    global _FONTS  # registered once per process: reportlab keeps a global font registry
    if _FONTS is None:
        try:
            pdfmetrics.registerFont(TTFont("KonteraSans", str(_DEJAVU / "DejaVuSans.ttf")))
            pdfmetrics.registerFont(TTFont("KonteraSansBold", str(_DEJAVU / "DejaVuSans-Bold.ttf")))
            _FONTS = ("KonteraSans", "KonteraSansBold")
        except (OSError, TypeError):
            _FONTS = ("Helvetica", "Helvetica-Bold")
    return _FONTS


def render_invoice_pdf(invoice: Invoice, language: str | None = None) -> bytes:
    """Render the invoice as an A4 PDF; `language` is "nb", "sv" or "en"."""
    labels = LABELS[language or language_for(invoice.buyer.country)]
    page = _Page(invoice, labels)
    buffer = io.BytesIO()
    title = f"{page.title} {invoice.invoice_number or ''}".strip()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=invoice.seller.name or "",
        creator="Kontera",
    )
    document.build(page.story())
    return buffer.getvalue()


class _Page:
    """Builds the flowables of one rendered invoice."""

    def __init__(self, invoice: Invoice, labels: dict[str, str]) -> None:
        self.invoice = invoice
        self.labels = labels
        regular, bold = _fonts()
        self.text = ParagraphStyle("text", fontName=regular, fontSize=8.5, leading=11)
        self.small = ParagraphStyle("small", parent=self.text, fontSize=7, leading=9)
        self.heading = ParagraphStyle("heading", parent=self.text, fontName=bold, fontSize=10)
        self.title_style = ParagraphStyle(
            "title", parent=self.text, fontName=bold, fontSize=18, leading=22
        )
        self.bold = bold
        credit = invoice.document_type is DocumentType.CREDIT_NOTE
        self.title = labels["credit_note" if credit else "invoice"]

    def story(self) -> list[Flowable]:
        parts: list[Flowable] = [Paragraph(escape(self.title), self.title_style), Spacer(0, 4 * mm)]
        parts += [self._header(), Spacer(0, 5 * mm), self._parties(), Spacer(0, 5 * mm)]
        parts += [self._lines(), Spacer(0, 4 * mm), self._vat_and_totals(), Spacer(0, 5 * mm)]
        parts += self._payment() + self._notes()
        parts += [Spacer(0, 6 * mm), Paragraph(escape(self.labels["rendered"]), self.small)]
        return parts

    def _p(self, value: object, style: ParagraphStyle | None = None) -> Paragraph:
        text = "" if value is None else str(value)
        if len(text) > _MAX_CELL_TEXT:  # a table row must fit on one page
            text = text[:_MAX_CELL_TEXT] + " …"
        return Paragraph(escape(text).replace("\n", "<br/>"), style or self.text)

    def _amount(self, value: Decimal | None) -> str:
        if value is None:
            return ""
        shown = value * self.invoice.sign  # as the document wrote it
        return f"{shown:,.2f}".replace(",", "\u00a0")

    def _pairs(self, rows: Sequence[tuple[str, object]]) -> Table:
        data = [[self._p(self.labels[k]), self._p(v)] for k, v in rows if v not in (None, "")]
        table = Table(data or [[""]], colWidths=[40 * mm, 60 * mm], hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]
            )
        )
        return table

    def _header(self) -> Table:
        inv = self.invoice
        period = " – ".join(str(d) for d in (inv.period_start, inv.period_end) if d)
        refs = inv.references
        left = self._pairs(
            [
                ("number", inv.invoice_number),
                ("issue_date", inv.issue_date),
                ("due_date", inv.due_date),
                ("delivery_date", inv.delivery_date),
                ("period", period),
            ]
        )
        right = self._pairs(
            [
                ("buyer_reference", refs.buyer_reference),
                ("order", refs.order),
                ("contract", refs.contract),
                ("project", refs.project),
                ("preceding", ", ".join(refs.preceding_invoices)),
            ]
        )
        return Table(
            [[left, right]],
            colWidths=[87 * mm, 87 * mm],
            style=[("VALIGN", (0, 0), (-1, -1), "TOP")],
        )

    def _party(self, key: str, party: Party) -> list[Paragraph]:
        address = party.address
        city = " ".join(x for x in (address.postal_code, address.city) if x)
        lines = [party.name, address.street, address.additional_street, city, address.country]
        ids = [(self.labels["org_number"], party.org_number), (self.labels["vat_id"], party.vat_id)]
        lines += [f"{label} {value}" for label, value in ids if value]
        lines += [party.contact_email]
        body = "\n".join(x for x in lines if x)
        return [self._p(self.labels[key], self.heading), self._p(body)]

    def _parties(self) -> Table:
        seller = self._party("seller", self.invoice.seller)
        buyer = self._party("buyer", self.invoice.buyer)
        return Table(
            [[seller, buyer]],
            colWidths=[87 * mm, 87 * mm],
            style=[("VALIGN", (0, 0), (-1, -1), "TOP")],
        )

    def _lines(self) -> Table:
        lab = self.labels
        header = [
            lab["description"],
            lab["quantity"],
            lab["unit_price"],
            lab["vat_rate"],
            lab["amount"],
        ]
        rows: list[list[object]] = [[self._p(h, self.heading) for h in header]]
        for line in self.invoice.lines:
            text = "\n".join(x for x in (line.item_name, line.description, line.note) if x)
            quantity = line.quantity * self.invoice.sign if line.quantity is not None else None
            unit = (
                f"{quantity.normalize():f} {line.unit or ''}".strip()
                if quantity is not None
                else ""
            )
            rate = f"{line.vat_rate.normalize():f}" if line.vat_rate is not None else ""
            price = (
                f"{line.unit_price:,.2f}".replace(",", "\u00a0")
                if line.unit_price is not None
                else ""
            )
            rows.append([self._p(text), unit, price, rate, self._amount(line.net)])
        for item in self.invoice.allowances_charges:
            label = lab["charge" if item.is_charge else "allowance"]
            text = f"{label}: {item.reason or item.reason_code or ''}".strip(": ")
            amount = item.amount if item.is_charge else -item.amount
            rate = f"{item.vat_rate.normalize():f}" if item.vat_rate is not None else ""
            rows.append([self._p(text), "", "", rate, self._amount(amount)])
        table = Table(rows, colWidths=[80 * mm, 24 * mm, 28 * mm, 16 * mm, 26 * mm], repeatRows=1)
        table.setStyle(self._grid_style())
        return table

    def _grid_style(self) -> TableStyle:
        return TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), self.text.fontName),
                ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )

    def _vat_and_totals(self) -> Table:
        lab = self.labels
        vat_rows: list[list[object]] = [
            [lab["category"], lab["vat_rate"], lab["taxable"], lab["vat"]]
        ]
        for v in self.invoice.vat_breakdown:
            rate = f"{v.rate.normalize():f}" if v.rate is not None else ""
            vat_rows.append([v.category or "", rate, self._amount(v.taxable), self._amount(v.tax)])
        vat_table = Table(vat_rows, colWidths=[18 * mm, 14 * mm, 26 * mm, 24 * mm])
        vat_table.setStyle(self._grid_style())
        t = self.invoice.totals
        currency = self.invoice.currency or ""
        total_rows = [
            (lab["line_total"], t.line_total),
            (lab["net"], t.net),
            (lab["vat"], t.vat),
            (lab["gross"], t.gross),
            (lab["prepaid"], t.prepaid),
            (lab["rounding"], t.rounding),
        ]
        rows: list[list[object]] = [[k, self._amount(v)] for k, v in total_rows if v is not None]
        rows.append(
            [self._p(f"{lab['payable']} {currency}", self.heading), self._amount(t.payable)]
        )
        totals = Table(rows, colWidths=[44 * mm, 30 * mm])
        totals.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), self.text.fontName),
                    ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                    ("FONTNAME", (1, -1), (1, -1), self.bold),
                    ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                    ("LINEABOVE", (0, -1), (-1, -1), 0.6, colors.black),
                ]
            )
        )
        return Table(
            [[vat_table, totals]],
            colWidths=[96 * mm, 78 * mm],
            style=[("VALIGN", (0, 0), (-1, -1), "TOP")],
        )

    def _payment(self) -> list[Flowable]:
        pay = self.invoice.payment
        account = pay.iban or pay.bank_account
        rows = [
            ("account", f"{account}  BIC {pay.bic}" if account and pay.bic else account),
            ("bankgiro", pay.bankgiro),
            ("plusgiro", pay.plusgiro),
            ("kid", pay.kid),
            ("terms", pay.terms),
        ]
        if not any(v for _, v in rows):
            return []
        return [self._p(self.labels["payment"], self.heading), self._pairs(rows)]

    def _notes(self) -> list[Flowable]:
        if not self.invoice.note:
            return []
        return [
            Spacer(0, 3 * mm),
            self._p(self.labels["notes"], self.heading),
            self._p(self.invoice.note),
        ]
