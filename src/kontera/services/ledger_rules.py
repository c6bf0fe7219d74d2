"""Suggestions that respect the ledger: only open accounts, only VAT codes they accept.

The model ranks accounts from history; the ledger (synced into `services.chart`) says which
of them may be posted to now. `open_accounts(chart)` is the filter the model ranks through
(it passes over a closed account and says so); `respect_ledger` then goes over any
suggestion — the model's, the supplier baseline's, the cold start's — so that

- a line never names an account the ledger has closed, does not have, or keeps off supplier
  invoices: the next open alternative takes its place, else the supplier's default account
  in the ledger, else the line abstains — each time with the reason in words;
- a line's VAT code is one the company has and the account accepts: when it is not, the
  accepted code with the invoice line's rate takes its place (or the account's only one);
- the supplier's default account in the ledger is evidence: it fills a line the history
  cannot (the model abstained, or the supplier has no history yet).

Before a full chart arrived (no sync, no SAF-T/SIE import) accounts are not filtered: the
format check at approval is all there is (`docs/chart.md`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from sqlmodel import Session
from sqlmodel import func
from sqlmodel import select

from kontera.domain.chart import VatDirection
from kontera.domain.invoice import Invoice
from kontera.domain.suggestion import Candidate
from kontera.domain.suggestion import LineSuggestion
from kontera.domain.suggestion import Suggestion
from kontera.post.sync_readers import SYSTEM_NAMES
from kontera.services.chart import Chart
from kontera.services.connections import connection_of
from kontera.store.tables import PostingHistory
from kontera.store.tables_interpret import Supplier


def open_accounts(chart: Chart) -> Callable[[str], bool] | None:
    """Whether an account may take a supplier invoice's cost line now; None: no full chart."""
    if not chart.complete:
        return None

    def is_open(number: str) -> bool:
        account = chart.account(number)
        return account is not None and account.active and account.supplier_invoices

    return is_open


def respect_ledger(
    chart: Chart,
    suggestion: Suggestion,
    invoice: Invoice,
    *,
    default_account: str | None = None,
    supplier_known: bool = True,
    ledger_name: str = "the ledger",
) -> Suggestion:
    is_open = open_accounts(chart)
    lines = []
    for line in suggestion.lines:
        if is_open is not None:
            line = _open_account(line, is_open, default_account, supplier_known, ledger_name)
        lines.append(_accepted_vat(chart, line, invoice))
    return replace(suggestion, lines=lines)


def respect_vat(chart: Chart, suggestion: Suggestion, invoice: Invoice) -> Suggestion:
    """Only the VAT codes the company has and each line's account takes."""
    lines = [_accepted_vat(chart, line, invoice) for line in suggestion.lines]
    return replace(suggestion, lines=lines)


def _open_account(
    line: LineSuggestion,
    is_open: Callable[[str], bool],
    default_account: str | None,
    supplier_known: bool,
    ledger_name: str,
) -> LineSuggestion:
    alternatives = [c for c in line.alternatives if is_open(c.account)]
    default = default_account if default_account and is_open(default_account) else None
    if default and (line.abstained or not supplier_known or line.account is None):
        reason = f"The supplier's default account in {ledger_name} is {default}."
        if line.reason:
            reason = f"{reason} ({line.reason})"
        return replace(
            line,
            account=default,
            vat_code=_vat_of(alternatives, default),
            abstained=False,
            reason=reason,
            alternatives=alternatives,
        )
    if line.account is None or is_open(line.account):
        return replace(line, alternatives=alternatives)
    closed = line.account
    if alternatives:
        best = alternatives[0]
        reason = (
            f"Account {closed} is closed for posting in {ledger_name}, so the next most likely "
            f"account: {best.account}."
        )
        return replace(
            line,
            account=best.account,
            vat_code=best.vat_code,
            confidence=best.probability,
            reason=reason,
            alternatives=alternatives,
        )
    if default:
        reason = (
            f"Account {closed} is closed for posting in {ledger_name}; the supplier's default "
            f"account there is {default}."
        )
        return replace(
            line, account=default, vat_code=None, reason=reason, alternatives=alternatives
        )
    return replace(
        line,
        account=None,
        vat_code=None,
        abstained=True,
        alternatives=alternatives,
        reason=f"Account {closed} is closed for posting in {ledger_name} and no other account "
        "has history for this line: choose one.",
    )


def _vat_of(candidates: list[Candidate], account: str) -> str | None:
    return next((c.vat_code for c in candidates if c.account == account), None)


def _accepted_vat(chart: Chart, line: LineSuggestion, invoice: Invoice) -> LineSuggestion:
    """The line's VAT code if the company has it and the account takes it; else the one
    that does with the invoice line's rate (or the account's only code)."""
    if line.account is None:
        return line
    rate = _rate(invoice, line.line_index)
    code = _usable_code(chart, line.account, line.vat_code, rate)
    alternatives = [
        replace(c, vat_code=_usable_code(chart, c.account, c.vat_code, rate))
        for c in line.alternatives
    ]
    if code == line.vat_code:
        return replace(line, alternatives=alternatives)
    account = chart.account(line.account)
    accepted = ", ".join(sorted(account.vat_codes or ())) if account else ""
    note = f"VAT code {line.vat_code or '—'} is not one account {line.account} takes"
    note += f" ({accepted})" if accepted else ""
    note += f"; {code} instead." if code else "; choose the VAT code."
    return replace(line, vat_code=code, alternatives=alternatives, reason=f"{line.reason} {note}")


def _usable_code(chart: Chart, account: str, code: str | None, rate: Decimal | None) -> str | None:
    if code is not None and _usable(chart, account, code):
        return code
    known = chart.account(account)
    restricted = known is not None and known.vat_codes is not None
    pool = sorted(known.vat_codes or ()) if known and restricted else list(chart.vat_codes)
    candidates = [c for c in pool if _usable(chart, account, c)]
    if rate is not None:
        matching = [c for c in candidates if (v := chart.vat_code(c)) and v.rate == rate]
        if matching:
            return matching[0]
    return candidates[0] if restricted and len(candidates) == 1 else None


def _usable(chart: Chart, account: str, code: str) -> bool:
    vat = chart.vat_code(code)
    if vat is None or not vat.active or vat.direction is VatDirection.OUTPUT:
        return False
    known = chart.account(account)
    return known is None or known.accepts_vat(vat.code)


def _rate(invoice: Invoice, index: int) -> Decimal | None:
    if 0 <= index < len(invoice.lines):
        return invoice.lines[index].vat_rate
    return None


def with_ledger(
    session: Session,
    company_id: str,
    chart: Chart,
    suggestion: Suggestion,
    invoice: Invoice,
    supplier_key: str | None,
) -> Suggestion:
    """`respect_ledger` with what the store knows of the supplier and the connection."""
    supplier = (
        session.exec(
            select(Supplier).where(Supplier.company_id == company_id, Supplier.key == supplier_key)
        ).first()
        if supplier_key
        else None
    )
    history = 0
    if supplier_key:
        history = session.exec(
            select(func.count()).where(
                PostingHistory.company_id == company_id, PostingHistory.supplier_key == supplier_key
            )
        ).one()
    connection = connection_of(session, company_id)
    name = SYSTEM_NAMES.get(connection.system, "the ledger") if connection else "the ledger"
    default = supplier.default_account if supplier and supplier.source == "ledger" else None
    return respect_ledger(
        chart,
        suggestion,
        invoice,
        default_account=default,
        supplier_known=history > 0,
        ledger_name=name,
    )
