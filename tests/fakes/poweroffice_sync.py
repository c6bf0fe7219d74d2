"""The read side of the fake PowerOffice Go v2, serving generated books (`tests.fakes.books`).

The corpus has no PowerOffice spec, so each endpoint here follows PowerOffice's published v2
model as generated from swagger.poweroffice.net (the `*Service`/`*Dto` files of the public
clients pacely-ai/poweroffice-node and stianwe/PowerOfficeGoV2 docs/), and every request is
checked against what those say (`check_request`):

Each endpoint takes the parameters listed in `PARAMETERS` below (the generated
`get…` method's query arguments) besides the ResourceParameters Fields, OrderBy, PageNumber,
PageSize (≤ 20 000, default 5 000) and UseDatabaseValidation, and answers a list of the named
DTO: `GeneralLedgerAccounts` (GeneralLedgerAccountDto: AccountNo, Name, IsActive, VatCode,
IsVatCodeLocked), `VatCodes` (VatCodeDto, Rate 0…1), `Suppliers` (SupplierDto),
`ContactBankAccounts` (ContactBankAccountDto), `Departments` and `Projects` (Code, Name,
IsActive), `AccountTransactions` (AccountTransactionDto; `fromDate` and `toDate` required and
inclusive, `voucherNos` ranges like "1-5, 7, 9-").

Unknown parameters are refused with 400 (as Go refuses OData's `$top`), as are badly formed
dates, timestamps, booleans and number ranges ("1-5, 7, 9-"). An empty page is 204. A
supplier invoice is three kinds of account transactions: net on each cost account with its
VAT code, the VAT on 2710, and the gross on the supplier's subledger (`SupplierAccountNo`).
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes.books import Books
from tests.fakes.books import BookVoucher
from tests.fakes.poweroffice import DEPARTMENT_IDS
from tests.fakes.poweroffice import PROJECT_IDS
from tests.fakes.poweroffice import FakePowerOffice
from tests.fakes.poweroffice import problem
from tests.fakes.spec_gate import SpecGate

ACCOUNT_IDS = 700_000  # + account number
CONTACT_IDS = 80_000  # + supplier number
SUBLEDGER_IDS = 90_000  # + supplier number
BANK_IDS = 50_000
MAX_PAGE = 20_000
DEFAULT_PAGE = 5_000
_NATURAL_ORDER = {"Id", "VoucherNo"}  # the order transactions are kept in already

_RESOURCE = {"Fields", "OrderBy", "PageNumber", "PageSize", "UseDatabaseValidation"}
_TS = "lastChangedDateTimeOffsetGreaterThan"
_CREATED = "createdDateTimeOffsetGreaterThan"
PARAMETERS: dict[str, set[str]] = {
    "/GeneralLedgerAccounts": {"accountNos", "agricultureDepartments", _TS},
    "/VatCodes": {"includeExpired", "isActive"},
    "/Suppliers": {
        "contactGroupIds",
        "externalImportReference",
        "externalNos",
        _TS,
        "supplierCreatedDateTimeOffsetGreaterThan",
        "supplierNos",
    },
    "/ContactBankAccounts": {"bankAccountNumbers", "contactIds", _CREATED, _TS},
    "/Departments": {
        "codes",
        _CREATED,
        "createdFromImportJournalId",
        "isActive",
        _TS,
        "managerEmployeeNo",
        "name",
    },
    "/Projects": {
        _CREATED,
        "customerNos",
        "departmentCodes",
        "excludeArchivedProject",
        "includeSubProjects",
        _TS,
        "name",
        "projectBillingMethod",
        "projectCodes",
        "projectManagerEmployeeNos",
        "status",
    },
    "/AccountTransactions": {
        "fromDate",
        "toDate",
        "accountNos",
        "agricultureDepartments",
        _CREATED,
        "departmentCodes",
        "includeSubProject",
        _TS,
        "productCodes",
        "projectCodes",
        "vatCodes",
        "voucherNos",
        "voucherTypes",
    },
}
REQUIRED = {"/AccountTransactions": {"fromDate", "toDate"}}
_RANGES = re.compile(r"^\s*\d+\s*(-\s*\d*\s*)?(,\s*\d+\s*(-\s*\d*\s*)?)*$")
_BOOLEANS = {
    "isActive",
    "includeExpired",
    "includeSubProject",
    "includeSubProjects",
    "excludeArchivedProject",
    "UseDatabaseValidation",
}
_DATES = {"fromDate", "toDate"}
_NUMBER_LISTS = {"accountNos", "voucherNos", "supplierNos", "externalNos", "contactIds"}


def check_request(request: httpx.Request) -> None:
    """Raise AssertionError when a request breaks PowerOffice's published v2 contract."""
    path = request.url.path.removeprefix("/v2")
    allowed = PARAMETERS.get(path)
    if allowed is None:
        raise AssertionError(f"{path} is not one of the endpoints this fake serves")
    query = dict(request.url.params.multi_items())
    unknown = set(query) - allowed - _RESOURCE
    assert not unknown, f"unknown query parameters {sorted(unknown)}"
    missing = REQUIRED.get(path, set()) - set(query)
    assert not missing, f"missing required parameters {sorted(missing)}"
    for name, value in query.items():
        _check_value(name, value)
    assert request.headers.get("ocp-apim-subscription-key"), "no Ocp-Apim-Subscription-Key"
    assert request.headers.get("authorization", "").startswith("Bearer "), "no bearer token"


