"""One number for auto-approval: the probability that the voucher is entirely right.

A voucher is right when what was read is right (supplier, invoice number, dates, amounts,
KID and bank account) and what was proposed is right (every line's account and VAT code).
Kontera has a calibrated probability for each part: the reader's per field, the model's per
account and per VAT code. Here they become one:

- reading: the product over the fields a voucher carries. An e-invoice's fields come from
  the XML (confidence 1); a PDF's are read one by one, and their errors are close to
  independent (a misread date says little about the amount) — except the amounts: net, VAT
  and the amount to pay that add up were not misread one by one, and count once;
- postings: per line, account × VAT code; over the lines the *weakest* line, because the
  lines of one invoice are decided by the same evidence (the supplier's habit) and fail
  together rather than one by one.

The supplier's track record refines the reading: a value its invoices always carry (org.nr,
VAT id, currency, bank account) that people approved on its last invoices is confirmed when
read again; every other field's confidence is weighed, as a Beta prior worth
READER_PRIOR_INVOICES invoices, against how often a person found that field right on this
supplier's last invoices. `kontera.suggest.policy` compares the result with the
company's threshold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field

from kontera.domain.invoice import Invoice
from kontera.domain.money import ZERO
from kontera.domain.suggestion import LineSuggestion
from kontera.domain.suggestion import Suggestion

# What a voucher (and the payment made from it) carries, in interpretation-JSON paths.
VOUCHER_FIELDS = (
    "seller.org_number",
    "seller.vat_id",
    "invoice_number",
    "issue_date",
    "due_date",
    "currency",
    "totals.net",
    "totals.vat",
    "totals.payable",
    "payment.kid",
    "payment.bank_account",
    "payment.iban",
    "payment.bankgiro",
)


# Three amounts that add up (net + VAT = payable) were not misread one by one: a misread digit
# breaks the sum. So they count once, at the weakest amount's confidence. Held out over the
# layout families (benchmarks/pdf_accuracy.py --leave-family-out, the documents'
# reliability) the Brier score of P(read entirely right) falls 0.138 → 0.128 (text) and
# 0.243 → 0.228 (scans), and the text documents at 0.95–0.98 are right 92 % (83/90), where
# counted three times 75 % (15/20): better, still not enough to post a PDF on its reading
# alone, which is why a supplier must earn its PDFs first (kontera.suggest.policy).
AGREEING_TOTALS = ("totals.net", "totals.vat", "totals.payable")
READER_PRIOR_INVOICES = 20.0
# Values a supplier's invoices always carry: where people approved its invoices with one
# value, the same value read again is confirmed (services.suggest.confirmed_values). The
# name is not on the voucher (the supplier is found by its numbers), but a reader unsure of
# a name people approved letter for letter need not send the invoice to review for it.
STABLE_FIELDS = (
    "seller.name",
    "seller.org_number",
    "seller.vat_id",
    "currency",
    "payment.bank_account",
    "payment.iban",
    "payment.bankgiro",
)
# A confirmed value is wrong only if the reader found the very digits a person approved
# before by mistake, or people approved a wrong one: not observed in the bureau month
# (docs/bureau-month.md), kept below 1 so that a voucher is never certain.
CONFIRMED = 0.999
# A value the supplier's invoices always carried, read otherwise this time: the reader
# misread it or the supplier changed it (a new bank account, another company), and nothing
# in the document says which. Even odds: such a voucher never posts itself, and the review
# names the value people approved (`kontera.services.review.rules`).
CONTRADICTED = 0.5
_SEPARATORS = re.compile(r"[\s.\-]")


@dataclass(frozen=True, slots=True)
class TrackRecord:
    """What a person did with this supplier's last invoices (see services.track_record)."""

    reviewed: int = 0
    unchanged: int = 0  # approved exactly as read and proposed
    corrected_fields: frozenset[str] = frozenset()
    postings_changed: int = 0
    confirmed: dict[str, str] = field(default_factory=dict)  # stable field → approved value

    def earned(self, invoices: int) -> bool:
        return invoices > 0 and self.reviewed >= invoices and self.unchanged == self.reviewed


