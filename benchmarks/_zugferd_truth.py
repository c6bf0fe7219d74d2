"""Ground truth for the ZUGFeRD/Factur-X corpus: the embedded CII XML, read with simple XPaths.

Used only by the benchmarks. The CII interpreter is written elsewhere; here a handful of
`local-name()` XPaths are enough and keep the benchmark independent of it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pikepdf
from lxml import etree

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "pdf" / "zugferd"
FIELDS = [
    "invoice_number",
    "issue_date",
    "due_date",
    "currency",
    "seller.vat_id",
    "seller.name",
    "totals.net",
    "totals.vat",
    "totals.gross",
    "totals.payable",
    "payment.iban",
]


def corpus_pdfs() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*.pdf") if embedded_xml(p) is not None)


def embedded_xml(path: Path) -> bytes | None:
    with pikepdf.open(path) as pdf:
        for name, spec in pdf.attachments.items():
            if name.lower().endswith(".xml"):
                return bytes(spec.get_file().read_bytes())
    return None


def _x(tree: Any, path: str) -> list[Any]:
    parts = [p for p in path.split("/") if p]
    xpath = "//" + "/".join(
        f"*[local-name()='{p}']" if not p.startswith("@") and "[" not in p else p for p in parts
    )
    return list(tree.xpath(xpath))


def _text(tree: Any, path: str) -> str | None:
    found = _x(tree, path)
    return found[0].text.strip() if found and found[0].text else None


def _date(text: str | None) -> date | None:
    if not text:
        return None
    text = text.strip()
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def truth(xml: bytes) -> dict[str, Any]:
    tree = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    currency = _text(tree, "InvoiceCurrencyCode")
    seller = _x(tree, "SellerTradeParty")
    seller_node = seller[0] if seller else None
    vat_id = None
    name = None
    if seller_node is not None:
        regs = seller_node.xpath(
            ".//*[local-name()='SpecifiedTaxRegistration']/*[local-name()='ID']"
        )
        vats = [r.text.strip() for r in regs if r.get("schemeID") == "VA" and r.text]
        vat_id = vats[0].replace(" ", "").upper() if vats else None
        names = seller_node.xpath("./*[local-name()='Name']")
        name = names[0].text.strip() if names and names[0].text else None
    return {
        "invoice_number": _text(tree, "ExchangedDocument/ID")
        or _text(tree, "HeaderExchangedDocument/ID"),
        "issue_date": _date(_text(tree, "IssueDateTime/DateTimeString")),
        "due_date": _date(_text(tree, "DueDateDateTime/DateTimeString")),
        "currency": currency,
        "seller.vat_id": vat_id,
        "seller.name": name,
        "totals.net": _amount(tree, "TaxBasisTotalAmount", currency),
        "totals.vat": _amount(tree, "TaxTotalAmount", currency),
        "totals.gross": _amount(tree, "GrandTotalAmount", currency),
        "totals.payable": _amount(tree, "DuePayableAmount", currency),
        "payment.iban": (_text(tree, "PayeePartyCreditorFinancialAccount/IBANID") or "").replace(
            " ", ""
        )
        or None,
        "type_code": _text(tree, "ExchangedDocument/TypeCode")
        or _text(tree, "HeaderExchangedDocument/TypeCode"),
    }


def _amount(tree: Any, name: str, currency: str | None) -> Decimal | None:
    nodes = [
        n
        for n in _x(tree, f"SpecifiedTradeSettlementMonetarySummation/{name}")
        + _x(tree, f"SpecifiedTradeSettlementHeaderMonetarySummation/{name}")
        if n.text
    ]
    for node in nodes:
        if node.get("currencyID") in (None, currency):
            return Decimal(node.text.strip())
    return Decimal(nodes[0].text.strip()) if nodes else None


# Samples whose visible PDF disagrees with their own embedded XML (corpus README: "treat those
# as findings, not as truth"). Each was checked by reading the page text; the benchmark reports
# accuracy with and without them.
_BOM = "MustangGnuaccountingBeispielRE-20201121_508_withBOM.pdf"
FINDINGS: dict[tuple[str, str], str] = {
    ("MustangGnuaccountingBeispielRE-20140519_499.pdf", "seller.name"): "PDF: Bei Spiel GmbH",
    ("MustangGnuaccountingBeispielRE-20150613_503.pdf", "totals.net"): "PDF: 358,00",
    ("MustangGnuaccountingBeispielRE-20150613_503.pdf", "totals.vat"): "PDF: 48,82",
    ("MustangGnuaccountingBeispielRE-20150613_503.pdf", "totals.gross"): "PDF: 406,82",
    ("MustangGnuaccountingBeispielRE-20150613_503.pdf", "totals.payable"): "PDF: 406,82",
    ("MustangGnuaccountingBeispielRE-20151008_504.pdf", "issue_date"): "PDF: 08.10.2015",
    ("MustangGnuaccountingBeispielRE-20151008_504.pdf", "due_date"): "PDF: 29.10.2015",
    ("MustangGnuaccountingBeispielRE-20151008_504new.pdf", "issue_date"): "PDF: 08.10.2015",
    ("MustangGnuaccountingBeispielRE-20151008_504new.pdf", "due_date"): "PDF: 29.10.2015",
    (
        "MustangGnuaccountingBeispielRE-20201121_508_withBOM.pdf",
        "invoice_number",
    ): "PDF: RE-20190610/507",
    ("MustangGnuaccountingBeispielRE-20201121_508_withBOM.pdf", "issue_date"): "PDF: 2019-06-10",
    ("MustangGnuaccountingBeispielRE-20201121_508_withBOM.pdf", "due_date"): "PDF: 2019-07-01",
    ("ZUGFeRD_1p0_EXTENDED_Kostenrechnung.pdf", "seller.name"): "PDF: KOSTENLIEFERANT GMBH",
    (
        "ZUGFeRD_1p0_BASIC_Rechnungskorrektur.pdf",
        "seller.name",
    ): "XML name holds GLN and Lief-Nr lines",
    (
        "zugferd_2p0_BASIC_Rechnungskorrektur.pdf",
        "seller.name",
    ): "XML name holds GLN and Lief-Nr lines",
    (
        "ZUGFeRD_1p0_COMFORT_Rechnungskorrektur.pdf",
        "totals.payable",
    ): "XML 0.00; PDF prints -8,79 only",
    (
        "ZUGFeRD_1p0_EXTENDED_Rechnungskorrektur.pdf",
        "totals.payable",
    ): "XML 0.00; PDF prints -8,79 only",
    ("ZUGFeRD_1p0_COMFORT_Haftpflichtversicherung_Versicherungssteuer.pdf", "invoice_number"): (
        "XML 01.234.567.8-2014-1; PDF prints only VSNR 01.234.567.8"
    ),
    ("ZUGFeRD_1p0_COMFORT_Kraftfahrversicherung_Bruttopreise.pdf", "invoice_number"): (
        "XML 00.123.456.7-2014-1; PDF prints Nr. 00.123.456.7"
    ),
    ("ZUGFeRD_1p0_COMFORT_Sachversicherung_berechneter_Steuersatz.pdf", "invoice_number"): (
        "XML 00.123.456.7-2014-1; PDF prints Nr. 00.123.456.7"
    ),
}


def line_totals(xml: bytes) -> list[Decimal]:
    """Each invoice line's net amount (BT-131), in document order."""
    tree = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    found = []
    for line in _x(tree, "IncludedSupplyChainTradeLineItem"):
        amounts = line.xpath(
            ".//*[local-name()='SpecifiedTradeSettlementLineMonetarySummation' or "
            "local-name()='SpecifiedTradeSettlementMonetarySummation']"
            "/*[local-name()='LineTotalAmount']"
        )
        if amounts and amounts[0].text:
            found.append(Decimal(amounts[0].text.strip()))
    return found
