"""EN 16931 calculation and consistency rules (BR-CO-*), as the official Schematron states them.

Each function returns the problems it finds; see `checks_base.rule`. Rounding follows the
Schematron (`round2`), and missing optional amounts count as zero where it says so.
"""

from __future__ import annotations

from decimal import Decimal

from kontera.domain.invoice import AllowanceCharge
from kontera.domain.invoice import DocumentType
from kontera.domain.invoice import Invoice
from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.interpret.checks.base import Problems
from kontera.interpret.checks.base import as_written
from kontera.interpret.checks.base import money
from kontera.interpret.checks.base import only_if
from kontera.interpret.checks.base import round2
from kontera.interpret.checks.base import rule
from kontera.interpret.checks.base import total
from kontera.interpret.checks.country_codes import COUNTRY_CODES

_ZERO = Decimal(0)


def _document(invoice: Invoice, charges: bool) -> list[AllowanceCharge]:
    return [a for a in invoice.allowances_charges if a.is_charge is charges]


@rule("BR-CO-04", field="lines")
def line_has_vat_category(invoice: Invoice) -> Problems:
    missing = [str(i + 1) for i, line in enumerate(invoice.lines) if not line.vat_category]
    return only_if(
        bool(missing), msg("Line(s) {missing} have no VAT category", missing=tuple(missing))
    )


@rule("BR-CO-09")
def vat_ids_have_country_prefix(invoice: Invoice) -> Problems:
    parties = [invoice.seller, invoice.buyer, invoice.tax_representative]
    ids = [p.vat_id for p in parties if p is not None and p.vat_id]
    bad = [v for v in ids if v[:2] not in COUNTRY_CODES and v[:2] != "EL"]
    return [msg("The VAT id {v} does not start with a country code", v=v) for v in bad]


@rule("BR-CO-10", field="totals.line_total")
def line_total_is_sum_of_lines(invoice: Invoice) -> Problems:
    stated = invoice.totals.line_total
    if stated is None:
        return []
    computed = round2(total(line.net for line in invoice.lines))
    return only_if(
        stated != computed,
        msg(
            "The sum of line amounts is {computed}, the invoice says {stated}",
            computed=money(computed),
            stated=money(stated),
        ),
    )


def _sum_rule(invoice: Invoice, stated: Decimal | None, charges: bool, what: Message) -> Problems:
    if stated is None:
        return []
    computed = round2(total(a.amount for a in _document(invoice, charges)))
    return only_if(
        stated != computed,
        msg(
            "The {what} add up to {computed}, the invoice says {stated}",
            what=what,
            computed=money(computed),
            stated=money(stated),
        ),
    )


@rule("BR-CO-11", field="totals.allowances")
def allowance_total(invoice: Invoice) -> Problems:
    return _sum_rule(invoice, invoice.totals.allowances, False, msg("document-level allowances"))


@rule("BR-CO-12", field="totals.charges")
def charge_total(invoice: Invoice) -> Problems:
    return _sum_rule(invoice, invoice.totals.charges, True, msg("document-level charges"))


@rule("BR-CO-13", field="totals.net")
def net_total(invoice: Invoice) -> Problems:
    t = invoice.totals
    if t.net is None:
        return []
    computed = round2(total([t.line_total]) - total([t.allowances]) + total([t.charges]))
    return only_if(
        t.net != computed,
        msg(
            "Lines minus allowances plus charges is {computed}, the total without VAT says {net}",
            computed=money(computed),
            net=money(t.net),
        ),
    )


@rule("BR-CO-14", field="totals.vat")
def vat_total(invoice: Invoice) -> Problems:
    if invoice.totals.vat is None or not invoice.vat_breakdown:
        return []
    computed = round2(total(v.tax for v in invoice.vat_breakdown))
    return only_if(
        invoice.totals.vat != computed,
        msg(
            "The VAT breakdown adds up to {computed}, the VAT total says {vat}",
            computed=money(computed),
            vat=money(invoice.totals.vat),
        ),
    )


