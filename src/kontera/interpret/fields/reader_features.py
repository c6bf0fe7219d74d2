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
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kontera.domain import identifiers as ids
from kontera.domain.fields import Source
from kontera.interpret.fields.reader_concepts import CONCEPT_INDEX
from kontera.interpret.fields.reader_concepts import CONTEXT_NAMES
from kontera.interpret.fields.reader_concepts import LABEL_FIELDS
from kontera.interpret.fields.reader_document import Document
from kontera.interpret.fields.reader_document import table_lines
from kontera.interpret.fields.reader_hits import FIELD_KIND
from kontera.interpret.fields.reader_hits import KIND_FIELDS
from kontera.interpret.fields.reader_hits import Hit
from kontera.interpret.fields.reader_name_features import NAME_FEATURES
from kontera.interpret.fields.reader_name_features import name_features
from kontera.interpret.fields.reader_names import NAME

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


_PLACE = [
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
_AMOUNT = [
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
_DATE = ["date_rank", "earliest", "latest", "dates", "later_date_5_90", "earlier_date_5_90"]


def _names() -> list[str]:
    names = ["field"]
    names += [f"label_{where}" for where in ("near", "line", "above", "header", "right")]
    names += [f"rival_{where}" for where in ("near", "line", "above", "header")]
    names += ["other_near", "other_above", "label_nearest", "rival_nearest"]
    names += [f"near_{name}" for name in CONTEXT_NAMES]
    names += [f"above_{name}" for name in CONTEXT_NAMES]
    names += ["right_rate", "right_tax_id", "right_any"]
    names += _PLACE
    names += ["chars", "digits", "digit_share", "letters", "separators"]
    names += _AMOUNT + _DATE
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


@dataclass(frozen=True)
class _Pages:
    """Per page, what a value's place is measured against."""

    last: int
    tables: dict[int, set[int]]
    sizes: dict[int, tuple[float, float]]
    sources: dict[int, Source]
    line_kinds: dict[tuple[int, int, float], tuple[int, int]]

    @classmethod
    def of(cls, document: Document) -> _Pages:
        return cls(
            last=max((p.number for p in document.pages), default=1),
            tables={page.number: table_lines(page) for page in document.pages},
            sizes={page.number: (page.width, page.height) for page in document.pages},
            sources={page.number: page.source for page in document.pages},
            line_kinds=_line_positions(document.hits),
        )


def candidates(document: Document) -> list[Candidate]:
    """Every (value, field) pair of the document with its feature row."""
    found = []
    pages = _Pages.of(document)
    for hit in document.hits:
        shared = _shared(hit, document, pages)
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


def _shared(hit: Hit, document: Document, pages: _Pages) -> list[float]:
    """The part of a row that does not depend on the field asked about."""
    row = _context_words(hit) + _place(hit, document, pages)
    # A name's letters are not described: the generator's few buyer names would be learned.
    row += _shape(str(hit.value) if hit.kind not in ("date", NAME) else "")
    row += _amount(hit, document) if hit.kind == "amount" else [math.nan] * len(_AMOUNT)
    row += _date(hit, document) if hit.kind == "date" else [math.nan] * len(_DATE)
    row += _identifier(hit, document)
    row += (
        name_features(hit, document.names) if hit.kind == NAME else [math.nan] * len(NAME_FEATURES)
    )
    return row


def _context_words(hit: Hit) -> list[float]:
    """The context words left of the value, above it or over its column, and right of it."""
    c = hit.context
    any_label = [i for name, i in CONCEPT_INDEX.items() if name in LABEL_FIELDS]
    row = list(c.near[_CONTEXT_SLICE]) + [
        max(a, h) for a, h in zip(c.above[_CONTEXT_SLICE], c.header[_CONTEXT_SLICE], strict=True)
    ]
    row += [
        c.right[CONCEPT_INDEX["rate"]],
        c.right[CONCEPT_INDEX["tax_id"]],
        max(c.right[i] for i in any_label),
    ]
    return row


def _place(hit: Hit, document: Document, pages: _Pages) -> list[float]:
    """Where the value sits (in the order of `_PLACE`): relative to the words above it, on the
    page, in the document, in which type, and how it was read."""
    c = hit.context
    width, height = pages.sizes[hit.page]
    from_right, on_line = pages.line_kinds.get((hit.page, hit.line, hit.box.x0), (0, 1))
    return [
        c.gap,
        float(c.above_steps),
        c.above_dy,
        c.above_dx0,
        c.above_dx1,
        float(c.header_steps),
        hit.box.x0 / width,
        hit.box.x1 / width,
        hit.box.top / height,
        (hit.page - 1) / max(pages.last - 1, 1),
        float(hit.page == 1),
        float(hit.page == pages.last),
        float(pages.last),
        hit.height / max(document.median_height, 1.0),
        float(hit.bold),
        float(hit.line in pages.tables[hit.page]),
        float(from_right),
        float(on_line),
        hit.conf,
        float(pages.sources[hit.page] is Source.OCR),
        float(hit.synthetic),
        float(c.place_before),
        float(hit.reread),
    ]


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
