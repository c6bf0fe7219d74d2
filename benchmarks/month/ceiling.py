"""The ceiling: how many of the month's proposals were entirely right, whatever Kontera's
confidence in them, and where the invoices that did not post themselves were lost.

The ceiling is what touchless could reach with a perfect judge of its own proposals: every
part the precision check scores (supplier, invoice number, dates, currency, amounts, every
posting's account, VAT code and amount, KID and bank account; see `compare`) right as
Kontera proposed it, before anyone touched it. The gap between touchless and the ceiling is
what the policy and the reading checks held back of what was right; the gap between the
ceiling and 100 % is what was wrong, by its first cause.

The causes come from what the service records (the status reason of a document the checks
held, the policy's reason on the suggestion, the confidence it compared with its
threshold) and from the comparison with the truth.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from benchmarks.month.compare import entirely_right
from benchmarks.month.compare import field_errors
from benchmarks.month.compare import posting_parts_wrong
from benchmarks.month.compare import suggested_lines
from benchmarks.month.office import Outcome
from benchmarks.month.report import decided_view
from benchmarks.month.report import held_by_checks
from benchmarks.month.report import touchless

# The policy's reasons (their English text) → the rule that stopped a right proposal.
_POLICY_RULES = (
    ("below the threshold", "right but below the auto-approval threshold"),
    ("above the auto-approval limit", "right but above the amount limit"),
    ("usual amounts reach above", "right but above the amount limit"),
    ("Only e-invoices", "right but a PDF/scan of a supplier without a track record"),
    ("outside its usual range", "right but a PDF/scan outside the supplier's usual amounts"),
    ("no earlier amounts", "right but a PDF/scan outside the supplier's usual amounts"),
    ("no confident suggestion", "right but the model abstained on a line"),
    ("no exchange rate to", "right but in a currency without a stored rate"),
)
_READING_FIELDS = {
    "seller.org_number": "wrong: supplier",
    "seller.vat_id": "wrong: supplier",
    "invoice_number": "wrong: invoice number",
    "issue_date": "wrong: dates",
    "due_date": "wrong: dates",
    "currency": "wrong: currency",
    "totals.net": "wrong: totals read",
    "totals.vat": "wrong: totals read",
    "totals.payable": "wrong: totals read",
    "payment.kid": "wrong: KID/bank account",
    "payment.bank_account": "wrong: KID/bank account",
    "payment.bankgiro": "wrong: KID/bank account",
    "payment.iban": "wrong: KID/bank account",
}


@dataclass
class Ceiling:
    to_post: int = 0
    right: int = 0
    touchless_right: int = 0
    lost: Counter[str] = field(default_factory=Counter)  # not touchless, by first cause
    wrong_parts: Counter[str] = field(default_factory=Counter)  # every wrong part

    @property
    def share(self) -> float:
        return self.right / self.to_post if self.to_post else 0.0

    def json(self) -> dict[str, Any]:
        return {
            "ceiling": round(self.share, 4),
            "ceiling_breakdown": dict(self.lost.most_common()),
            "ceiling_wrong_parts": dict(self.wrong_parts.most_common()),
        }


def ceiling(outcomes: list[Outcome]) -> Ceiling:
    """The month's ceiling over the invoices that should be posted."""
    found = Ceiling()
    for o in outcomes:
        if o.truth.expected != "posted":
            continue
        found.to_post += 1
        view = decided_view(o) or {}
        lines = suggested_lines(view)
        right = bool(view) and entirely_right(view, o.truth, lines)
        found.right += int(right)
        if not right and view:
            found.wrong_parts.update(wrong_parts(view, o))
        if touchless(o):
            found.touchless_right += int(right)
            continue
        found.lost[right_cause(view, o) if right else wrong_cause(view, o)] += 1
    return found


def wrong_parts(view: dict[str, Any], o: Outcome) -> set[str]:
    fields = field_errors(view.get("invoice"), o.truth)
    return set(fields) | posting_parts_wrong(suggested_lines(view), o.truth)


def right_cause(view: dict[str, Any], o: Outcome) -> str:
    """Why a proposal that was entirely right did not post itself."""
    if o.released:
        return "right but released from the mail quarantine"
    if held_by_checks(view):
        return "right but held by reading checks"
    reason = str((view.get("suggestion") or {}).get("policy_reason") or "")
    for marker, label in _POLICY_RULES:
        if marker in reason:
            return label
    if o.person == "refused" or o.status not in ("posted", None):
        return "right but its posting failed or was refused"
    return f"right but held: {reason[:60]}" if reason else "right but held (no reason)"


def wrong_cause(view: dict[str, Any], o: Outcome) -> str:
    """The first thing wrong with a proposal, as a bookkeeper would name it."""
    if not view or o.status == "failed":
        return "wrong: not read"
    if o.truth.new_supplier:
        return "wrong: new supplier"
    lines = suggested_lines(view)
    if not lines:
        return "wrong: no postings proposed"
    postings = posting_parts_wrong(lines, o.truth)
    fields = field_errors(view.get("invoice"), o.truth)
    if "account" in postings:
        return "wrong account"
    if postings & {"amount", "lines"}:
        return "wrong amount/lines"
    if "vat_code" in postings:
        return "wrong VAT code"
    for path in _READING_FIELDS:
        if path in fields:
            return _READING_FIELDS[path]
    return "wrong: other"


def rows(found: Ceiling) -> list[list[object]]:
    """The breakdown as table rows, largest first."""
    share = found.to_post or 1
    return [[label, n, f"{n / share:.1%}"] for label, n in found.lost.most_common()]
