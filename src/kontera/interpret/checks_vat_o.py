"""BR-O-*: "not subject to VAT" (category O) excludes VAT ids and every other VAT category;
and the two extra intra-community rules BR-IC-11/12 (delivery date and country)."""

from __future__ import annotations

from kontera.domain.invoice import Invoice
from kontera.domain.messages import msg
from kontera.interpret.checks_base import Problems
from kontera.interpret.checks_base import money
from kontera.interpret.checks_base import only_if
from kontera.interpret.checks_base import rule
from kontera.interpret.checks_vat import WHERE
from kontera.interpret.checks_vat import _breakdowns
from kontera.interpret.checks_vat import _items
from kontera.interpret.checks_vat import _rates
from kontera.interpret.checks_vat import _taxable_basis
from kontera.interpret.checks_vat import _used

CODE_O = "O"
_LABEL = msg("VAT category O (not subject to VAT)")
# Where a category is used: "Lines with …" / "all lines must …".
_ITEMS = {"lines": msg("lines"), "allowances": msg("allowances"), "charges": msg("charges")}


def _any_vat_id(invoice: Invoice) -> bool:
    rep = invoice.tax_representative
    return bool(invoice.seller.vat_id or invoice.buyer.vat_id or (rep is not None and rep.vat_id))


@rule("BR-O-01", field="vat_breakdown")
def o_breakdown_present(invoice: Invoice) -> Problems:
    count = len(_breakdowns(invoice, CODE_O))
    return only_if(
        _used(invoice, CODE_O) and count != 1,
        msg("{category} is used, so the VAT breakdown needs exactly one O entry", category=_LABEL),
    )


def _no_vat_ids(invoice: Invoice, where: str) -> Problems:
    used = bool(_items(invoice, CODE_O, where))
    return only_if(
        used and _any_vat_id(invoice),
        msg(
            "{items} with {category} exclude seller and buyer VAT ids",
            items=WHERE[where],
            category=_LABEL,
        ),
    )


@rule("BR-O-02", field="seller.vat_id")
def o_lines_no_vat_ids(invoice: Invoice) -> Problems:
    return _no_vat_ids(invoice, "lines")


@rule("BR-O-03", field="seller.vat_id")
def o_allowances_no_vat_ids(invoice: Invoice) -> Problems:
    return _no_vat_ids(invoice, "allowances")


@rule("BR-O-04", field="seller.vat_id")
def o_charges_no_vat_ids(invoice: Invoice) -> Problems:
    return _no_vat_ids(invoice, "charges")


def _no_rate(invoice: Invoice, where: str) -> Problems:
    rates = [r for r in _rates(invoice, CODE_O, where) if r is not None]
    return only_if(
        bool(rates),
        msg(
            "{items} with {category} must not state a VAT rate",
            items=WHERE[where],
            category=_LABEL,
        ),
    )


@rule("BR-O-05", field="lines")
def o_lines_no_rate(invoice: Invoice) -> Problems:
    return _no_rate(invoice, "lines")


@rule("BR-O-06", field="allowances_charges")
def o_allowances_no_rate(invoice: Invoice) -> Problems:
    return _no_rate(invoice, "allowances")


@rule("BR-O-07", field="allowances_charges")
def o_charges_no_rate(invoice: Invoice) -> Problems:
    return _no_rate(invoice, "charges")


@rule("BR-O-08", field="vat_breakdown")
def o_taxable_amount(invoice: Invoice) -> Problems:
    basis = _taxable_basis(invoice, CODE_O)
    return [
        msg(
            "{category}: the lines add up to {basis}, the breakdown says {taxable}",
            category=_LABEL,
            basis=money(basis),
            taxable=money(v.taxable),
        )
        for v in _breakdowns(invoice, CODE_O)
        if v.taxable != basis
    ]


@rule("BR-O-09", field="vat_breakdown")
def o_vat_amount(invoice: Invoice) -> Problems:
    return [
        msg("{category}: the VAT must be 0", category=_LABEL)
        for v in _breakdowns(invoice, CODE_O)
        if v.tax != 0
    ]


@rule("BR-O-10", field="vat_breakdown")
def o_exemption_reason(invoice: Invoice) -> Problems:
    missing = [
        v
        for v in _breakdowns(invoice, CODE_O)
        if not (v.exemption_reason or v.exemption_reason_code)
    ]
    return only_if(bool(missing), msg("{category} needs a VAT exemption reason", category=_LABEL))


@rule("BR-O-11", field="vat_breakdown")
def o_alone_in_breakdown(invoice: Invoice) -> Problems:
    others = [v for v in invoice.vat_breakdown if v.category != CODE_O]
    return only_if(
        bool(_breakdowns(invoice, CODE_O)) and bool(others),
        msg("With {category} the VAT breakdown may have no other categories", category=_LABEL),
    )


def _all_o(invoice: Invoice, where: str) -> Problems:
    if not _breakdowns(invoice, CODE_O):
        return []
    if where == "lines":
        categories = [line.vat_category for line in invoice.lines]
    else:
        charges = where == "charges"
        categories = [a.vat_category for a in invoice.allowances_charges if a.is_charge is charges]
    return only_if(
        any(c != CODE_O for c in categories),
        msg(
            "With {category} in the breakdown, all {items} must be category O",
            category=_LABEL,
            items=_ITEMS[where],
        ),
    )


@rule("BR-O-12", field="lines")
def o_lines_all_o(invoice: Invoice) -> Problems:
    return _all_o(invoice, "lines")


@rule("BR-O-13", field="allowances_charges")
def o_allowances_all_o(invoice: Invoice) -> Problems:
    return _all_o(invoice, "allowances")


@rule("BR-O-14", field="allowances_charges")
def o_charges_all_o(invoice: Invoice) -> Problems:
    return _all_o(invoice, "charges")


@rule("BR-IC-11", field="delivery_date")
def ic_delivery_date(invoice: Invoice) -> Problems:
    has_date = invoice.delivery_date or invoice.period_start or invoice.period_end
    return only_if(
        bool(_breakdowns(invoice, "K")) and not has_date,
        msg("Intra-community supply needs the delivery date or the invoicing period"),
    )


@rule("BR-IC-12", field="delivery_country")
def ic_delivery_country(invoice: Invoice) -> Problems:
    return only_if(
        bool(_breakdowns(invoice, "K")) and not invoice.delivery_country,
        msg("Intra-community supply needs the country the goods were delivered to"),
    )
