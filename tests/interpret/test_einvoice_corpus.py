"""Acceptance runs over the e-invoice corpus (issue 3).

Every invoice and credit note interprets without error; the totals equal BT-106…BT-115 as an
independent XPath reading of the same file states them (sign-adjusted for credit notes); the
lines add up to BT-106 and the VAT breakdown to BT-110.
"""

from __future__ import annotations

import functools
import json
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from kontera.domain.codec import invoice_from_json
from kontera.domain.codec import invoice_to_json
from kontera.domain.invoice import Invoice
from kontera.interpret.base import Interpretation
from kontera.interpret.einvoice.doc_kinds import NOT_ORDINARY
from kontera.interpret.registry import interpret_bytes

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
ACCEPTANCE_GLOBS = [
    "ehf/peppol-bis3/examples/*.xml",
    "ehf/peppol-bis3/national-examples/*/*.xml",
    "ehf/ehf-g3/docs/billing-3.0/norway/files/*.xml",
    "ehf/ehf-g2/rules/*/example/*.xml",
    "en16931/ubl/examples/*",
    "en16931/cii/examples/*",
    "en16931/test/testfiles/*.xml",
    "pdf/zugferd/ZUGFeRDv2/correct/Mustangproject/*.xml",
]
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
# BT-106 … BT-115 (without BT-110/111, checked through the breakdown) → element names.
UBL_TOTALS = {
    "line_total": "LineExtensionAmount",
    "allowances": "AllowanceTotalAmount",
    "charges": "ChargeTotalAmount",
    "net": "TaxExclusiveAmount",
    "gross": "TaxInclusiveAmount",
    "prepaid": "PrepaidAmount",
    "rounding": "PayableRoundingAmount",
    "payable": "PayableAmount",
}
CII_TOTALS = {
    "line_total": "LineTotalAmount",
    "allowances": "AllowanceTotalAmount",
    "charges": "ChargeTotalAmount",
    "net": "TaxBasisTotalAmount",
    "gross": "GrandTotalAmount",
    "prepaid": "TotalPrepaidAmount",
    "rounding": "RoundingAmount",
    "payable": "DuePayableAmount",
}


@functools.cache
def _interpret(path: Path) -> Interpretation:
    """Each corpus file is interpreted once per test run and shared by the tests below."""
    return interpret_bytes(path.read_bytes())


def _files() -> list[Path]:
    return sorted(p for pattern in ACCEPTANCE_GLOBS for p in CORPUS.glob(pattern) if p.is_file())


def _stated_totals(data: bytes) -> dict[str, Decimal]:
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    if root.tag.endswith("CrossIndustryInvoice"):
        sums = root.xpath("//ram:SpecifiedTradeSettlementHeaderMonetarySummation", namespaces=NS)[0]
        names, prefix = CII_TOTALS, "ram"
    else:
        sums = root.xpath("cac:LegalMonetaryTotal", namespaces=NS)[0]
        names, prefix = UBL_TOTALS, "cbc"
    stated = {}
    for key, name in names.items():
        found = sums.xpath(f"{prefix}:{name}/text()", namespaces=NS)
        if found:
            stated[key] = Decimal(found[0].strip())
    return stated


def test_corpus_is_present() -> None:
    if not CORPUS.is_dir():
        pytest.skip("the shared corpus is not present")
    assert len(_files()) >= 75


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_interprets_and_totals_match_the_xml(path: Path) -> None:
    invoice = _interpret(path).invoice
    stated = _stated_totals(path.read_bytes())
    read = {k: getattr(invoice.totals, k) for k in stated}
    assert read == {k: v * invoice.sign for k, v in stated.items()}
    _assert_sums(invoice)


def test_interpretation_json_round_trips() -> None:
    """What the service stores (interpretation JSON) decodes back to the same interpretation,
    including attachments without a file name and VAT entries without a rate."""
    for path in _files():
        data = invoice_to_json(_interpret(path).invoice)
        stored = json.loads(json.dumps(data))
        assert invoice_to_json(invoice_from_json(stored)) == data, path.name


def _assert_sums(invoice: Invoice) -> None:
    lines = sum((line.net or Decimal(0) for line in invoice.lines), Decimal(0))
    assert lines == invoice.totals.line_total
    if invoice.totals.vat is not None and invoice.vat_breakdown:
        assert sum((v.tax for v in invoice.vat_breakdown), Decimal(0)) == invoice.totals.vat


@pytest.mark.parametrize(
    "relative",
    [
        "ehf/ehf-g3/src/self-billing-3.0/rules/example/SB-base-example.xml",
        "ehf/ehf-g3/src/self-billing-3.0/rules/example/SB-base-creditnote-correction.xml",
        "ehf/ehf-g3/src/forward-billing-3.0/rules/example/forward-billing-nettleie-business.xml",
        "ehf/ehf-g3/src/reminder-3.0/rules/example/Reminder-Example.xml",
        "ehf/ehf-g3/src/payment-request-3.0/rules/example/PaymentRequest-example-1.xml",
        "pdf/zugferd/XML-Rechnung/CII/EN16931_Gutschrift.cii.xml",
    ],
)
def test_documents_that_are_not_ordinary_invoices_are_flagged(relative: str) -> None:
    path = CORPUS / relative
    if not path.is_file():
        pytest.skip("the shared corpus is not present")
    notes = interpret_bytes(path.read_bytes()).invoice.notes
    flagged = [n for n in notes if n.code == NOT_ORDINARY]
    assert len(flagged) == 1 and flagged[0].severity == "warning"


def test_ordinary_invoices_are_not_flagged() -> None:
    for path in _files():
        notes = _interpret(path).invoice.notes
        assert not [n for n in notes if n.code == NOT_ORDINARY], path.name


def test_a_purchase_order_is_recognised_not_posted() -> None:
    order = """<?xml version="1.0" encoding="UTF-8"?>
<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:ID>PO-77</cbc:ID><cbc:IssueDate>2024-02-01</cbc:IssueDate>
 <cac:SellerSupplierParty><cac:Party><cac:PartyName><cbc:Name>Leverandør AS</cbc:Name>
 </cac:PartyName></cac:Party></cac:SellerSupplierParty>
</Order>""".encode()
    result = interpret_bytes(order)
    assert result.interpreter == "ubl"
    assert result.invoice.invoice_number == "PO-77"
    assert result.invoice.seller.name == "Leverandør AS"
    assert [n.code for n in result.invoice.notes] == [NOT_ORDINARY]