def _check_value(name: str, value: str) -> None:
    if name in _BOOLEANS:
        assert value in ("true", "false"), f"{name}={value!r} is not a boolean"
    elif name in _DATES:
        date.fromisoformat(value[:10])
    elif name.endswith("DateTimeOffsetGreaterThan"):
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as e:
            raise AssertionError(f"{name}={value!r} is not a timestamp") from e
    elif name in _NUMBER_LISTS:
        assert _RANGES.match(value), f"{name}={value!r} is not a list of numbers and ranges"
    elif name == "PageSize":
        assert value.isdigit() and 1 <= int(value) <= MAX_PAGE, f"PageSize={value!r}"
    elif name == "PageNumber":
        assert value.isdigit() and int(value) >= 1, f"PageNumber={value!r}"


@dataclass
class PowerOfficeBooks:
    fake: FakePowerOffice
    books: Books
    delay: float = 0.0
    calls: dict[str, int] = field(default_factory=dict)
    busy: float = 0.0  # seconds spent answering (the delay not counted): the fake's own cost
    busy_cpu: float = 0.0  # CPU seconds of that (the fake answers in the caller's thread)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    _served: int = 0

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def refresh(self) -> None:
        for voucher in self.books.vouchers[self._served :]:
            self.transactions.extend(_transactions(self.books, voucher, len(self.transactions)))
        self._served = len(self.books.vouchers)
        self.fake.account_ids = {n: ACCOUNT_IDS + int(n) for n in self.books.accounts}
        self.fake.inactive_accounts = {n for n, a in self.books.accounts.items() if not a.active}
        self.fake.departments = {c: d.active for c, d in self.books.departments.items()}
        self.fake.projects = {c: p.active for c, p in self.books.projects.items()}
        self.fake.vat_locked = {
            n: a.vat_code for n, a in self.books.accounts.items() if a.vat_locked
        }
        for s in self.books.suppliers.values():
            self.fake.suppliers.setdefault(CONTACT_IDS + s.number, _supplier(s))
            for i, account in enumerate(s.bank_accounts):
                self.fake.bank_accounts[BANK_IDS + s.number * 10 + i] = {
                    "Id": BANK_IDS + s.number * 10 + i,
                    "ContactId": CONTACT_IDS + s.number,
                    "BankAccountNumber": account,
                    "CountryCode": "NO",
                    "IsActive": True,
                    "LastChangedDateTimeOffset": _stamp(s.changed),
                }


def serve_books(
    fake: FakePowerOffice, books: Books, *, delay: float = 0.0, check_spec: bool = True
) -> PowerOfficeBooks:
    served = PowerOfficeBooks(fake, books, delay)
    fake.vat_ids = {code: 300 + i for i, code in enumerate(books.vat_codes)}
    served.refresh()
    lists: dict[str, Callable[[PowerOfficeBooks, Request], list[dict[str, Any]]]] = {
        "/GeneralLedgerAccounts": _accounts,
        "/VatCodes": _vat_codes,
        "/Suppliers": _suppliers,
        "/ContactBankAccounts": _bank_accounts,
        "/Departments": _departments,
        "/Projects": _projects,
        "/AccountTransactions": _account_transactions,
    }
    routes = [
        Route(f"/v2{path}", fake.guarded(_endpoint(served, path, lister)), methods=["GET"])
        for path, lister in lists.items()
    ]
    fake.app.router.routes[0:0] = routes
    if check_spec:
        gate = SpecGate(
            fake.app,
            check_request,
            "https://goapi.poweroffice.net/v2",
            "/v2",
            applies=lambda path: path.removeprefix("/v2") in PARAMETERS,
        )
        fake.app = gate  # type: ignore[assignment]
        fake.gate = gate  # type: ignore[attr-defined]
    return served


