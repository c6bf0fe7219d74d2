"""Auto-approval: when may a suggestion be posted without a person looking at it?

A company sets a confidence threshold, a maximum amount, supplier allow/deny lists and whether
only e-invoices (structured XML, not read from a PDF or a scan) qualify. The threshold is
compared with one number, the probability that the whole voucher is right — what was read
and what is proposed (`kontera.suggest.voucher_confidence`).

A supplier also earns trust by its track record: when a person approved its last
`earn_after` invoices without correcting a field or a posting, its PDFs and scans may post
themselves too (still within the amount limit and the threshold, and only for an amount
within the supplier's usual range), and each field those invoices never needed corrected
counts as confirmed evidence for the reading. A supplier whose last `habit_after` invoices in
the books all went to the account proposed now lends the account the probability such runs
continued with in the company's own books (`kontera.suggest.supplier_habit`), again only
within its usual amounts.

Amount limits are in the company's currency: a foreign invoice's amounts are converted at
the central-bank rate Kontera has stored (`CompanyRate`), and with no rate stored the invoice
waits for a person. A supplier whose usual amounts in the books reach above `max_amount` may
post itself up to `usual_max_amount`, for an amount within its usual range.

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
from kontera.suggest.supplier_habit import Habit
from kontera.suggest.supplier_habit import HabitEvidence
from kontera.suggest.supplier_habit import RunCalibration
from kontera.suggest.supplier_habit import habit_evidence
from kontera.suggest.supplier_habit import strengthen
from kontera.suggest.supplier_habit import within_usual_range
from kontera.suggest.voucher_confidence import TrackRecord
from kontera.suggest.voucher_confidence import confirmed_fields
from kontera.suggest.voucher_confidence import contradicted_fields
from kontera.suggest.voucher_confidence import voucher_confidence

EARN_AFTER = 3
HABIT_AFTER = 3
AMOUNT_MARGIN = Decimal("0.25")
USUAL_MAX_AMOUNT = Decimal("100000")
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
    habit_after: int = HABIT_AFTER  # a run in the books this long vouches for its account
    amount_margin: Decimal = AMOUNT_MARGIN  # how far beyond its usual amounts (0.25 = 25 %)
    # The limit for a supplier whose usual amounts reach above max_amount, within its usual
    # range (at or below max_amount it changes nothing).
    usual_max_amount: Decimal | None = USUAL_MAX_AMOUNT


@dataclass(frozen=True, slots=True)
class CompanyRate:
    """How the invoice's amounts become the company's currency, which every limit is in."""

    currency: str | None = None  # the company's; None: amounts taken as they stand
    invoice_currency: str | None = None
    rate: Decimal | None = Decimal(1)  # company currency per unit; None: no rate stored

    def convert(self, amount: Decimal | None) -> Decimal | None:
        if amount is None or self.rate is None:
            return None
        return amount if self.rate == 1 else (amount * self.rate).quantize(Decimal("0.01"))


@dataclass(frozen=True, slots=True)
class SupplierEvidence:
    """What the company's own books and people say about this supplier."""

    track: TrackRecord = field(default_factory=TrackRecord)
    habit: Habit = field(default_factory=Habit)
    runs: RunCalibration = field(default_factory=RunCalibration)


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
    evidence: SupplierEvidence | None = None,
    money: CompanyRate | None = None,
) -> Suggestion:
    """Set auto_approvable, voucher_confidence and policy_reason on the suggestion.

    `money` converts the invoice's amounts to the company's currency; without it they are
    taken as they stand (an invoice in the company's own currency)."""
    evidence = evidence or SupplierEvidence(track=track or TrackRecord())
    money = money or CompanyRate()
    net = money.convert(_net(invoice))
    usual = within_usual_range(net, evidence.habit.totals, policy.amount_margin)
    run = habit_evidence(suggestion, evidence.habit, evidence.runs, after=policy.habit_after)
    if run is not None and usual:
        strengthen(suggestion, run)
    else:
        run = None
    track = evidence.track
    suggestion.confirmed_fields = confirmed_fields(invoice, track)
    suggestion.contradicted_fields = contradicted_fields(invoice, track)
    suggestion.voucher_confidence = voucher_confidence(invoice, suggestion, track)
    approvable, reason = _verdict(
        policy, invoice, suggestion, source_kind, track, _Earned(run, usual, evidence.habit, money)
    )
    suggestion.auto_approvable = approvable
    suggestion.policy_reason, suggestion.policy_text = str(reason), reason
    return suggestion


@dataclass(frozen=True, slots=True)
class _Earned:
    run: HabitEvidence | None
    usual: bool  # the amount is within the supplier's usual range
    habit: Habit
    money: CompanyRate


