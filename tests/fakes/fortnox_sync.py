"""The read side of the fake Fortnox v3, serving generated books (`tests.fakes.books`).

`serve_books(fake, books)` loads the books into a `FakeFortnox` (financial years, accounts
and suppliers become the ones vouchers are checked against) and answers, as Fortnox does:

- `GET /3/financialyears`: one calendar year per year the books span;
- `GET /3/sie/4?financialYear=<Id>`: the year's SIE 4 file in CP437 ("PC8"): #KONTO, #DIM
  and #OBJEKT for cost centres (1), projects (6) and suppliers (9), and a #VER per supplier
  invoice with its payable, cost and VAT #TRANS rows. SIE 4 reserves dimension 9 for the
  supplier; the fake writes it on the payable row. The corpus does not show whether Fortnox's
  own export does, so the reader falls back to the voucher text as the supplier's name;
- `GET /3/accounts` (`lastmodified`), `/3/suppliers`, `/3/costcenters`, `/3/projects`: lists
  with `MetaInformation` and `limit` (≤ 500) / `page` paging.

Every request is checked against the published OpenAPI spec in the corpus (`SpecGate`); the
fake's quota (25 requests per 5 s) answers 429 beyond it; `delay` seconds are spent per call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes import fortnox as fortnox_fake
from tests.fakes.books import Books
from tests.fakes.books import BookVoucher
from tests.fakes.fortnox import FakeFortnox
from tests.fakes.fortnox import fortnox_error
from tests.fakes.spec_gate import SpecGate
from tests.fakes.spec_gate import openapi_check

SERIES = "D"  # Fortnox's series for supplier invoices


@dataclass
class FortnoxBooks:
    fake: FakeFortnox
    books: Books
    delay: float = 0.0
    calls: dict[str, int] = field(default_factory=dict)
    busy: float = 0.0  # seconds spent answering (the delay not counted): the fake's own cost
    busy_cpu: float = 0.0  # CPU seconds of that (the fake answers in the caller's thread)

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def refresh(self) -> None:
        self.fake.years = {
            i: (start.isoformat(), end.isoformat())
            for i, (start, end) in enumerate(self.books.years(), start=1)
        }
        self.fake.accounts = set(fortnox_fake.BAS_ACCOUNTS) | {int(n) for n in self.books.accounts}
        self.fake.inactive_accounts = {
            int(n) for n, a in self.books.accounts.items() if not a.active
        }
        self.fake.cost_centres = {c: d.active for c, d in self.books.departments.items()}
        self.fake.projects = {c: p.active for c, p in self.books.projects.items()}
        for s in self.books.suppliers.values():
            self.fake.suppliers.setdefault(str(s.number), _supplier(s))


def serve_books(
    fake: FakeFortnox, books: Books, *, delay: float = 0.0, check_spec: bool = True
) -> FortnoxBooks:
    served = FortnoxBooks(fake, books, delay)
    served.refresh()
    routes = [
        Route("/3/sie/{kind}", fake.guarded(_counted(served, "sie", _sie)), methods=["GET"]),
        Route(
            "/3/accounts", fake.guarded(_counted(served, "accounts", _accounts)), methods=["GET"]
        ),
        Route(
            "/3/suppliers", fake.guarded(_counted(served, "suppliers", _suppliers)), methods=["GET"]
        ),
        Route(
            "/3/costcenters",
            fake.guarded(_counted(served, "costcenters", _cost_centres)),
            methods=["GET"],
        ),
        Route(
            "/3/projects", fake.guarded(_counted(served, "projects", _projects)), methods=["GET"]
        ),
    ]
    fake.app.router.routes[0:0] = routes
    year_list = fake.year_list

    async def years(request: Request) -> JSONResponse:
        served.calls["financialyears"] = served.calls.get("financialyears", 0) + 1
        served.refresh()
        return await year_list(request)

    fake.app.router.routes.insert(
        0, Route("/3/financialyears", fake.guarded(years), methods=["GET"])
    )
    from tests.fakes.fortnox_inbox import serve_inbox

    serve_inbox(fake, check_spec=False)  # Fortnox always has an inbox; empty until deliveries
    if check_spec:
        from tests.post.contract import fortnox_spec

        gate = SpecGate(fake.app, openapi_check(fortnox_spec), "https://api.fortnox.se")
        fake.app = gate  # type: ignore[assignment]
        fake.gate = gate  # type: ignore[attr-defined]
    return served


def _counted(
    served: FortnoxBooks, name: str, endpoint: Callable[[FortnoxBooks, Request], Any]
) -> Callable[[Request], Any]:
    async def wrapper(request: Request) -> Response:
        served.calls[name] = served.calls.get(name, 0) + 1
        if served.delay:
            await asyncio.sleep(served.delay)
        started, cpu = time.perf_counter(), time.thread_time()
        served.refresh()
        result: Response = endpoint(served, request)
        served.busy += time.perf_counter() - started
        served.busy_cpu += time.thread_time() - cpu
        return result

    return wrapper


def _supplier(s: Any) -> dict[str, Any]:
    giro = s.bank_accounts[0] if s.bank_accounts else ""
    return {
        "SupplierNumber": str(s.number),
        "Name": s.name,
        "OrganisationNumber": f"{s.org_number[:6]}-{s.org_number[6:]}",
        "Active": s.active,
        "BG": giro,
        "PG": "",
        "BankAccountNumber": "",
        "IBAN": "",
        "BIC": "",
        "Currency": "SEK",
        "CountryCode": "SE",
        "PreDefinedAccount": s.default_account or "",
    }


def _accounts(served: FortnoxBooks, request: Request) -> Response:
    since = request.query_params.get("lastmodified")
    moment = datetime.fromisoformat(since) if since else None
    items = [
        {
            "Number": int(a.number),
            "Description": a.name,
            "Active": a.active,
            "SRU": int(a.sru) if a.sru else None,
            "VATCode": "",
            "Year": served.books.end.year,
        }
        for a in served.books.accounts.values()
        if moment is None or a.changed.replace(tzinfo=None) > moment.replace(tzinfo=None)
    ]
    return served.fake.page(request, "Accounts", items)


def _suppliers(served: FortnoxBooks, request: Request) -> Response:
    items = []
    for number, supplier in served.fake.suppliers.items():
        book = served.books.suppliers.get(int(number)) if number.isdigit() else None
        items.append(_supplier(book) if book is not None else supplier)
    return served.fake.page(request, "Suppliers", items)


def _cost_centres(served: FortnoxBooks, request: Request) -> Response:
    items = [
        {"Code": code, "Description": d.name, "Active": d.active, "Note": ""}
        for code, d in served.books.departments.items()
    ]
    return served.fake.page(request, "CostCenters", items)


def _projects(served: FortnoxBooks, request: Request) -> Response:
    items = [
        {
            "ProjectNumber": code,
            "Description": p.name,
            "Status": "ONGOING" if p.active else "COMPLETED",
            "StartDate": "",
            "EndDate": "",
        }
        for code, p in served.books.projects.items()
    ]
    return served.fake.page(request, "Projects", items)


def _sie(served: FortnoxBooks, request: Request) -> Response:
    if request.path_params["kind"] != "4":
        return fortnox_error(400, "Endast SIE-typ 4 stöds av detta test.", 2000588)
    year = request.query_params.get("financialYear")
    span = served.fake.years.get(int(year)) if year and year.isdigit() else None
    if span is None:
        return fortnox_error(400, "Räkenskapsåret finns inte.", 2000357)
    first, last = date.fromisoformat(span[0]), date.fromisoformat(span[1])
    text = sie_file(served.books, first, last)
    return Response(text.encode("cp437", errors="replace"), media_type="application/octet-stream")


def sie_file(books: Books, first: date, last: date) -> str:
    """The SIE 4 export of one financial year of the books."""
    out = [
        "#FLAGGA 0",
        '#PROGRAM "Fortnox" "3.0"',
        "#FORMAT PC8",
        f"#GEN {last:%Y%m%d}",
        "#SIETYP 4",
        '#FNAMN "Bokföringsbolaget AB"',
        f"#RAR 0 {first:%Y%m%d} {last:%Y%m%d}",
        '#KPTYP "BAS2014"',
    ]
    out += [f'#KONTO {n} "{_quote(a.name)}"' for n, a in books.accounts.items()]
    out += ['#DIM 1 "Kostnadsställe"', '#DIM 6 "Projekt"', '#DIM 9 "Leverantör"']
    out += [f'#OBJEKT 1 "{c}" "{_quote(d.name)}"' for c, d in books.departments.items()]
    out += [f'#OBJEKT 6 "{c}" "{_quote(p.name)}"' for c, p in books.projects.items()]
    out += [f'#OBJEKT 9 "{s.number}" "{_quote(s.name)}"' for s in books.suppliers.values()]
    number = 0
    for voucher in books.vouchers:
        if first <= voucher.day <= last:
            number += 1
            out += _voucher(books, voucher, number)
    return "\r\n".join(out) + "\r\n"


def _voucher(books: Books, voucher: BookVoucher, number: int) -> list[str]:
    supplier = books.suppliers[voucher.supplier]
    day = f"{voucher.day:%Y%m%d}"
    text = _quote(f"Leverantörsfaktura {voucher.invoice_number} {supplier.name}")
    rows = [f'#VER "{SERIES}" "{number}" {day} "{text}" {day}', "{"]
    payable = f'{{9 "{supplier.number}"}}'
    kid = f" OCR {voucher.kid}" if voucher.kid else ""
    rows.append(
        f"#TRANS {books.payable_account} {payable} {-voucher.gross:.2f} {day} "
        f'"{_quote(supplier.name)}{kid}"'
    )
    for line in voucher.lines:
        objects = " ".join(
            f'{dim} "{code}"' for dim, code in (("1", line.department), ("6", line.project)) if code
        )
        rows.append(
            f'#TRANS {line.account} {{{objects}}} {line.net:.2f} {day} "{_quote(line.text)}"'
        )
    if voucher.vat:
        rows.append(f"#TRANS {books.vat_account} {{}} {voucher.vat:.2f} {day}")
    rows.append("}")
    return rows


def _quote(text: str) -> str:
    return text.replace("\\", " ").replace('"', '\\"')
