"""Fortnox's inbox: supplier invoices not yet booked, and the file inbox for supplier invoices.

What waits (checked against `corpus/api-specs/fortnox/openapi-fortnox.json`):

- `GET /3/supplierinvoices?filter=unbooked`: supplier invoices Fortnox created from an
  e-invoice (Peppol/Svefaktura) or someone registered, not yet booked ("supplierinvoice:<N>");
  `GET /3/supplierinvoicefileconnections` names each one's file and `GET /3/archive/{FileId}`
  returns it (the e-invoice as received);
- `GET /3/inbox/inbox_s` (the folder "Leverantörsfakturor" of `GET /3/inbox`): scans and
  PDFs sent to the company's Fortnox inbox address, not yet connected to anything
  ("file:<Id>"); `GET /3/inbox/{Id}` returns the file.

Completing an unbooked supplier invoice in place: `PUT /3/supplierinvoices/{GivenNumber}`
with Kontera's `SupplierInvoiceRows` (cost, VAT and the supplier's TOT row, in SEK) and
`Comments` carrying Kontera's key, then `PUT …/bookkeep` (unless the connection's `bookkeep`
is off). Booked — or, with booking left to a person, carrying the key — is complete. A file
from the file inbox is posted as any document is, and then connected instead of uploaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kontera.domain.errors import PermanentError
from kontera.domain.voucher import Voucher
from kontera.post.fortnox import FortnoxConnector
from kontera.post.inbox import InboxEntry
from kontera.post.inbox import InboxFile
from kontera.post.sync_fortnox import FortnoxReader

SUPPLIER_FOLDER = "inbox_s"  # Fortnox's inbox folder for supplier invoices
_KONTERA_UPLOAD = "__"  # Kontera's own uploads carry its key after this (attachment_name)
# Kontera's own supplier invoices (left unbooked when booking is the company's) carry its
# idempotency key as ExternalInvoiceNumber: not an invoice waiting for Kontera.
_KONTERA_KEY = "kontera-"


class FortnoxInbox(FortnoxReader):
    """The sync reader's client and quota, reading the inbox as well."""

    def entries(self) -> list[InboxEntry]:
        files = self._invoice_files()
        unbooked = [
            _invoice_entry(item, files.get(str(item["GivenNumber"])))
            for item in self._listed("inbox", "/3/supplierinvoices", "SupplierInvoices")
            if not item.get("Booked")
            and not item.get("Cancel")
            and not str(item.get("ExternalInvoiceNumber") or "").startswith(_KONTERA_KEY)
        ]
        return unbooked + self._inbox_files()

    def fetch(self, entry: InboxEntry) -> InboxFile:
        file_id = entry.details.get("file_id")
        if not file_id:
            raise PermanentError("The supplier invoice in Fortnox has no file connected.")
        path = f"/3/inbox/{file_id}" if entry.kind == "inbox_file" else f"/3/archive/{file_id}"
        self.stats.count("inbox_file")
        response = self.connector.read(path, {})
        mime = response.headers.get("content-type", "application/octet-stream").split(";")[0]
        return InboxFile(response.content, entry.filename, mime)

    def _listed(self, resource: str, path: str, key: str) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            self.stats.count(resource)
            params = {"filter": "unbooked", "limit": "500", "page": str(page)}
            data = self.connector.read(path, params).json()
            yield from data.get(key) or []
            meta = data.get("MetaInformation") or {}
            if page >= int(meta.get("@TotalPages") or 1):
                return
            page += 1

    def _invoice_files(self) -> dict[str, dict[str, Any]]:
        connections = self._pages(
            "inbox", "/3/supplierinvoicefileconnections", "SupplierInvoiceFileConnections"
        )
        return {str(c.get("SupplierInvoiceNumber")): c for c in connections}

    def _inbox_files(self) -> list[InboxEntry]:
        self.stats.count("inbox")
        folder = self.connector.read(f"/3/inbox/{SUPPLIER_FOLDER}", {}).json().get("Folder") or {}
        return [
            InboxEntry(
                f"file:{f['Id']}",
                "inbox_file",
                str(f.get("Name") or f["Id"]),
                {"file_id": str(f["Id"]), "folder": SUPPLIER_FOLDER},
            )
            for f in folder.get("Files") or []
            if _KONTERA_UPLOAD not in str(f.get("Name") or "")
        ]


def _invoice_entry(item: dict[str, Any], file: dict[str, Any] | None) -> InboxEntry:
    given = str(item["GivenNumber"])
    details = {
        "given_number": given,
        "file_id": str(file["FileId"]) if file else None,
        "invoice_number": item.get("InvoiceNumber"),
        "supplier_number": item.get("SupplierNumber"),
    }
    name = str((file or {}).get("Name") or f"fortnox-supplierinvoice-{given}")
    return InboxEntry(f"supplierinvoice:{given}", "supplier_invoice", name, details)


class FortnoxCompleter:
    """Puts Kontera's rows on the unbooked supplier invoice and books it."""

    def __init__(self, connector: FortnoxConnector) -> None:
        self.connector = connector

    def completed(self, details: dict[str, Any], key: str) -> str | None:
        given = str(details["given_number"])
        invoice = self._invoice(given)
        if invoice.get("Booked"):
            return given
        if _comment(key) in str(invoice.get("Comments") or ""):
            if not self.connector.settings.bookkeep:
                return given  # booking is a person's, in Fortnox
            self.connector.bookkeep(given)  # updated, then the worker stopped
            return given
        return None

    def complete(self, voucher: Voucher, details: dict[str, Any], key: str) -> str:
        given = str(details["given_number"])
        body: dict[str, Any] = {
            # The spec requires the supplier on every write; it is the one Fortnox matched.
            "SupplierNumber": str(details["supplier_number"]),
            "SupplierInvoiceRows": self.connector.invoice_rows(voucher),
            "Comments": _comment(key),
        }
        payable = next(p for p in voucher.postings if p.is_payable)
        if payable.kid:
            body["OCR"] = payable.kid
        if payable.due_date:
            body["DueDate"] = payable.due_date.isoformat()
        self.connector.call("PUT", f"/3/supplierinvoices/{given}", json={"SupplierInvoice": body})
        self.connector.bookkeep(given)
        return given

    def attachment(self, details: dict[str, Any]) -> str | None:
        found = details.get("file_id")
        return str(found) if found else None

    def _invoice(self, given: str) -> dict[str, Any]:
        data = self.connector.call("GET", f"/3/supplierinvoices/{given}")
        invoice: dict[str, Any] = data.get("SupplierInvoice") or {}
        return invoice


def _comment(key: str) -> str:
    return f"kontera:{key}"
