"""Auto-approval: when may a suggestion be posted without a person looking at it?

A company sets a confidence threshold, a maximum amount, supplier allow/deny lists and whether
only e-invoices (structured XML, not read from a PDF or a scan) qualify. `decide` sets
`Suggestion.auto_approvable` and says why in `policy_reason` — the reason is shown in the
review queue and written to the audit log, so it names the rule that decided.
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

E_INVOICE_PROFILES = ("ehf", "peppol", "ubl", "cii", "xrechnung", "factur-x", "zugferd")


@dataclass(frozen=True, slots=True)
class AutoApprovalPolicy:
    enabled: bool = False
    threshold: float = 0.99
    max_amount: Decimal | None = None
    allow_suppliers: frozenset[str] = field(default_factory=frozenset)  # supplier keys
    deny_suppliers: frozenset[str] = field(default_factory=frozenset)
    e_invoices_only: bool = True


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
) -> Suggestion:
    """Set auto_approvable and policy_reason on the suggestion (and return it)."""
    approvable, reason = _verdict(policy, invoice, suggestion, source_kind)
    suggestion.auto_approvable = approvable
    suggestion.policy_reason, suggestion.policy_text = str(reason), reason
    return suggestion


def _verdict(
    policy: AutoApprovalPolicy,
    invoice: Invoice,
    suggestion: Suggestion,
    source_kind: str | None,
) -> tuple[bool, Message]:
    key = supplier_key(None, invoice.seller.org_number, invoice.seller.name)
    amount = invoice.totals.payable if invoice.totals.payable is not None else invoice.totals.gross
    if not policy.enabled:
        return False, msg("Auto-approval is off for this company.")
    if key in policy.deny_suppliers:
        return False, msg("This supplier is on the company's never-auto-approve list.")
    if policy.allow_suppliers and key not in policy.allow_suppliers:
        return False, msg("This supplier is not on the company's auto-approve list.")
    if policy.e_invoices_only and not is_e_invoice(invoice, source_kind):
        return False, msg(
            "Only e-invoices are auto-approved, and this one was read from a PDF or scan."
        )
    if policy.max_amount is not None and (amount is None or abs(amount) > policy.max_amount):
        return False, msg(
            "The amount is above the auto-approval limit of {limit}.", limit=policy.max_amount
        )
    if not suggestion.lines or any(line.abstained or not line.account for line in suggestion.lines):
        return False, msg("At least one line has no confident suggestion.")
    weakest = suggestion.confidence
    if weakest < policy.threshold:
        return False, msg(
            "The least certain line is {weakest} % sure, below the threshold of {threshold} %.",
            weakest=_percent(weakest),
            threshold=_percent(policy.threshold),
        )
    return True, msg(
        "Every line is at least {weakest} % sure (threshold {threshold} %).",
        weakest=_percent(weakest),
        threshold=_percent(policy.threshold),
    )


def _percent(share: float) -> Decimal:
    """0.9876 → 98.8 (one decimal, as the reason shows it)."""
    return Decimal(str(round(share * 100, 1)))