def _endpoint(
    served: PowerOfficeBooks,
    path: str,
    lister: Callable[[PowerOfficeBooks, Request], list[dict[str, Any]]],
) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        served.calls[path] = served.calls.get(path, 0) + 1
        if served.delay:
            await asyncio.sleep(served.delay)
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return _answer(served, request, lister)
        finally:
            served.busy += time.perf_counter() - started
            served.busy_cpu += time.thread_time() - cpu

    return endpoint


def _answer(
    served: PowerOfficeBooks,
    request: Request,
    lister: Callable[[PowerOfficeBooks, Request], list[dict[str, Any]]],
) -> Response:
    served.refresh()
    q = request.query_params
    size = int(q.get("PageSize", DEFAULT_PAGE))
    number = int(q.get("PageNumber", 1))
    try:
        items = lister(served, request)
    except ValueError as e:
        return problem(400, "Validation failed", {"query": [str(e)]})
    order = q.get("OrderBy")
    if order:
        key = order.split()[0]
        if items and key not in items[0]:
            return problem(400, "Validation failed", {"OrderBy": [f"Unknown field {key}"]})
        if key not in _NATURAL_ORDER:
            items = sorted(items, key=lambda item: (item.get(key) is None, item.get(key)))
    chunk = [_public(item) for item in items[(number - 1) * size : number * size]]
    return JSONResponse(chunk) if chunk else Response(status_code=204)


# -- resources ----------------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _after(request: Request, name: str) -> datetime | None:
    text = request.query_params.get(name)
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _accounts(served: PowerOfficeBooks, request: Request) -> list[dict[str, Any]]:
    changed = _after(request, _TS)
    wanted = _numbers(request.query_params.get("accountNos"))
    found = []
    for a in served.books.accounts.values():
        if changed is not None and a.changed <= changed:
            continue
        if wanted is not None and not wanted(int(a.number)):
            continue
        found.append(
            {
                "Id": ACCOUNT_IDS + int(a.number),
                "AccountNo": int(a.number),
                "Name": a.name,
                "IsActive": a.active,
                "VatCode": a.vat_code,
                "VatCodeId": served.fake.vat_ids[a.vat_code],
                "IsVatCodeLocked": a.vat_locked,
                "CurrencyCode": served.books.currency,
                "LastChangedDateTimeOffset": _stamp(a.changed),
            }
        )
    return found


def _vat_codes(served: PowerOfficeBooks, request: Request) -> list[dict[str, Any]]:
    return [
        {
            "Id": served.fake.vat_ids[code],
            "Code": code,
            "Name": vat.name,
            "Description": vat.name,
            "IsActive": True,
            "IsCustom": False,
            "Rate": float(vat.rate / 100),
            "ValidFrom": "2022-01-01",
        }
        for code, vat in served.books.vat_codes.items()
    ]


def _supplier(s: Any) -> dict[str, Any]:
    return {
        "Id": CONTACT_IDS + s.number,
        "Number": s.number,
        "Name": s.name,
        "OrganizationNumber": s.org_number,
        "IsActive": s.active,
        "IsArchived": not s.active,
        "IsPerson": False,
        "CurrencyCode": "NOK",
        "SubledgerAccountId": SUBLEDGER_IDS + s.number,
        "LastChangedDateTimeOffset": _stamp(s.changed),
    }


def _suppliers(served: PowerOfficeBooks, request: Request) -> list[dict[str, Any]]:
    changed = _after(request, _TS)
    found = []
    for contact_id, supplier in served.fake.suppliers.items():
        book = served.books.suppliers.get(contact_id - CONTACT_IDS)
        if book is not None:
            supplier = _supplier(book)  # the books are the truth (renames, closings)
        stamp = supplier.get("LastChangedDateTimeOffset")
        if changed is not None and stamp and datetime.fromisoformat(stamp) <= changed:
            continue
        found.append(supplier)
    return found


