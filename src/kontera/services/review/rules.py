"""Why a person must look at a document before it can be approved, in plain words."""

from __future__ import annotations

from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Note
from kontera.domain.invoice import Severity
from kontera.domain.messages import Message
from kontera.domain.messages import as_message
from kontera.domain.messages import msg
from kontera.domain.suggestion import Suggestion
from kontera.i18n.labels import field_label
from kontera.suggest.voucher_confidence import gross_adds_up

FIELD_CONFIDENCE_FLOOR = 0.9
SUGGESTION_CONFIDENCE_FLOOR = 0.5
KEY_FIELDS = ("invoice_number", "issue_date", "currency", "totals.payable", "totals.gross")
LOW_CONFIDENCE = "low_confidence"  # the reader's note on a field it is unsure of
# A changed bank account has its own warning (kontera.interpret.matching, "bank_account_changed").
_NAMED_ELSEWHERE = frozenset({"payment.bank_account", "payment.iban", "payment.bankgiro"})


def review_reasons(invoice: Invoice, suggestion: Suggestion) -> list[Message]:
    settled = set(suggestion.confirmed_fields)
    if gross_adds_up(invoice):
        settled.add("totals.gross")
    serious = [
        note
        for note in invoice.notes
        if note.severity is not Severity.INFO and not _settled(note, settled)
    ][:5]
    reasons = [_note_text(note) for note in serious] + _contradictions(invoice, suggestion)
    unsure = [
        path
        for path in KEY_FIELDS
        if path in invoice.fields
        and invoice.fields[path].confidence < FIELD_CONFIDENCE_FLOOR
        and path not in settled
    ]
    if unsure:
        names = tuple(field_label(path) for path in unsure)
        reasons.append(msg("Kontera is not sure of: {fields}.", fields=names))
    missing = [line.line_index + 1 for line in suggestion.lines if line.abstained]
    if missing:
        reasons.append(
            msg("No account could be suggested for line {lines}.", lines=tuple(map(str, missing)))
        )
    weak = [
        line
        for line in suggestion.lines
        if not line.abstained and line.confidence < SUGGESTION_CONFIDENCE_FLOOR
    ]
    if weak:
        lines = tuple(
            msg(
                "{line} ({percent} %)",
                line=line.line_index + 1,
                percent=round(line.confidence * 100),
            )
            for line in weak
        )
        reasons.append(msg("Kontera is unsure of the account for line {lines}.", lines=lines))
    return reasons


def _contradictions(invoice: Invoice, suggestion: Suggestion) -> list[Message]:
    """A value the supplier's invoices always carried, read otherwise: a misreading to fix
    with the approved value, or a change for a person to confirm."""
    return [
        msg(
            "{field} was read as {read}, but this supplier's last invoices, approved by a "
            "person, said {approved}.",
            field=field_label(path),
            read=str(invoice.fields[path].value),
            approved=approved,
        )
        for path, approved in suggestion.contradicted_fields.items()
        if path not in _NAMED_ELSEWHERE and path in invoice.fields
    ]


def _settled(note: Note, confirmed: set[str]) -> bool:
    """A reader's doubt about a value people approved on the supplier's last invoices."""
    return note.code == LOW_CONFIDENCE and note.field in confirmed


def _note_text(note: Note) -> Message:
    """The note as a message; a rule's id is kept beside it, as in the English."""
    if note.text is None:
        return as_message(note.message)
    if note.rule_id:
        return msg("{text} ({rule})", text=note.text, rule=note.rule_id)
    return note.text
