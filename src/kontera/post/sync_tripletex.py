"""Reading a Tripletex company (API v2) for the ledger sync.

Endpoints and what is taken from each (checked against `corpus/api-specs/tripletex`):

- `GET /ledger/account`: number, name, `isInactive`, `isApplicableForSupplierInvoice`,
  `legalVatTypes` (the VAT types the account accepts), `saftCode`;
- `GET /ledger/vatType`: number (the SAF-T code, Kontera's code in Norway), name, percentage;
- `GET /supplier?changedSince=`: name, `organizationNumber`, `supplierNumber`, `bankAccounts`,
  `isInactive` (Tripletex has no default account or KID flag on a supplier);
- `GET /department`, `GET /project`;
- `GET /ledger/posting?dateFrom=&dateTo=` (`dateTo` exclusive), sorted by id, 1 000 a call,
  with `fields=` expanding account, vatType, supplier, department, project and voucher.

Paging is by offset (`from`, `count` ≤ 1000). A voucher's postings are consecutive in id
order but may straddle two pages, so the last voucher of a page is held back and completed
with the next page (however many pages it spans); the cursor is the offset of its first
posting, so a resumed run reads it again whole. A new run reads from the end
of the last one minus `LOOKBACK` days (postings may be dated back a little) to tomorrow; the
lines it has already are stored once, by posting id.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from datetime import timedelta
from decimal import Decimal
from typing import Any

from kontera.domain.chart import ChartAccount
from kontera.domain.chart import ChartSource
from kontera.domain.chart import ChartVatCode
from kontera.domain.ledger import DimensionKind
from kontera.domain.ledger import LedgerDimension
from kontera.domain.ledger import LedgerLine
from kontera.domain.ledger import LedgerSupplier
from kontera.post.sync import Cursor
from kontera.post.sync import HistoryPage
from kontera.post.sync import ReadStats
from kontera.post.sync import SyncWindow
from kontera.post.sync import is_cost_account_no
from kontera.post.sync import kid_in
from kontera.post.sync import vat_direction
from kontera.post.tripletex import TripletexConnector

PAGE = 1000  # Tripletex's largest `count`
LOOKBACK = timedelta(days=14)
_POSTING_FIELDS = (
    "id,date,description,row,systemGenerated,amount,amountCurrency,invoiceNumber,"
    "currency(code),account(number),vatType(number),supplier(id,name,organizationNumber),"
    "department(departmentNumber),project(number),voucher(id,number,year,vendorInvoiceNumber)"
)
_ACCOUNT_FIELDS = (
    "id,number,name,isInactive,isApplicableForSupplierInvoice,saftCode,vatType(number),"
    "legalVatTypes(number)"
)
_SUPPLIER_FIELDS = "id,name,organizationNumber,supplierNumber,isInactive,bankAccounts"


class TripletexReader:
    system = "tripletex"

    def __init__(self, connector: TripletexConnector, page_size: int = PAGE) -> None:
        self.connector = connector
        self.page_size = page_size
        self.stats = ReadStats()

    # -- registers -----------------------------------------------------------------------

    def accounts(self) -> list[ChartAccount]:
        return [
            ChartAccount(
                number=str(a["number"]),
                name=a.get("name") or "",
                active=not a.get("isInactive", False),
                vat_codes=_legal_codes(a),
                supplier_invoices=a.get("isApplicableForSupplierInvoice", True) is not False,
                standard_account=a.get("saftCode") or None,
                ledger_id=str(a["id"]),
                source=ChartSource.LEDGER,
            )
            for a in self._all("account", "/ledger/account", {"fields": _ACCOUNT_FIELDS})
        ]

    def vat_codes(self) -> list[ChartVatCode]:
        fields = {"fields": "id,number,name,percentage"}
        return [
            ChartVatCode(
                code=str(v["number"]),
                name=v.get("name") or "",
                rate=Decimal(str(v.get("percentage") or 0)),
                direction=vat_direction(str(v["number"]), Decimal(str(v.get("percentage") or 0))),
                ledger_number=str(v["number"]),
                ledger_id=str(v["id"]),
                source=ChartSource.LEDGER,
            )
            for v in self._all("vatType", "/ledger/vatType", fields)
            if v.get("number") not in (None, "")
        ]

    def suppliers(self, window: SyncWindow) -> list[LedgerSupplier]:
        params = {"fields": _SUPPLIER_FIELDS}
        if window.changed_since is not None and not window.full:
            params["changedSince"] = window.changed_since.strftime("%Y-%m-%dT%H:%M:%S")
        return [
            LedgerSupplier(
                ledger_id=str(s["id"]),
                name=s.get("name") or "",
                number=str(s["supplierNumber"]) if s.get("supplierNumber") else None,
                org_number=s.get("organizationNumber") or None,
                bank_accounts=tuple(str(b) for b in s.get("bankAccounts") or () if b),
                active=not s.get("isInactive", False),
            )
            for s in self._all("supplier", "/supplier", params)
        ]

    def dimensions(self) -> list[LedgerDimension]:
        departments = [
            LedgerDimension(
                DimensionKind.DEPARTMENT,
                str(d.get("departmentNumber") or d["id"]),
                d.get("name") or "",
                not d.get("isInactive", False),
                str(d["id"]),
            )
            for d in self._all(
                "department",
                "/department",
                {"fields": "id,name,departmentNumber,isInactive"},
            )
        ]
        projects = [
            LedgerDimension(
                DimensionKind.PROJECT,
                str(p.get("number") or p["id"]),
                p.get("name") or "",
                not p.get("isClosed", False),
                str(p["id"]),
            )
            for p in self._all("project", "/project", {"fields": "id,name,number,isClosed"})
        ]
        return departments + projects

    # -- posting history -----------------------------------------------------------------

    def history(self, cursor: Cursor | None, window: SyncWindow) -> Iterator[HistoryPage]:
        state = _start(cursor, window)
        offset = int(state["offset"])  # the first posting of the first voucher not yet stored
        held: list[dict[str, Any]] = []  # postings of a voucher that goes on on the next page
        while True:
            params = {
                "dateFrom": state["from"],
                "dateTo": state["to"],
                "from": str(offset + len(held)),
                "count": str(self.page_size),
                "sorting": "id",
                "fields": _POSTING_FIELDS,
            }
            data = self._get("posting", "/ledger/posting", params)
            values: list[dict[str, Any]] = data.get("values") or []
            last_page = len(values) < self.page_size
            postings = held + values
            complete = _complete_vouchers(postings, last_page)
            held = postings[len(complete) :]
            offset += len(complete)
            lines = tuple(_cost_lines(complete))
            if last_page:
                idle = {"done_to": state["to"]}
                yield HistoryPage(idle, lines, fetched=len(complete), done=True)
                return
            state = {**state, "offset": offset}
            yield HistoryPage(dict(state), lines, fetched=len(complete))

    # -- transport -----------------------------------------------------------------------

    def _get(self, resource: str, path: str, params: dict[str, str]) -> dict[str, Any]:
        self.stats.count(resource)
        data: dict[str, Any] = self.connector.read(path, params).json()
        return data

    def _all(self, resource: str, path: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            data = self._get(resource, path, {**params, "from": str(offset), "count": str(PAGE)})
            values: list[dict[str, Any]] = data.get("values") or []
            yield from values
            offset += len(values)
            if len(values) < PAGE or offset >= int(data.get("fullResultSize") or 0):
                return


def _start(cursor: Cursor | None, window: SyncWindow) -> dict[str, Any]:
    """Resume an unfinished run, or start one from the end of the last (or from `since`)."""
    if cursor and "offset" in cursor and not window.full:
        return dict(cursor)
    begin = window.since
    if cursor and cursor.get("done_to") and not window.full:
        begin = max(begin, date.fromisoformat(cursor["done_to"]) - LOOKBACK)
    end = window.today + timedelta(days=1)  # dateTo is exclusive
    return {"from": begin.isoformat(), "to": end.isoformat(), "offset": 0}


def _complete_vouchers(postings: list[dict[str, Any]], last_page: bool) -> list[dict[str, Any]]:
    """The page without its last voucher, which may go on on the next page (held back)."""
    if last_page or not postings:
        return postings
    last = _voucher_id(postings[-1])
    cut = len(postings)
    while cut > 0 and _voucher_id(postings[cut - 1]) == last:
        cut -= 1
    return postings[:cut]


def _voucher_id(posting: dict[str, Any]) -> Any:
    return (posting.get("voucher") or {}).get("id")


def _cost_lines(postings: list[dict[str, Any]]) -> Iterator[LedgerLine]:
    vouchers: dict[Any, list[dict[str, Any]]] = {}
    for posting in postings:
        vouchers.setdefault(_voucher_id(posting), []).append(posting)
    for rows in vouchers.values():
        payable = next((p for p in rows if p.get("supplier")), None)
        if payable is None:
            continue  # not a supplier invoice (salary, bank, sales …)
        supplier = payable["supplier"]
        voucher = payable.get("voucher") or {}
        invoice = payable.get("invoiceNumber") or voucher.get("vendorInvoiceNumber")
        for p in rows:
            number = str((p.get("account") or {}).get("number") or "")
            if p is payable or p.get("supplier") or p.get("systemGenerated"):
                continue
            if not is_cost_account_no(number):
                continue
            yield LedgerLine(
                external_id=str(p["id"]),
                day=date.fromisoformat(p["date"]),
                account=number,
                amount=Decimal(str(p.get("amount") or 0)),
                vat_code=_number(p.get("vatType")),
                text=p.get("description") or "",
                supplier_id=str(supplier.get("id")),
                supplier_name=supplier.get("name"),
                supplier_org_number=supplier.get("organizationNumber"),
                invoice_number=invoice,
                voucher=f"{voucher.get('year')}-{voucher.get('number')}",
                kid=kid_in(payable.get("description")),
                currency=(p.get("currency") or {}).get("code"),
                department=_number(p.get("department"), "departmentNumber"),
                project=_number(p.get("project")),
            )


def _number(ref: dict[str, Any] | None, key: str = "number") -> str | None:
    if not ref or ref.get(key) in (None, ""):
        return None
    return str(ref[key])


def _legal_codes(account: dict[str, Any]) -> frozenset[str] | None:
    legal = account.get("legalVatTypes")
    if not legal:
        return None  # Tripletex did not say: any VAT type
    return frozenset(str(v["number"]) for v in legal if v.get("number") not in (None, ""))
