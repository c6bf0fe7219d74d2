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