def _bank_accounts(served: PowerOfficeBooks, request: Request) -> list[dict[str, Any]]:
    """The books' accounts and those created through the API (`FakePowerOffice`)."""
    q = request.query_params
    changed = _after(request, _TS)
    contacts = {c.strip() for c in q.get("contactIds", "").split(",") if c.strip()}
    numbers = {n.strip() for n in q.get("bankAccountNumbers", "").split(",") if n.strip()}
    found = []
    for account in served.fake.bank_accounts.values():
        stamp = account.get("LastChangedDateTimeOffset")
        if changed is not None and stamp and datetime.fromisoformat(stamp) <= changed:
            continue
        if contacts and str(account["ContactId"]) not in contacts:
            continue
        if numbers and account["BankAccountNumber"] not in numbers:
            continue
        found.append(account)
    return found


def _departments(served: PowerOfficeBooks, request: Request) -> list[dict[str, Any]]:
    return [
        {"Id": DEPARTMENT_IDS + int(code), "Code": code, "Name": d.name, "IsActive": d.active}
        for code, d in served.books.departments.items()
    ]


def _projects(served: PowerOfficeBooks, request: Request) -> list[dict[str, Any]]:
    return [
        {"Id": PROJECT_IDS + int(code), "Code": code, "Name": p.name, "IsActive": p.active}
        for code, p in served.books.projects.items()
    ]


def _account_transactions(served: PowerOfficeBooks, request: Request) -> list[dict[str, Any]]:
    q = request.query_params
    first = date.fromisoformat(q["fromDate"][:10])
    last = date.fromisoformat(q["toDate"][:10])  # inclusive, as PowerOffice documents
    vouchers = _numbers(q.get("voucherNos"))
    created = _after(request, _CREATED)
    found = []
    for t in served.transactions:
        if not first <= t["_day"] <= last:
            continue
        if vouchers is not None and not vouchers(t["VoucherNo"]):
            continue
        if created is not None and t["_created"] <= created:
            continue
        found.append(t)
    return found


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_")}


def _numbers(text: str | None) -> Callable[[int], bool] | None:
    """ "1-5, 7, 9-" as a test on a number; None when there is no filter."""
    if not text or not text.strip():
        return None
    parts = []
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        parts.append((int(low), int(high) if high.strip() else None if dash else int(low)))
    return lambda n: any(lo <= n and (hi is None or n <= hi) for lo, hi in parts)


def _transactions(books: Books, voucher: BookVoucher, offset: int) -> list[dict[str, Any]]:
    supplier = books.suppliers[voucher.supplier]
    voucher_id = str(uuid.UUID(int=voucher.number))
    text = f"Faktura {voucher.invoice_number} {supplier.name}"[:200]
    common = {
        "VoucherId": voucher_id,
        "VoucherNo": voucher.number,
        "VoucherDate": voucher.day.isoformat(),
        "PostingDate": voucher.day.isoformat(),
        "VoucherType": "IncomingInvoice",
        "VoucherDescription": text,
        "CurrencyCode": books.currency,
        "CreatedDateTimeOffset": _stamp(voucher.created),
        "LastChangedDateTimeOffset": _stamp(voucher.created),
        "_day": voucher.day,
        "_created": voucher.created,
    }
    rows: list[dict[str, Any]] = []

    def add(account: str, amount: Any, **more: Any) -> None:
        rows.append(
            {
                **common,
                "Id": offset + len(rows) + 1,
                "AccountNo": int(account),
                "AccountId": ACCOUNT_IDS + int(account),
                "Amount": float(amount),
                "CurrencyAmount": float(amount),
                **more,
            }
        )

    for line in voucher.lines:
        vat = books.vat_codes[line.vat_code]
        add(
            line.account,
            line.net,
            Description=line.text or text,
            VatCode=line.vat_code,
            VatRate=float(vat.rate / 100),
            VatAmount=float(line.vat),
            DepartmentCode=line.department,
            ProjectCode=line.project,
        )
    for line in voucher.lines:
        if line.vat:
            add(books.vat_account, line.vat, Description="Inngående mva", VatCode=line.vat_code)
    description = f"Faktura {voucher.invoice_number}" + (
        f" KID {voucher.kid}" if voucher.kid else ""
    )
    add(
        books.payable_account,
        -voucher.gross,
        Description=description,
        SupplierAccountNo=supplier.number,
        ContactId=CONTACT_IDS + supplier.number,
        IsNoteMainEntry=True,
        DueDate=(voucher.day + timedelta(days=30)).isoformat(),
    )
    return rows
