"""EN 16931 content rules that matter when an invoice is received (BR-01 … BR-61).

Whether a business term was *present in the document* is read from the invoice's provenance
map (`invoice.fields`): the XML readers record exactly the terms they found, so an empty
element and a missing one are told apart the way the official Schematron does.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from datetime import date

from kontera.domain.invoice import Invoice
from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.interpret.checks.base import Problems
from kontera.interpret.checks.base import only_if
from kontera.interpret.checks.base import rule
from kontera.interpret.einvoice.xmlfields import UNREADABLE


def _has(invoice: Invoice, path: str) -> bool:
    """Present in the document: read, or present but unreadable (which has its own note)."""
    if path in invoice.fields:
        return True
    return any(n.field == path and n.code == UNREADABLE for n in invoice.notes)


def _document_rule(rule_id: str, path: str, what: Message) -> None:
    """A term the invoice itself must carry (BR-01 … BR-16)."""

    @rule(rule_id, field=path)
    def present(invoice: Invoice) -> Problems:
        return only_if(not _has(invoice, path), msg("The invoice has no {what}", what=what))


for _rule_id, _path, _what in (
    ("BR-01", "profile", msg("specification identifier")),
    ("BR-02", "invoice_number", msg("invoice number")),
    ("BR-03", "issue_date", msg("issue date")),
    ("BR-04", "type_code", msg("invoice type code")),
    ("BR-05", "currency", msg("currency code")),
    ("BR-06", "seller.name", msg("seller name")),
    ("BR-07", "buyer.name", msg("buyer name")),
    ("BR-09", "seller.country", msg("seller country")),
    ("BR-11", "buyer.country", msg("buyer country")),
    ("BR-12", "totals.line_total", msg("sum of line amounts")),
    ("BR-13", "totals.net", msg("total without VAT")),
    ("BR-14", "totals.gross", msg("total with VAT")),
    ("BR-15", "totals.payable", msg("amount due")),
):
    _document_rule(_rule_id, _path, _what)


@rule("BR-08", field="seller.address")
def seller_address(invoice: Invoice) -> Problems:
    return only_if(not _has(invoice, "seller.address"), msg("The seller has no address"))


@rule("BR-10", field="buyer.address")
def buyer_address(invoice: Invoice) -> Problems:
    return only_if(not _has(invoice, "buyer.address"), msg("The buyer has no address"))


@rule("BR-16", field="lines")
def has_lines(invoice: Invoice) -> Problems:
    return only_if(not invoice.lines, msg("The invoice has no lines"))


@rule("BR-17", field="payee.name")
def payee_name(invoice: Invoice) -> Problems:
    missing = invoice.payee is not None and not _has(invoice, "payee.name")
    return only_if(missing, msg("The payee has no name"))


@rule("BR-18", field="tax_representative.name")
def tax_representative_name(invoice: Invoice) -> Problems:
    missing = invoice.tax_representative is not None and not _has(
        invoice, "tax_representative.name"
    )
    return only_if(missing, msg("The seller's tax representative has no name"))


@rule("BR-20", field="tax_representative.country")
def tax_representative_country(invoice: Invoice) -> Problems:
    rep = invoice.tax_representative
    return only_if(
        rep is not None and not rep.country, msg("The tax representative has no country")
    )


@rule("BR-56", field="tax_representative.vat_id")
def tax_representative_vat_id(invoice: Invoice) -> Problems:
    rep = invoice.tax_representative
    return only_if(rep is not None and not rep.vat_id, msg("The tax representative has no VAT id"))


def _missing_in(invoice: Invoice, prefix: str, count: int, name: str) -> list[int]:
    return [i + 1 for i in range(count) if not _has(invoice, f"{prefix}.{i}.{name}")]


def _line_rule(rule_id: str, names: Iterable[str], what: Message) -> None:
    """Every invoice line must carry one of `names` (BR-21 … BR-26)."""
    wanted = tuple(names)

    @rule(rule_id, field="lines")
    def per_line(invoice: Invoice) -> Problems:
        missing = [
            str(i + 1)
            for i in range(len(invoice.lines))
            if not any(_has(invoice, f"lines.{i}.{name}") for name in wanted)
        ]
        return only_if(
            bool(missing),
            msg("Line(s) {missing} have no {what}", missing=tuple(missing), what=what),
        )


for _rule_id, _names, _what in (
    ("BR-21", ["line_id"], msg("line identifier")),
    ("BR-22", ["quantity"], msg("quantity")),
    ("BR-23", ["unit"], msg("unit of measure")),
    ("BR-24", ["net"], msg("net amount")),
    ("BR-25", ["item_name"], msg("item name")),
    ("BR-26", ["unit_price"], msg("net price")),
):
    _line_rule(_rule_id, _names, _what)


@rule("BR-27", field="lines")
def price_not_negative(invoice: Invoice) -> Problems:
    bad = [str(i + 1) for i, line in enumerate(invoice.lines) if (line.unit_price or 0) < 0]
    return only_if(bool(bad), msg("Line(s) {bad} have a negative price", bad=tuple(bad)))


def _period_rule(
    rule_id: str, pairs: Callable[[Invoice], list[tuple[date | None, date | None]]]
) -> None:
    @rule(rule_id, field="period_end")
    def ordered(invoice: Invoice) -> Problems:
        bad = [(s, e) for s, e in pairs(invoice) if s is not None and e is not None and e < s]
        return [
            msg("The period ends ({end}) before it starts ({start})", end=end, start=start)
            for start, end in bad
        ]


_period_rule("BR-29", lambda inv: [(inv.period_start, inv.period_end)])
_period_rule("BR-30", lambda inv: [(line.period_start, line.period_end) for line in inv.lines])


# (line level, charge) → what the item is called
_ITEM_NAMES = {
    (False, False): msg("document-level allowance"),
    (False, True): msg("document-level charge"),
    (True, False): msg("line allowance"),
    (True, True): msg("line charge"),
}


def _allowance_rule(rule_id: str, charges: bool, lines: bool, name: str, what: Message) -> None:
    """Document- or line-level allowances/charges must carry `name` (BR-31 … BR-43)."""
    item_name = _ITEM_NAMES[(lines, charges)]

    @rule(rule_id, field="allowances_charges")
    def per_item(invoice: Invoice) -> Problems:
        groups = (
            [
                (f"lines.{i}.allowances_charges", line.allowances_charges)
                for i, line in enumerate(invoice.lines)
            ]
            if lines
            else [("allowances_charges", invoice.allowances_charges)]
        )
        missing = [
            f"{prefix}.{j}"
            for prefix, items in groups
            for j, item in enumerate(items)
            if item.is_charge is charges and not _has(invoice, f"{prefix}.{j}.{name}")
        ]
        return only_if(bool(missing), msg("A {item} has no {what}", item=item_name, what=what))


for _rule_id, _charges, _lines, _name, _what in (
    ("BR-31", False, False, "amount", msg("amount")),
    ("BR-32", False, False, "vat_category", msg("VAT category")),
    ("BR-36", True, False, "amount", msg("amount")),
    ("BR-37", True, False, "vat_category", msg("VAT category")),
    ("BR-41", False, True, "amount", msg("amount")),
    ("BR-43", True, True, "amount", msg("amount")),
):
    _allowance_rule(_rule_id, _charges, _lines, _name, _what)


def _reason_rule(rule_id: str, charges: bool, lines: bool) -> None:
    kind = msg("charge") if charges else msg("allowance")

    @rule(rule_id, field="allowances_charges")
    def reason(invoice: Invoice) -> Problems:
        items = (
            [a for line in invoice.lines for a in line.allowances_charges]
            if lines
            else invoice.allowances_charges
        )
        bad = [a for a in items if a.is_charge is charges and not (a.reason or a.reason_code)]
        return only_if(bool(bad), msg("A {kind} has neither a reason nor a reason code", kind=kind))


for _rule_id, _charges, _lines in (
    ("BR-33", False, False),
    ("BR-38", True, False),
    ("BR-42", False, True),
    ("BR-44", True, True),
):
    _reason_rule(_rule_id, _charges, _lines)


def _breakdown_rule(rule_id: str, name: str, what: Message) -> None:
    @rule(rule_id, field="vat_breakdown")
    def per_breakdown(invoice: Invoice) -> Problems:
        missing = _missing_in(invoice, "vat_breakdown", len(invoice.vat_breakdown), name)
        if name == "rate":  # BR-48: category O carries no rate
            missing = [i for i in missing if invoice.vat_breakdown[i - 1].category != "O"]
        return only_if(bool(missing), msg("A VAT breakdown entry has no {what}", what=what))


for _rule_id, _name, _what in (
    ("BR-45", "taxable", msg("taxable amount")),
    ("BR-46", "tax", msg("VAT amount")),
    ("BR-47", "category", msg("VAT category")),
    ("BR-48", "rate", msg("VAT rate")),
):
    _breakdown_rule(_rule_id, _name, _what)


@rule("BR-49", field="payment.means_code")
def payment_means_code(invoice: Invoice) -> Problems:
    missing = _has(invoice, "payment") and not invoice.payment.means_code
    return only_if(missing, msg("The payment instructions have no payment means code"))


@rule("BR-53", field="totals.vat_accounting_currency")
def vat_in_accounting_currency(invoice: Invoice) -> Problems:
    needed = bool(invoice.tax_currency) and invoice.tax_currency != invoice.currency
    missing = needed and invoice.totals.vat_accounting_currency is None
    return only_if(
        missing,
        msg("The VAT total in {tax_currency} is missing", tax_currency=invoice.tax_currency),
    )


@rule("BR-61", field="payment")
def account_for_credit_transfer(invoice: Invoice) -> Problems:
    payment = invoice.payment
    account = payment.iban or payment.bank_account or payment.bankgiro or payment.plusgiro
    return only_if(
        payment.means_code in ("30", "58") and not account,
        msg("A credit transfer needs the account to pay to"),
    )
