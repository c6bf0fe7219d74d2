"""Pooling candidates into one choice per field, with an uncalibrated score.

The score rewards a strong label near the value, agreement between several places on the
page, a check digit or arithmetic that holds, and a clear lead over the runner-up; it punishes
shaky OCR. `calibration.py` turns it into a probability.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import replace
from typing import Any

from kontera.domain.fields import Box
from kontera.interpret.fields.candidates import Candidate

# Calibration groups: fields whose errors behave alike share a table.
GROUPS = {
    "invoice_number": "reference",
    "issue_date": "date",
    "due_date": "date",
    "currency": "code",
    "references.preceding_invoices": "reference",
    "seller.name": "text",
    "seller.vat_id": "identifier",
    "seller.org_number": "identifier",
    "payment.iban": "identifier",
    "payment.bic": "identifier",
    "payment.kid": "identifier",
    "payment.bank_account": "identifier",
    "payment.bankgiro": "identifier",
    "payment.plusgiro": "identifier",
}


@dataclass(frozen=True, slots=True)
class Choice:
    path: str
    value: Any
    raw: float  # uncalibrated score in 0..1
    page: int | None
    box: Box | None
    evidence: str = ""
    # Set by the learned reader, which calibrates its own scores (reader_model.py).
    group_name: str = ""
    confidence: float | None = None

    @property
    def group(self) -> str:
        return self.group_name or GROUPS.get(self.path, "amount")


@dataclass(frozen=True, slots=True)
class Pooled:
    value: Any
    score: float
    best: Candidate
    support: int


def pool(
    candidates: Iterable[Candidate], *, check: Callable[[Any], bool] | None = None
) -> list[Pooled]:
    """Group candidates by value; best first. A check digit that holds adds to the score."""
    by_value: dict[Any, list[Candidate]] = {}
    for candidate in candidates:
        by_value.setdefault(candidate.value, []).append(candidate)
    pooled = []
    for value, group in by_value.items():
        best = max(group, key=lambda c: c.label)
        # Agreement counts only between strong labels: weak ones ("Nr", "den") agree by chance.
        strong = sum(1 for c in group if c.label >= 0.6)
        score = best.label + 0.08 * min(max(strong - 1, 0), 3)
        if check is not None:
            score += 0.25 if check(value) else -0.15
        score *= 0.4 + 0.6 * best.ocr_conf
        pooled.append(Pooled(value, score, best, len(group)))
    return sorted(pooled, key=lambda p: (-p.score, p.best.page, p.best.line_index))


def decide(path: str, pooled: list[Pooled], *, floor: float = 0.05) -> Choice | None:
    """The leading value, scored by its own strength and its lead over the runner-up."""
    if not pooled or pooled[0].score < floor:
        return None
    first = pooled[0]
    second = pooled[1].score if len(pooled) > 1 else 0.0
    raw = 0.65 * min(first.score, 1.2) / 1.2 + 0.35 * max(0.0, min(1.0, first.score - second))
    return Choice(
        path,
        first.value,
        round(min(raw, 1.0), 4),
        first.best.page,
        first.best.box,
        first.best.label_text,
    )


def adjusted(choice: Choice, factor: float) -> Choice:
    return replace(choice, raw=round(max(0.0, min(1.0, choice.raw * factor)), 4))
