"""Tripletex's inbox: the voucher reception and the supplier invoices waiting for approval.

What waits (checked against `corpus/api-specs/tripletex`):

- `GET /ledger/voucher/>voucherReception`: vouchers received but not yet booked — an EHF
  that arrived over Peppol (its `ediDocument` is the XML, `document` the PDF Tripletex drew),
  or a scan or PDF mailed to the company's Tripletex address (`document` only);
- `GET /supplierInvoice/forApproval?showAll=true`: supplier invoices in the approval flow,
  each with its voucher;
- `GET /supplierInvoice?voucherId=`: the supplier invoice behind a reception voucher (its id
  is what `:approve` takes);
- `GET /document/{id}/content`: the document's bytes — the EHF XML first, else the PDF/scan.

An entry is keyed by its voucher ("voucher:<id>"); a voucher that has a number is booked
and no longer waits. Completing in place:

- a supplier invoice: `PUT /supplierInvoice/voucher/{voucherId}/postings` with Kontera's
  debit postings (the supplier's credit posting is already on the voucher; Tripletex adds
  the VAT), `sendToLedger=true` unless the connection says `inbox_send_to_ledger=false`
  (Tripletex must enable it for the integration), then `PUT /supplierInvoice/{id}/:approve`;
- a reception voucher without a supplier invoice (a scan): `PUT /ledger/voucher/{id}` with
  the whole voucher, `sendToLedger=true`.

Booked is a voucher with a `number`; approved is an approval element with an `actionDate`.
A crash between the two steps is finished by the next attempt's `completed`.
"""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from typing import Any

from kontera.domain.errors import PermanentError
from kontera.domain.voucher import Voucher
from kontera.post.inbox import InboxEntry
from kontera.post.inbox import InboxFile
from kontera.post.sync_tripletex import TripletexReader
from kontera.post.tripletex import TripletexConnector

_DOCUMENT = "document(id,fileName,mimeType),ediDocument(id,fileName,mimeType)"
_RECEPTION_FIELDS = f"id,date,number,tempNumber,description,vendorInvoiceNumber,{_DOCUMENT}"
_INVOICE_FIELDS = f"id,invoiceNumber,invoiceDate,voucher(id,date,number,tempNumber,{_DOCUMENT})"
_CHECK_FIELDS = "id,voucher(id,number,tempNumber,version),approvalListElements(id,actionDate)"
# How far back a supplier invoice's date may lie from its reception voucher's (lookup window).
_INVOICE_DATES = timedelta(days=3 * 366)


class TripletexInbox(TripletexReader):
    """The sync reader's client and quota, reading the inbox as well."""

    def entries(self) -> list[InboxEntry]:
        waiting: dict[str, dict[str, Any]] = {}
        for voucher in self._all("inbox", "/ledger/voucher/>voucherReception", _reception()):
            if not _booked(voucher):
                waiting[str(voucher["id"])] = {"voucher": voucher}
        for invoice in self._all("inbox", "/supplierInvoice/forApproval", _for_approval()):
            voucher = invoice.get("voucher") or {}
            if voucher.get("id") is not None and not _booked(voucher):
                entry = waiting.setdefault(str(voucher["id"]), {"voucher": voucher})
                entry["invoice"] = invoice
        return [_entry(key, found) for key, found in sorted(waiting.items())]

    def fetch(self, entry: InboxEntry) -> InboxFile:
        document_id = entry.details.get("edi_document_id") or entry.details.get("document_id")
        if not document_id:
            raise PermanentError("The voucher in Tripletex's inbox has no document.")
        self.stats.count("inbox_document")
        response = self.connector.read(f"/document/{document_id}/content", {})
        name = entry.filename or f"tripletex-{document_id}"
        mime = response.headers.get("content-type", "application/octet-stream").split(";")[0]
        return InboxFile(response.content, name, mime)

    def supplier_invoice_of(self, voucher_id: str, day: date) -> str | None:
        """The supplier invoice behind a reception voucher (None for a scan in reception)."""
        params = {
            "voucherId": voucher_id,
            "invoiceDateFrom": (day - _INVOICE_DATES).isoformat(),
            "invoiceDateTo": (day + _INVOICE_DATES).isoformat(),
            "fields": "id",
        }
        values = self._get("inbox", "/supplierInvoice", params).get("values") or []
        return str(values[0]["id"]) if values else None


