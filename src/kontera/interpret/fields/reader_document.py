"""What the features of one value need to know about the whole document it is on.

Every value found on the pages (`reader_hits`, plus the seller-name phrases of the first page
outside the item table), the amounts and dates among them in order, how often each repeats, the
sum of the line items, what is labelled as paid already, the block (seller or buyer) each
identifier sits in, and which amounts sum the ones above them in their column.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from kontera.interpret.fields.line_items import read_line_items
from kontera.interpret.fields.reader_concepts import CONCEPT_INDEX
from kontera.interpret.fields.reader_hits import Hit
from kontera.interpret.fields.reader_hits import page_hits
from kontera.interpret.fields.reader_hits import page_segments
from kontera.interpret.fields.reader_name_features import NameContext
from kontera.interpret.fields.reader_names import NAME
from kontera.interpret.fields.reader_names import name_hits
from kontera.interpret.fields.seller import cells
from kontera.interpret.fields.seller import role_at
from kontera.interpret.textpage import Page


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
            table = table_lines(pages[0])
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


def table_lines(page: Page) -> set[int]:
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
