"""Tripletex's inbox in the fake: EHF that arrived over Peppol, waiting to be booked.

`serve_inbox(fake)` adds to a `FakeTripletex` what Tripletex does with an incoming EHF — a
voucher in the voucher reception (a temporary number, the EHF as `ediDocument`, the supplier's
credit posting on 2400) and a supplier invoice on it, waiting for approval — and answers:

- `GET /ledger/voucher/>voucherReception`, `GET /supplierInvoice/forApproval`,
  `GET /supplierInvoice` (`voucherId`, with the required `invoiceDateFrom`/`invoiceDateTo`),
  `GET /supplierInvoice/{id}`, `GET /ledger/voucher/{id}` (reception vouchers), with `fields`;
- `GET /document/{id}/content`: the EHF's bytes;
- `PUT /supplierInvoice/voucher/{id}/postings`: refused unless every posting passes the same
  rules as a voucher (account exists and is active, VAT type valid for it, row ≥ 1) and the
  gross debit postings equal the invoice's amount; refused on a booked voucher;
  `sendToLedger=true` books it (a voucher number, out of the reception);
- `PUT /supplierInvoice/{id}/:approve`: refused before the postings are put and when already
  approved; books a voucher not yet booked (Tripletex books after the final approval);
- `PUT /ledger/voucher/{id}?sendToLedger=true` for a scan in the reception (no supplier
  invoice): the whole voucher, checked like `POST /ledger/voucher`.

Every request is checked against the published spec first (`SpecGate`). No second voucher is
ever made here: `fake.vouchers` (the `POST /ledger/voucher` ones) stay as they are.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes.inbox_documents import ehf_facts
from tests.fakes.spec_gate import SpecGate
from tests.fakes.spec_gate import openapi_check
from tests.fakes.tripletex import FakeTripletex
from tests.fakes.tripletex import error
from tests.fakes.tripletex import validation
from tests.fakes.tripletex_sync import parse_fields
from tests.fakes.tripletex_sync import select

VOUCHERS = 8_000_000
INVOICES = 8_500_000
DOCUMENTS = 9_000_000
PAYABLE = "2400"
PATHS = (
    "/ledger/voucher/>voucherReception",
    "/supplierInvoice",
    "/document/",
    "/ledger/voucher/",
)


@dataclass
class TripletexInbox:
    fake: FakeTripletex
    vouchers: dict[int, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[int, dict[str, Any]] = field(default_factory=dict)
    documents: dict[int, tuple[bytes, str, str]] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    downloads: dict[int, int] = field(default_factory=dict)  # document id -> times fetched
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # -- what arrives -----------------------------------------------------------------

    def deliver(self, ehf: bytes, filename: str) -> int:
        """An EHF arrives over Peppol: a reception voucher and a supplier invoice on it."""
        facts = ehf_facts(ehf)
        ident = next(self._ids)
        document = DOCUMENTS + ident
        self.documents[document] = (ehf, filename, "application/xml")
        voucher_id, invoice_id = VOUCHERS + ident, INVOICES + ident
        supplier = self._supplier(facts.seller_org, facts.seller_name)
        self.vouchers[voucher_id] = {
            "id": voucher_id,
            "version": 1,
            "date": facts.issue_date.isoformat(),
            "number": None,
            "tempNumber": ident,
            "description": f"{facts.seller_name} {facts.number}",
            "vendorInvoiceNumber": facts.number,
            "ediDocument": {"id": document, "fileName": filename, "mimeType": "application/xml"},
            "document": None,
            "postings": [self._payable(facts.payable, supplier, facts.number)],
            "_debits": [],
        }
        self.invoices[invoice_id] = {
            "id": invoice_id,
            "invoiceNumber": facts.number,
            "invoiceDate": facts.issue_date.isoformat(),
            "invoiceDueDate": facts.due_date.isoformat() if facts.due_date else None,
            "kidOrReceiverReference": facts.kid,
            "amountCurrency": float(facts.payable),
            "supplier": {"id": supplier},
            "voucher": {"id": voucher_id},
            "approvalListElements": [],
        }
        return voucher_id

    def scan(self, pdf: bytes, filename: str, day: date) -> int:
        """A PDF mailed to the company's Tripletex address: in the reception, no invoice."""
        ident = next(self._ids)
        document = DOCUMENTS + ident
        self.documents[document] = (pdf, filename, "application/pdf")
        voucher_id = VOUCHERS + ident
        self.vouchers[voucher_id] = {
            "id": voucher_id,
            "version": 1,
            "date": day.isoformat(),
            "number": None,
            "tempNumber": ident,
            "description": filename,
            "ediDocument": None,
            "document": {"id": document, "fileName": filename, "mimeType": "application/pdf"},
            "postings": [],
            "_debits": [],
        }
        return voucher_id

    def booked(self, voucher_id: int) -> bool:
        return bool(self.vouchers[voucher_id]["number"])

    def approved(self, voucher_id: int) -> bool:
        return any(
            i["approvalListElements"]
            for i in self.invoices.values()
            if i["voucher"]["id"] == voucher_id
        )

    def debit_postings(self, voucher_id: int) -> list[dict[str, Any]]:
        return list(self.vouchers[voucher_id]["_debits"])

    # -- plumbing ---------------------------------------------------------------------

    def _supplier(self, org: str, name: str) -> int:
        for ident, supplier in self.fake.suppliers.items():
            if supplier.get("organizationNumber") == org:
                return ident
        ident = 70_000 + next(self._ids)
        self.fake.suppliers[ident] = {"organizationNumber": org, "name": name}
        return ident

    def _payable(self, amount: Decimal, supplier: int, number: str) -> dict[str, Any]:
        return {
            "row": 1,
            "account": {"id": self.fake.account_ids.get(PAYABLE), "number": 2400},
            "amountGross": float(-amount),
            "amountGrossCurrency": float(-amount),
            "supplier": {"id": supplier},
            "invoiceNumber": number,
        }

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    def _book(self, voucher: dict[str, Any]) -> None:
        if not voucher["number"]:
            voucher["number"] = next(self._numbers)
            voucher["version"] += 1

    def _voucher_view(self, voucher: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in voucher.items() if not k.startswith("_")}

    def _invoice_view(self, invoice: dict[str, Any]) -> dict[str, Any]:
        voucher = self.vouchers[invoice["voucher"]["id"]]
        return {**invoice, "voucher": self._voucher_view(voucher)}


