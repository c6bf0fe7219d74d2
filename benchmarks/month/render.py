"""Turn a true invoice into the bytes a supplier sends: EHF (Peppol BIS 3), a PDF, a scan.

EHF is written here from the truth (invoice or credit note, any number of lines and VAT
rates, foreign currency, reverse charge, KID, bank account or bankgiro); PDFs are drawn by
the project's fixture layouts (`fixtures/pdf_layouts.py`) and scans are those PDFs rasterised
at 200 dpi with the fixture generator's scanner damage.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage
from html import escape

from stdnum.no import kontonr

from benchmarks.month.books import seeded
from benchmarks.month.fixtures import FONTS
from benchmarks.month.fixtures import InvoiceData
from benchmarks.month.fixtures import Line
from benchmarks.month.fixtures import degrade
from benchmarks.month.fixtures import rasterise
from benchmarks.month.fixtures import render_pdf
from benchmarks.month.truth import TruthInvoice
from kontera.domain import identifiers as ids

UBL_NS = (
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"'
)
CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
CITIES = {
    "NO": (
        ("Storgata", "0155", "Oslo"),
        ("Kaigaten", "5015", "Bergen"),
        ("Dronningens gate", "7011", "Trondheim"),
        ("Strandgata", "9008", "Tromsø"),
    ),
    "SE": (
        ("Storgatan", "111 22", "Stockholm"),
        ("Hamngatan", "411 14", "Göteborg"),
        ("Kungsgatan", "211 49", "Malmö"),
        ("Drottninggatan", "702 10", "Örebro"),
    ),
    "DE": (("Hauptstraße", "10115", "Berlin"), ("Bahnhofstraße", "80335", "München")),
}


@dataclass(frozen=True, slots=True)
class Buyer:
    name: str
    org_number: str
    country: str

    @property
    def vat_id(self) -> str:
        digits = ids.digits(self.org_number)
        return f"NO{digits}MVA" if self.country == "NO" else f"SE{digits}01"


def address(key: str, country: str) -> tuple[str, str, str]:
    street, postal, city = seeded(0, "address", key).choice(CITIES[country])
    return f"{street} {seeded(1, 'number', key).randint(1, 80)}", postal, city


def ehf(invoice: TruthInvoice, buyer: Buyer) -> bytes:
    credit = invoice.credit_note
    sign = Decimal(-1) if credit else Decimal(1)
    root, line_tag, qty_tag = (
        ("CreditNote", "CreditNoteLine", "CreditedQuantity")
        if credit
        else ("Invoice", "InvoiceLine", "InvoicedQuantity")
    )
    cur = invoice.currency
    ns = f"urn:oasis:names:specification:ubl:schema:xsd:{root}-2"
    type_code = (
        "<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>"
        if credit
        else f"<cbc:DueDate>{invoice.due.isoformat()}</cbc:DueDate>"
        "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"
    )
    parts = [
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{ns}" {UBL_NS}>',
        f"<cbc:CustomizationID>{CUSTOMIZATION}</cbc:CustomizationID>",
        f"<cbc:ProfileID>{PROFILE}</cbc:ProfileID>",
        f"<cbc:ID>{escape(invoice.number)}</cbc:ID>",
        f"<cbc:IssueDate>{invoice.issue.isoformat()}</cbc:IssueDate>",
        type_code,
        f"<cbc:DocumentCurrencyCode>{cur}</cbc:DocumentCurrencyCode>",
        "<cbc:BuyerReference>Faktura</cbc:BuyerReference>",
        _seller(invoice),
        _buyer(buyer),
        _payment(invoice, credit),
        _tax_total(invoice, sign),
        _totals(invoice, sign),
    ]
    for index, line in enumerate(invoice.lines, start=1):
        amount = line.net * sign
        quantity = "1" if amount >= 0 else "-1"  # BR-27: the price itself is never negative
        parts.append(
            f"<cac:{line_tag}><cbc:ID>{index}</cbc:ID>"
            f'<cbc:{qty_tag} unitCode="EA">{quantity}</cbc:{qty_tag}>'
            f'<cbc:LineExtensionAmount currencyID="{cur}">{_money(amount)}'
            "</cbc:LineExtensionAmount>"
            f"<cac:Item><cbc:Name>{escape(line.description)}</cbc:Name>"
            f"<cac:ClassifiedTaxCategory><cbc:ID>{line.category}</cbc:ID>"
            f"<cbc:Percent>{line.rate}</cbc:Percent>"
            "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory>"
            "</cac:Item>"
            f'<cac:Price><cbc:PriceAmount currencyID="{cur}">{_money(abs(amount))}'
            "</cbc:PriceAmount></cac:Price>"
            f"</cac:{line_tag}>"
        )
    parts.append(f"</{root}>\n")
    return "\n".join(parts).encode()


def _seller(invoice: TruthInvoice) -> str:
    s = invoice.supplier
    street, postal, city = address(s.key, s.country)
    if s.foreign:
        endpoint = f'<cbc:EndpointID schemeID="9930">{s.vat_id}</cbc:EndpointID>'
        legal = f"<cbc:CompanyID>{s.vat_id}</cbc:CompanyID>"
    else:
        digits = ids.digits(s.org_number or "")
        scheme = "0192" if s.country == "NO" else "0007"
        endpoint = f'<cbc:EndpointID schemeID="{scheme}">{digits}</cbc:EndpointID>'
        legal = f"<cbc:CompanyID>{digits}</cbc:CompanyID>"
    register = (
        "<cac:PartyTaxScheme><cbc:CompanyID>Foretaksregisteret</cbc:CompanyID>"
        "<cac:TaxScheme><cbc:ID>TAX</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        if s.country == "NO"
        else ""
    )
    if s.country == "SE":
        register = (
            "<cac:PartyTaxScheme><cbc:CompanyID>Godkänd för F-skatt</cbc:CompanyID>"
            "<cac:TaxScheme><cbc:ID>TAX</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        )
    return (
        "<cac:AccountingSupplierParty><cac:Party>"
        f"{endpoint}"
        f"<cac:PostalAddress><cbc:StreetName>{escape(street)}</cbc:StreetName>"
        f"<cbc:CityName>{city}</cbc:CityName><cbc:PostalZone>{postal}</cbc:PostalZone>"
        f"<cac:Country><cbc:IdentificationCode>{s.country}</cbc:IdentificationCode></cac:Country>"
        "</cac:PostalAddress>"
        f"<cac:PartyTaxScheme><cbc:CompanyID>{s.vat_id}</cbc:CompanyID>"
        "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        f"{register}"
        f"<cac:PartyLegalEntity><cbc:RegistrationName>{escape(s.name)}</cbc:RegistrationName>"
        f"{legal}</cac:PartyLegalEntity>"
        f"<cac:Contact><cbc:ElectronicMail>faktura@{s.email_domain}</cbc:ElectronicMail></cac:Contact>"
        "</cac:Party></cac:AccountingSupplierParty>"
    )


def _buyer(buyer: Buyer) -> str:
    digits = ids.digits(buyer.org_number)
    scheme = "0192" if buyer.country == "NO" else "0007"
    street, postal, city = address(buyer.name, buyer.country)
    return (
        "<cac:AccountingCustomerParty><cac:Party>"
        f'<cbc:EndpointID schemeID="{scheme}">{digits}</cbc:EndpointID>'
        f"<cac:PostalAddress><cbc:StreetName>{escape(street)}</cbc:StreetName>"
        f"<cbc:CityName>{city}</cbc:CityName><cbc:PostalZone>{postal}</cbc:PostalZone>"
        f"<cac:Country><cbc:IdentificationCode>{buyer.country}</cbc:IdentificationCode>"
        "</cac:Country></cac:PostalAddress>"
        f"<cac:PartyTaxScheme><cbc:CompanyID>{buyer.vat_id}</cbc:CompanyID>"
        "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        f"<cac:PartyLegalEntity><cbc:RegistrationName>{escape(buyer.name)}</cbc:RegistrationName>"
        f"<cbc:CompanyID>{digits}</cbc:CompanyID></cac:PartyLegalEntity>"
        "</cac:Party></cac:AccountingCustomerParty>"
    )


def _payment(invoice: TruthInvoice, credit: bool) -> str:
    if credit:
        return ""  # a credit note is not paid to the supplier
    s = invoice.supplier
    kid = f"<cbc:PaymentID>{invoice.kid}</cbc:PaymentID>" if invoice.kid else ""
    if s.bankgiro and not invoice.pay_to.startswith(("SE", "DE", "NO")):
        account = (
            f"<cac:PayeeFinancialAccount><cbc:ID>{ids.digits(invoice.pay_to)}</cbc:ID>"
            "<cac:FinancialInstitutionBranch><cbc:ID>SE:BANKGIRO</cbc:ID>"
            "</cac:FinancialInstitutionBranch></cac:PayeeFinancialAccount>"
        )
    else:
        account = (
            f"<cac:PayeeFinancialAccount><cbc:ID>{invoice.pay_to}</cbc:ID>"
            "</cac:PayeeFinancialAccount>"
        )
    return (
        f"<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>{kid}{account}"
        "</cac:PaymentMeans>"
    )


def _tax_total(invoice: TruthInvoice, sign: Decimal) -> str:
    cur = invoice.currency
    rows = []
    for category, rate, base, tax in invoice.vat_rows():
        reason = ""
        if category == "E":
            reason = "<cbc:TaxExemptionReason>Unntatt merverdiavgift</cbc:TaxExemptionReason>"
        elif category == "AE":
            reason = "<cbc:TaxExemptionReason>Reverse charge</cbc:TaxExemptionReason>"
        rows.append(
            "<cac:TaxSubtotal>"
            f'<cbc:TaxableAmount currencyID="{cur}">{_money(base * sign)}</cbc:TaxableAmount>'
            f'<cbc:TaxAmount currencyID="{cur}">{_money(tax * sign)}</cbc:TaxAmount>'
            f"<cac:TaxCategory><cbc:ID>{category}</cbc:ID><cbc:Percent>{rate}</cbc:Percent>"
            f"{reason}<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>"
            "</cac:TaxSubtotal>"
        )
    vat = _money(invoice.vat * sign)
    return (
        f'<cac:TaxTotal><cbc:TaxAmount currencyID="{cur}">{vat}</cbc:TaxAmount>'
        f"{''.join(rows)}</cac:TaxTotal>"
    )


def _totals(invoice: TruthInvoice, sign: Decimal) -> str:
    cur = invoice.currency
    net, gross = _money(invoice.net * sign), _money(invoice.gross * sign)
    return (
        "<cac:LegalMonetaryTotal>"
        f'<cbc:LineExtensionAmount currencyID="{cur}">{net}</cbc:LineExtensionAmount>'
        f'<cbc:TaxExclusiveAmount currencyID="{cur}">{net}</cbc:TaxExclusiveAmount>'
        f'<cbc:TaxInclusiveAmount currencyID="{cur}">{gross}</cbc:TaxInclusiveAmount>'
        f'<cbc:PayableAmount currencyID="{cur}">{gross}</cbc:PayableAmount>'
        "</cac:LegalMonetaryTotal>"
    )


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def pdf(invoice: TruthInvoice, buyer: Buyer) -> bytes:
    assert invoice.layout is not None
    rng = seeded(3, "pdf", invoice.uid)
    fonts = seeded(0, "font", invoice.supplier.key).choice(FONTS)
    return render_pdf(_invoice_data(invoice, buyer), invoice.layout, fonts, rng)


def scan(invoice: TruthInvoice, buyer: Buyer) -> bytes:
    page = rasterise(pdf(invoice, buyer))[0]
    image = degrade(page, seeded(4, "scan", invoice.uid))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80, dpi=(200, 200))
    return out.getvalue()


def _invoice_data(invoice: TruthInvoice, buyer: Buyer) -> InvoiceData:
    s = invoice.supplier
    sign = Decimal(-1) if invoice.credit_note else Decimal(1)
    street, postal, city = address(s.key, s.country)
    data = InvoiceData(
        country=s.country if s.country in ("NO", "SE") else "NO",
        number=invoice.number,
        issue=invoice.issue,
        due=invoice.due,
        seller=s.name,
        street=street,
        city=f"{postal} {city}",
        org_number=s.org_number or "",
        vat_id=s.vat_id or "",
        lines=[Line(x.description, Decimal(1), x.net * sign, x.rate) for x in invoice.lines],
        credit_note=invoice.credit_note,
        kid=invoice.kid,
        account=invoice.pay_to if s.bank_account else None,
        iban=str(kontonr.to_iban(invoice.pay_to)).replace(" ", "") if s.bank_account else None,
        bankgiro=invoice.pay_to if s.bankgiro else None,
    )
    if invoice.credit_note:
        data.extra["credits"] = "—"
    data.extra["due_printed"] = invoice.due_shown
    data.extra["buyer"] = (buyer.name, *_buyer_lines(buyer))
    return data


def _buyer_lines(buyer: Buyer) -> tuple[str, str]:
    street, postal, city = address(buyer.name, buyer.country)
    return street, f"{postal} {city}"


def document(invoice: TruthInvoice, buyer: Buyer) -> tuple[bytes, str]:
    """The bytes and content type the supplier sends."""
    if invoice.channel == "ehf":
        return ehf(invoice, buyer), "application/xml"
    if invoice.channel == "pdf":
        return pdf(invoice, buyer), "application/pdf"
    return scan(invoice, buyer), "image/jpeg"


def mail(invoice: TruthInvoice, to: str, data: bytes, content_type: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"{invoice.supplier.name} <faktura@{invoice.supplier.email_domain}>"
    message["To"] = to
    message["Subject"] = f"Faktura {invoice.number}"
    message.set_content(
        f"Vedlagt faktura {invoice.number}.\n\nMed vennlig hilsen\n{invoice.supplier.name}\n"
    )
    main, sub = content_type.split("/")
    message.add_attachment(data, maintype=main, subtype=sub, filename=invoice.filename)
    return message
