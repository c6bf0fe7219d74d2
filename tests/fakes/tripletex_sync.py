"""The read side of the fake Tripletex, serving generated books (`tests.fakes.books`).

`serve_books(fake, books)` loads the books into a `FakeTripletex` (its chart, VAT types and
suppliers become the ones vouchers are checked against) and answers, as Tripletex v2 does:

- `GET /ledger/account`, `/ledger/vatType`, `/supplier`, `/department`, `/project` and
  `/ledger/posting`, each with offset paging (`from`, `count` ≤ 1000, `fullResultSize`);
- `fields=`: top-level fields as asked, nested objects only as `{id, url}` unless expanded
  (`account(id,number)`, `voucher(*)`), as Tripletex's field filter does;
- `/ledger/posting`: `dateFrom` inclusive and `dateTo` *exclusive* (both required), postings
  in id order: per voucher the cost rows (1…n, `vatType`, gross and net), the row-0 VAT
  postings Tripletex generates (`systemGenerated`), and the supplier row on 2400 with the
  supplier, `invoiceNumber` and `termOfPayment`;
- `/supplier?changedSince=`, `isInactive`; `/ledger/account?isInactive=`, `number=`.

Every GET (and the session PUT) is first checked against the published OpenAPI spec
(`SpecGate`), and `delay` seconds are spent per call to stand in for the network.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.books import BookAccount
from tests.fakes.books import Books
from tests.fakes.books import BookVoucher
from tests.fakes.spec_gate import SpecGate
from tests.fakes.spec_gate import openapi_check
from tests.fakes.tripletex import FakeTripletex
from tests.fakes.tripletex import error

MAX_COUNT = 1000
ACCOUNT_IDS = 1_000_000  # + account number
VOUCHER_IDS = 5_000_000  # + voucher number
POSTING_IDS = 7_000_000  # + running number
DEPARTMENT_IDS = 30_000
PROJECT_IDS = 40_000
SUPPLIER_IDS = 60_000  # + supplier number


@dataclass
class TripletexBooks:
    """The books as the fake serves them; `calls` counts the read calls per path."""

    fake: FakeTripletex
    books: Books
    delay: float = 0.0
    calls: dict[str, int] = field(default_factory=dict)
    busy: float = 0.0  # seconds spent answering (the delay not counted): the fake's own cost
    busy_cpu: float = 0.0  # CPU seconds of that (the fake answers in the caller's thread)
    postings: list[dict[str, Any]] = field(default_factory=list)
    window: tuple[Any, list[dict[str, Any]]] = (None, [])
    _served: int = 0  # vouchers already turned into postings

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def refresh(self) -> None:
        """Take in what changed in the books since (new vouchers, accounts, suppliers)."""
        for voucher in self.books.vouchers[self._served :]:
            self.postings.extend(_postings(self.books, voucher, len(self.postings)))
        self._served = len(self.books.vouchers)
        self.fake.account_ids = {n: ACCOUNT_IDS + int(n) for n in self.books.accounts}
        self.fake.inactive_accounts = {n for n, a in self.books.accounts.items() if not a.active}
        self.fake.vat_locked = {
            n: a.vat_code for n, a in self.books.accounts.items() if a.vat_locked
        }
        self.fake.suppliers = {
            SUPPLIER_IDS + s.number: {"organizationNumber": s.org_number, "name": s.name}
            for s in self.books.suppliers.values()
        }

    def cost_lines(self) -> int:
        return sum(1 for p in self.postings if p["_cost"])


def serve_books(
    fake: FakeTripletex, books: Books, *, delay: float = 0.0, check_spec: bool = True
) -> TripletexBooks:
    served = TripletexBooks(fake, books, delay)
    fake.vat_ids = {code: 500 + i for i, code in enumerate(books.vat_codes)}
    # Postings may name the books' departments and projects (the posting side checks them).
    fake.departments = {c: (d.name, d.active) for c, d in books.departments.items()}
    fake.projects = {c: (p.name, p.active) for c, p in books.projects.items()}
    served.refresh()
    routes = [
        Route("/v2/ledger/account", _endpoint(served, "account", _accounts), methods=["GET"]),
        Route("/v2/ledger/vatType", _endpoint(served, "vatType", _vat_types), methods=["GET"]),
        Route("/v2/supplier", _endpoint(served, "supplier", _suppliers), methods=["GET"]),
        Route("/v2/department", _endpoint(served, "department", _departments), methods=["GET"]),
        Route("/v2/project", _endpoint(served, "project", _projects), methods=["GET"]),
        Route("/v2/ledger/posting", _endpoint(served, "posting", _postings_page), methods=["GET"]),
    ]
    fake.app.router.routes[0:0] = routes  # before the posting side's narrower lookups
    from tests.fakes.tripletex_inbox import serve_inbox

    serve_inbox(fake, check_spec=False)  # Tripletex always has an inbox; empty until deliveries
    if check_spec:
        from tests.post.contract import tripletex_spec

        gate = SpecGate(
            fake.app,
            openapi_check(tripletex_spec),
            "https://tripletex.no/v2",
            "/v2",
            methods=("GET", "PUT"),
        )
        fake.app = gate  # type: ignore[assignment]
        fake.gate = gate  # type: ignore[attr-defined]
    return served


def gate_of(fake: Any) -> SpecGate | None:
    return getattr(fake, "gate", None)


Lister = Callable[[TripletexBooks, Request], list[dict[str, Any]]]


def _endpoint(served: TripletexBooks, name: str, lister: Lister) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> JSONResponse:
        refused = served.fake._guard(request)
        if refused is not None:
            return refused
        served.calls[name] = served.calls.get(name, 0) + 1
        if served.delay:
            await asyncio.sleep(served.delay)
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return _answer(served, request, lister)
        finally:
            served.busy += time.perf_counter() - started
            served.busy_cpu += time.thread_time() - cpu

    return endpoint


def _answer(served: TripletexBooks, request: Request, lister: Lister) -> JSONResponse:
    served.refresh()
    q = request.query_params
    try:
        first = int(q.get("from", "0"))
        count = min(int(q.get("count", str(MAX_COUNT))), MAX_COUNT)
        values = lister(served, request)
    except ValueError as e:
        return error(422, f"Validering feilet: {e}")
    page = values[first : first + count]
    shape = parse_fields(q.get("fields", ""))
    return JSONResponse(
        {
            "fullResultSize": len(values),
            "from": first,
            "count": len(page),
            "versionDigest": f"{len(values)}:{len(served.postings)}",
            "values": [select(item, shape) for item in page],
        }
    )


# -- the resources ------------------------------------------------------------------------


def _ref(kind: str, ident: int, **more: Any) -> dict[str, Any]:
    return {"id": ident, "url": f"https://tripletex.no/v2/{kind}/{ident}", **more}


def _vat_ref(served: TripletexBooks, code: str) -> dict[str, Any]:
    vat = served.books.vat_codes[code]
    return _ref(
        "ledger/vatType",
        served.fake.vat_ids[code],
        number=code,
        name=vat.name,
        percentage=float(vat.rate),
    )


def _account(served: TripletexBooks, a: BookAccount) -> dict[str, Any]:
    return _ref(
        "ledger/account",
        ACCOUNT_IDS + int(a.number),
        number=int(a.number),
        name=a.name,
        isInactive=not a.active,
        isApplicableForSupplierInvoice=a.supplier_invoices,
        ledgerType="VENDOR" if a.number == served.books.payable_account else "GENERAL",
        vatType=_vat_ref(served, a.vat_code),
        vatLocked=a.vat_locked,
        legalVatTypes=[_vat_ref(served, code) for code in a.legal_vat_codes],
        saftCode=a.saft_code,
        version=1 + int(a.changed.timestamp()) % 1000,
    )


def _accounts(served: TripletexBooks, request: Request) -> list[dict[str, Any]]:
    q = request.query_params
    numbers = {n.strip() for n in q.get("number", "").split(",") if n.strip()}
    inactive = _flag(q.get("isInactive"))
    found = []
    for account in served.books.accounts.values():
        if numbers and account.number not in numbers:
            continue
        if inactive is not None and (not account.active) != inactive:
            continue
        found.append(_account(served, account))
    return found


def _vat_types(served: TripletexBooks, request: Request) -> list[dict[str, Any]]:
    numbers = {n.strip() for n in request.query_params.get("number", "").split(",") if n.strip()}
    return [
        _vat_ref(served, code) for code in served.books.vat_codes if not numbers or code in numbers
    ]


def _suppliers(served: TripletexBooks, request: Request) -> list[dict[str, Any]]:
    q = request.query_params
    org = q.get("organizationNumber")
    since = _moment(q.get("changedSince"))
    inactive = _flag(q.get("isInactive"))
    found = []
    for supplier in served.books.suppliers.values():
        if org is not None and supplier.org_number != org:
            continue
        if since is not None and supplier.changed <= since:
            continue
        if inactive is not None and (not supplier.active) != inactive:
            continue
        found.append(
            _ref(
                "supplier",
                SUPPLIER_IDS + supplier.number,
                name=supplier.name,
                organizationNumber=supplier.org_number,
                supplierNumber=supplier.number,
                isInactive=not supplier.active,
                bankAccounts=list(supplier.bank_accounts),
                ledgerAccount=_ref("ledger/account", ACCOUNT_IDS + 2400, number=2400),
                version=1,
            )
        )
    for ident, created in served.fake.suppliers.items():  # created through the API
        if ident - SUPPLIER_IDS not in served.books.suppliers and (
            org is None or created.get("organizationNumber") == org
        ):
            found.append(_ref("supplier", ident, **created))
    return found


def _dimension_list(
    kind: str, base: int, register: dict[str, Any], wanted: str | None = None
) -> list[dict[str, Any]]:
    number_field = "departmentNumber" if kind == "department" else "number"
    return [
        _ref(kind, base + int(code), name=d.name, **{number_field: code}, isInactive=not d.active)
        for code, d in register.items()
        if not wanted or code == wanted  # the number filter, as Tripletex has it
    ]


def _departments(served: TripletexBooks, request: Request) -> list[dict[str, Any]]:
    wanted = request.query_params.get("departmentNumber")
    return _dimension_list("department", DEPARTMENT_IDS, served.books.departments, wanted)


def _projects(served: TripletexBooks, request: Request) -> list[dict[str, Any]]:
    wanted = request.query_params.get("number")
    projects = _dimension_list("project", PROJECT_IDS, served.books.projects, wanted)
    for item in projects:
        item["isClosed"] = item.pop("isInactive")
    return projects


def _postings_page(served: TripletexBooks, request: Request) -> list[dict[str, Any]]:
    q = request.query_params
    first = date.fromisoformat(q["dateFrom"])
    end = date.fromisoformat(q["dateTo"])  # exclusive, as Tripletex documents
    if end <= first:
        raise ValueError("dateTo må være etter dateFrom")
    key = (first, end, len(served.postings))
    if served.window[0] != key:  # one sync pages through one window: filter it once
        served.window = (key, [p for p in served.postings if first <= p["_day"] < end])
    return served.window[1]


def _postings(books: Books, voucher: BookVoucher, offset: int) -> list[dict[str, Any]]:
    """A supplier invoice as Tripletex stores it: cost rows, generated VAT rows, payable."""
    supplier = books.suppliers[voucher.supplier]
    voucher_ref = _ref(
        "ledger/voucher",
        VOUCHER_IDS + voucher.number,
        number=voucher.number,
        year=voucher.day.year,
        date=voucher.day.isoformat(),
        description=f"Leverandørfaktura {voucher.invoice_number} {supplier.name}"[:255],
        vendorInvoiceNumber=voucher.invoice_number,
    )
    supplier_ref = _ref(
        "supplier",
        SUPPLIER_IDS + supplier.number,
        name=supplier.name,
        organizationNumber=supplier.org_number,
    )
    rows: list[dict[str, Any]] = []

    def add(account: str, row: int, amount: Decimal, gross: Decimal, **more: Any) -> None:
        ident = POSTING_IDS + offset + len(rows) + 1
        rows.append(
            _ref(
                "ledger/posting",
                ident,
                voucher=voucher_ref,
                date=voucher.day.isoformat(),
                account=_ref("ledger/account", ACCOUNT_IDS + int(account), number=int(account)),
                row=row,
                amount=float(amount),
                amountCurrency=float(amount),
                amountGross=float(gross),
                amountGrossCurrency=float(gross),
                currency=_ref("currency", 1, code=books.currency),
                _day=voucher.day,
                _cost=more.pop("_cost", False),
                **more,
            )
        )

    for row, line in enumerate(voucher.lines, start=1):
        vat = books.vat_codes[line.vat_code]
        add(
            line.account,
            row,
            line.net,
            line.gross,
            _cost=True,
            description=line.text or voucher_ref["description"],
            vatType=_ref(
                "ledger/vatType",
                500 + list(books.vat_codes).index(line.vat_code),
                number=line.vat_code,
                percentage=float(vat.rate),
            ),
            department=_dim("department", DEPARTMENT_IDS, line.department, books.departments),
            project=_dim("project", PROJECT_IDS, line.project, books.projects),
            systemGenerated=False,
        )
    for line in voucher.lines:
        if line.vat:
            add(
                books.vat_account,
                0,
                line.vat,
                line.vat,
                systemGenerated=True,
                description="Inngående mva",
            )
    text = f"Faktura {voucher.invoice_number}"
    if voucher.kid:
        text += f" KID {voucher.kid}"
    add(
        books.payable_account,
        len(voucher.lines) + 1,
        -voucher.gross,
        -voucher.gross,
        supplier=supplier_ref,
        invoiceNumber=voucher.invoice_number,
        description=text,
        termOfPayment=(voucher.day + timedelta(days=30)).isoformat(),
        systemGenerated=False,
    )
    return rows


def _dim(kind: str, base: int, code: str | None, register: dict[str, Any]) -> Any:
    if code is None:
        return None
    name = register[code].name
    number_field = "departmentNumber" if kind == "department" else "number"
    return _ref(kind, base + int(code), name=name, **{number_field: code})


def _flag(text: str | None) -> bool | None:
    return None if text in (None, "") else text == "true"


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- Tripletex's `fields` filter -----------------------------------------------------------

_TOKEN = re.compile(r"\s*([\w*]+)\s*(\()?|\s*(\))|\s*,")


def parse_fields(text: str) -> dict[str, Any] | None:
    """`id,account(id,number),voucher(*)` → {"id": None, "account": {...}, "voucher": {"*": None}};
    None for an empty filter (every top-level field, nested objects as references)."""
    if not text.strip():
        return None
    stack: list[dict[str, Any]] = [{}]
    for match in _TOKEN.finditer(text):
        name, opens, closes = match.groups()
        if name:
            stack[-1][name] = {} if opens else None
            if opens:
                stack.append(stack[-1][name])
        elif closes and len(stack) > 1:
            stack.pop()
    return stack[0]


def select(item: dict[str, Any], shape: dict[str, Any] | None) -> dict[str, Any]:
    """The item as Tripletex's field filter returns it."""
    wanted = item.keys() if shape is None or "*" in shape else shape.keys()
    out: dict[str, Any] = {}
    for key in wanted:
        if key.startswith("_") or key not in item:
            continue
        value = item[key]
        inner = None if shape is None else shape.get(key, shape.get("*"))
        out[key] = _nested(value, inner)
    return out


def _nested(value: Any, inner: dict[str, Any] | None) -> Any:
    if isinstance(value, dict):
        if inner is None:
            return {"id": value.get("id"), "url": value.get("url")}
        return select(value, inner)
    if isinstance(value, list):
        return [_nested(v, inner) for v in value]
    return value