def serve_inbox(fake: FakeTripletex, *, check_spec: bool = True) -> TripletexInbox:
    inbox = getattr(fake, "inbox", None)
    if inbox is None:  # once per fake; the sync fakes serve an empty inbox
        inbox = TripletexInbox(fake)
        routes = [
            Route(
                "/v2/ledger/voucher/>voucherReception", _guarded(inbox, _reception), methods=["GET"]
            ),
            Route(
                "/v2/supplierInvoice/forApproval", _guarded(inbox, _for_approval), methods=["GET"]
            ),
            Route("/v2/supplierInvoice", _guarded(inbox, _invoice_search), methods=["GET"]),
            Route("/v2/supplierInvoice/{id:int}", _guarded(inbox, _invoice_get), methods=["GET"]),
            Route(
                "/v2/supplierInvoice/voucher/{id:int}/postings",
                _guarded(inbox, _put_postings),
                methods=["PUT"],
            ),
            Route(
                "/v2/supplierInvoice/{id:int}/:approve", _guarded(inbox, _approve), methods=["PUT"]
            ),
            Route("/v2/document/{id:int}/content", _guarded(inbox, _content), methods=["GET"]),
            Route("/v2/ledger/voucher/{id:int}", _reception_voucher(inbox, fake), methods=["GET"]),
            Route("/v2/ledger/voucher/{id:int}", _guarded(inbox, _put_voucher), methods=["PUT"]),
        ]
        starlette(fake.app).router.routes[0:0] = routes
        fake.inbox = inbox  # type: ignore[attr-defined]
    if check_spec and getattr(fake, "inbox_gate", None) is None:
        from tests.post.contract import tripletex_spec

        gate = SpecGate(
            fake.app,
            openapi_check(tripletex_spec),
            "https://tripletex.no/v2",
            "/v2",
            methods=("GET", "PUT"),
            applies=lambda path: path.removeprefix("/v2").startswith(PATHS),
        )
        fake.app = gate  # type: ignore[assignment]
        fake.inbox_gate = gate  # type: ignore[attr-defined]
    return inbox


Handler = Any


def starlette(app: Any) -> Any:
    """The fake's Starlette app under the spec gates wrapped around it."""
    while not hasattr(app, "router"):
        app = app.app
    return app


def _guarded(inbox: TripletexInbox, handler: Handler) -> Handler:
    async def endpoint(request: Request) -> Response:
        refused = inbox.fake._guard(request)
        if refused is not None:
            return refused
        inbox._count(handler.__name__.strip("_"))
        result: Response = await handler(inbox, request)
        return result

    return endpoint


def _page(request: Request, items: list[dict[str, Any]]) -> JSONResponse:
    q = request.query_params
    first, count = int(q.get("from", "0")), min(int(q.get("count", "1000")), 1000)
    shape = parse_fields(q.get("fields", ""))
    chunk = items[first : first + count]
    return JSONResponse(
        {
            "fullResultSize": len(items),
            "from": first,
            "count": len(chunk),
            "values": [select(item, shape) for item in chunk],
        }
    )


async def _reception(inbox: TripletexInbox, request: Request) -> Response:
    waiting = [inbox._voucher_view(v) for v in inbox.vouchers.values() if not v["number"]]
    return _page(request, waiting)


