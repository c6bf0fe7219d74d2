"""VAT category rules of EN 16931: BR-S (standard), BR-Z (zero), BR-E (exempt), BR-AE (reverse
charge), BR-IC (intra-community, code K), BR-G (export), BR-O (not subject to VAT).

The seven families share one shape (01 breakdown present, 02–04 identifiers, 05–07 rates,
08 taxable amount, 09 VAT amount, 10 exemption reason), so each family is described by a
`Family` and its rules are registered from small shared functions. Category O turns three of
them round (VAT ids forbidden, no rate at all) and adds 11–14 (nothing else beside it); the
two extra intra-community rules BR-IC-11/12 are written out at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from kontera.domain.invoice import Invoice
from kontera.domain.invoice import VatBreakdown
from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.interpret.checks.base import Problems
from kontera.interpret.checks.base import money
from kontera.interpret.checks.base import only_if
from kontera.interpret.checks.base import round2
from kontera.interpret.checks.base import rule
from kontera.interpret.checks.base import total

_ZERO = Decimal(0)
Identified = Callable[[Invoice], bool]
# What rules 05–07 ask of the rate on lines, allowances and charges of the category.
RateRule = Literal["above_zero", "zero", "none"]


def _seller_vat(invoice: Invoice) -> bool:
    rep = invoice.tax_representative
    return bool(invoice.seller.vat_id or (rep is not None and rep.vat_id))


def _seller_vat_or_tax_registration(invoice: Invoice) -> bool:
    return _seller_vat(invoice) or bool(invoice.seller.tax_registration)


def _reverse_charge_parties(invoice: Invoice) -> bool:
    buyer = invoice.buyer
    return _seller_vat_or_tax_registration(invoice) and bool(buyer.vat_id or buyer.org_number)


def _intra_community_parties(invoice: Invoice) -> bool:
    return _seller_vat(invoice) and bool(invoice.buyer.vat_id)


def _any_vat_id(invoice: Invoice) -> bool:
    return _seller_vat(invoice) or bool(invoice.buyer.vat_id)


@dataclass(frozen=True, slots=True)
class Family:
    prefix: str
    code: str
    name: Message
    identified: Identified
    who: Message  # what identifiers 02–04 ask for, in words
    needs_exemption_reason: bool
    rate: RateRule = "zero"
    # Category O: 02–04 forbid the VAT ids `identified` looks for, and 11–14 keep every other
    # category out of the invoice.
    not_subject: bool = False


_SELLER_VAT_ID = msg("a seller VAT id")
# Where a category is used, as the subject of a sentence ("Lines with …").
WHERE = {"lines": msg("Lines"), "allowances": msg("Allowances"), "charges": msg("Charges")}

FAMILIES = [
    Family(
        "BR-S",
        "S",
        msg("standard rated"),
        _seller_vat_or_tax_registration,
        _SELLER_VAT_ID,
        False,
        rate="above_zero",
    ),
    Family("BR-Z", "Z", msg("zero rated"), _seller_vat_or_tax_registration, _SELLER_VAT_ID, False),
    Family("BR-E", "E", msg("exempt"), _seller_vat_or_tax_registration, _SELLER_VAT_ID, True),
    Family(
        "BR-AE",
        "AE",
        msg("reverse charge"),
        _reverse_charge_parties,
        msg("the seller's VAT id and the buyer's VAT id or registration number"),
        True,
    ),
    Family(
        "BR-IC",
        "K",
        msg("intra-community supply"),
        _intra_community_parties,
        msg("the seller's and the buyer's VAT ids"),
        True,
    ),
    Family("BR-G", "G", msg("export outside the EU"), _seller_vat, _SELLER_VAT_ID, True),
    Family(
        "BR-O",
        "O",
        msg("not subject to VAT"),
        _any_vat_id,
        msg("no seller or buyer VAT id"),
        True,
        rate="none",
        not_subject=True,
    ),
]
# Where a category is used, as the object of a sentence ("… all lines must …").
_ITEMS = {"lines": msg("lines"), "allowances": msg("allowances"), "charges": msg("charges")}


def _lines(invoice: Invoice, code: str) -> list[int]:
    return [i + 1 for i, line in enumerate(invoice.lines) if line.vat_category == code]


def _document(invoice: Invoice, code: str, charges: bool) -> list[int]:
    return [
        i + 1
        for i, a in enumerate(invoice.allowances_charges)
        if a.is_charge is charges and a.vat_category == code
    ]


def _used(invoice: Invoice, code: str) -> bool:
    return bool(
        _lines(invoice, code) or _document(invoice, code, False) or _document(invoice, code, True)
    )


def _breakdowns(invoice: Invoice, code: str) -> list[VatBreakdown]:
    return [v for v in invoice.vat_breakdown if v.category == code]


def _taxable_basis(invoice: Invoice, code: str, rate: Decimal | None = None) -> Decimal:
    def matches(category: str | None, item_rate: Decimal | None) -> bool:
        return category == code and (rate is None or _same_rate(item_rate, rate))

    lines = total(line.net for line in invoice.lines if matches(line.vat_category, line.vat_rate))
    items = [a for a in invoice.allowances_charges if matches(a.vat_category, a.vat_rate)]
    charges = total(a.amount for a in items if a.is_charge)
    allowances = total(a.amount for a in items if not a.is_charge)
    return round2(lines + charges - allowances)


def _same_rate(a: Decimal | None, b: Decimal | None) -> bool:
    return (a if a is not None else _ZERO) == (b if b is not None else _ZERO)


def _label(f: Family) -> Message:
    return msg("VAT category {code} ({name})", code=f.code, name=f.name)


def _register_family(f: Family) -> None:
    label = _label(f)
    _register_breakdown_present(f, label)
    for suffix, where in (("02", "lines"), ("03", "allowances"), ("04", "charges")):
        _register_identifiers(f, suffix, where, label)
    for suffix, where in (("05", "lines"), ("06", "allowances"), ("07", "charges")):
        _register_rate(f, suffix, where, label)
    _register_amounts(f, label)
    _register_exemption_reason(f, label)
    if f.not_subject:
        _register_alone(f, label)


def _register_breakdown_present(f: Family, label: Message) -> None:
    @rule(f"{f.prefix}-01", field="vat_breakdown")
    def breakdown_present(invoice: Invoice) -> Problems:
        if not _used(invoice, f.code):
            return []
        count = len(_breakdowns(invoice, f.code))
        if f.code == "S":
            return only_if(
                count < 1,
                msg(
                    "{label} is used, so the VAT breakdown needs at least one {code} entry (it "
                    "has {count})",
                    label=label,
                    code=f.code,
                    count=count,
                ),
            )
        return only_if(
            count != 1,
            msg(
                "{label} is used, so the VAT breakdown needs exactly one {code} entry (it has "
                "{count})",
                label=label,
                code=f.code,
                count=count,
            ),
        )


def _register_amounts(f: Family, label: Message) -> None:
    @rule(f"{f.prefix}-08", field="vat_breakdown")
    def taxable_amount(invoice: Invoice) -> Problems:
        problems = []
        for v in _breakdowns(invoice, f.code):
            basis = _taxable_basis(invoice, f.code, v.rate if f.code == "S" else None)
            if v.taxable != basis:
                problems.append(
                    msg(
                        "{label}: the lines and allowances/charges add up to {basis}, the VAT "
                        "breakdown says {taxable}",
                        label=label,
                        basis=money(basis),
                        taxable=money(v.taxable),
                    )
                )
        return problems

    @rule(f"{f.prefix}-09", field="vat_breakdown")
    def vat_amount(invoice: Invoice) -> Problems:
        return [
            msg(
                "{label}: VAT {tax} should be {expected}",
                label=label,
                tax=money(v.tax),
                expected=money(expected),
            )
            for v in _breakdowns(invoice, f.code)
            if not _vat_amount_ok(v, expected := _expected_vat(f.code, v))
        ]


def _register_exemption_reason(f: Family, label: Message) -> None:
    @rule(f"{f.prefix}-10", field="vat_breakdown")
    def exemption_reason(invoice: Invoice) -> Problems:
        for v in _breakdowns(invoice, f.code):
            has_reason = bool(v.exemption_reason or v.exemption_reason_code)
            if has_reason != f.needs_exemption_reason:
                if f.needs_exemption_reason:
                    return [msg("{label} needs a VAT exemption reason", label=label)]
                return [msg("{label} must not have a VAT exemption reason", label=label)]
        return []


def _expected_vat(code: str, v: VatBreakdown) -> Decimal:
    if code != "S":
        return _ZERO
    rate = v.rate if v.rate is not None else _ZERO
    return round2(abs(v.taxable) * rate / 100)


def _vat_amount_ok(v: VatBreakdown, expected: Decimal) -> bool:
    if expected == 0:
        return v.tax == 0
    # BR-S-09 allows one unit of difference either way, like BR-CO-17.
    return expected - 1 < abs(v.tax) < expected + 1


def _items(invoice: Invoice, code: str, where: str) -> list[int]:
    if where == "lines":
        return _lines(invoice, code)
    return _document(invoice, code, charges=where == "charges")


def _register_identifiers(f: Family, suffix: str, where: str, label: Message) -> None:
    @rule(f"{f.prefix}-{suffix}", field="seller.vat_id")
    def identifiers(invoice: Invoice) -> Problems:
        if not _items(invoice, f.code, where):
            return []
        if f.not_subject:
            return only_if(
                f.identified(invoice),
                msg(
                    "{items} with {category} exclude seller and buyer VAT ids",
                    items=WHERE[where],
                    category=label,
                ),
            )
        return only_if(
            not f.identified(invoice),
            msg("{items} with {label} need {who}", items=WHERE[where], label=label, who=f.who),
        )


def _rates(invoice: Invoice, code: str, where: str) -> list[Decimal | None]:
    if where == "lines":
        return [line.vat_rate for line in invoice.lines if line.vat_category == code]
    charges = where == "charges"
    return [
        a.vat_rate
        for a in invoice.allowances_charges
        if a.is_charge is charges and a.vat_category == code
    ]


_RATE_WRONG: dict[RateRule, Callable[[Decimal | None], bool]] = {
    "above_zero": lambda r: r is None or r <= 0,
    "zero": lambda r: r is None or r != 0,
    "none": lambda r: r is not None,
}


def _rate_message(f: Family, where: str, label: Message) -> Message:
    items = WHERE[where]
    if f.rate == "above_zero":
        return msg("{items} with {label} need a rate above 0 %", items=items, label=label)
    if f.rate == "zero":
        return msg("{items} with {label} must have a 0 % rate", items=items, label=label)
    return msg("{items} with {category} must not state a VAT rate", items=items, category=label)


def _register_rate(f: Family, suffix: str, where: str, label: Message) -> None:
    wrong = _RATE_WRONG[f.rate]
    message = _rate_message(f, where, label)

    @rule(f"{f.prefix}-{suffix}", field=where)
    def rate(invoice: Invoice) -> Problems:
        return only_if(any(wrong(r) for r in _rates(invoice, f.code, where)), message)


def _register_alone(f: Family, label: Message) -> None:
    @rule(f"{f.prefix}-11", field="vat_breakdown")
    def alone_in_breakdown(invoice: Invoice) -> Problems:
        others = [v for v in invoice.vat_breakdown if v.category != f.code]
        return only_if(
            bool(_breakdowns(invoice, f.code)) and bool(others),
            msg("With {category} the VAT breakdown may have no other categories", category=label),
        )

    for suffix, where in (("12", "lines"), ("13", "allowances"), ("14", "charges")):
        _register_all_of_category(f, suffix, where, label)


def _register_all_of_category(f: Family, suffix: str, where: str, label: Message) -> None:
    @rule(f"{f.prefix}-{suffix}", field="lines" if where == "lines" else "allowances_charges")
    def all_of_category(invoice: Invoice) -> Problems:
        if not _breakdowns(invoice, f.code):
            return []
        return only_if(
            any(c != f.code for c in _categories(invoice, where)),
            msg(
                "With {category} in the breakdown, all {items} must be category {code}",
                category=label,
                items=_ITEMS[where],
                code=f.code,
            ),
        )


def _categories(invoice: Invoice, where: str) -> list[str | None]:
    if where == "lines":
        return [line.vat_category for line in invoice.lines]
    charges = where == "charges"
    return [a.vat_category for a in invoice.allowances_charges if a.is_charge is charges]


for _family in FAMILIES:
    _register_family(_family)


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