def _reception() -> dict[str, str]:
    return {"fields": _RECEPTION_FIELDS}


def _for_approval() -> dict[str, str]:
    return {"showAll": "true", "fields": _INVOICE_FIELDS}


def _booked(voucher: dict[str, Any]) -> bool:
    return bool(voucher.get("number"))


def _entry(voucher_id: str, found: dict[str, Any]) -> InboxEntry:
    voucher, invoice = found["voucher"], found.get("invoice")
    edi = voucher.get("ediDocument") or {}
    pdf = voucher.get("document") or {}
    details: dict[str, Any] = {
        "voucher_id": voucher_id,
        "date": voucher.get("date"),
        "edi_document_id": _id(edi),
        "document_id": _id(pdf),
    }
    if invoice is not None:
        details["supplier_invoice_id"] = str(invoice["id"])
    kind = "supplier_invoice" if invoice is not None or edi else "reception"
    name = edi.get("fileName") or pdf.get("fileName") or f"tripletex-voucher-{voucher_id}"
    return InboxEntry(f"voucher:{voucher_id}", kind, str(name), details)


def _id(ref: dict[str, Any]) -> str | None:
    return str(ref["id"]) if ref.get("id") is not None else None


class TripletexCompleter:
    """Books Kontera's postings onto the voucher waiting in Tripletex's inbox."""

    def __init__(self, connector: TripletexConnector, *, send_to_ledger: bool = True) -> None:
        self.connector = connector
        self.send_to_ledger = send_to_ledger

    def completed(self, details: dict[str, Any], key: str) -> str | None:
        invoice_id = details.get("supplier_invoice_id")
        if invoice_id is None:
            voucher = self._voucher(details["voucher_id"])
            return str(voucher["id"]) if _booked(voucher) else None
        invoice = self._invoice(str(invoice_id))
        voucher = invoice.get("voucher") or {}
        voucher_id = str(voucher.get("id") or details["voucher_id"])
        if not self.send_to_ledger:  # Tripletex books it after the approval
            return voucher_id if _approved(invoice) else None
        if not _booked(voucher):
            return None
        if not _approved(invoice):  # booked, then the worker stopped before approving
            self._approve(str(invoice_id))
        return voucher_id

    def complete(self, voucher: Voucher, details: dict[str, Any], key: str) -> str:
        voucher_id = str(details["voucher_id"])
        invoice_id = details.get("supplier_invoice_id")
        if invoice_id is None:
            return self._book_reception(voucher, voucher_id, key)
        params = {"sendToLedger": "true" if self.send_to_ledger else "false"}
        body = [{"posting": p} for p in self.connector.debit_postings(voucher)]
        self.connector.call(
            "PUT", f"/supplierInvoice/voucher/{voucher_id}/postings", params=params, json=body
        )
        self._approve(str(invoice_id))
        return voucher_id

    def attachment(self, details: dict[str, Any]) -> str | None:
        found = details.get("document_id") or details.get("edi_document_id")
        return str(found) if found else None

    def _book_reception(self, voucher: Voucher, voucher_id: str, key: str) -> str:
        current = self._voucher(voucher_id)
        body = self.connector.voucher_body(voucher, key)
        body.update({"id": int(voucher_id), "version": current.get("version", 0)})
        self.connector.call(
            "PUT", f"/ledger/voucher/{voucher_id}", params={"sendToLedger": "true"}, json=body
        )
        return voucher_id

    def _approve(self, invoice_id: str) -> None:
        """Approve once; a refusal because it already is (a lost answer) is no failure."""
        try:
            self.connector.call("PUT", f"/supplierInvoice/{invoice_id}/:approve")
        except PermanentError:
            if not _approved(self._invoice(invoice_id)):
                raise

    def _invoice(self, invoice_id: str) -> dict[str, Any]:
        data = self.connector.call(
            "GET", f"/supplierInvoice/{invoice_id}", params={"fields": _CHECK_FIELDS}
        )
        value: dict[str, Any] = data.get("value") or {}
        return value

    def _voucher(self, voucher_id: str) -> dict[str, Any]:
        data = self.connector.call(
            "GET", f"/ledger/voucher/{voucher_id}", params={"fields": "id,number,version"}
        )
        value: dict[str, Any] = data.get("value") or {}
        return value


def _approved(invoice: dict[str, Any]) -> bool:
    return any(item.get("actionDate") for item in invoice.get("approvalListElements") or [])