async def _for_approval(inbox: TripletexInbox, request: Request) -> Response:
    waiting = [
        inbox._invoice_view(i) for i in inbox.invoices.values() if not i["approvalListElements"]
    ]
    return _page(request, waiting)


async def _invoice_search(inbox: TripletexInbox, request: Request) -> Response:
    q = request.query_params
    first, end = date.fromisoformat(q["invoiceDateFrom"]), date.fromisoformat(q["invoiceDateTo"])
    found = [
        inbox._invoice_view(i)
        for i in inbox.invoices.values()
        if first <= date.fromisoformat(i["invoiceDate"]) < end
        and (not q.get("voucherId") or str(i["voucher"]["id"]) == q["voucherId"])
    ]
    return _page(request, found)


async def _invoice_get(inbox: TripletexInbox, request: Request) -> Response:
    invoice = inbox.invoices.get(request.path_params["id"])
    if invoice is None:
        return error(404, "Object not found")
    shape = parse_fields(request.query_params.get("fields", ""))
    return JSONResponse({"value": select(inbox._invoice_view(invoice), shape)})


async def _content(inbox: TripletexInbox, request: Request) -> Response:
    found = inbox.documents.get(request.path_params["id"])
    if found is None:
        return error(404, "Object not found")
    content, name, mime = found
    ident = request.path_params["id"]
    inbox.downloads[ident] = inbox.downloads.get(ident, 0) + 1
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type=mime, headers=headers)


async def _put_postings(inbox: TripletexInbox, request: Request) -> Response:
    voucher = inbox.vouchers.get(request.path_params["id"])
    invoice = next(
        (i for i in inbox.invoices.values() if i["voucher"]["id"] == request.path_params["id"]),
        None,
    )
    if voucher is None or invoice is None:
        return error(404, "Object not found")
    if voucher["number"]:
        return validation("voucher", "Bilaget er allerede bokført og kan ikke endres.")
    body = await request.json()
    postings = [item.get("posting") or {} for item in body]
    for posting in postings:
        problem = inbox.fake._check_posting(posting)
        if problem is not None:
            return validation(*problem)
        if posting.get("supplier"):
            return validation("postings.supplier", "Leverandørposteringen finnes allerede.")
    gross = sum((Decimal(str(p.get("amountGrossCurrency", 0))) for p in postings), Decimal(0))
    if gross != Decimal(str(invoice["amountCurrency"])):
        return validation(
            "postings",
            f"Bilaget er ikke i balanse (konteringer {gross}, "
            f"faktura {invoice['amountCurrency']}).",
        )
    voucher["_debits"] = postings
    if request.query_params.get("sendToLedger") == "true":
        inbox._book(voucher)
    return JSONResponse({"value": inbox._invoice_view(invoice)})


async def _approve(inbox: TripletexInbox, request: Request) -> Response:
    invoice = inbox.invoices.get(request.path_params["id"])
    if invoice is None:
        return error(404, "Object not found")
    voucher = inbox.vouchers[invoice["voucher"]["id"]]
    if not voucher["_debits"]:
        return validation("postings", "Fakturaen må konteres før den kan godkjennes.")
    if invoice["approvalListElements"]:
        return validation("approval", "Fakturaen er allerede godkjent.")
    invoice["approvalListElements"] = [
        {"id": next(inbox._ids), "actionDate": date.today().isoformat(), "status": 1}
    ]
    inbox._book(voucher)
    return JSONResponse({"value": inbox._invoice_view(invoice)})


def _reception_voucher(inbox: TripletexInbox, fake: FakeTripletex) -> Handler:
    posted = fake.voucher_get  # the posting side's own vouchers

    async def endpoint(request: Request) -> Response:
        voucher = inbox.vouchers.get(request.path_params["id"])
        if voucher is None:
            result: Response = await posted(request)
            return result
        refused = fake._guard(request)
        if refused is not None:
            return refused
        shape = parse_fields(request.query_params.get("fields", ""))
        return JSONResponse({"value": select(inbox._voucher_view(voucher), shape)})

    return endpoint


async def _put_voucher(inbox: TripletexInbox, request: Request) -> Response:
    voucher = inbox.vouchers.get(request.path_params["id"])
    if voucher is None:
        return error(404, "Object not found")
    if voucher["number"]:
        return validation("voucher", "Bilaget er allerede bokført og kan ikke endres.")
    body = await request.json()
    if body.get("version") != voucher["version"]:
        return error(409, "Bilaget er endret av en annen bruker (version).")
    problem = inbox.fake._check_voucher(body)
    if problem is not None:
        return validation(*problem)
    voucher["_debits"] = [p for p in body["postings"] if not p.get("supplier")]
    voucher["postings"] = body["postings"]
    if request.query_params.get("sendToLedger") == "true":
        inbox._book(voucher)
    return JSONResponse({"value": inbox._voucher_view(voucher)})
