"""The review page's balance: the voucher the posting step would build, and why it can't be.

Built by `approval_checks.check_voucher`, i.e. by the same builder as posting, VAT included:
what this calls balanced is what approval accepts and what the ledger receives.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from decimal import InvalidOperation

from kontera.domain.codec import invoice_from_json
from kontera.domain.messages import Message
from kontera.domain.money import ZERO
from kontera.services.context import AppContext
from kontera.services.review.approval_checks import check_voucher
from kontera.store import repo
from kontera.store.db import session_scope


@dataclass(frozen=True, slots=True)
class VoucherPreview:
    net: Decimal  # costs without VAT (allowances, charges, rounding and prepayment included)
    vat: Decimal  # input VAT the voucher deducts
    debit: Decimal  # everything booked against the supplier: costs + VAT
    credit: Decimal  # what the invoice says is owed (BT-115)
    payable_account: str
    problems: list[Message]

    @property
    def difference(self) -> Decimal:
        return self.debit - self.credit

    @property
    def balanced(self) -> bool:
        return self.difference == 0 and not self.problems


def voucher_preview(
    ctx: AppContext, *, company_id: str, document_id: str, lines: list[dict[str, object]]
) -> VoucherPreview | None:
    """None when the document has no interpretation or no amount owed to compare with."""
    with session_scope(ctx.engine) as session:
        row = repo.latest_interpretation(session, document_id=document_id)
        if row is None:
            return None
        invoice = invoice_from_json(row.payload)
        credit = invoice.totals.payable if invoice.totals.payable is not None else None
        if credit is None:
            credit = invoice.totals.gross
        if credit is None:
            return None
        approved = [_clean(line) for line in lines]
        check = check_voucher(session, company_id=company_id, invoice=invoice, lines=approved)
        country = repo.get_company(session, company_id=company_id).country
    payable_account = "2440" if country == "SE" else "2400"
    if check.voucher is None:
        net = sum((_amount(line) or ZERO for line in approved), ZERO)
        vat = invoice.totals.vat or ZERO
        return VoucherPreview(net, vat, net + vat, credit, payable_account, check.problems)
    costs = [p for p in check.voucher.postings if not p.is_payable]
    payable = next((p for p in check.voucher.postings if p.is_payable), None)
    vat = sum((p.vat_amount or ZERO for p in costs), ZERO)
    debit = sum((p.amount for p in costs), ZERO)
    account = payable.account if payable else payable_account
    return VoucherPreview(debit - vat, vat, debit, credit, account, check.problems)


def _clean(line: dict[str, object]) -> dict[str, object]:
    """A row as the page holds it (amounts as text, empty strings) as approval would get it."""
    cleaned = {key: value for key, value in line.items() if value not in ("", None)}
    amount = _amount(line)
    if amount is not None:
        cleaned["amount"] = str(amount)
    else:
        cleaned.pop("amount", None)
    return cleaned


def _amount(line: dict[str, object]) -> Decimal | None:
    value = line.get("amount")
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return None
