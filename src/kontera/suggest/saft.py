"""SAF-T Financial (Norway, v1.x): accounts, suppliers, tax codes and journal lines, streamed.

The file is read once with `iterparse`; master-file records are small and kept, transactions
are yielded and cleared as they come, so a year of a large company does not need to fit in
memory. Namespaces differ between versions (and some exporters use none), so elements are
matched by local name.

Cost history comes from supplier transactions: a transaction in which some line carries a
SupplierID. Its other lines — except the payable and VAT accounts — are what was booked for
that invoice, and become `HistoryLine`s.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO

from lxml import etree

from kontera.domain.errors import InvalidInput
from kontera.domain.errors import parser_complaint
from kontera.domain.messages import msg
from kontera.suggest.history import HistoryItem
from kontera.suggest.history import HistoryLine
from kontera.suggest.history import ImportProblem
from kontera.suggest.parsing import parse_amount
from kontera.suggest.parsing import parse_date

_RECORDS = {"Account", "Supplier", "TaxCodeDetails", "Transaction", "AnalysisTypeTableEntry"}
# SAF-T leaves the analysis types to the company ("A" = "Avdeling" in the Skatteetaten
# example); the description says which of Kontera's dimension kinds a type is.
_ANALYSIS_KINDS = (
    ("department", ("avdeling", "avdelning", "department")),
    ("project", ("prosjekt", "projekt", "project")),
    ("cost_centre", ("kostnadssted", "kostnadsställe", "kostsenter", "cost centre", "cost center")),
)
# NS 4102: 24xx payables, 27xx VAT and public duties — never what an invoice line is "for".
_NOT_COST_PREFIXES = ("24", "27")


@dataclass(frozen=True, slots=True)
class SaftAccount:
    account_id: str
    description: str
    standard_account_id: str | None


@dataclass(frozen=True, slots=True)
class SaftSupplier:
    supplier_id: str
    name: str
    org_number: str | None
    country: str | None


@dataclass(frozen=True, slots=True)
class SaftTaxCode:
    code: str
    description: str
    percentage: Decimal | None
    standard_code: str | None
    country: str | None


@dataclass(frozen=True, slots=True)
class SaftLine:
    record_id: str
    account_id: str
    amount: Decimal  # debit positive, credit negative
    description: str
    value_date: date | None
    source_document: str | None
    supplier_id: str | None
    customer_id: str | None
    tax_code: str | None
    tax_percentage: Decimal | None
    analysis: tuple[tuple[str, str], ...] = ()  # (AnalysisType, AnalysisID) per line


@dataclass(frozen=True, slots=True)
class SaftAnalysisType:
    analysis_type: str
    description: str


@dataclass(frozen=True, slots=True)
class SaftTransaction:
    transaction_id: str
    date: date | None
    description: str
    lines: list[SaftLine] = field(default_factory=list)


SaftRecord = SaftAccount | SaftSupplier | SaftTaxCode | SaftTransaction | SaftAnalysisType


def iter_saft(source: Path | IO[bytes]) -> Iterator[SaftRecord]:
    """Master-file records and transactions in document order."""
    try:
        for _, element in etree.iterparse(
            str(source) if isinstance(source, Path) else source,
            events=("end",),
            resolve_entities=False,
            no_network=True,
            huge_tree=True,
        ):
            name = etree.QName(element).localname
            if name not in _RECORDS or not _is_record(element, name):
                continue
            yield _record(element, name)
            element.clear()
    except etree.XMLSyntaxError as e:
        raise InvalidInput(
            msg("the SAF-T file is not well-formed XML: {e}", e=parser_complaint(e))
        ) from e


def _is_record(element: etree._Element, name: str) -> bool:
    parent = element.getparent()
    parent_name = etree.QName(parent).localname if parent is not None else ""
    # "Account" also appears as an element name elsewhere; "Supplier" inside PartyInfo etc.
    expected = {
        "Account": "GeneralLedgerAccounts",
        "Supplier": "Suppliers",
        "TaxCodeDetails": "TaxTableEntry",
        "Transaction": "Journal",
        "AnalysisTypeTableEntry": "AnalysisTypeTable",
    }
    return parent_name == expected[name]


def _record(element: etree._Element, name: str) -> SaftRecord:
    if name == "Account":
        return SaftAccount(
            _text(element, "AccountID"),
            _text(element, "AccountDescription"),
            _text(element, "StandardAccountID") or _text(element, "GroupingCode") or None,
        )
    if name == "Supplier":
        return SaftSupplier(
            _text(element, "SupplierID"),
            _text(element, "Name"),
            _text(element, "RegistrationNumber") or None,
            _text(element, "Address/Country") or None,
        )
    if name == "AnalysisTypeTableEntry":
        return SaftAnalysisType(
            _text(element, "AnalysisType"), _text(element, "AnalysisTypeDescription")
        )
    if name == "TaxCodeDetails":
        return SaftTaxCode(
            _text(element, "TaxCode"),
            _text(element, "Description"),
            _decimal(_text(element, "TaxPercentage")),
            _text(element, "StandardTaxCode") or None,
            _text(element, "Country") or None,
        )
    return SaftTransaction(
        _text(element, "TransactionID"),
        _date(_text(element, "TransactionDate")),
        _text(element, "Description"),
        [_line(line) for line in _children(element, "Line")],
    )


def _line(element: etree._Element) -> SaftLine:
    debit = _decimal(_text(element, "DebitAmount/Amount")) or Decimal(0)
    credit = _decimal(_text(element, "CreditAmount/Amount")) or Decimal(0)
    return SaftLine(
        record_id=_text(element, "RecordID"),
        account_id=_text(element, "AccountID"),
        amount=debit - credit,
        description=_text(element, "Description"),
        value_date=_date(_text(element, "ValueDate")),
        source_document=_text(element, "SourceDocumentID") or None,
        supplier_id=_text(element, "SupplierID") or None,
        customer_id=_text(element, "CustomerID") or None,
        tax_code=_text(element, "TaxInformation/TaxCode") or None,
        tax_percentage=_decimal(_text(element, "TaxInformation/TaxPercentage")),
        analysis=tuple(
            (_text(a, "AnalysisType"), _text(a, "AnalysisID"))
            for a in _children(element, "Analysis")
        ),
    )


def read_saft_history(source: Path | IO[bytes]) -> Iterator[HistoryItem]:
    """The cost lines of supplier transactions, with supplier, account name and VAT code."""
    accounts: dict[str, SaftAccount] = {}
    suppliers: dict[str, SaftSupplier] = {}
    kinds: dict[str, str] = {}  # analysis type → dimension kind
    for record in iter_saft(source):
        if isinstance(record, SaftAnalysisType):
            if kind := analysis_kind(record.description):
                kinds.setdefault(record.analysis_type, kind)
        elif isinstance(record, SaftAccount):
            accounts[record.account_id] = record
        elif isinstance(record, SaftSupplier):
            suppliers[record.supplier_id] = record
        elif isinstance(record, SaftTransaction):
            yield from _supplier_cost_lines(record, accounts, suppliers, kinds)


def analysis_kind(description: str) -> str | None:
    """'Avdeling' → department, 'Prosjekt' → project, 'Kostnadssted' → cost_centre."""
    text = description.lower()
    for kind, words in _ANALYSIS_KINDS:
        if any(word in text for word in words):
            return kind
    return None


def _supplier_cost_lines(
    transaction: SaftTransaction,
    accounts: dict[str, SaftAccount],
    suppliers: dict[str, SaftSupplier],
    kinds: dict[str, str],
) -> Iterator[HistoryItem]:
    supplier_ids = {line.supplier_id for line in transaction.lines if line.supplier_id}
    if not supplier_ids:
        return
    if len(supplier_ids) > 1:
        yield ImportProblem(
            f"transaction {transaction.transaction_id}",
            "several suppliers in one transaction; its lines were not used as history",
        )
        return
    supplier_id = supplier_ids.pop()
    supplier = suppliers.get(supplier_id)
    for line in transaction.lines:
        if line.supplier_id or line.account_id.startswith(_NOT_COST_PREFIXES):
            continue
        account = accounts.get(line.account_id)
        yield HistoryLine(
            account=line.account_id,
            account_name=account.description if account else None,
            date=line.value_date or transaction.date,
            supplier_id=supplier_id,
            supplier_name=supplier.name if supplier else None,
            supplier_org_number=supplier.org_number if supplier else None,
            supplier_country=supplier.country if supplier else None,
            description=line.description or transaction.description,
            amount=line.amount,
            vat_code=line.tax_code,
            vat_rate=line.tax_percentage,
            invoice_number=line.source_document,
            **_dimensions(line, kinds),
        )


def _dimensions(line: SaftLine, kinds: dict[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for analysis_type, code in line.analysis:
        if (kind := kinds.get(analysis_type)) and code:
            found.setdefault(kind, code)
    return found


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if etree.QName(child).localname == name]


def _text(element: etree._Element, path: str) -> str:
    current: etree._Element | None = element
    for step in path.split("/"):
        if current is None:
            return ""
        found = _children(current, step)
        current = found[0] if found else None
    return (current.text or "").strip() if current is not None else ""


def _decimal(text: str) -> Decimal | None:
    try:
        return parse_amount(text) if text else None
    except ValueError:
        return None


def _date(text: str) -> date | None:
    try:
        return parse_date(text) if text else None
    except ValueError:
        return None
