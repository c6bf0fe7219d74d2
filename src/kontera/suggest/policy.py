"""Auto-approval: when may a suggestion be posted without a person looking at it?

A company sets a confidence threshold, a maximum amount, supplier allow/deny lists and whether
only e-invoices (structured XML, not read from a PDF or a scan) qualify. The threshold is
compared with one number, the probability that the whole voucher is right — what was read
and what is proposed (`kontera.suggest.voucher_confidence`).

A supplier also earns trust by its track record: when a person approved its last
`earn_after` invoices without correcting a field or a posting, its PDFs and scans may post
themselves too (still within the amount limit and the threshold), and each field those
invoices never needed corrected counts as confirmed evidence for the reading.

`decide` sets `Suggestion.auto_approvable`, `voucher_confidence` and says why in
`policy_reason` — the reason is shown in the review queue and written to the audit log, so it
names the rule that decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal

from kontera.domain.invoice import Invoice
from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.domain.suggestion import Suggestion
from kontera.suggest.history import supplier_key
from kontera.suggest.voucher_confidence import TrackRecord
from kontera.suggest.voucher_confidence import voucher_confidence

EARN_AFTER = 3
E_INVOICE_PROFILES = ("ehf", "peppol", "ubl", "cii", "xrechnung", "factur-x", "zugferd")


@dataclass(frozen=True, slots=True)
class AutoApprovalPolicy:
    enabled: bool = False
    threshold: float = 0.99
    max_amount: Decimal | None = None
    allow_suppliers: frozenset[str] = field(default_factory=frozenset)  # supplier keys
    deny_suppliers: frozenset[str] = field(default_factory=frozenset)
    e_invoices_only: bool = True
    earn_after: int = EARN_AFTER  # unchanged approvals that let its PDFs post (0: never)


def is_e_invoice(invoice: Invoice, source_kind: str | None = None) -> bool:
    """Structured XML (EHF/Peppol UBL, CII) as opposed to a PDF's text or a scan."""
    kind = (source_kind or invoice.profile or "").lower()
    return any(marker in kind for marker in E_INVOICE_PROFILES)


def decide(
    policy: AutoApprovalPolicy,
    invoice: Invoice,
    suggestion: Suggestion,
    *,
    source_kind: str | None = None,
    track: TrackRecord | None = None,
) -> Suggestion:
    """Set auto_approvable, voucher_confidence and policy_reason on the suggestion."""
    track = track or TrackRecord()
    suggestion.voucher_confidence = voucher_confidence(invoice, suggestion, track)
    approvable, reason = _verdict(policy, invoice, suggestion, source_kind, track)
    suggestion.auto_approvable = approvable
    suggestion.policy_reason, suggestion.policy_text = str(reason), reason
    return suggestion


def _verdict(
    policy: AutoApprovalPolicy,
    invoice: Invoice,
    suggestion: Suggestion,
    source_kind: str | None,
    track: TrackRecord,
) -> tuple[bool, Message]:
    key = supplier_key(None, invoice.seller.org_number, invoice.seller.name)
    amount = invoice.totals.payable if invoice.totals.payable is not None else invoice.totals.gross
    earned = track.earned(policy.earn_after)
    if not policy.enabled:
        return False, msg("Auto-approval is off for this company.")
    if key in policy.deny_suppliers:
        return False, msg("This supplier is on the company's never-auto-approve list.")
    if policy.allow_suppliers and key not in policy.allow_suppliers:
        return False, msg("This supplier is not on the company's auto-approve list.")
    if policy.e_invoices_only and not is_e_invoice(invoice, source_kind) and not earned:
        return False, msg(
            "Only e-invoices are auto-approved until a person has approved this supplier's "
            "last {n} invoices unchanged, and this one was read from a PDF or scan.",
            n=policy.earn_after,
        )
    if policy.max_amount is not None and (amount is None or abs(amount) > policy.max_amount):
        return False, msg(
            "The amount is above the auto-approval limit of {limit}.", limit=policy.max_amount
        )
    if not suggestion.lines or any(line.abstained or not line.account for line in suggestion.lines):
        return False, msg("At least one line has no confident suggestion.")
    sure = suggestion.voucher_confidence
    if sure < policy.threshold:
        return False, msg(
            "Kontera is {sure} % sure the whole voucher is right (what was read and what is "
            "proposed), below the threshold of {threshold} %.",
            sure=_percent(sure),
            threshold=_percent(policy.threshold),
        )
    if earned:
        return True, msg(
            "Kontera is {sure} % sure the whole voucher is right (threshold {threshold} %). "
            "This supplier's last {n} invoices were approved unchanged.",
            sure=_percent(sure),
            threshold=_percent(policy.threshold),
            n=track.reviewed,
        )
    return True, msg(
        "Kontera is {sure} % sure the whole voucher is right (threshold {threshold} %).",
        sure=_percent(sure),
        threshold=_percent(policy.threshold),
    )


def _percent(share: float) -> Decimal:
    """0.9876 → 98.8 (one decimal, as the reason shows it)."""
    return Decimal(str(round(share * 100, 1)))
