"""EN 16931 code-list rules (BR-CL-*) for the codes a receiver acts on: document type,
currencies, countries, payment means and VAT categories."""

from __future__ import annotations

from kontera.domain.invoice import Invoice
from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.interpret.checks.base import Problems
from kontera.interpret.checks.base import only_if
from kontera.interpret.checks.base import rule
from kontera.interpret.checks.country_codes import COUNTRY_CODES
from kontera.interpret.checks.country_codes import CURRENCY_CODES


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# UNTDID 1001 document codes EN 16931 allows for an invoice or credit note (BT-3).
INVOICE_TYPE_CODES = _codes(
    "71 80 81 82 83 84 102 130 202 203 204 211 218 219 261 262 295 296 308 325 326 331 380 "
    "381 382 383 384 385 386 387 388 389 390 393 394 395 396 420 456 457 458 527 532 553 575 "
    "623 633 751 780 817 870 875 876 877 935"
)
# UNTDID 4461 payment means (1…70, 74…78, 91…98) and ZZZ, "mutually defined".
PAYMENT_MEANS_CODES = frozenset(
    [str(n) for n in (*range(1, 71), *range(74, 79), *range(91, 99))] + ["ZZZ"]
)
# UNTDID 5305 as restricted by EN 16931 (BT-95, BT-102, BT-118, BT-151).
VAT_CATEGORY_CODES = frozenset({"S", "Z", "E", "AE", "K", "G", "O", "L", "M", "B"})


@rule("BR-CL-01", field="type_code")
def type_code_known(invoice: Invoice) -> Problems:
    code = invoice.type_code
    return only_if(
        code is not None and code not in INVOICE_TYPE_CODES,
        msg("{code} is not a document type code for invoices or credit notes", code=code),
    )


def _currency(code: str | None, what: Message) -> Problems:
    return only_if(
        code is not None and code not in CURRENCY_CODES,
        msg("The {what} {code} is not an ISO 4217 currency code", what=what, code=code),
    )


@rule("BR-CL-04", field="currency")
def currency_known(invoice: Invoice) -> Problems:
    return _currency(invoice.currency, msg("invoice currency"))


@rule("BR-CL-05", field="tax_currency")
def tax_currency_known(invoice: Invoice) -> Problems:
    return _currency(invoice.tax_currency, msg("VAT accounting currency"))


@rule("BR-CL-14", field="seller.country")
def countries_known(invoice: Invoice) -> Problems:
    parties = [invoice.seller, invoice.buyer, invoice.payee, invoice.tax_representative]
    codes = [p.country for p in parties if p is not None]
    codes += [p.address.country for p in parties if p is not None]
    codes.append(invoice.delivery_country)
    bad = sorted({c for c in codes if c is not None and c not in COUNTRY_CODES})
    return only_if(bool(bad), msg("Not ISO 3166 country codes: {bad}", bad=tuple(bad)))


@rule("BR-CL-16", field="payment.means_code")
def payment_means_known(invoice: Invoice) -> Problems:
    code = invoice.payment.means_code
    known = code is None or code in PAYMENT_MEANS_CODES
    return only_if(not known, msg("{code} is not a UNTDID 4461 payment means code", code=code))


@rule("BR-CL-17", field="vat_breakdown")
def document_vat_categories_known(invoice: Invoice) -> Problems:
    codes = [a.vat_category for a in invoice.allowances_charges]
    codes += [v.category for v in invoice.vat_breakdown]
    bad = sorted({c for c in codes if c is not None and c not in VAT_CATEGORY_CODES})
    return only_if(bool(bad), msg("Unknown VAT category codes: {bad}", bad=tuple(bad)))


@rule("BR-CL-18", field="lines")
def line_vat_categories_known(invoice: Invoice) -> Problems:
    codes = {line.vat_category for line in invoice.lines}
    bad = sorted(c for c in codes if c is not None and c not in VAT_CATEGORY_CODES)
    return only_if(bool(bad), msg("Unknown VAT category codes on lines: {bad}", bad=tuple(bad)))
