"""Features of each (value, field) pair, chosen to mean the same on every layout.

A row says how strongly the words left of, above and over the column of a value name the
field (and how strongly they name a rival field or something else entirely: an order, a
customer, a prepayment), where the value sits and in what type, what it looks like, and how
it agrees with the rest of the document — net + VAT = gross, a due date some days after
another date, line amounts that sum to it, a check digit that holds. No feature names a
particular layout, position or word list of one producer.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from kontera.domain import identifiers as ids
from kontera.domain.fields import Source
from kontera.interpret.fields.line_items import read_line_items
from kontera.interpret.fields.reader_hits import CONCEPT_INDEX
from kontera.interpret.fields.reader_hits import CONTEXT_NAMES
from kontera.interpret.fields.reader_hits import FIELD_KIND
from kontera.interpret.fields.reader_hits import KIND_FIELDS
from kontera.interpret.fields.reader_hits import LABEL_FIELDS
from kontera.interpret.fields.reader_hits import Hit
from kontera.interpret.fields.reader_hits import page_hits
from kontera.interpret.fields.reader_hits import page_segments
from kontera.interpret.fields.reader_name_features import NAME_FEATURES
from kontera.interpret.fields.reader_name_features import NameContext
from kontera.interpret.fields.reader_name_features import name_features
from kontera.interpret.fields.reader_names import NAME
from kontera.interpret.fields.reader_names import name_hits
from kontera.interpret.fields.seller import cells
from kontera.interpret.fields.seller import role_at
from kontera.interpret.textpage import Page

FIELDS = tuple(FIELD_KIND)
FIELD_CODE = {field: i for i, field in enumerate(FIELDS)}
_RATES = [
    Decimal(r)
    for r in ("25", "24", "21", "20", "19", "15", "14", "12", "10", "9", "8", "7", "6", "5.5", "5")
]
_CHECKS = {
    "iban": ids.valid_iban,
    "vat_id": ids.valid_vat_id,
}


def _names() -> list[str]:
    names = ["field"]
    names += [f"label_{where}" for where in ("near", "line", "above", "header", "right")]
    names += [f"rival_{where}" for where in ("near", "line", "above", "header")]
    names += ["other_near", "other_above", "label_nearest", "rival_nearest"]
    names += [f"near_{name}" for name in CONTEXT_NAMES]
    names += [f"above_{name}" for name in CONTEXT_NAMES]
    names += ["right_rate", "right_tax_id", "right_any"]
    names += [
        "gap",
        "above_steps",
        "above_dy",
        "above_dx0",
        "above_dx1",
        "header_steps",
        "x0",
        "x1",
        "top",
        "page_position",
        "first_page",
        "last_page",
        "pages",
        "height_ratio",
        "bold",
        "in_table",
        "from_right",
        "same_kind_on_line",
        "ocr_conf",
        "ocr",
        "synthetic",
        "place_before",
        "reread",
    ]
    names += ["chars", "digits", "digit_share", "letters", "separators"]
    names += [
        "amount_log",
        "negative",
        "amount_rank",
        "is_largest",
        "repeats",
        "gross_like",
        "net_like",
        "vat_like",
        "vat_rate_exact",
        "line_sum",
        "gross_less_prepaid",
        "column_sum",
    ]
    names += ["date_rank", "earliest", "latest", "dates", "later_date_5_90", "earlier_date_5_90"]
    names += ["check_digit", "seller_block", "buyer_block"]
    names += [f"name_{name}" for name in NAME_FEATURES]
    return names


FEATURES = _names()


@dataclass(frozen=True, slots=True)
class Candidate:
    """One value that may be `field`, with the feature row the model scores."""

    field: str
    hit: Hit
    row: list[float]


@dataclass
class Document:
    """What the features of one value need to know about the whole document."""

    pages: list[Page]
    hits: list[Hit]
    amounts: set[Decimal]
    amount_order: dict[Decimal, float]
    repeats: dict[tuple[str, Any], int]
    dates: list[date]
    line_sum: Decimal | None
    prepaid: dict[Decimal, Hit]  # amounts labelled as paid already
    median_height: float
    roles: dict[tuple[int, int, float], str]
    column_sums: set[tuple[int, int, float]]  # amounts that sum the ones above them
    names: NameContext  # what the seller-name features compare a name with

    @classmethod
    def of(cls, pages: list[Page], extra: Sequence[Hit] = ()) -> Document:
        hits = [h for page in pages for h in page_hits(page)] + list(extra)
        if pages:
            table = _table_lines(pages[0])
            hits += [h for h in name_hits(pages[0]) if h.line not in table]
        amounts = {abs(h.value) for h in hits if h.kind == "amount"}
        ranked = sorted(amounts, reverse=True)
        order = {v: i / max(len(ranked) - 1, 1) for i, v in enumerate(ranked)}
        repeats: dict[tuple[str, Any], int] = {}
        for h in hits:
            key = (h.kind, abs(h.value) if h.kind == "amount" else h.value)
            repeats[key] = repeats.get(key, 0) + 1
        rows = read_line_items(pages)
        roles = _roles(pages, hits)
        heights = [w.height for page in pages for w in page.words] or [10.0]
        prepaid = {
            abs(h.value): h
            for h in hits
            if h.kind == "amount" and h.context.line[CONCEPT_INDEX["prepaid"]] > 0
        }
        return cls(
            pages=pages,
            hits=hits,
            amounts=amounts,
            amount_order=order,
            repeats=repeats,
            dates=sorted({h.value for h in hits if h.kind == "date"}),
            line_sum=sum((abs(r.net) for r in rows), Decimal(0)) if rows else None,
            prepaid=prepaid,
            median_height=statistics.median(heights),
            roles=roles,
            column_sums=_column_sums(hits),
            names=NameContext.of(pages, hits, roles),
        )


def _column_sums(hits: list[Hit]) -> set[tuple[int, int, float]]:
    """Amounts that are the sum of two or more amounts right above them in their column (the
    sum row of a summary table, a total under the line amounts)."""
    columns: dict[tuple[int, int], list[Hit]] = {}
    for hit in hits:
        if hit.kind == "amount" and not hit.synthetic:
            columns.setdefault((hit.page, round(hit.box.x1 / 3)), []).append(hit)
    found = set()
    for column in columns.values():
        column.sort(key=lambda h: h.line)
        for i, hit in enumerate(column):
            total = Decimal(0)
            for count, above in enumerate(reversed(column[:i]), start=1):
                total += abs(above.value)
                if count >= 2 and total == abs(hit.value):
                    found.add((hit.page, hit.line, hit.box.x0))
                    break
                if total > abs(hit.value):
                    break
    return found


def _roles(pages: list[Page], hits: list[Hit]) -> dict[tuple[int, int, float], str]:
    """Seller or buyer block of each identifier (a buyer's VAT id is not the seller's)."""
    roles: dict[tuple[int, int, float], str] = {}
    by_page = {page.number: page for page in pages}
    for hit in hits:
        if hit.kind in ("vat_id", "org", "iban", "account", NAME):
            page_cells = cells(by_page[hit.page])
            roles[(hit.page, hit.line, hit.box.x0)] = role_at(page_cells, hit.line, hit.box)
    return roles


def candidates(document: Document) -> list[Candidate]:
    """Every (value, field) pair of the document with its feature row."""
    found = []
    last_page = max((p.number for p in document.pages), default=1)
    tables = {page.number: _table_lines(page) for page in document.pages}
    sizes = {page.number: (page.width, page.height) for page in document.pages}
    sources = {page.number: page.source for page in document.pages}
    line_kinds = _line_positions(document.hits)
    for hit in document.hits:
        shared = _shared(hit, document, last_page, tables, sizes, sources, line_kinds)
        for field in KIND_FIELDS.get(hit.kind, ()):
            found.append(Candidate(field, hit, _row(field, hit, shared)))
    return found


def _row(field: str, hit: Hit, shared: list[float]) -> list[float]:
    c = hit.context
    # A seller's name has no label of its own in `labels.LABELS` (its block heading is the
    # seller_block feature): its own-label columns stay 0.
    index = CONCEPT_INDEX.get(field)
    rivals = [CONCEPT_INDEX[f] for f in KIND_FIELDS[hit.kind] if f != field]
    others = [CONCEPT_INDEX[f] for f in LABEL_FIELDS if FIELD_KIND.get(f) != hit.kind]
    row = [float(FIELD_CODE[field])]
    if index is None:
        row += [0.0] * 5
    else:
        row += [c.near[index], c.line[index], c.above[index], c.header[index], c.right[index]]
    row += [
        max((vector[i] for i in rivals), default=0.0)
        for vector in (c.near, c.line, c.above, c.header)
    ]
    row += [max(c.near[i] for i in others), max(c.above[i] for i in others)]
    # Left, above or over the column: a label names its value whichever way a layout sets it.
    nearest = [c.near, c.above, c.header]
    row += [
        max(v[index] for v in nearest) if index is not None else 0.0,
        max((v[i] for v in nearest for i in rivals), default=0.0),
    ]
    return row + shared


_CONTEXT_SLICE = slice(len(LABEL_FIELDS), len(LABEL_FIELDS) + len(CONTEXT_NAMES))


def _shared(
    hit: Hit,
    document: Document,
    last_page: int,
    tables: dict[int, set[int]],
    sizes: dict[int, tuple[float, float]],
    sources: dict[int, Source],
    line_kinds: dict[tuple[int, int, float], tuple[int, int]],
) -> list[float]:
    """The part of a row that does not depend on the field asked about."""
    c = hit.context
    width, height = sizes[hit.page]
    any_label = [i for name, i in CONCEPT_INDEX.items() if name in LABEL_FIELDS]
    row = list(c.near[_CONTEXT_SLICE]) + [
        max(a, h) for a, h in zip(c.above[_CONTEXT_SLICE], c.header[_CONTEXT_SLICE], strict=True)
    ]
    row += [
        c.right[CONCEPT_INDEX["rate"]],
        c.right[CONCEPT_INDEX["tax_id"]],
        max(c.right[i] for i in any_label),
    ]
    from_right, on_line = line_kinds.get((hit.page, hit.line, hit.box.x0), (0, 1))
    row += [
        c.gap,
        float(c.above_steps),
        c.above_dy,
        c.above_dx0,
        c.above_dx1,
        float(c.header_steps),
        hit.box.x0 / width,
        hit.box.x1 / width,
        hit.box.top / height,
        (hit.page - 1) / max(last_page - 1, 1),
        float(hit.page == 1),
        float(hit.page == last_page),
        float(last_page),
        hit.height / max(document.median_height, 1.0),
        float(hit.bold),
        float(hit.line in tables[hit.page]),
        float(from_right),
        float(on_line),
        hit.conf,
        float(sources[hit.page] is Source.OCR),
        float(hit.synthetic),
        float(c.place_before),
        float(hit.reread),
    ]
    # A name's letters are not described: the generator's few buyer names would be learned.
    row += _shape(str(hit.value) if hit.kind not in ("date", NAME) else "")
    row += _amount(hit, document) if hit.kind == "amount" else [math.nan] * 12
    row += _date(hit, document) if hit.kind == "date" else [math.nan] * 6
    row += _identifier(hit, document)
    row += (
        name_features(hit, document.names) if hit.kind == NAME else [math.nan] * len(NAME_FEATURES)
    )
    return row


def _shape(text: str) -> list[float]:
    if not text:
        return [math.nan] * 5
    digits = sum(ch.isdigit() for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    return [
        float(len(text)),
        float(digits),
        digits / len(text),
        float(letters),
        float(sum(ch in "-/._#" for ch in text)),
    ]


def _amount(hit: Hit, document: Document) -> list[float]:
    value = abs(hit.value)
    amounts = document.amounts
    gross_like = net_like = vat_like = rate_exact = False
    for other in amounts:
        if other <= 0 or other == value:
            continue
        rest = value - other
        if 0 < rest <= other * Decimal("0.3") and rest in amounts:
            gross_like = True
        if other <= value * Decimal("0.3") and value + other in amounts:
            net_like = True
        if value <= other * Decimal("0.3") and other + value in amounts:
            vat_like = True
            rate = value * 100 / other
            rate_exact = rate_exact or any(abs(rate - r) < Decimal("0.05") for r in _RATES)
    less_prepaid = any(value + p in amounts for p in document.prepaid if p != value)
    return [
        math.log10(float(value) + 1.0),
        float(hit.value < 0),
        document.amount_order.get(value, 1.0),
        float(document.amount_order.get(value, 1.0) == 0.0),
        float(document.repeats.get(("amount", value), 1)),
        float(gross_like),
        float(net_like),
        float(vat_like),
        float(rate_exact),
        float(document.line_sum is not None and document.line_sum == value),
        float(less_prepaid),
        float((hit.page, hit.line, hit.box.x0) in document.column_sums),
    ]


def _date(hit: Hit, document: Document) -> list[float]:
    dates = document.dates
    value: date = hit.value
    position = dates.index(value)
    later = any(5 <= (d - value).days <= 90 for d in dates)
    earlier = any(5 <= (value - d).days <= 90 for d in dates)
    return [
        position / max(len(dates) - 1, 1),
        float(position == 0),
        float(position == len(dates) - 1),
        float(len(dates)),
        float(later),
        float(earlier),
    ]


def _identifier(hit: Hit, document: Document) -> list[float]:
    check = _CHECKS.get(hit.kind)
    valid = (
        float(check(hit.value)) if check is not None else (1.0 if hit.kind != "ref" else math.nan)
    )
    role = document.roles.get((hit.page, hit.line, hit.box.x0), "")
    return [valid, float(role == "seller"), float(role == "buyer")]


def _line_positions(hits: list[Hit]) -> dict[tuple[int, int, float], tuple[int, int]]:
    """For each value, its place among same-kind values on its line, counted from the right
    (the rightmost amount on a totals line is the total), and how many there are."""
    by_line: dict[tuple[int, int, str], list[Hit]] = {}
    for hit in hits:
        by_line.setdefault((hit.page, hit.line, hit.kind), []).append(hit)
    positions = {}
    for group in by_line.values():
        ordered = sorted(group, key=lambda h: -h.box.x1)
        for i, hit in enumerate(ordered):
            positions[(hit.page, hit.line, hit.box.x0)] = (i, len(group))
    return positions


def _table_lines(page: Page) -> set[int]:
    """Lines of the item table: after a header naming description and amount columns, until
    a line that names a total."""
    if "table_lines" in page.derived:
        found: set[int] = page.derived["table_lines"]
        return found
    from kontera.interpret.fields.candidates import page_texts
    from kontera.interpret.fields.line_items import header_columns

    texts = page_texts(page)
    found = set()
    inside = False
    for index, text in enumerate(texts):
        if header_columns(text) is not None:
            inside = True
            continue
        if inside and _totals_line(page, index):
            inside = False
        if inside:
            found.add(index)
    page.derived["table_lines"] = found
    return found


_TOTAL_CONCEPTS = [
    CONCEPT_INDEX[t] for t in ("totals.net", "totals.vat", "totals.gross", "totals.payable")
] + [CONCEPT_INDEX["carried"]]


def _totals_line(page: Page, index: int) -> bool:
    """A line that names a total anywhere (a label left of an amount, or a row of headings
    over the amounts) ends the item table."""
    segments = page_segments(page)[index]
    return any(max(s.vector[i] for i in _TOTAL_CONCEPTS) >= 0.5 for s in segments)
