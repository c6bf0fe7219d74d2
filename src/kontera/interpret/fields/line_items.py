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
from kontera.interpret.fields.candidates import LineText
from kontera.interpret.fields.candidates import page_texts
from kontera.interpret.fields.labels import ANY_LABEL
from kontera.interpret.fields.labels import fold
from kontera.interpret.fields.parse_text import find_amounts
from kontera.interpret.textpage import Page
from kontera.interpret.textpage import Word
from kontera.interpret.textpage import union_box

_COLUMNS = {
    "description": r"beskrivelse|beskrivning|benämning|description|beschreibung|bezeichnung|"
    r"artikelbezeichnung|produkt|product|tekst|text|vare|varer|désignation|libellé|artikel|"
    r"varetekst|omschrijving|item|items|artikelomschrijving|specifikation|artikelbeschreibung|"
    r"leistungsbeschreibung",
    "quantity": r"antall|antal|ant\.?|qty|quantity|menge|anzahl|quantité|qté|stk|mengde|aantal",
    "unit_price": r"pris|enhetspris|à-pris|a-pris|á|unit price|price|einzelpreis|preis|"
    r"nettopreis|prix unitaire|prix|stykkpris|enhedspris|prijs|stukprijs|p\.u\.",
    "net": r"beløp|belopp|beløb|sum|summa|summe|amount|total|betrag|gesamtbetrag|nettobetrag|"
    r"gesamt|montant|nettowert|linjesum|positionsbetrag|bedrag|totaal",
    "vat_rate": r"mva|moms|vat|ust\.?|mwst\.?|tva|btw|mva-sats|momssats|ust\.? %|mwst-%|"
    r"steuersatz|ust-satz|mwst-satz|satz|sats|taux|tarief|rate",
}
_HEADER = {
    name: re.compile(rf"^(?:{fold(pattern)})$", re.IGNORECASE) for name, pattern in _COLUMNS.items()
}
_TOTALS = re.compile(
    r"(?i)^(?:sum|summa|total|netto|zwischensumme|subtotal|rechnungssumme|gesamt|i alt|a betale|"
    r"att betala|mva|moms)\b"
)
_MAX_ROWS = 200
_PAGE_NUMBER = re.compile(
    r"(?:^|\s)(?:side|sida|page|seite|pagina|blatt)\s*\d+\s*(?:av|af|of|von|sur|van|/)\s*\d+"
)
# "Carried forward 12 345,00" at a page foot, "Brought forward" at the next page's head.
_CARRIED = re.compile(
    fold(
        r"(?:^|\s)(?:overført|transport|att överföra|carried forward|brought forward|"
        r"übertrag|à reporter|report|over te brengen)(?:\s|:|$)"
    )
)


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
    """The item rows of every page. A table that a page break interrupts (it ends in a
    carried-forward sum, or just at the page foot) goes on on the next page, after a repeated
    header or a brought-forward line, in the same columns."""
    found: list[ReadLine] = []
    open_columns: dict[str, Box] | None = None
    for page in pages:
        texts = page_texts(page)
        start, columns = _table_start(texts, open_columns)
        if columns is None:
            continue
        rows, closed = _rows(page, texts[start:], columns)
        found += rows
        open_columns = None if closed else columns
    return found


def _table_start(
    texts: list[LineText], open_columns: dict[str, Box] | None
) -> tuple[int, dict[str, Box] | None]:
    for index, text in enumerate(texts):
        columns = header_columns(text) or _two_line_header(texts, index)
        if columns is not None:
            return index + 1, columns
    if open_columns is not None:
        for index, text in enumerate(texts):
            if _carried(text):
                return index + 1, open_columns
        return 0, open_columns  # rows go on at the top, without a repeated header
    return 0, None


def _two_line_header(texts: list[LineText], index: int) -> dict[str, Box] | None:
    """A header set over two lines ("Positions-" over "betrag", or the amount's heading on
    the line above the others): the words of this line and the one above, together."""
    if index == 0:
        return None
    above, here = texts[index - 1], texts[index]
    if here.line.top - above.line.bottom > 1.5 * (here.line.bottom - here.line.top):
        return None
    return _columns([*above.line.words, *here.line.words])


def header_columns(text: LineText) -> dict[str, Box] | None:
    """The header's column boxes, if this line names at least a description and an amount."""
    return _columns(text.line.words)


def _columns(words: list[Word]) -> dict[str, Box] | None:
    columns: dict[str, Box] = {}
    for word in sorted(words, key=lambda w: w.x0):
        token = fold(re.sub("[\u00ad\ufffe\u200b]", "", word.text).strip(":").lower())
        for name, pattern in _HEADER.items():
            # The amount column is the rightmost one that says so ("Amount … Total").
            if (name not in columns or name == "net") and pattern.match(token):
                columns[name] = word.box
                break
    if "description" in columns and "net" in columns and len(columns) >= 3:
        return columns
    return None


def _rows(
    page: Page, texts: list[LineText], columns: dict[str, Box]
) -> tuple[list[ReadLine], bool]:
    """The rows under a header, and whether the table closed on this page (with its totals)."""
    rows: list[ReadLine] = []
    row_height = columns["net"].bottom - columns["net"].top
    # An item whose quantity and price are on one line and its amount on the next (a second
    # line with the article number and the amount, as some producers print).
    pending: tuple[LineText, dict[str, Decimal], float] | None = None
    last_bottom: float | None = None  # of the last line that belonged to an item
    for text in texts[:_MAX_ROWS]:
        if _carried(text) or _PAGE_NUMBER.search(fold(text.text.lower())):
            return rows, False
        if _TOTALS.match(fold(text.text.strip())) or _is_totals(text):
            return rows, True
        numbers, first_x = _numbers_by_column(text, columns)
        net = numbers.get("net")
        if net is None:
            if "quantity" in numbers or "unit_price" in numbers:
                pending = (text, numbers, first_x)
                last_bottom = text.line.bottom
                continue
            if last_bottom is not None and text.line.top - last_bottom < 2.5 * row_height:
                last_bottom = text.line.bottom
                continue  # a wrapped description or an article number under the line
            if rows:
                return rows, True
            continue
        if not rows and pending is None and len(numbers) < 2:
            continue  # before the first item, a lone number is a heading's, not an amount
        line, first, values = text, first_x, numbers
        if pending is not None and not ("quantity" in numbers or "unit_price" in numbers):
            close = text.line.top - pending[0].line.bottom < 2.5 * row_height
            if close:
                line, values, first = pending[0], {**pending[1], "net": net}, pending[2]
        pending = None
        last_bottom = text.line.bottom
        rows.append(_row(page, line, values, first, text))
    return rows, False


def _row(
    page: Page, text: LineText, numbers: dict[str, Decimal], first_x: float, last: LineText
) -> ReadLine:
    words = [w.text for w in text.line.words if w.x1 <= first_x]
    box = text.line.box if last is text else union_box([*text.line.words, *last.line.words])
    return ReadLine(
        description=" ".join(words).strip(),
        quantity=numbers.get("quantity"),
        unit_price=numbers.get("unit_price"),
        net=numbers["net"],
        vat_rate=numbers.get("vat_rate"),
        page=page.number,
        box=box,
    )


def _carried(text: LineText) -> bool:
    """A carried-forward line: the words and one sum (an item called "Transport" has a
    quantity and a price too)."""
    if not _CARRIED.search(fold(text.text.lower())):
        return False
    return len(find_amounts(text.text.replace("%", " "), whole=True)) <= 1


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
