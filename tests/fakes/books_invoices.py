"""A new e-invoice (Peppol BIS 3 UBL) from a supplier in generated books, as it would arrive.

`next_invoice(books, supplier, buyer_org)` writes the supplier's next invoice: its name,
org.nr, VAT id and bank account from the ledger's register, lines like one of its recent
invoices (same texts, same amounts, the VAT its accounts carry) — what a test or benchmark
uploads to see whether Kontera suggests what the books say.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

from tests.fakes.books import Books
from tests.fakes.books import BookSupplier
from tests.fakes.books import BookVoucher

CENT = Decimal("0.01")


def steady_supplier(books: Books, min_lines: int = 20, share: float = 0.9) -> BookSupplier:
    """The supplier with the most lines whose lines nearly all went to one active account."""
    lines: dict[int, Counter[str]] = {}
    for voucher in books.vouchers:
        lines.setdefault(voucher.supplier, Counter()).update(line.account for line in voucher.lines)
    for number, counts in sorted(lines.items(), key=lambda item: -sum(item[1].values())):
        account, top = counts.most_common(1)[0]
        total = sum(counts.values())
        if total >= min_lines and top / total >= share and books.accounts[account].active:
            return books.suppliers[number]
    raise LookupError("no supplier in these books posts steadily to one account")


def usual_account(books: Books, supplier: BookSupplier) -> str:
    counts = Counter(
        line.account for v in books.vouchers if v.supplier == supplier.number for line in v.lines
    )
    return counts.most_common(1)[0][0]


def last_voucher(books: Books, supplier: BookSupplier) -> BookVoucher:
    return next(v for v in reversed(books.vouchers) if v.supplier == supplier.number)


def next_invoice(
    books: Books, supplier: BookSupplier, buyer_org: str, number: str = "", back: int = 0
) -> bytes:
    """The supplier's next invoice, like its last one (`back`: like the one that many before
    it, for a second invoice with its own amounts and KID), issued the day after the books."""
    mine = [v for v in reversed(books.vouchers) if v.supplier == supplier.number]
    model = mine[min(back, len(mine) - 1)]
    issued = books.end + timedelta(days=1 + back)
    currency = books.currency
    country = books.country
    lines = [line for line in model.lines if line.net > 0] or list(model.lines)
    rows = []
    subtotals: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for i, line in enumerate(lines, start=1):
        rate = books.vat_codes[line.vat_code].rate
        category = "S" if rate else "E"
        net = line.net.quantize(CENT)
        base, tax = subtotals.get(rate, (Decimal(0), Decimal(0)))
        subtotals[rate] = (base + net, tax + (net * rate / 100).quantize(CENT))
        rows.append(_line(i, line.text or "Varer og tjenester", net, category, rate, currency))
    net_total = sum((b for b, _ in subtotals.values()), Decimal(0))
    vat_total = sum((t for _, t in subtotals.values()), Decimal(0))
    gross = net_total + vat_total
    vat_id = supplier.vat_id
    taxes = "".join(_subtotal(rate, b, t, currency) for rate, (b, t) in subtotals.items())
    payment = f"<cbc:PaymentID>{model.kid}</cbc:PaymentID>" if model.kid else ""
    scheme = "0007" if country == "SE" else "0192"
    bank = supplier.bank_accounts[0].replace("-", "")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>{escape(number or model.invoice_number + "-N")}</cbc:ID>
  <cbc:IssueDate>{issued.isoformat()}</cbc:IssueDate>
  <cbc:DueDate>{(issued + timedelta(days=30)).isoformat()}</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>{currency}</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>LEDGER</cbc:BuyerReference>
  <cac:AccountingSupplierParty><cac:Party>
    <cbc:EndpointID schemeID="{scheme}">{supplier.org_number}</cbc:EndpointID>
    <cac:PostalAddress><cbc:CityName>By</cbc:CityName><cac:Country><cbc:IdentificationCode>{country}</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    <cac:PartyTaxScheme><cbc:CompanyID>{vat_id}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
    <cac:PartyLegalEntity><cbc:RegistrationName>{escape(supplier.name)}</cbc:RegistrationName><cbc:CompanyID>{supplier.org_number}</cbc:CompanyID></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cbc:EndpointID schemeID="{scheme}">{buyer_org}</cbc:EndpointID>
    <cac:PostalAddress><cbc:CityName>By</cbc:CityName><cac:Country><cbc:IdentificationCode>{country}</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    <cac:PartyLegalEntity><cbc:RegistrationName>Kunde</cbc:RegistrationName><cbc:CompanyID>{buyer_org}</cbc:CompanyID></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:PaymentMeans>
    <cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>{payment}
    <cac:PayeeFinancialAccount><cbc:ID>{bank}</cbc:ID></cac:PayeeFinancialAccount>
  </cac:PaymentMeans>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="{currency}">{vat_total}</cbc:TaxAmount>{taxes}
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="{currency}">{net_total}</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="{currency}">{net_total}</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="{currency}">{gross}</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="{currency}">{gross}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>{"".join(rows)}
</Invoice>
""".encode()


def _line(i: int, text: str, net: Decimal, category: str, rate: Decimal, currency: str) -> str:
    return f"""
  <cac:InvoiceLine>
    <cbc:ID>{i}</cbc:ID>
    <cbc:InvoicedQuantity unitCode="EA">1</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="{currency}">{net}</cbc:LineExtensionAmount>
    <cac:Item>
      <cbc:Name>{escape(text[:100])}</cbc:Name>
      <cac:ClassifiedTaxCategory><cbc:ID>{category}</cbc:ID><cbc:Percent>{rate}</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="{currency}">{net}</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>"""


def _subtotal(rate: Decimal, base: Decimal, tax: Decimal, currency: str) -> str:
    category = "S" if rate else "E"
    reason = "" if rate else "<cbc:TaxExemptionReason>Unntatt</cbc:TaxExemptionReason>"
    return f"""
    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="{currency}">{base}</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="{currency}">{tax}</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>{category}</cbc:ID><cbc:Percent>{rate}</cbc:Percent>{reason}<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
    </cac:TaxSubtotal>"""