def _verdict(
    policy: AutoApprovalPolicy,
    invoice: Invoice,
    suggestion: Suggestion,
    source_kind: str | None,
    track: TrackRecord,
    earned_by: _Earned,
) -> tuple[bool, Message]:
    key = supplier_key(None, invoice.seller.org_number, invoice.seller.name)
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
    if policy.e_invoices_only and not is_e_invoice(invoice, source_kind) and not earned_by.usual:
        return False, _unusual_amount(invoice, earned_by)
    if (above := _above_limit(policy, invoice, earned_by)) is not None:
        return False, above
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
    shown = earned and earned_by.usual  # its record is named only where it applied
    return True, _approved_because(policy, sure, track, earned_by.run, earned=shown)


def _above_limit(policy: AutoApprovalPolicy, invoice: Invoice, earned: _Earned) -> Message | None:
    """Why the amount stops it, in the company's currency; None when it is within the limit."""
    if policy.max_amount is None:
        return None
    money = earned.money
    if money.rate is None:
        return _no_rate(money)
    totals = invoice.totals
    amount = money.convert(totals.payable if totals.payable is not None else totals.gross)
    limit, raised = _limit(policy, policy.max_amount, earned)
    if amount is not None and abs(amount) <= limit:
        return None
    if raised:
        return msg(
            "The amount is above the limit of {limit} for a supplier whose usual amounts "
            "reach above {max_amount}.",
            limit=limit,
            max_amount=policy.max_amount,
        )
    return msg("The amount is above the auto-approval limit of {limit}.", limit=limit)


def _no_rate(money: CompanyRate) -> Message:
    return msg(
        "The invoice is in {currency}, and no exchange rate to {base} is stored yet to hold "
        "its amount against the company's limits.",
        currency=money.invoice_currency,
        base=money.currency,
    )


def _limit(
    policy: AutoApprovalPolicy, max_amount: Decimal, earned: _Earned
) -> tuple[Decimal, bool]:
    """The amount limit for this invoice, and whether the supplier's usual amounts raised it:
    a supplier that is regularly paid more than `max_amount` would otherwise never post
    itself, however regular it is, while an amount like those the books already hold is no
    new risk."""
    usual_top = max((abs(total) for total in earned.habit.totals), default=Decimal(0))
    raise_to = policy.usual_max_amount
    if raise_to is None or raise_to <= max_amount or usual_top <= max_amount:
        return max_amount, False
    return (raise_to, True) if earned.usual else (max_amount, False)


def _approved_because(
    policy: AutoApprovalPolicy,
    sure: float,
    track: TrackRecord,
    run: HabitEvidence | None,
    *,
    earned: bool,
) -> Message:
    """Why it posted itself: the confidence, and which of the supplier's records raised it."""
    if earned and run is not None:
        return msg(
            "Kontera is {sure} % sure the whole voucher is right (threshold {threshold} %). "
            "This supplier's last {n} invoices were approved unchanged, its last {run} went "
            "to account {account}, and the amount is within its usual range.",
            sure=_percent(sure),
            threshold=_percent(policy.threshold),
            n=track.reviewed,
            run=run.run,
            account=run.account,
        )
    if earned:
        return msg(
            "Kontera is {sure} % sure the whole voucher is right (threshold {threshold} %). "
            "This supplier's last {n} invoices were approved unchanged, and the amount is "
            "within its usual range.",
            sure=_percent(sure),
            threshold=_percent(policy.threshold),
            n=track.reviewed,
        )
    if run is not None:
        return msg(
            "Kontera is {sure} % sure the whole voucher is right (threshold {threshold} %). "
            "This supplier's last {run} invoices went to account {account}, and the amount "
            "is within its usual range.",
            sure=_percent(sure),
            threshold=_percent(policy.threshold),
            run=run.run,
            account=run.account,
        )
    return msg(
        "Kontera is {sure} % sure the whole voucher is right (threshold {threshold} %).",
        sure=_percent(sure),
        threshold=_percent(policy.threshold),
    )


def _net(invoice: Invoice) -> Decimal | None:
    """The amount the books hold (net of VAT), as far as the invoice gives it."""
    totals = invoice.totals
    if totals.net is not None:
        return totals.net
    if totals.payable is not None and totals.vat is not None:
        return totals.payable - totals.vat
    return totals.payable


def _unusual_amount(invoice: Invoice, earned: _Earned) -> Message:
    habit = earned.habit
    if earned.money.rate is None:
        return _no_rate(earned.money)
    if not habit.totals:
        return msg(
            "This supplier's PDFs may post themselves, but there are no earlier amounts of "
            "its to compare this invoice's with."
        )
    return msg(
        "This supplier's PDFs may post themselves, but the amount {amount} is outside its "
        "usual range ({low} to {high}).",
        amount=earned.money.convert(_net(invoice)),
        low=min(habit.totals),
        high=max(habit.totals),
    )


def _percent(share: float) -> Decimal:
    """0.9876 → 98.8 (one decimal, as the reason shows it)."""
    return Decimal(str(round(share * 100, 1)))
