"""Why a person must look at a document before it can be approved, in plain words."""

from __future__ import annotations

from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Severity
from kontera.domain.suggestion import Suggestion

FIELD_CONFIDENCE_FLOOR = 0.9
SUGGESTION_CONFIDENCE_FLOOR = 0.5
KEY_FIELDS = ("invoice_number", "issue_date", "currency", "totals.payable", "totals.gross")


def review_reasons(invoice: Invoice, suggestion: Suggestion) -> list[str]:
    reasons = [f"{note.message}" for note in invoice.notes if note.severity is not Severity.INFO][
        :5
    ]
    unsure = [
        path
        for path in KEY_FIELDS
        if path in invoice.fields and invoice.fields[path].confidence < FIELD_CONFIDENCE_FLOOR
    ]
    if unsure:
        reasons.append("Kontera is not sure of: " + ", ".join(unsure) + ".")
    missing = [line.line_index + 1 for line in suggestion.lines if line.abstained]
    if missing:
        numbers = ", ".join(str(n) for n in missing)
        reasons.append(f"No account could be suggested for line {numbers}.")
    weak = [
        line
        for line in suggestion.lines
        if not line.abstained and line.confidence < SUGGESTION_CONFIDENCE_FLOOR
    ]
    if weak:
        lines = ", ".join(f"{line.line_index + 1} ({line.confidence:.0%})" for line in weak)
        reasons.append(f"Kontera is unsure of the account for line {lines}.")
    return reasons
