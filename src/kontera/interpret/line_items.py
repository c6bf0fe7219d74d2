"""Line items from an invoice's table: a header row names the columns, rows follow until the
totals begin.

The header is recognised by its words (description, quantity, price, amount in the six
languages); each row's numbers are assigned to the header column they sit under, so a missing
cell does not shift the others. A row without an amount in the amount column is a continuation
of the previous description (wrapped text, article numbers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from kontera.domain.fields import Box
from kontera.interpret.candidates import LineText
from kontera.interpret.candidates import page_texts
from kontera.interpret.labels import ANY_LABEL
from kontera.interpret.labels import fold
from kontera.interpret.parse_text import find_amounts
from kontera.interpret.textpage import Page
from kontera.interpret.textpage import union_box

_COLUMNS = {
    "description": r"beskrivelse|beskrivning|benämning|description|beschreibung|bezeichnung|"
    r"artikelbezeichnung|produkt|product|tekst|text|vare|varer|désignation|libellé|artikel",
    "quantity": r"antall|antal|ant\.?|qty|quantity|menge|anzahl|quantité|qté|stk|mengde",
    "unit_price": r"pris|enhetspris|à-pris|a-pris|á|unit price|price|einzelpreis|preis|"
    r"nettopreis|prix unitaire|prix|stykkpris",
    "net": r"beløp|belopp|beløb|sum|amount|total|betrag|gesamtbetrag|nettobetrag|gesamt|"
    r"montant|nettowert|linjesum|positionsbetrag",
    "vat_rate": r"mva|moms|vat|ust\.?|mwst\.?|tva|mva-sats|momssats|ust\.? %|mwst-%",
}
_HEADER = {
    name: re.compile(rf"^(?:{fold(pattern)})$", re.IGNORECASE) for name, pattern in _COLUMNS.items()
}
_TOTALS = re.compile(
    r"(?i)^(?:sum|summa|total|netto|zwischensumme|subtotal|rechnungssumme|gesamt|i alt|a betale|"
    r"att betala|mva|moms)\b"
)
_MAX_ROWS = 200


@dataclass(frozen=True, slots=True)
class ReadLine:
    description: str
    quantity: Decimal | None
    unit_price: Decimal | None
    net: Decimal
    vat_rate: Decimal | None
    page: int
    box: Box


def read_line_items(pages: list[Page]) -> list[ReadLine]:
    found: list[ReadLine] = []
    for page in pages:
        texts = page_texts(page)
        for index, text in enumerate(texts):
            columns = _header_columns(text)
            if columns is not None:
                found += _rows(page, texts[index + 1 :], columns)
                break
    return found


def _header_columns(text: LineText) -> dict[str, Box] | None:
    """The header's column boxes, if this line names at least a description and an amount."""
    columns: dict[str, Box] = {}
    for word in text.line.words:
        token = fold(word.text.strip(":").lower())
        for name, pattern in _HEADER.items():
            # The amount column is the rightmost one that says so ("Amount … Total").
            if (name not in columns or name == "net") and pattern.match(token):
                columns[name] = word.box
                break
    if "description" in columns and "net" in columns and len(columns) >= 3:
        return columns
    return None


def _rows(page: Page, texts: list[LineText], columns: dict[str, Box]) -> list[ReadLine]:
    rows: list[ReadLine] = []
    row_height = columns["net"].bottom - columns["net"].top
    for text in texts[:_MAX_ROWS]:
        if _TOTALS.match(fold(text.text.strip())) or _is_totals(text):
            break
        numbers, first_x = _numbers_by_column(text, columns)
        net = numbers.get("net")
        if net is None:
            if rows and text.line.top - rows[-1].box.bottom < 2.5 * row_height:
                continue  # a wrapped description or an article number under the line
            if rows:
                break
            continue
        words = [w.text for w in text.line.words if w.x1 <= first_x]
        rows.append(
            ReadLine(
                description=" ".join(words).strip(),
                quantity=numbers.get("quantity"),
                unit_price=numbers.get("unit_price"),
                net=net,
                vat_rate=numbers.get("vat_rate"),
                page=page.number,
                box=text.line.box,
            )
        )
    return rows


def _is_totals(text: LineText) -> bool:
    totals = any(ANY_LABEL[path].search(text.lower) for path in ("totals.net", "totals.gross"))
    return totals and not any(w.text[:1].isdigit() for w in text.line.words[:1])


def _numbers_by_column(text: LineText, columns: dict[str, Box]) -> tuple[dict[str, Decimal], float]:
    """Each number goes to the header column nearest to it; also where the numbers begin."""
    found: dict[str, Decimal] = {}
    first_x = text.line.box.x1 + 1
    for hit in find_amounts(text.text.replace("%", " "), whole=True):
        words = text.words_between(hit.start, hit.end)
        if not words:
            continue
        box = union_box(words)
        column = min(columns, key=lambda name: _distance(box, columns[name]))
        if column == "description" or _distance(box, columns[column]) > 60:
            continue
        first_x = min(first_x, box.x0)
        if column == "net" or column not in found:
            found[column] = hit.value  # the rightmost amount closes the row
    return found, first_x


def _distance(box: Box, header: Box) -> float:
    """0 when the number overlaps the header's span, else the gap between their nearer edges."""
    if box.x1 >= header.x0 - 2 and box.x0 <= header.x1 + 2:
        return 0.0
    return min(abs(box.x1 - header.x1), abs(box.x0 - header.x0))
