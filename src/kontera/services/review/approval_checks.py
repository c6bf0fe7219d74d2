"""What approval refuses, for every entry point alike (API, review page, bulk, auto-approval).

A voucher is approvable when the same builder that posts it (`kontera.post.build_voucher`)
makes a balanced voucher whose payable posting is what the invoice says is owed (BT-115),
and every account and VAT code on it is in the company's chart (`services.chart`). The review
page shows the same problems before anyone presses approve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session

from kontera.domain.codec import invoice_from_json
from kontera.domain.codec import to_jsonable
from kontera.domain.errors import KonteraError
from kontera.domain.errors import VoucherRefused
from kontera.domain.invoice import Invoice
from kontera.domain.messages import Message
from kontera.domain.messages import joined
from kontera.domain.messages import msg
from kontera.domain.money import ZERO
from kontera.domain.suggestion import Suggestion
from kontera.domain.voucher import Voucher
from kontera.post import VoucherOptions
from kontera.post import build_voucher
from kontera.services.post.posting import approved_postings
from kontera.services.suggest.chart import Chart
from kontera.services.suggest.chart import load_chart
from kontera.store import repo

UNBOOKABLE = msg("The approved postings would not make a voucher the ledger accepts.")


@dataclass(frozen=True, slots=True)
class VoucherCheck:
    """The voucher the approved lines make (None when they make none) and what is wrong."""

    voucher: Voucher | None
    problems: list[Message]  # in words, said in the reader's language where shown

    @property
    def approvable(self) -> bool:
        return self.voucher is not None and not self.problems


def check_voucher(
    session: Session, *, company_id: str, invoice: Invoice, lines: Sequence[object]
) -> VoucherCheck:
    """Build the voucher from approved lines (dataclasses or their JSON) and check it."""
    company = repo.get_company(session, company_id=company_id)
    chart = load_chart(session, company_id=company_id)
    payload = [line if isinstance(line, dict) else to_jsonable(line) for line in lines]
    problems = _line_problems(chart, payload)
    try:
        postings = approved_postings(payload, invoice)
        voucher = build_voucher(invoice, postings, VoucherOptions.for_country(company.country))
    except (KonteraError, ArithmeticError, KeyError, ValueError) as e:
        # A KeyError's text is "'account'": a person gets the sentence, not the exception.
        message = e.text if isinstance(e, KonteraError) else UNBOOKABLE
        return VoucherCheck(None, [*problems, message])
    problems += _payable_problems(voucher, invoice)
    problems += _generated_account_problems(chart, voucher, payload)
    return VoucherCheck(voucher, problems)


def _line_problems(chart: Chart, lines: list[dict[str, object]]) -> list[Message]:
    problems: list[Message] = []
    for number, line in enumerate(lines, start=1):
        account = str(line.get("account") or "").strip()
        if not account:
            problems.append(msg("Line {number} has no account.", number=number))
            continue
        code = line.get("vat_code")
        for problem in chart.problems(account, str(code) if code else None):
            problems.append(msg("Line {number}: {problem}", number=number, problem=problem))
    return problems


def _payable_problems(voucher: Voucher, invoice: Invoice) -> list[Message]:
    owed = invoice.totals.payable
    payable = next((p for p in voucher.postings if p.is_payable), None)
    if owed is None or payable is None:
        return []
    booked = -payable.amount
    if abs(booked - owed) <= Decimal("0.005"):
        return []
    return [
        msg(
            "The voucher credits the supplier {booked} but the invoice says {owed} is owed "
            "(off by {off}).",
            booked=booked,
            owed=owed,
            off=booked - owed,
        )
    ]


def _generated_account_problems(
    chart: Chart, voucher: Voucher, lines: list[dict[str, object]]
) -> list[Message]:
    """Payable, rounding and prepayment accounts Kontera adds must be in the chart too."""
    chosen = {str(line.get("account") or "").strip() for line in lines}
    problems: dict[str, Message] = {}
    for posting in voucher.postings:
        if posting.account in chosen or posting.amount == ZERO:
            continue
        for problem in chart.system_account_problems(posting.account):
            problems[str(problem)] = problem
    return [problems[key] for key in sorted(problems)]


def require_approvable(
    session: Session, *, company_id: str, invoice: Invoice, lines: Sequence[object]
) -> Voucher:
    """The voucher, or `VoucherRefused` with every problem in words."""
    check = check_voucher(session, company_id=company_id, invoice=invoice, lines=lines)
    if check.voucher is None or check.problems:
        problems = joined(check.problems)
        raise VoucherRefused(
            msg("Kontera cannot approve this voucher: {problems}", problems=problems)
        )
    return check.voucher


def suggestion_approvable(session: Session, *, company_id: str, document_id: str) -> bool:
    """Whether the latest suggestion, approved as it stands, would be accepted."""
    interpretation = repo.latest_interpretation(session, document_id=document_id)
    suggestion = repo.latest_suggestion(session, document_id=document_id)
    if interpretation is None or suggestion is None:
        return False
    lines = list(suggestion.payload.get("lines", []))
    if not lines or any(not line.get("account") for line in lines):
        return False
    invoice = invoice_from_json(interpretation.payload)
    return check_voucher(session, company_id=company_id, invoice=invoice, lines=lines).approvable


def suggestion_problems(
    session: Session, *, company_id: str, invoice: Invoice, suggestion: Suggestion
) -> list[Message]:
    """Why the suggestion, approved as it stands, would be refused (for the review reason).

    A suggestion that leaves a line without an account is already a question for a person;
    only complete suggestions are checked.
    """
    if not suggestion.lines or any(line.account is None for line in suggestion.lines):
        return []
    check = check_voucher(session, company_id=company_id, invoice=invoice, lines=suggestion.lines)
    return check.problems
