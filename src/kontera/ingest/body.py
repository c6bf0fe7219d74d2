"""A mail whose invoice is only in its body: decide whether it is one, and render it to a PDF.

The rendering is deliberately plain (the body's text, line by line, on A4) so the PDF reader
finds a text layer and a person sees what the supplier wrote. Scripts, styles and images are
dropped; links are not followed.
"""

from __future__ import annotations

import html
import io
import re
from html.parser import HTMLParser

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

# Words that invoices carry in the languages Kontera reads. Two different ones are needed
# before a body counts as an invoice, so "see the attached invoice" alone does not.
_INVOICE_WORDS = re.compile(
    r"\b(faktura\w*|invoice\w*|rechnung\w*|kid|ocr|forfall\w*|förfall\w*|due date|"
    r"betalingsfrist|att betala|å betale|beløp|belopp|amount due|total\w*|mva|moms|vat|"
    r"kontonummer|bankgiro|plusgiro|iban|org\.? ?nr|organisasjonsnummer)\b",
    re.IGNORECASE,
)
_AMOUNT = re.compile(r"\d[\d  .]*[.,]\d{2}\b")
_BLOCK_TAGS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr"}
_CELL_TAGS = {"td", "th"}
_SKIP_TAGS = {"script", "style", "head", "title"}
_FONT, _SIZE, _LEADING, _MARGIN = "Helvetica", 10, 13, 50


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")
        elif tag in _CELL_TAGS:
            self.chunks.append("    ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.chunks.append(re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except (AssertionError, ValueError):  # HTMLParser gives up on some broken markup
        return html.unescape(re.sub(r"<[^>]+>", " ", markup))
    lines = (line.strip() for line in "".join(parser.chunks).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def looks_like_invoice(text: str) -> bool:
    words = {match.group(0).lower() for match in _INVOICE_WORDS.finditer(text)}
    return len(words) >= 2 and _AMOUNT.search(text) is not None


def render_text_pdf(text: str, *, title: str) -> bytes:
    """A4 pages of plain text. Same input, same bytes (reportlab's invariant mode)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.setTitle(title)
    width, height = A4
    y = height - _MARGIN
    for line in _wrapped(f"{title}\n\n{text}", width - 2 * _MARGIN):
        if y < _MARGIN:
            canvas.showPage()
            y = height - _MARGIN
        canvas.setFont(_FONT, _SIZE)
        canvas.drawString(_MARGIN, y, line)
        y -= _LEADING
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _wrapped(text: str, width: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines():
        # The standard fonts cover Latin-1 (æøåäö…); anything else would print as boxes.
        printable = paragraph.encode("latin-1", "replace").decode("latin-1")
        lines.extend(simpleSplit(printable, _FONT, _SIZE, width) or [""])
    return lines