def confirmed_fields(invoice: Invoice, track: TrackRecord) -> list[str]:
    """The stable fields read with the value people approved on the supplier's invoices."""
    return [
        path
        for path, value in track.confirmed.items()
        if (found := invoice.fields.get(path)) is not None
        and comparable(path, found.value) == comparable(path, value)
    ]


def contradicted_fields(invoice: Invoice, track: TrackRecord) -> dict[str, str]:
    """The voucher's stable fields read with another value than the one people approved on
    the supplier's last invoices, each with the approved value."""
    return {
        path: value
        for path, value in track.confirmed.items()
        if path in VOUCHER_FIELDS
        and (found := invoice.fields.get(path)) is not None
        and found.value not in (None, "")
        and comparable(path, found.value) != comparable(path, value)
    }


def comparable(path: str, value: object) -> str:
    """An identifier as its digits and letters: an EHF's "NO976967631MVA" and a PDF's
    "NO 976 967 631 MVA" are one value. A name is compared letter for letter."""
    text = str(value)
    return text if path == "seller.name" else _SEPARATORS.sub("", text).upper()


def reading_confidence(invoice: Invoice, track: TrackRecord | None = None) -> float:
    """P(every field the voucher carries was read right)."""
    track = track or TrackRecord()
    confirmed = confirmed_fields(invoice, track)
    contradicted = contradicted_fields(invoice, track)
    field_probability = {
        path: _field_probability(found.confidence, path, confirmed, track, contradicted)
        for path in VOUCHER_FIELDS
        if (found := invoice.fields.get(path)) is not None and found.value not in (None, "")
    }
    if totals_agree(invoice):
        weakest = min(field_probability.pop(path) for path in AGREEING_TOTALS)
        field_probability["totals"] = weakest
    probability = 1.0
    for value in field_probability.values():
        probability *= value
    return probability


def _field_probability(
    reader: float,
    path: str,
    confirmed: list[str],
    track: TrackRecord,
    contradicted: dict[str, str],
) -> float:
    reader = min(1.0, max(0.0, reader))
    if path in confirmed:
        return max(reader, CONFIRMED)
    if path in contradicted:
        return min(reader, CONTRADICTED)
    right = track.reviewed - (1 if path in track.corrected_fields else 0)
    return (READER_PRIOR_INVOICES * reader + right) / (READER_PRIOR_INVOICES + track.reviewed)


def gross_adds_up(invoice: Invoice) -> bool:
    """The total incl. VAT is the net plus the VAT, and those agree with the amount to pay:
    a doubt about the total alone is settled by the three amounts around it."""
    totals = invoice.totals
    if not totals_agree(invoice) or totals.gross is None or "totals.gross" not in invoice.fields:
        return False
    assert totals.net is not None and totals.vat is not None  # totals_agree saw them
    return totals.gross == totals.net + totals.vat


def totals_agree(invoice: Invoice) -> bool:
    """Net + VAT is the amount to pay, as read: then the three stand or fall together."""
    if any(path not in invoice.fields for path in AGREEING_TOTALS):
        return False
    totals = invoice.totals
    if totals.net is None or totals.vat is None or totals.payable is None:
        return False
    prepaid = totals.prepaid or ZERO
    rounding = totals.rounding or ZERO
    return totals.net + totals.vat - prepaid + rounding == totals.payable


def line_confidence(line: LineSuggestion) -> float:
    if line.abstained or not line.account or not line.vat_code:
        return 0.0
    return line.confidence * line.vat_confidence


def posting_confidence(suggestion: Suggestion) -> float:
    """P(every line's account and VAT code is right): the weakest line's."""
    if not suggestion.lines:
        return 0.0
    return min(line_confidence(line) for line in suggestion.lines)


def voucher_confidence(
    invoice: Invoice, suggestion: Suggestion, track: TrackRecord | None = None
) -> float:
    return reading_confidence(invoice, track) * posting_confidence(suggestion)
