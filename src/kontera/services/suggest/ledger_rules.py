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
from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.domain.suggestion import Candidate
from kontera.domain.suggestion import LineSuggestion
from kontera.domain.suggestion import Suggestion
from kontera.post.sync_readers import SYSTEM_NAMES
from kontera.services.post.connections import connection_of
from kontera.services.suggest.chart import Chart
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
    ledger_name: str | Message | None = None,
) -> Suggestion:
    is_open = open_accounts(chart)
    ledger = ledger_name or msg("the ledger")
    lines = []
    for line in suggestion.lines:
        if is_open is not None:
            line = _open_account(line, is_open, default_account, supplier_known, ledger)
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
    ledger: str | Message,
) -> LineSuggestion:
    alternatives = [c for c in line.alternatives if is_open(c.account)]
    default = default_account if default_account and is_open(default_account) else None
    if default and (line.abstained or not supplier_known or line.account is None):
        return _supplier_default(line, default, alternatives, ledger)
    if line.account is None or is_open(line.account):
        return replace(line, alternatives=alternatives)
    return _instead_of_closed(line, line.account, default, alternatives, ledger)


def _supplier_default(
    line: LineSuggestion,
    default: str,
    alternatives: list[Candidate],
    ledger: str | Message,
) -> LineSuggestion:
    """The ledger's default account for the supplier, where the history has no better word."""
    said = _said(line)
    reason = (
        msg(
            "The supplier's default account in {ledger} is {account} ({reason}).",
            ledger=ledger,
            account=default,
            reason=said,
        )
        if said
        else msg(
            "The supplier's default account in {ledger} is {account}.",
            ledger=ledger,
            account=default,
        )
    )
    return replace(
        line,
        account=default,
        vat_code=_vat_of(alternatives, default),
        abstained=False,
        alternatives=alternatives,
    ).explained(reason)


def _instead_of_closed(
    line: LineSuggestion,
    closed: str,
    default: str | None,
    alternatives: list[Candidate],
    ledger: str | Message,
) -> LineSuggestion:
    """The next open account when the likeliest one is closed: an alternative, the supplier's
    default, or none (the line then waits for a person)."""
    if alternatives:
        best = alternatives[0]
        return replace(
            line,
            account=best.account,
            vat_code=best.vat_code,
            confidence=best.probability,
            alternatives=alternatives,
        ).explained(
            msg(
                "Account {closed} is closed for posting in {ledger}, so the next most likely "
                "account: {account}.",
                closed=closed,
                ledger=ledger,
                account=best.account,
            )
        )
    if default:
        return replace(line, account=default, vat_code=None, alternatives=alternatives).explained(
            msg(
                "Account {closed} is closed for posting in {ledger}; the supplier's default "
                "account there is {account}.",
                closed=closed,
                ledger=ledger,
                account=default,
            )
        )
    return replace(
        line, account=None, vat_code=None, abstained=True, alternatives=alternatives
    ).explained(
        msg(
            "Account {closed} is closed for posting in {ledger} and no other account has "
            "history for this line: choose one.",
            closed=closed,
            ledger=ledger,
        )
    )


def _said(line: LineSuggestion) -> Message | str:
    """What the line's reason already says, in a form that translates (or '' for none)."""
    return line.reason_text or line.reason


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
    note = _vat_note(chart, line.account, line.vat_code, code)
    said = _said(line)
    reason = msg("{reason} {note}", reason=said, note=note) if said else note
    return replace(line, vat_code=code, alternatives=alternatives).explained(reason)


def _vat_note(chart: Chart, account: str, wanted: str | None, code: str | None) -> Message:
    if wanted is None:  # the suggestion had no code: the invoice line's rate chose one
        if code:
            return msg("VAT code {code}, from the invoice line's VAT rate.", code=code)
        return msg("Choose the VAT code.")
    known = chart.account(account)
    accepted = tuple(sorted(known.vat_codes or ())) if known else ()
    if accepted and code:
        return msg(
            "VAT code {code} is not one account {account} takes ({accepted}); {instead} instead.",
            code=wanted,
            account=account,
            accepted=accepted,
            instead=code,
        )
    if accepted:
        return msg(
            "VAT code {code} is not one account {account} takes ({accepted}); choose the VAT code.",
            code=wanted,
            account=account,
            accepted=accepted,
        )
    if code:
        return msg(
            "VAT code {code} is not one the company may use on account {account}; {instead} "
            "instead.",
            code=wanted,
            account=account,
            instead=code,
        )
    return msg(
        "VAT code {code} is not one the company may use on account {account}; choose the VAT code.",
        code=wanted,
        account=account,
    )


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
    name = SYSTEM_NAMES.get(connection.system) if connection else None
    default = supplier.default_account if supplier and supplier.source == "ledger" else None
    return respect_ledger(
        chart,
        suggestion,
        invoice,
        default_account=default,
        supplier_known=history > 0,
        ledger_name=name,
    )
