"""Fortnox's inbox in the fake: e-invoices registered as unbooked supplier invoices, and
scans in the supplier-invoice folder of the file inbox.

`serve_inbox(fake)` adds to a `FakeFortnox` what Fortnox does when an e-invoice arrives —
an unbooked supplier invoice (Fortnox's own pre-coding: the supplier's 2440 row, the VAT on
2641 and the net on a default cost account 4010) with the e-invoice connected as its file —
and answers:

- `GET /3/supplierinvoices?filter=unbooked|…` (the filter honoured), `GET /3/archive/{id}`;
- `GET /3/inbox/{Id}`: the folder `inbox_s` ("Leverantörsfakturor") as JSON, a file's bytes;
  a file connected to a voucher or invoice leaves the folder (Fortnox moves it to the
  archive);
- `PUT /3/supplierinvoices/{GivenNumber}`: refused on a booked invoice; rows checked like on
  creation (existing, active accounts, debit = credit, the 2440 row equal to `Total`);
  `SupplierInvoiceRows`, `Comments`, `OCR`, `DueDate` taken.

Booking is the fake's existing `PUT …/bookkeep` (once). Every request is checked against the
published spec first (`SpecGate`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes.fortnox import FakeFortnox
from tests.fakes.fortnox import check_rows
from tests.fakes.fortnox import fortnox_error
from tests.fakes.inbox_documents import ehf_facts
from tests.fakes.spec_gate import SpecGate
from tests.fakes.spec_gate import openapi_check
from tests.fakes.tripletex_inbox import starlette

FOLDER = "inbox_s"
PATHS = ("/3/supplierinvoices", "/3/archive/", "/3/inbox/")
FILTERS = {
    "unbooked": lambda i: not i.get("Booked") and not i.get("Cancelled"),
    "cancelled": lambda i: bool(i.get("Cancelled")),
}


@dataclass
class FortnoxInbox:
    fake: FakeFortnox
    archive: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    folder: dict[str, dict[str, Any]] = field(default_factory=dict)  # inbox_s files
    downloads: dict[str, int] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def deliver(self, einvoice: bytes, filename: str) -> str:
        """An e-invoice arrives: an unbooked supplier invoice with the file connected."""
        facts = ehf_facts(einvoice)
        supplier = self._supplier(facts.seller_org, facts.seller_name)
        file_id = f"archive-{next(self._ids)}"
        self.archive[file_id] = (einvoice, filename)
        given = str(500 + next(self._ids))
        net = facts.payable - facts.vat
        rows = [
            {"Account": 2440, "Code": "TOT", "Debit": 0.0, "Credit": float(facts.payable)},
            {"Account": 2641, "Code": "VAT", "Debit": float(facts.vat), "Credit": 0.0},
            {"Account": 4010, "Debit": float(net), "Credit": 0.0},
        ]
        self.fake.invoices[given] = {
            "GivenNumber": given,
            "SupplierNumber": supplier,
            "SupplierName": facts.seller_name,
            "InvoiceNumber": facts.number,
            "InvoiceDate": facts.issue_date.isoformat(),
            "DueDate": facts.due_date.isoformat() if facts.due_date else None,
            "OCR": facts.kid,
            "Currency": facts.currency,
            "Total": str(facts.payable),
            "VAT": str(facts.vat),
            "Credit": facts.credit_note,
            "Booked": False,
            "Cancelled": False,
            "Comments": "",
            "SupplierInvoiceRows": rows,
        }
        self.fake.files[file_id] = {"Name": filename, "content": einvoice}
        self.fake.connections.append({"kind": "invoice", "number": given, "file": file_id})
        return given

    def scan(self, content: bytes, filename: str) -> str:
        """A scan sent to the company's Fortnox inbox address for supplier invoices."""
        file_id = f"inbox-{next(self._ids)}"
        self.folder[file_id] = {"Name": filename, "content": content}
        self.fake.files[file_id] = {"Name": filename, "content": content, "Path": FOLDER}
        return file_id

    def invoice(self, given: str) -> dict[str, Any]:
        return self.fake.invoices[given]

    def _supplier(self, org: str, name: str) -> str:
        for number, supplier in self.fake.suppliers.items():
            if _digits(supplier.get("OrganisationNumber") or "") == org:
                return number
        number = str(9000 + next(self._ids))
        self.fake.suppliers[number] = {
            "SupplierNumber": number,
            "Name": name,
            "OrganisationNumber": org,
        }
        return number

    def _connected(self, file_id: str) -> bool:
        return any(c["file"] == file_id for c in self.fake.connections)


