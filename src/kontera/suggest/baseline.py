"""The simplest honest suggester: each supplier's most frequent past account.

It is also the baseline every model is measured against.
"""

from __future__ import annotations

from collections import Counter
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from kontera.domain.invoice import Invoice
from kontera.domain.messages import msg
from kontera.domain.suggestion import Candidate
from kontera.domain.suggestion import LineSuggestion
from kontera.domain.suggestion import Suggestion


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One posted cost line of the past: who sent it and where it went."""

    supplier_key: str
    supplier_name: str
    account: str
    vat_code: str | None = None
    description: str = ""


class SupplierMajority:
    name = "supplier-majority"

    def __init__(self, rows: Iterable[HistoryRow]) -> None:
        self._counts: dict[str, Counter[tuple[str, str | None]]] = defaultdict(Counter)
        self._names: dict[str, str] = {}
        for row in rows:
            self._counts[row.supplier_key][(row.account, row.vat_code)] += 1
            self._names[row.supplier_key] = row.supplier_name

    def suggest(self, invoice: Invoice, supplier_key: str) -> Suggestion:
        counts = self._counts.get(supplier_key)
        lines = [
            self._suggest_line(index, counts, supplier_key)
            for index in range(max(1, len(invoice.lines)))
        ]
        for suggestion, line in zip(lines, invoice.lines, strict=False):
            suggestion.amount = line.net
            suggestion.description = line.description or line.item_name
        return Suggestion(lines=lines, model=self.name)

    def _suggest_line(
        self, index: int, counts: Counter[tuple[str, str | None]] | None, supplier_key: str
    ) -> LineSuggestion:
        if not counts:
            return LineSuggestion(
                line_index=index,
                account=None,
                vat_code=None,
                confidence=0.0,
                abstained=True,
            ).explained(msg("No earlier invoices from this supplier."))
        total = sum(counts.values())
        ranked = counts.most_common(3)
        (account, vat_code), top = ranked[0]
        name = self._names.get(supplier_key, supplier_key)
        return LineSuggestion(
            line_index=index,
            account=account,
            vat_code=vat_code,
            # Laplace-smoothed share, so one past invoice is not "certain".
            confidence=(top + 1) / (total + 2),
            alternatives=[Candidate(a, v, n / total) for (a, v), n in ranked],
        ).explained(
            msg(
                "{top} of the last {total} postings from {supplier} went to {account}.",
                top=top,
                total=total,
                supplier=name,
                account=account,
            )
        )
