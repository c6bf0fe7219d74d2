"""E-invoices for the ledgers' inboxes and the watched folders, made from the corpus's own.

The corpus holds few distinct invoices (the Norwegian example TOSL108 in four syntaxes, a
credit note, the Swedish BIS 3 business cases), all addressed to fictitious buyers. An
inbox of 50 needs 50 invoices *to the company*, so each one here is a corpus document with
its identity changed and nothing else: a new invoice number, a recent date, the company as
buyer and — so that suggestions can come from history — a supplier of the fake's books as
seller, with that supplier's bank account. The lines, amounts, VAT and structure are the
corpus's. Read from `../shared/corpus` at test time (never copied into the project); tests
skip when it is absent.

    invoices = corpus_invoices("NO", 50, buyer=Party(...), sellers=[Party(...), ...])
    facts = ehf_facts(invoices[0].content)   # what a fake ledger reads off an arriving EHF
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from stdnum import luhn

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS = {"cbc": CBC, "cac": CAC}
BASES = {
    "NO": (
        "ehf/peppol-bis3/national-examples/NO/Norwegian-example-1.xml",
        "ehf/ehf-g3/docs/billing-3.0/norway/files/ehf-3-faktura-1.xml",
        "ehf/ehf-g3/docs/billing-3.0/norway/files/ehf-2-faktura-1.xml",
        "ehf/ehf-g2/rules/ehf-invoice-2.0/example/T10 BII05 gyldig faktura.xml",
    ),
    "SE": tuple(
        f"en16931/test/testfiles/BIS_Billing_30-{name}.xml"
        for name in (
            "DataIT",
            "Elhandel",
            "Elnat",
            "Hyrbil",
            "Inkopskort",
            "Telefoni",
            "Tjanster_Kopiering",
            "Tjanster_Bevakning",
            "Resor_Taxi",
            "Resor_Bokning",
        )
    ),
}
SCHEME = {"NO": "0192", "SE": "0007"}


@dataclass(frozen=True)
class Party:
    name: str
    org_number: str
    country: str
    bank_account: str | None = None

    @property
    def vat_id(self) -> str:
        return f"NO{self.org_number}MVA" if self.country == "NO" else f"SE{self.org_number}01"


@dataclass(frozen=True)
class CorpusInvoice:
    filename: str
    content: bytes
    number: str
    base: str  # the corpus file it was made from


@dataclass(frozen=True)
class EhfFacts:
    number: str
    issue_date: date
    due_date: date | None
    currency: str
    payable: Decimal
    vat: Decimal
    seller_org: str
    seller_name: str
    kid: str | None
    credit_note: bool


def corpus_base(country: str, index: int) -> bytes:
    path = CORPUS / BASES[country][index % len(BASES[country])]
    if not path.exists():
        pytest.skip("the corpus's e-invoice examples are not present")
    return path.read_bytes()


def corpus_invoices(
    country: str,
    count: int,
    *,
    buyer: Party,
    sellers: list[Party],
    issued: date | None = None,
    prefix: str = "INB",
) -> list[CorpusInvoice]:
    day = issued or date.today() - timedelta(days=3)
    made = []
    suppliers = itertools.cycle(sellers)
    for i in range(count):
        base = BASES[country][i % len(BASES[country])]
        number = f"{prefix}-{i + 1:04d}"
        content = readdressed(
            corpus_base(country, i), number=number, issued=day, buyer=buyer, seller=next(suppliers)
        )
        made.append(CorpusInvoice(f"{number}.xml", content, number, base))
    return made


def readdressed(base: bytes, *, number: str, issued: date, buyer: Party, seller: Party) -> bytes:
    """The corpus invoice with a new number and date, to `buyer` from `seller`."""
    root = etree.fromstring(base, etree.XMLParser(remove_comments=True, resolve_entities=False))
    _text(root, "cbc:ID", number)
    _text(root, "cbc:IssueDate", issued.isoformat())
    _text(root, "cbc:DueDate", (issued + timedelta(days=30)).isoformat())
    _text(root, "cbc:TaxPointDate", issued.isoformat())
    for due in root.iterfind("cac:PaymentMeans/cbc:PaymentDueDate", NS):
        due.text = (issued + timedelta(days=30)).isoformat()
    for period in root.iterfind("cac:InvoicePeriod", NS):
        root.remove(period)
    for payee in root.iterfind("cac:PayeeParty", NS):
        root.remove(payee)
    _party(root.find("cac:AccountingSupplierParty/cac:Party", NS), seller)
    _party(root.find("cac:AccountingCustomerParty/cac:Party", NS), buyer)
    if seller.bank_account:
        for account in root.iterfind("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", NS):
            account.text = seller.bank_account
    for kid in root.iterfind("cac:PaymentMeans/cbc:PaymentID", NS):
        kid.text = _kid(number)  # the corpus's KIDs carry wrong check digits
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _kid(number: str) -> str:
    digits = "".join(c for c in number if c.isdigit()).rjust(8, "0")
    return digits + luhn.calc_check_digit(digits)


def _text(root: etree._Element, path: str, value: str) -> None:
    found = root.find(path, NS)
    if found is not None:
        found.text = value


def _party(party: etree._Element | None, who: Party) -> None:
    if party is None:
        return
    for endpoint in party.iterfind("cbc:EndpointID", NS):
        endpoint.text = who.org_number
        if endpoint.get("schemeID", "").isdigit():
            endpoint.set("schemeID", SCHEME[who.country])
    for name in party.iterfind("cac:PartyName/cbc:Name", NS):
        name.text = who.name
    for legal in party.iterfind("cac:PartyLegalEntity", NS):
        for registered in legal.iterfind("cbc:RegistrationName", NS):
            registered.text = who.name
        for company in legal.iterfind("cbc:CompanyID", NS):
            company.text = who.org_number
    for tax in party.iterfind("cac:PartyTaxScheme/cbc:CompanyID", NS):
        tax.text = who.vat_id
    for identification in party.iterfind("cac:PartyIdentification/cbc:ID", NS):
        if identification.get("schemeID") in ("0192", "0007", "NO:ORGNR"):
            identification.text = who.org_number


def ehf_facts(content: bytes) -> EhfFacts:
    """What an accounting system reads off an arriving e-invoice to register it."""
    root = etree.fromstring(content, etree.XMLParser(resolve_entities=False))
    credit = etree.QName(root).localname == "CreditNote"
    seller = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    assert seller is not None
    org = seller.findtext("cac:PartyLegalEntity/cbc:CompanyID", namespaces=NS) or ""
    name = seller.findtext("cac:PartyLegalEntity/cbc:RegistrationName", namespaces=NS) or (
        seller.findtext("cac:PartyName/cbc:Name", namespaces=NS) or ""
    )
    due = root.findtext("cbc:DueDate", namespaces=NS) or root.findtext(
        "cac:PaymentMeans/cbc:PaymentDueDate", namespaces=NS
    )
    payable = Decimal(root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS))
    vat = Decimal(root.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=NS) or "0")
    return EhfFacts(
        number=root.findtext("cbc:ID", namespaces=NS) or "",
        issue_date=date.fromisoformat(root.findtext("cbc:IssueDate", namespaces=NS) or ""),
        due_date=date.fromisoformat(due) if due else None,
        currency=root.findtext("cbc:DocumentCurrencyCode", namespaces=NS) or "",
        payable=-abs(payable) if credit else payable,
        vat=-abs(vat) if credit else vat,
        seller_org="".join(c for c in org if c.isdigit()),
        seller_name=name,
        kid=root.findtext("cac:PaymentMeans/cbc:PaymentID", namespaces=NS),
        credit_note=credit,
    )