def serve_inbox(fake: FakeFortnox, *, check_spec: bool = True) -> FortnoxInbox:
    inbox = getattr(fake, "inbox", None)
    if inbox is None:  # once per fake; the sync fakes serve an empty inbox
        inbox = FortnoxInbox(fake)
        routes = [
            Route("/3/supplierinvoices", fake.guarded(_listing(inbox)), methods=["GET"]),
            Route("/3/supplierinvoices/{number}", fake.guarded(_update(inbox)), methods=["PUT"]),
            Route("/3/archive/{id}", fake.guarded(_archive_file(inbox)), methods=["GET"]),
            Route("/3/inbox/{id}", fake.guarded(_inbox_item(inbox)), methods=["GET"]),
        ]
        starlette(fake.app).router.routes[0:0] = routes
        fake.inbox = inbox  # type: ignore[attr-defined]
    if check_spec and getattr(fake, "inbox_gate", None) is None:
        from tests.post.contract import fortnox_spec

        gate = SpecGate(
            fake.app,
            openapi_check(fortnox_spec),
            "https://api.fortnox.se",
            methods=("GET", "PUT"),
            applies=lambda path: path.startswith(PATHS),
        )
        fake.app = gate  # type: ignore[assignment]
        fake.inbox_gate = gate  # type: ignore[attr-defined]
    return inbox


Handler = Any

_LIST_KEYS = (
    "GivenNumber",
    "SupplierNumber",
    "SupplierName",
    "ExternalInvoiceNumber",
    "InvoiceNumber",
    "InvoiceDate",
    "DueDate",
    "Total",
    "Booked",
    "Currency",
    "Credit",
)


def _listing(inbox: FortnoxInbox) -> Handler:
    async def endpoint(request: Request) -> Response:
        wanted = FILTERS.get(request.query_params.get("filter", ""), lambda i: True)
        items = [
            {k: invoice.get(k) for k in _LIST_KEYS}
            for invoice in inbox.fake.invoices.values()
            if wanted(invoice)
        ]
        return inbox.fake.page(request, "SupplierInvoices", items)

    return endpoint


def _update(inbox: FortnoxInbox) -> Handler:
    async def endpoint(request: Request) -> Response:
        invoice = inbox.fake.invoices.get(request.path_params["number"])
        if invoice is None:
            return fortnox_error(404, "Leverantörsfakturan finns inte.", 2000434)
        if invoice["Booked"]:
            return fortnox_error(400, "En bokförd faktura kan inte ändras.", 2000561)
        change = (await request.json()).get("SupplierInvoice") or {}
        rows = change.get("SupplierInvoiceRows", invoice["SupplierInvoiceRows"])
        fake = inbox.fake
        problem = check_rows(rows, fake.accounts, fake.inactive_accounts)
        if problem:
            return fortnox_error(400, problem, 2000550)
        payable = sum(
            (
                Decimal(str(r.get("Credit", 0))) - Decimal(str(r.get("Debit", 0)))
                for r in rows
                if r["Account"] == 2440
            ),
            Decimal(0),
        )
        if payable != Decimal(invoice["Total"]):
            return fortnox_error(400, "Totalbeloppet stämmer inte med leverantörsskulden.", 2000551)
        for key in ("Comments", "OCR", "DueDate"):
            if key in change:
                invoice[key] = change[key]
        invoice["SupplierInvoiceRows"] = rows
        return JSONResponse({"SupplierInvoice": invoice})

    return endpoint


def _archive_file(inbox: FortnoxInbox) -> Handler:
    async def endpoint(request: Request) -> Response:
        file_id = request.path_params["id"]
        found = inbox.archive.get(file_id)
        if found is None:
            return fortnox_error(404, "Filen finns inte.", 2000704)
        inbox.downloads[file_id] = inbox.downloads.get(file_id, 0) + 1
        return Response(found[0], media_type="application/xml")

    return endpoint


def _inbox_item(inbox: FortnoxInbox) -> Handler:
    async def endpoint(request: Request) -> Response:
        ident = request.path_params["id"]
        if ident == FOLDER:
            files = [
                {"Id": i, "Name": f["Name"], "Path": FOLDER, "Size": len(f["content"])}
                for i, f in inbox.folder.items()
                if not inbox._connected(i)
            ]
            folder = {"Id": FOLDER, "Name": "Leverantörsfakturor", "Files": files, "Folders": []}
            return JSONResponse({"Folder": folder})
        found = inbox.folder.get(ident)
        if found is None or inbox._connected(ident):
            return fortnox_error(404, "Filen finns inte i inkorgen.", 2000702)
        inbox.downloads[ident] = inbox.downloads.get(ident, 0) + 1
        return Response(found["content"], media_type=_mime(found["content"]))

    return endpoint


def _mime(content: bytes) -> str:
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return "application/octet-stream"


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())
