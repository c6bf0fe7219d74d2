"""Reading a Fortnox company (API v3) for the ledger sync.

Endpoints (checked against `corpus/api-specs/fortnox/openapi-fortnox.json`):

- `GET /3/financialyears`: the years' ids and spans;
- `GET /3/sie/4?financialYear=<Id>`: the posting history of one year as a SIE 4 file, read by
  the same SIE importer as an uploaded file (`kontera.suggest.sie_ledger`) — one call per
  year, so a full sync costs the number of years plus a handful of register calls;
- `GET /3/accounts`: Number, Description, Active, SRU;
- `GET /3/suppliers`: SupplierNumber, Name, OrganisationNumber, Active, BG / PG /
  BankAccountNumber / IBAN and `PreDefinedAccount` (the supplier's default account);
- `GET /3/costcenters`, `GET /3/projects`.

Lists page with `limit` (≤ 500) and `page`, `MetaInformation` saying how many pages there
are. Fortnox allows 25 requests per 5 seconds per company (the connection's shared limiter).
Fortnox has no VAT-code register: Swedish VAT goes to its own rows (2641 …), so the company's
VAT codes are the Swedish rates Kontera knows, and a line's code is read off its voucher's VAT.

The history cursor lists the years a run still has to read; a run that completes remembers the
day it read up to, and the next one reads again only the years from that day on (Fortnox has
no "changed since" for SIE); lines it has already are stored once, by year, series, voucher
number and row.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from kontera.domain.chart import ChartAccount
from kontera.domain.chart import ChartSource
from kontera.domain.chart import ChartVatCode
from kontera.domain.ledger import DimensionKind
from kontera.domain.ledger import LedgerDimension
from kontera.domain.ledger import LedgerSupplier
from kontera.post.fortnox import FortnoxConnector
from kontera.post.sync import Cursor
from kontera.post.sync import HistoryPage
from kontera.post.sync import ReadStats
from kontera.post.sync import SyncWindow

PAGE = 500  # Fortnox's largest `limit`


class FortnoxReader:
    system = "fortnox"

    def __init__(self, connector: FortnoxConnector) -> None:
        self.connector = connector
        self.stats = ReadStats()

    def accounts(self) -> list[ChartAccount]:
        return [
            ChartAccount(
                number=str(a["Number"]),
                name=a.get("Description") or "",
                active=a.get("Active") is not False,
                sru=str(a["SRU"]) if a.get("SRU") else None,
                ledger_id=str(a["Number"]),
                source=ChartSource.LEDGER,
            )
            for a in self._pages("accounts", "/3/accounts", "Accounts")
        ]

    def vat_codes(self) -> list[ChartVatCode]:
        return []  # no VAT-code register in Fortnox: the Swedish rates apply

    def suppliers(self, window: SyncWindow) -> list[LedgerSupplier]:
        found = []
        for s in self._pages("suppliers", "/3/suppliers", "Suppliers"):
            org = "".join(ch for ch in s.get("OrganisationNumber") or "" if ch.isdigit())
            accounts = [s.get(k) for k in ("BG", "PG", "BankAccountNumber", "IBAN")]
            found.append(
                LedgerSupplier(
                    ledger_id=str(s["SupplierNumber"]),
                    name=s.get("Name") or "",
                    number=str(s["SupplierNumber"]),
                    org_number=org or None,
                    vat_id=f"SE{org}01" if len(org) == 10 else None,
                    bank_accounts=tuple(a for a in accounts if a),
                    default_account=str(s["PreDefinedAccount"])
                    if s.get("PreDefinedAccount")
                    else None,
                    active=s.get("Active") is not False,
                )
            )
        return found

    def dimensions(self) -> list[LedgerDimension]:
        centres = [
            LedgerDimension(
                DimensionKind.COST_CENTRE,
                str(c["Code"]),
                c.get("Description") or "",
                c.get("Active") is not False,
            )
            for c in self._pages("costcenters", "/3/costcenters", "CostCenters")
        ]
        projects = [
            LedgerDimension(
                DimensionKind.PROJECT,
                str(p["ProjectNumber"]),
                p.get("Description") or "",
                p.get("Status") != "COMPLETED",
            )
            for p in self._pages("projects", "/3/projects", "Projects")
        ]
        return centres + projects

    def history(self, cursor: Cursor | None, window: SyncWindow) -> Iterator[HistoryPage]:
        if cursor and cursor.get("years") and not window.full:
            todo = [int(y) for y in cursor["years"]]  # an unfinished run: go on with it
        else:
            start = window.since
            if cursor and cursor.get("synced_to") and not window.full:
                start = max(start, date.fromisoformat(cursor["synced_to"]))
            todo = [
                i for i, first, last in self._years() if last >= start and first <= window.today
            ]
        if not todo:
            yield HistoryPage({"synced_to": window.today.isoformat()}, done=True)
            return
        for index, year_id in enumerate(todo):
            self.stats.count("sie")
            response = self.connector.read("/3/sie/4", {"financialYear": str(year_id)})
            text = response.content.decode("cp437")
            rest = todo[index + 1 :]
            last = not rest
            after = {"synced_to": window.today.isoformat()} if last else {"years": rest}
            yield HistoryPage(
                after,
                sie=text,
                sie_name=f"fortnox:{year_id}",
                fetched=text.count("#TRANS"),
                done=last,
            )

    def _years(self) -> list[tuple[int, date, date]]:
        self.stats.count("financialyears")
        data = self.connector.read("/3/financialyears", {}).json()
        return sorted(
            (int(y["Id"]), date.fromisoformat(y["FromDate"]), date.fromisoformat(y["ToDate"]))
            for y in data.get("FinancialYears") or []
        )

    def _pages(self, resource: str, path: str, key: str) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            self.stats.count(resource)
            params = {"limit": str(PAGE), "page": str(page)}
            data = self.connector.read(path, params).json()
            yield from data.get(key) or []
            meta = data.get("MetaInformation") or {}
            if page >= int(meta.get("@TotalPages") or 1):
                return
            page += 1