@rule("BR-CO-15", field="totals.gross")
def gross_total(invoice: Invoice) -> Problems:
    t = invoice.totals
    if t.gross is None:
        return []
    computed = round2(total([t.net]) + total([t.vat]))
    return only_if(
        t.gross != computed,
        msg(
            "Total without VAT plus VAT is {computed}, the total with VAT says {gross}",
            computed=money(computed),
            gross=money(t.gross),
        ),
    )


@rule("BR-CO-16", field="totals.payable")
def payable_total(invoice: Invoice) -> Problems:
    t = invoice.totals
    if t.payable is None:
        return []
    computed = round2(total([t.gross]) - total([t.prepaid]) + total([t.rounding]))
    return only_if(
        t.payable != computed,
        msg(
            "Total with VAT minus prepaid plus rounding is {computed}, the amount due says "
            "{payable}",
            computed=money(computed),
            payable=money(t.payable),
        ),
    )


@rule("BR-CO-17", field="vat_breakdown")
def vat_amount_per_rate(invoice: Invoice) -> Problems:
    problems = []
    for v in invoice.vat_breakdown:
        rate = v.rate if v.rate is not None else _ZERO
        expected = round2(abs(v.taxable) * rate / 100)
        # The Schematron allows one unit of difference either way.
        if rate.to_integral_value() == 0:
            ok = abs(v.tax).to_integral_value() == 0 if v.rate is not None else True
        else:
            ok = expected - 1 <= abs(v.tax) <= expected + 1
        if not ok:
            problems.append(
                msg(
                    "VAT {tax} does not match {rate} % of {taxable}",
                    tax=money(v.tax),
                    rate=rate,
                    taxable=money(v.taxable),
                )
            )
    return problems


@rule("BR-CO-18", field="vat_breakdown")
def has_vat_breakdown(invoice: Invoice) -> Problems:
    return only_if(not invoice.vat_breakdown, msg("The invoice has no VAT breakdown"))


def _reasonless(items: list[AllowanceCharge], what: Message) -> Problems:
    bad = [i + 1 for i, a in enumerate(items) if not a.reason and not a.reason_code]
    return [msg("{what} {i} has neither a reason nor a reason code", what=what, i=i) for i in bad]


@rule("BR-CO-21", field="allowances_charges")
def allowance_reason(invoice: Invoice) -> Problems:
    return _reasonless(_document(invoice, False), msg("Document-level allowance"))


@rule("BR-CO-22", field="allowances_charges")
def charge_reason(invoice: Invoice) -> Problems:
    return _reasonless(_document(invoice, True), msg("Document-level charge"))


@rule("BR-CO-23", field="lines")
def line_allowance_reason(invoice: Invoice) -> Problems:
    items = [a for line in invoice.lines for a in line.allowances_charges if not a.is_charge]
    return _reasonless(items, msg("Line allowance"))


@rule("BR-CO-24", field="lines")
def line_charge_reason(invoice: Invoice) -> Problems:
    items = [a for line in invoice.lines for a in line.allowances_charges if a.is_charge]
    return _reasonless(items, msg("Line charge"))


@rule("BR-CO-25", field="due_date")
def due_date_or_terms(invoice: Invoice) -> Problems:
    payable = as_written(invoice, invoice.totals.payable)
    # The rule is about when to pay; a credit note is not paid by the buyer.
    if invoice.document_type is DocumentType.CREDIT_NOTE or payable is None or payable <= 0:
        return []
    return only_if(
        invoice.due_date is None and not invoice.payment.terms,
        msg("An amount is due but the invoice gives neither a due date nor payment terms"),
    )


@rule("BR-CO-26", field="seller")
def seller_identifiable(invoice: Invoice) -> Problems:
    seller = invoice.seller
    return only_if(
        not (seller.identifier or seller.org_number or seller.vat_id),
        msg("The seller has no identifier, organisation number or VAT id"),
    )
