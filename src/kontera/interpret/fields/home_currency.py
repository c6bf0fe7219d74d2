"""A Norwegian or Swedish invoice that states no currency is in its own country's currency.

Terse layouts print "Tot. 1 234,00" and nothing else; a bookkeeper reads that as kroner
without a second thought, and so does Kontera — when the seller is known to be Norwegian or
Swedish (its VAT id or organisation number says so). Abroad, or unknown, the currency stays
empty and a person decides.
"""

from __future__ import annotations

from kontera.domain import identifiers as ids
from kontera.domain.fields import Source
from kontera.domain.invoice import Invoice

HOME_CURRENCY = {"NO": "NOK", "SE": "SEK"}
# Not read but inferred: right unless a domestic seller bills in a foreign currency and
# forgets to say so.
CONFIDENCE = 0.95


def seller_country(invoice: Invoice) -> str | None:
    seller = invoice.seller
    if seller.country:
        return seller.country.upper()
    if seller.vat_id and seller.vat_id[:2].upper() in HOME_CURRENCY:
        return seller.vat_id[:2].upper()
    org = seller.org_number or ""
    if ids.valid_no_org_number(org):
        return "NO"
    if ids.valid_se_org_number(org):
        return "SE"
    return None


def fill_home_currency(invoice: Invoice, source: Source) -> None:
    if invoice.currency:
        return
    currency = HOME_CURRENCY.get(seller_country(invoice) or "")
    if currency is not None:
        invoice.set_field("currency", currency, confidence=CONFIDENCE, source=source)
