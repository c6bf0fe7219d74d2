"""A fake Fortnox v3 (and its OAuth2 token endpoint) that refuses what the real one refuses.

Enforced: bearer access tokens that expire after an hour; refresh tokens that rotate (the old
one stops working once used); 25 requests per 5 s per tenant with 429; voucher rows with an
existing account and either a debit or a credit, debits equal to credits; supplier invoices
on an existing supplier with rows that balance and a Total that matches, `Credit` agreeing
with the sign of `Total`; no row on an inactive account (`Active` false) and nothing dated in
the locked period (`/3/settings/lockedperiod`), a row's `CostCenter` and `Project` only
ones that exist and are active (a completed project is refused), for vouchers, supplier
invoices and their booking (`PUT …/bookkeep`, once); inbox files only as PDF/PNG/JPEG/TIFF;
file connections only to an existing file and voucher. Second vouchers with the same comment
are *not* refused, so the tests can see doubles. (Fortnox rows carry no VAT code: there is
none to refuse.)
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from collections.abc import Collection
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.common import FILE_SIGNATURES
from tests.fakes.common import Quota

BAS_ACCOUNTS = {
    1480,
    1930,
    2440,
    2614,
    2615,
    2617,
    2624,
    2634,
    2641,
    2645,
    2647,
    3740,
    4010,
    5010,
    5410,
    5460,
    6110,
    6212,
    6540,
    6570,
}


def fortnox_error(
    status: int, message: str, code: int, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"ErrorInformation": {"Error": 1, "Message": message, "Code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


@dataclass
class FakeFortnox:
    client_id: str = "kontera-client"
    client_secret: str = "client-secret"
    clock: Callable[[], float] = time.monotonic
    quota: Quota = field(default_factory=lambda: Quota(calls=25, period=5.0))
    codes: set[str] = field(default_factory=lambda: {"auth-code-1"})
    access: dict[str, float] = field(default_factory=dict)  # token -> expiry
    refresh_token: str | None = None
    vouchers: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    suppliers: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    connections: list[dict[str, Any]] = field(default_factory=list)
    max_page_size: int = 500  # as Fortnox; tests lower it so that lookups must page
    accounts: set[int] = field(default_factory=lambda: set(BAS_ACCOUNTS))  # the chart
    inactive_accounts: set[int] = field(default_factory=set)
    locked_until: date | None = None  # /3/settings/lockedperiod EndDate
    # The company's cost centres and projects: code → active (a project: not completed).
    cost_centres: dict[str, bool] = field(
        default_factory=lambda: {"10": True, "20": True, "90": False}
    )
    projects: dict[str, bool] = field(default_factory=lambda: {"1001": True, "1002": False})
    # Financial years by id; the last one is preselected. Numbers restart in each year.
    years: dict[int, tuple[str, str]] = field(
        default_factory=lambda: {1: ("2025-01-01", "2025-12-31"), 2: ("2026-01-01", "2026-12-31")}
    )
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.quota.clock = self.clock
        self.app = Starlette(routes=self._routes())

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    def _routes(self) -> list[Route]:
        return [
            Route("/oauth-v1/token", self.token, methods=["POST"]),
            Route("/3/financialyears", self.guarded(self.year_list), methods=["GET"]),
            Route("/3/vouchers", self.guarded(self.voucher_create), methods=["POST"]),
            Route("/3/vouchers/sublist/{series}", self.guarded(self.voucher_list), methods=["GET"]),
            Route("/3/supplierinvoices", self.guarded(self.invoice_create), methods=["POST"]),
            Route("/3/supplierinvoices", self.guarded(self.invoice_list), methods=["GET"]),
            Route("/3/supplierinvoices/{number}", self.guarded(self.invoice_get), methods=["GET"]),
            Route(
                "/3/supplierinvoices/{number}/bookkeep",
                self.guarded(self.invoice_bookkeep),
                methods=["PUT"],
            ),
            Route("/3/suppliers", self.guarded(self.supplier_list), methods=["GET"]),
            Route("/3/suppliers", self.guarded(self.supplier_create), methods=["POST"]),
            Route("/3/inbox", self.guarded(self.inbox_list), methods=["GET"]),
            Route("/3/inbox", self.guarded(self.inbox_upload), methods=["POST"]),
            Route(
                "/3/voucherfileconnections",
                self.guarded(self.connection_list("voucher")),
                methods=["GET"],
            ),
            Route(
                "/3/voucherfileconnections", self.guarded(self.connect("voucher")), methods=["POST"]
            ),
            Route(
                "/3/supplierinvoicefileconnections",
                self.guarded(self.connection_list("invoice")),
                methods=["GET"],
            ),
            Route(
                "/3/supplierinvoicefileconnections",
                self.guarded(self.connect("invoice")),
                methods=["POST"],
            ),
        ]

    def attachments_of(self, kind: str, number: str) -> int:
        return sum(1 for c in self.connections if (c["kind"], c["number"]) == (kind, number))

    # -- auth -------------------------------------------------------------------------

    async def token(self, request: Request) -> JSONResponse:
        form = await request.form()
        grant = form.get("grant_type")
        if grant == "authorization_code" and form.get("code") in self.codes:
            self.codes.discard(str(form["code"]))
        elif grant == "refresh_token" and self.refresh_token is not None:
            if form.get("refresh_token") != self.refresh_token:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
        else:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        access = f"access-{next(self._ids)}"
        self.access[access] = self.clock() + 3600
        self.refresh_token = f"refresh-{next(self._ids)}"  # rotation: the old one is dead
        body = {"access_token": access, "refresh_token": self.refresh_token, "expires_in": 3600}
        return JSONResponse(body)

    def guarded(self, endpoint: Callable[[Request], Any]) -> Callable[[Request], Any]:
        async def wrapper(request: Request) -> JSONResponse:
            limited = self.quota.take()
            if limited is not None:
                return fortnox_error(429, "Too many requests", 0, headers=limited)
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            if self.access.get(token, 0.0) <= self.clock():
                return fortnox_error(401, "Invalid or expired access token", 2000311)
            result: JSONResponse = await endpoint(request)
            return result

        return wrapper

    def page(self, request: Request, key: str, items: list[dict[str, Any]]) -> JSONResponse:
        """A Fortnox list page: `limit` (default 100, capped) and `page`, with MetaInformation."""
        limit = min(int(request.query_params.get("limit", 100)), self.max_page_size)
        page = int(request.query_params.get("page", 1))
        total_pages = max(1, -(-len(items) // limit))
        meta = {"@TotalResources": len(items), "@TotalPages": total_pages, "@CurrentPage": page}
        chunk = items[(page - 1) * limit : page * limit]
        return JSONResponse({"MetaInformation": meta, key: chunk})

    # -- vouchers ---------------------------------------------------------------------

    async def year_list(self, request: Request) -> JSONResponse:
        wanted = request.query_params.get("Date")
        items = [
            {"Id": i, "FromDate": start, "ToDate": end}
            for i, (start, end) in self.years.items()
            if wanted is None or start <= wanted <= end
        ]
        return JSONResponse({"FinancialYears": items})

    def _year(self, request: Request) -> int:
        return int(request.query_params.get("financialyear") or max(self.years))

    async def voucher_create(self, request: Request) -> JSONResponse:
        voucher = (await request.json()).get("Voucher") or {}
        for required in ("Description", "TransactionDate", "VoucherSeries"):
            if not voucher.get(required):
                return fortnox_error(400, f"Fältet {required} saknas.", 2000359)
        year = self._year(request)
        start, end = self.years.get(year, ("", ""))
        if not start <= voucher["TransactionDate"] <= end:
            return fortnox_error(400, "Datumet ligger utanför räkenskapsåret.", 2000358)
        locked = self._locked(voucher["TransactionDate"])
        if locked:
            return locked
        problem = check_rows(
            voucher.get("VoucherRows") or [], self.accounts, self.inactive_accounts
        ) or self._dimension_problem(voucher.get("VoucherRows") or [])
        if problem:
            return fortnox_error(400, problem, 2000550)
        series = voucher["VoucherSeries"]
        number = 1 + sum(
            1 for v in self.vouchers.values() if (v["VoucherSeries"], v["Year"]) == (series, year)
        )
        voucher = {**voucher, "VoucherNumber": number, "Year": year}
        self.vouchers[f"{series}-{number}-{year}"] = voucher
        return JSONResponse({"Voucher": voucher}, status_code=201)

    async def voucher_list(self, request: Request) -> JSONResponse:
        series = request.path_params["series"]
        items = [
            {k: v[k] for k in ("VoucherSeries", "VoucherNumber", "Year", "Comments", "Description")}
            for v in self.vouchers.values()
            if (v["VoucherSeries"], v["Year"]) == (series, self._year(request))
        ]
        return self.page(request, "Vouchers", items)

    def _dimension_problem(self, rows: list[dict[str, Any]]) -> str | None:
        for row in rows:
            for kind, register in (("CostCenter", self.cost_centres), ("Project", self.projects)):
                code = row.get(kind)
                if not code:
                    continue
                what, closed = _dimension_words(kind)
                if code not in register:
                    return f"{what} {code} finns inte."
                if not register[code]:
                    return f"{what} {code} är {closed}."
        return None

    # -- supplier invoices ------------------------------------------------------------

    async def invoice_create(self, request: Request) -> JSONResponse:
        invoice = (await request.json()).get("SupplierInvoice") or {}
        if invoice.get("SupplierNumber") not in self.suppliers:
            return fortnox_error(400, "Leverantören finns inte.", 2000433)
        rows = invoice.get("SupplierInvoiceRows") or []
        problem = check_rows(rows, self.accounts, self.inactive_accounts)
        problem = problem or self._dimension_problem(rows)
        if problem:
            return fortnox_error(400, problem, 2000550)
        locked = self._locked(invoice.get("InvoiceDate", ""))
        if locked:
            return locked
        if bool(invoice.get("Credit")) != (Decimal(invoice.get("Total", "0")) < 0):
            return fortnox_error(
                400, "En kreditfaktura ska ha negativt totalbelopp, en faktura positivt.", 2000552
            )
        # Total is in the invoice currency: compare with the payable row's currency amounts.
        foreign = invoice.get("Currency", "SEK") != "SEK"
        debit, credit = ("DebitCurrency", "CreditCurrency") if foreign else ("Debit", "Credit")
        payable = sum(
            (
                Decimal(str(r.get(credit, 0))) - Decimal(str(r.get(debit, 0)))
                for r in rows
                if r["Account"] == 2440
            ),
            Decimal(0),
        )
        if payable != Decimal(invoice.get("Total", "0")):
            return fortnox_error(400, "Totalbeloppet stämmer inte med leverantörsskulden.", 2000551)
        given = str(next(self._ids))
        self.invoices[given] = {**invoice, "GivenNumber": given, "Booked": False}
        return JSONResponse({"SupplierInvoice": self.invoices[given]}, status_code=201)

    async def invoice_get(self, request: Request) -> JSONResponse:
        invoice = self.invoices.get(request.path_params["number"])
        if invoice is None:
            return fortnox_error(404, "Leverantörsfakturan finns inte.", 2000434)
        return JSONResponse({"SupplierInvoice": invoice})

    async def invoice_bookkeep(self, request: Request) -> JSONResponse:
        invoice = self.invoices.get(request.path_params["number"])
        if invoice is None:
            return fortnox_error(404, "Leverantörsfakturan finns inte.", 2000434)
        if invoice["Booked"]:
            return fortnox_error(400, "Fakturan är redan bokförd.", 2000560)
        locked = self._locked(invoice.get("InvoiceDate", ""))
        if locked:
            return locked
        invoice["Booked"] = True
        return JSONResponse({"SupplierInvoice": invoice})

    def _locked(self, day: str) -> JSONResponse | None:
        if self.locked_until and day and date.fromisoformat(day) <= self.locked_until:
            message = f"Perioden är låst för bokföring (till och med {self.locked_until})."
            return fortnox_error(400, message, 2000554)
        return None

    async def invoice_list(self, request: Request) -> JSONResponse:
        keys = (
            "GivenNumber",
            "SupplierNumber",
            "ExternalInvoiceNumber",
            "InvoiceNumber",
            "Total",
            "Booked",
        )
        items = [{k: inv.get(k) for k in keys} for inv in self.invoices.values()]
        return self.page(request, "SupplierInvoices", items)

    async def supplier_list(self, request: Request) -> JSONResponse:
        return self.page(request, "Suppliers", list(self.suppliers.values()))

    async def supplier_create(self, request: Request) -> JSONResponse:
        supplier = (await request.json()).get("Supplier") or {}
        if not supplier.get("Name"):
            return fortnox_error(400, "Namn måste anges.", 2000434)
        number = str(len(self.suppliers) + 1)
        self.suppliers[number] = {**supplier, "SupplierNumber": number}
        return JSONResponse({"Supplier": self.suppliers[number]}, status_code=201)

    # -- files ------------------------------------------------------------------------

    async def inbox_list(self, request: Request) -> JSONResponse:
        files = [
            {"Id": i, "Name": f["Name"], "Size": len(f["content"])} for i, f in self.files.items()
        ]
        return JSONResponse(
            {"Folder": {"Id": "root", "Name": "Inbox", "Files": files, "Folders": []}}
        )

    async def inbox_upload(self, request: Request) -> JSONResponse:
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            return fortnox_error(400, "Ingen fil bifogades.", 2000700)
        content = await upload.read()
        if not content.startswith(FILE_SIGNATURES):
            return fortnox_error(400, "Filformatet stöds inte.", 2000701)
        file_id = f"file-{next(self._ids)}"
        self.files[file_id] = {"Name": upload.filename, "content": content}
        return JSONResponse({"File": {"Id": file_id, "Name": upload.filename}}, status_code=201)

    def connection_list(self, kind: str) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> JSONResponse:
            if kind == "invoice":
                items = [
                    {"FileId": c["file"], "SupplierInvoiceNumber": c["number"]}
                    for c in self.connections
                    if c["kind"] == kind
                ]
                return self.page(request, "SupplierInvoiceFileConnections", items)
            items = []
            for c in self.connections:
                if c["kind"] == kind:
                    series, number, year = c["number"].split("-")
                    row = {"FileId": c["file"], "VoucherSeries": series, "VoucherNumber": number}
                    items.append({**row, "VoucherYear": int(year)})
            return self.page(request, "VoucherFileConnections", items)

        return endpoint

    def connect(self, kind: str) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> JSONResponse:
            body = await request.json()
            if kind == "invoice":
                link = body.get("SupplierInvoiceFileConnection") or {}
                number, exists = (
                    str(link.get("SupplierInvoiceNumber")),
                    link.get("SupplierInvoiceNumber") in self.invoices,
                )
            else:
                link = body.get("VoucherFileConnection") or {}
                series, year = link.get("VoucherSeries"), link.get("VoucherYear")
                number = f"{series}-{link.get('VoucherNumber')}-{year}"
                exists = number in self.vouchers
            if link.get("FileId") not in self.files:
                return fortnox_error(400, "Filen finns inte i inkorgen.", 2000702)
            if not exists:
                return fortnox_error(400, "Verifikationen finns inte.", 2000703)
            self.connections.append({"kind": kind, "number": number, "file": link["FileId"]})
            return JSONResponse(body, status_code=201)

        return endpoint


def _dimension_words(kind: str) -> tuple[str, str]:
    return ("Kostnadsstället", "inaktivt") if kind == "CostCenter" else ("Projektet", "avslutat")


def check_rows(
    rows: list[dict[str, Any]], accounts: Collection[int], inactive: Collection[int] = ()
) -> str | None:
    if not rows:
        return "Verifikationen saknar rader."
    debit = credit = Decimal(0)
    for row in rows:
        if row.get("Account") not in accounts:
            return f"Kontot {row.get('Account')} finns inte i kontoplanen."
        if row.get("Account") in inactive:
            return f"Kontot {row.get('Account')} är inaktivt."
        d, c = Decimal(str(row.get("Debit", 0))), Decimal(str(row.get("Credit", 0)))
        if d and c:
            return "En rad kan inte ha både debet och kredit."
        debit, credit = debit + d, credit + c
    if debit != credit:
        return f"Verifikationen är inte i balans (debet {debit}, kredit {credit})."
    return None
