"""The VAT code of every suggested line, for the company's country, with a confidence.

Whatever proposed the account (the company's model, its history, the cold-start model), the
VAT code is settled here, the same way for all of them:

1. The invoice line's own VAT category and rate, and the supplier's country, call for a code
   (`kontera.domain.vat_rules`). A code the company's habit chose is kept when it is one the
   invoice allows (deductible or not, in Norway 86/87, 88/89, 91/92); otherwise the rule's.
2. Where the invoice says nothing (no category, no rate), the account's habit decides.
3. With neither, the line abstains on VAT: no code, confidence 0 — a person chooses.

A document without lines but with several VAT rates gets one suggested line per rate, so a
PDF with 25 % and 15 % lines is not booked at one rate.

`vat_confidence` comes from how the code was found, calibrated on the corpus and histories
by `benchmarks/vat_accuracy.py` (its table prints the accuracy of each basis); a habit's is
the account's own record, shrunk towards what habits earn in general (`habit_confidence`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

from kontera.domain.invoice import Invoice
from kontera.domain.suggestion import LineSuggestion
from kontera.domain.suggestion import Suggestion
from kontera.domain.vat_rules import VatRule
from kontera.domain.vat_rules import no_vat_code
from kontera.domain.vat_rules import rule_for_invoice_line
from kontera.domain.vat_rules import rule_for_line

# Codes that answer the same invoice facts; which one is the company's choice (deduction).
_SIBLINGS = {
    "86": {"86", "87"},
    "88": {"88", "89"},
    "91": {"91", "92"},
    "1": {"1"},
    "0": {"0", "20", "85"},
}
_KNOWN_RATES = (Decimal(25), Decimal(15), Decimal(12), Decimal(6), Decimal("11.11"))
# Measured accuracy of each basis (benchmarks/vat_accuracy.py, held-out rows).
CONFIDENCE = {"rule": 0.99, "rule+habit": 0.97, "habit": 0.9, "none": 0.0}
# A habit's confidence is its account's own record, shrunk towards the measured accuracy of
# habits in general by the weight of this many lines (see `habit_confidence`).
HABIT_PRIOR_LINES = 20.0


def settle_vat(
    suggestion: Suggestion,
    invoice: Invoice,
    home: str,
    habits: Mapping[str, Counter[str]] | None = None,
) -> Suggestion:
    """The suggestion with every line's VAT code and `vat_confidence` settled (new lines)."""
    lines = _split_by_rate(suggestion.lines, invoice, home)
    settled = [_settle(line, invoice, home, habits or {}) for line in lines]
    return replace(suggestion, lines=settled)


def _settle(
    line: LineSuggestion, invoice: Invoice, home: str, habits: Mapping[str, Counter[str]]
) -> LineSuggestion:
    return settle_line(line, _rule(line, invoice, home), habits)


def settle_line(
    line: LineSuggestion, rule: VatRule, habits: Mapping[str, Counter[str]]
) -> LineSuggestion:
    """One line's code from what the invoice calls for and the account's habit."""
    habit = _habit(line, habits)
    if rule.code is not None:
        siblings = _SIBLINGS.get(rule.code, {rule.code})
        for code in (line.vat_code, habit):
            if code is not None and code in siblings and code != rule.code:
                return _with(line, code, "rule+habit", f"{rule.why}; as usual on this account")
        return _with(line, rule.code, "rule", rule.why)
    if line.vat_code or habit:
        code = line.vat_code or habit
        sure = habit_confidence(habits.get(line.account or ""), code)
        return _with(
            line, code, "habit", f"{rule.why}; the code this account usually gets", sure=sure
        )
    return _with(line, None, "none", f"{rule.why}, and no earlier postings to go by")


def _rule(line: LineSuggestion, invoice: Invoice, home: str) -> VatRule:
    if invoice.lines:
        if 0 <= line.line_index < len(invoice.lines):
            return rule_for_invoice_line(invoice, line.line_index, home)
        return VatRule(None, "the line is not one of the invoice's lines")
    rated = [b for b in invoice.vat_breakdown if b.taxable]
    if line.vat_rate_hint is not None:
        same = [b for b in rated if b.rate == line.vat_rate_hint]
        category = same[0].category if same else "S"
        return rule_for_line(category, line.vat_rate_hint, invoice.seller.country, home)
    if len(rated) == 1:
        only = rated[0]
        return rule_for_line(only.category, only.rate, invoice.seller.country, home)
    if not rated and invoice.totals.vat == 0 and invoice.totals.net:
        return VatRule(no_vat_code(home), "the invoice has no VAT")
    implied = _implied_rate(invoice)
    if not rated and implied is not None:
        return rule_for_line("S", implied, invoice.seller.country, home)
    return VatRule(None, "the invoice gives no VAT rate for the line")


def _implied_rate(invoice: Invoice) -> Decimal | None:
    """The one rate the totals imply (VAT ÷ net), when it is one of the known rates."""
    net, vat = invoice.totals.net, invoice.totals.vat
    if not net or vat is None:
        return None
    percent = vat / net * 100
    for rate in _KNOWN_RATES:
        if abs(percent - rate) <= Decimal("0.05"):
            return rate
    return None


def _habit(line: LineSuggestion, habits: Mapping[str, Counter[str]]) -> str | None:
    counts = habits.get(line.account or "")
    if not counts:
        return None
    return counts.most_common(1)[0][0]


def habit_confidence(counts: Counter[str] | None, code: str | None) -> float:
    """P(the account's usual code is right this time), from how usual it is on the account.

    Habits are right 90 % of the time over all accounts, but an account that got one code on
    each of its 400 lines is not an account whose lines split 60/40. Its own share of `code`
    is weighed against the general figure as if that were HABIT_PRIOR_LINES lines, and never
    rises above what the invoice's own VAT facts earn (the "rule" basis).
    """
    general = CONFIDENCE["habit"]
    if not counts or code is None:
        return general
    lines = sum(counts.values())
    own = (counts[code] + HABIT_PRIOR_LINES * general) / (lines + HABIT_PRIOR_LINES)
    return min(CONFIDENCE["rule"], own)


def _with(
    line: LineSuggestion, code: str | None, basis: str, why: str, *, sure: float | None = None
) -> LineSuggestion:
    reason = line.reason.split(" VAT: ")[0]
    return replace(
        line,
        vat_code=code,
        vat_confidence=CONFIDENCE[basis] if sure is None else sure,
        reason=f"{reason} VAT: {why}.".strip(),
    )


def _split_by_rate(
    lines: list[LineSuggestion], invoice: Invoice, home: str
) -> list[LineSuggestion]:
    """One line per VAT rate when the document has no lines but several rates."""
    rated = [b for b in invoice.vat_breakdown if b.taxable]
    if invoice.lines or len(lines) != 1 or len(rated) < 2:
        return lines
    only = lines[0]
    return [
        replace(
            only,
            line_index=number,
            amount=b.taxable,
            vat_rate_hint=b.rate if b.rate is not None else Decimal(0),
            description=f"{only.description or ''} ({b.rate} %)".strip(),
        )
        for number, b in enumerate(rated)
    ]
