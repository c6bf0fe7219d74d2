"""The invoice as Kontera understands it: what EN 16931 carries, with money as Decimal.

Sign convention (applied once, at interpretation): amounts are signed as they affect the
buyer's books. An invoice has positive totals; a credit note (UNCL1001 381 …) and a negative
invoice have negative totals, line amounts and VAT. Quantities keep the sign the document
gave after the same normalisation, so `quantity * unit_price == net` still holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from kontera.domain.fields import Box
from kontera.domain.fields import Field
from kontera.domain.fields import Source
from kontera.domain.messages import Message


class DocumentType(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Note:
    """A soft finding for a person to read: never an exception.

    `message` is the English text (the API's and the logs'); `text` the same as a catalogue
    message, so a page can say it in the reader's language. Make notes with `note(...)`.
    """

    message: str
    severity: Severity = Severity.INFO
    code: str = ""
    rule_id: str | None = None
    field: str | None = None
    text: Message | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "message": self.message,
            "severity": str(self.severity),
            "code": self.code,
            "rule_id": self.rule_id,
            "field": self.field,
        }
        if self.text is not None:
            out["text"] = self.text.to_json()
        return out


def note(
    text: Message,
    severity: Severity = Severity.INFO,
    code: str = "",
    *,
    rule_id: str | None = None,
    field: str | None = None,
    english: str | None = None,
) -> Note:
    """A note whose English `message` is `text` (or `english`, when it says more)."""
    message = english if english is not None else str(text)
    return Note(message, severity, code, rule_id=rule_id, field=field, text=text)


@dataclass(slots=True)
class Address:
    street: str | None = None
    additional_street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None


@dataclass(slots=True)
class Party:
    name: str | None = None
    org_number: str | None = None
    vat_id: str | None = None
    country: str | None = None
    address: Address = dc_field(default_factory=Address)
    endpoint_id: str | None = None
    contact_email: str | None = None
    identifier: str | None = None  # BT-29/46/60: e.g. a GLN or supplier number
    tax_registration: str | None = None  # BT-32: "Foretaksregisteret", "Godkänd för F-skatt"


@dataclass(slots=True)
class Classification:
    code: str
    scheme: str | None = None


@dataclass(slots=True)
class AllowanceCharge:
    """A document- or line-level allowance (is_charge False) or charge (True), signed amount."""

    is_charge: bool
    amount: Decimal
    reason: str | None = None
    reason_code: str | None = None
    vat_category: str | None = None
    vat_rate: Decimal | None = None
    base_amount: Decimal | None = None
    percent: Decimal | None = None


@dataclass(slots=True)
class InvoiceLine:
    description: str | None = None
    quantity: Decimal | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    net: Decimal | None = None
    vat_category: str | None = None
    vat_rate: Decimal | None = None
    line_id: str | None = None
    item_name: str | None = None
    seller_item_id: str | None = None
    buyer_item_id: str | None = None
    standard_item_id: str | None = None
    classifications: list[Classification] = dc_field(default_factory=list)
    period_start: date | None = None
    period_end: date | None = None
    accounting_reference: str | None = None
    order_line_reference: str | None = None
    allowances_charges: list[AllowanceCharge] = dc_field(default_factory=list)
    note: str | None = None


@dataclass(slots=True)
class VatBreakdown:
    category: str | None
    rate: Decimal | None
    taxable: Decimal
    tax: Decimal
    exemption_reason: str | None = None
    exemption_reason_code: str | None = None


@dataclass(slots=True)
class Totals:
    """EN 16931 BG-22: BT-106 … BT-115 (with BT-111, VAT in accounting currency)."""

    line_total: Decimal | None = None
    allowances: Decimal | None = None
    charges: Decimal | None = None
    net: Decimal | None = None
    vat: Decimal | None = None
    vat_accounting_currency: Decimal | None = None
    gross: Decimal | None = None
    prepaid: Decimal | None = None
    rounding: Decimal | None = None
    payable: Decimal | None = None


@dataclass(slots=True)
class Payment:
    means_code: str | None = None
    kid: str | None = None
    bank_account: str | None = None
    iban: str | None = None
    bic: str | None = None
    bankgiro: str | None = None
    plusgiro: str | None = None
    terms: str | None = None


@dataclass(slots=True)
class References:
    order: str | None = None
    buyer_reference: str | None = None
    contract: str | None = None
    project: str | None = None
    despatch: str | None = None
    receiving: str | None = None
    preceding_invoices: list[str] = dc_field(default_factory=list)
    accounting_reference: str | None = None


@dataclass(slots=True)
class Attachment:
    filename: str | None
    mime_type: str | None
    description: str | None = None
    content: bytes | None = None
    uri: str | None = None
    sha256: str | None = None


@dataclass(slots=True)
class Invoice:
    document_type: DocumentType = DocumentType.INVOICE
    type_code: str | None = None
    profile: str | None = None
    invoice_number: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    delivery_date: date | None = None
    period_start: date | None = None
    period_end: date | None = None
    currency: str | None = None
    tax_currency: str | None = None
    seller: Party = dc_field(default_factory=Party)
    buyer: Party = dc_field(default_factory=Party)
    payee: Party | None = None
    tax_representative: Party | None = None  # BG-11
    delivery_country: str | None = None  # BT-80
    references: References = dc_field(default_factory=References)
    lines: list[InvoiceLine] = dc_field(default_factory=list)
    allowances_charges: list[AllowanceCharge] = dc_field(default_factory=list)
    vat_breakdown: list[VatBreakdown] = dc_field(default_factory=list)
    totals: Totals = dc_field(default_factory=Totals)
    payment: Payment = dc_field(default_factory=Payment)
    attachments: list[Attachment] = dc_field(default_factory=list)
    note: str | None = None
    fields: dict[str, Field] = dc_field(default_factory=dict)
    notes: list[Note] = dc_field(default_factory=list)

    @property
    def sign(self) -> Decimal:
        return Decimal(-1) if self.document_type is DocumentType.CREDIT_NOTE else Decimal(1)

    def set_field(
        self,
        path: str,
        value: Any,
        *,
        confidence: float,
        source: Source,
        page: int | None = None,
        box: Box | None = None,
    ) -> None:
        """Set the value at a dotted path ("seller.vat_id", "lines.0.net") and its provenance."""
        _assign(self, path, value)
        self.fields[path] = Field(value, confidence, source, page, box)

    def add_note(self, note: Note) -> None:
        self.notes.append(note)


def _assign(root: Any, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    target = root
    for part in parents:
        target = target[int(part)] if part.isdigit() else getattr(target, part)
    if last.isdigit():
        target[int(last)] = value
    else:
        if not hasattr(target, last):
            raise AttributeError(f"{type(target).__name__} has no field {last!r} ({path})")
        setattr(target, last, value)


def read_path(root: Any, path: str) -> Any:
    """Read the value at a dotted path; None when any step is missing."""
    target = root
    for part in path.split("."):
        if target is None:
            return None
        if part.isdigit():
            index = int(part)
            target = target[index] if index < len(target) else None
        else:
            target = getattr(target, part, None)
    return target
