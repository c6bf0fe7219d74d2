"""Is what Kontera read and proposed the truth? Field by field, and posting by posting.

A voucher is *entirely right* when every part a bookkeeper answers for is: the supplier,
invoice number, dates, currency, amounts, every posting's account, VAT code and amount, and
the KID and bank account the money goes to.
"""

from __future__ import annotations

from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from benchmarks.month.truth import TruthInvoice
from kontera.domain import identifiers as ids


def wanted_fields(truth: TruthInvoice) -> dict[str, str | None]:
    """The value each checked field must have (as the API takes it in a correction)."""
    s = truth.supplier
    fields: dict[str, str | None] = {
        "invoice_number": truth.number,
        "issue_date": truth.issue.isoformat(),
        "currency": truth.currency,
        "totals.net": str(truth.net),
        "totals.vat": str(truth.vat),
        "totals.payable": str(truth.gross),
    }
    if s.foreign:
        fields["seller.vat_id"] = s.vat_id
    else:
        fields["seller.org_number"] = ids.digits(s.org_number or "")
    if not truth.credit_note:
        fields["due_date"] = truth.due.isoformat() if truth.due_shown else None
        fields["payment.kid"] = truth.kid
        if s.bank_account:
            fields["payment.bank_account"] = ids.digits(truth.pay_to)
        elif s.bankgiro:
            fields["payment.bankgiro"] = ids.digits(truth.pay_to)
        else:
            fields["payment.iban"] = truth.pay_to
    return fields


def field_errors(invoice: dict[str, Any] | None, truth: TruthInvoice) -> dict[str, str | None]:
    """Fields whose interpreted value is not the truth, with the value they should have."""
    wanted = wanted_fields(truth)
    if invoice is None:
        return wanted
    return {
        path: value
        for path, value in wanted.items()
        if not _same(path, _get(invoice, path), value, invoice)
    }


def _get(invoice: dict[str, Any], path: str) -> Any:
    value: Any = invoice
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _same(path: str, got: Any, wanted: str | None, invoice: dict[str, Any]) -> bool:
    if wanted is None:
        return got in (None, "")
    if got is None:
        if path == "payment.bank_account":  # read only as an IBAN: the same account
            iban = _get(invoice, "payment.iban")
            return bool(iban) and ids.no_bank_account_from_iban(iban) == wanted
        return False
    if path.startswith("totals."):
        return _decimal(got) == _decimal(wanted)
    if path in ("seller.org_number", "payment.bank_account", "payment.bankgiro", "payment.kid"):
        return ids.digits(str(got)) == ids.digits(wanted)
    if path in ("seller.vat_id", "payment.iban"):
        return ids.normalise_vat_id(str(got)) == ids.normalise_vat_id(wanted)
    return str(got).strip() == wanted


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def wanted_postings(truth: TruthInvoice) -> list[dict[str, Any]]:
    return [
        {
            "account": line.account,
            "vat_code": line.vat_code,
            "amount": str(line.net),
            "description": line.description,
            "line_index": index,
        }
        for index, line in enumerate(truth.lines)
    ]


def posting_errors(lines: list[dict[str, Any]] | None, truth: TruthInvoice) -> int:
    """How many postings a bookkeeper changes (added, removed or edited) to reach the truth."""
    got = list(lines or [])
    changes = abs(len(got) - len(truth.lines))
    for line, want in zip(got, truth.lines, strict=False):
        same = (
            str(line.get("account") or "") == want.account
            and str(line.get("vat_code") or "") == want.vat_code
            and _decimal(line.get("amount")) == want.net
        )
        changes += 0 if same else 1
    return changes


def posting_parts_wrong(lines: list[dict[str, Any]] | None, truth: TruthInvoice) -> set[str]:
    """Which parts of the postings are wrong: account, vat_code, amount, lines."""
    got = list(lines or [])
    wrong = {"lines"} if len(got) != len(truth.lines) else set()
    for line, want in zip(got, truth.lines, strict=False):
        if str(line.get("account") or "") != want.account:
            wrong.add("account")
        if str(line.get("vat_code") or "") != want.vat_code:
            wrong.add("vat_code")
        if _decimal(line.get("amount")) != want.net:
            wrong.add("amount")
    return wrong


def suggested_lines(view: dict[str, Any]) -> list[dict[str, Any]]:
    return list((view.get("suggestion") or {}).get("lines") or [])


def approved_lines(view: dict[str, Any]) -> list[dict[str, Any]]:
    return list((view.get("voucher") or {}).get("lines") or [])


def entirely_right(view: dict[str, Any], truth: TruthInvoice, lines: list[dict[str, Any]]) -> bool:
    if truth.expected != "posted":
        return False
    return not field_errors(view.get("invoice"), truth) and posting_errors(lines, truth) == 0
