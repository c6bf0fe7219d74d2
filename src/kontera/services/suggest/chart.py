"""A company's chart of accounts and VAT codes: look up, search, check, store.

The one place that says which accounts and VAT codes a company may post with. Approval
(API, UI, bulk, auto) asks `Chart.problems` before it accepts postings; the review page's
pickers call `search_accounts` / `search_vat_codes`; the ledger sync and the history import
write through `store_accounts` / `store_vat_codes`.

    chart = company_chart(ctx, company_id=cid)           # or load_chart(session, company_id=cid)
    chart.account("6300")                                # ChartAccount | None
    chart.problems("6300", "1")                          # [] when postable, else plain words
    search_accounts(ctx, company_id=cid, query="leie")   # by number prefix or name
    store_accounts(ctx, company_id=cid, accounts=[...], source=ChartSource.LEDGER, replace=True)

**What the chart is when nothing was synced or imported** (docs/chart.md): Kontera ships no
standard chart of accounts (NS 4102 and BAS are copyrighted and every company adapts its own),
so until a ledger sync or a SAF-T/SIE import fills it, an account is accepted by its *format*
(NO: 4–6 digits, SE: 4 digits, first digit not 0) and any account a posting history used is
known. VAT codes always have a list: the company's own (synced or imported) or else the
statutory codes of its country that Kontera can post (`kontera.post.vat`).

Precedence when rows meet: ledger > import = demo > history. A row is never overwritten by a
source of lower precedence, so importing an old SAF-T file does not undo a sync.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.domain.chart import COMPLETE_SOURCES
from kontera.domain.chart import ChartAccount
from kontera.domain.chart import ChartSource
from kontera.domain.chart import ChartVatCode
from kontera.domain.chart import VatDirection
from kontera.domain.messages import N_
from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.post.vat import DEFAULT_VAT_TABLE
from kontera.post.vat import VatKind
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables_chart import ChartAccountRow
from kontera.store.tables_chart import ChartVatCodeRow
from kontera.store.types import utcnow

_PRECEDENCE = {
    ChartSource.HISTORY: 0,
    ChartSource.IMPORT: 1,
    ChartSource.DEMO: 1,
    ChartSource.LEDGER: 2,
}
_ACCOUNT_FORMAT = {"NO": re.compile(r"^[1-9]\d{3,5}$"), "SE": re.compile(r"^[1-9]\d{3}$")}
_FORMAT_WORDS = {"NO": N_("4 to 6 digits"), "SE": N_("4 digits")}


@dataclass(frozen=True, slots=True)
class Chart:
    """One company's chart as loaded for a check or a page (an immutable snapshot).

    `complete` is true once a full chart arrived (ledger sync, SAF-T/SIE import, demo): then an
    account that is not in it is refused. Before that, accounts are checked by format only.
    """

    country: str
    accounts: Mapping[str, ChartAccount]
    vat_codes: Mapping[str, ChartVatCode]
    complete: bool

    def account(self, number: str) -> ChartAccount | None:
        return self.accounts.get(number.strip())

    def vat_code(self, code: str | None) -> ChartVatCode | None:
        return self.vat_codes.get(self.vat_key(code))

    def vat_key(self, code: str | None) -> str:
        """The code as stored; no code at all means "no VAT" in the company's country."""
        return _vat_key(code) if code and code.strip() else _no_vat(self.country)

    def problems(self, account: str, vat_code: str | None) -> list[Message]:
        """Why a supplier-invoice cost line on (account, VAT code) is refused; [] if postable."""
        found = [*self._account_problems(account)]
        found += self._vat_problems(account, vat_code)
        return found

    def is_postable(self, account: str, vat_code: str | None) -> bool:
        return not self.problems(account, vat_code)

    def system_account_problems(self, account: str) -> list[Message]:
        """Why an account Kontera posts to itself (payable, VAT, rounding) is refused: it must
        exist and be active; "not on supplier invoices" is about cost lines, not these."""
        return self._account_problems(account, cost_line=False)

    def _account_problems(self, number: str, *, cost_line: bool = True) -> list[Message]:
        number = number.strip()
        known = self.account(number)
        if known is None:
            if self.complete:
                return [
                    msg(
                        "Account {number} is not in the company's chart of accounts.", number=number
                    )
                ]
            pattern = _ACCOUNT_FORMAT.get(self.country, _ACCOUNT_FORMAT["NO"])
            if not pattern.match(number):
                words = _FORMAT_WORDS.get(self.country, _FORMAT_WORDS["NO"])
                return [
                    msg(
                        "{number!r} is not an account number ({words}).",
                        number=number,
                        words=Message(words),
                    )
                ]
            return []
        label = f"{known.number} {known.name}".rstrip()
        if not known.active:
            return [msg("Account {label} is inactive in the chart of accounts.", label=label)]
        if cost_line and not known.supplier_invoices:
            return [msg("Account {label} cannot be used on supplier invoices.", label=label)]
        return []

    def _vat_problems(self, account: str, code: str | None) -> list[Message]:
        key = self.vat_key(code)
        vat = self.vat_codes.get(key)
        if vat is None:
            return [msg("VAT code {key} is not one of the company's VAT codes.", key=key)]
        if not vat.active:
            return [msg("VAT code {key} ({name}) is inactive.", key=key, name=vat.name)]
        if vat.direction is VatDirection.OUTPUT:
            return [
                msg(
                    "VAT code {key} ({name}) is for sales, not for a supplier invoice.",
                    key=key,
                    name=vat.name,
                )
            ]
        known = self.account(account)
        if known is not None and not known.accepts_vat(key):
            allowed = tuple(sorted(known.vat_codes or ())) or (msg("none"),)
            return [
                msg(
                    "Account {number} does not accept VAT code {key} (only {allowed}).",
                    number=known.number,
                    key=key,
                    allowed=allowed,
                )
            ]
        return []


@dataclass(frozen=True, slots=True)
class ChartCounts:
    accounts: int
    vat_codes: int


def company_chart(ctx: AppContext, *, company_id: str) -> Chart:
    with session_scope(ctx.engine) as session:
        return load_chart(session, company_id=company_id)


def load_chart(session: Session, *, company_id: str) -> Chart:
    country = repo.get_company(session, company_id=company_id).country.upper()
    account_rows = session.exec(
        select(ChartAccountRow).where(ChartAccountRow.company_id == company_id)
    ).all()
    accounts = {row.number: _account(row) for row in account_rows}
    complete = any(a.source in COMPLETE_SOURCES for a in accounts.values())
    vat_rows = session.exec(
        select(ChartVatCodeRow).where(ChartVatCodeRow.company_id == company_id)
    ).all()
    vat_codes = {row.code: _vat(row) for row in vat_rows} or standard_vat_codes(country)
    return Chart(country, accounts, vat_codes, complete)


def standard_vat_codes(country: str) -> dict[str, ChartVatCode]:
    """The country's codes Kontera can post, for a company without its own VAT code list."""
    codes = {}
    for vat in DEFAULT_VAT_TABLE.codes():
        if vat.country != country.upper():
            continue
        direction = VatDirection.NONE if vat.kind is VatKind.NONE else VatDirection.INPUT
        codes[vat.code] = ChartVatCode(
            code=vat.code,
            name=vat.description,
            rate=vat.rate,
            direction=direction,
            source=ChartSource.STANDARD,
        )
    return codes


def search_accounts(
    ctx: AppContext,
    *,
    company_id: str,
    query: str = "",
    limit: int = 20,
    include_inactive: bool = False,
) -> list[ChartAccount]:
    """Accounts whose number starts with `query` or whose name contains it (any case).

    Exact number first, then number prefixes in number order, then name matches.
    """
    chart = company_chart(ctx, company_id=company_id)
    wanted = query.strip().casefold()
    hits = []
    for account in chart.accounts.values():
        if not (include_inactive or account.active):
            continue
        rank = _rank(wanted, account.number, account.name)
        if rank is not None:
            hits.append((rank, account.number, account))
    hits.sort(key=lambda hit: (hit[0], hit[1]))
    return [account for _, _, account in hits[:limit]]


def search_vat_codes(
    ctx: AppContext,
    *,
    company_id: str,
    query: str = "",
    limit: int = 50,
    purchases_only: bool = True,
) -> list[ChartVatCode]:
    """Active VAT codes whose code starts with `query` or whose name contains it."""
    chart = company_chart(ctx, company_id=company_id)
    wanted = query.strip().casefold()
    hits = []
    for vat in chart.vat_codes.values():
        if not vat.active or (purchases_only and vat.direction is VatDirection.OUTPUT):
            continue
        rank = _rank(wanted, vat.code.casefold(), vat.name)
        if rank is not None:
            hits.append((rank, _code_order(vat.code), vat))
    hits.sort(key=lambda hit: (hit[0], hit[1]))
    return [vat for _, _, vat in hits[:limit]]


def _rank(wanted: str, number: str, name: str) -> int | None:
    if not wanted:
        return 1
    if number == wanted:
        return 0
    if number.startswith(wanted):
        return 1
    if wanted in name.casefold():
        return 2
    return None


def _code_order(code: str) -> tuple[int, str]:
    digits = re.sub(r"\D", "", code)
    return (int(digits) if digits else 0, code)


def store_accounts(
    ctx: AppContext,
    *,
    company_id: str,
    accounts: Iterable[ChartAccount],
    source: ChartSource,
    replace: bool = False,
) -> int:
    """Insert or update accounts (each stored with `source`); returns how many were written.

    `replace=True` (a full sync): rows of the same source that are not in `accounts` go.
    """
    with session_scope(ctx.engine) as session:
        existing = {
            row.number: row
            for row in session.exec(
                select(ChartAccountRow).where(ChartAccountRow.company_id == company_id)
            ).all()
        }
        seen: set[str] = set()
        written = 0
        for account in accounts:
            seen.add(account.number)
            row = existing.get(account.number)
            if row is not None and not _may_overwrite(row.source, source):
                continue
            row = row or ChartAccountRow(company_id=company_id, number=account.number)
            _fill_account_row(row, account, source)
            session.add(row)
            written += 1
        if replace:
            _drop_missing(session, existing, seen, source)
    return written


def store_vat_codes(
    ctx: AppContext,
    *,
    company_id: str,
    vat_codes: Iterable[ChartVatCode],
    source: ChartSource,
    replace: bool = False,
) -> int:
    """Insert or update VAT codes keyed by Kontera's code; like `store_accounts`."""
    with session_scope(ctx.engine) as session:
        existing = {
            row.code: row
            for row in session.exec(
                select(ChartVatCodeRow).where(ChartVatCodeRow.company_id == company_id)
            ).all()
        }
        seen: set[str] = set()
        written = 0
        for vat in vat_codes:
            key = _vat_key(vat.code)
            seen.add(key)
            row = existing.get(key)
            if row is not None and not _may_overwrite(row.source, source):
                continue
            row = row or ChartVatCodeRow(company_id=company_id, code=key)
            _fill_vat_row(row, vat, source)
            session.add(row)
            written += 1
        if replace:
            _drop_missing(session, existing, seen, source)
    return written


def _may_overwrite(existing_source: str, new_source: ChartSource) -> bool:
    try:
        old = ChartSource(existing_source)
    except ValueError:
        return True
    return _PRECEDENCE.get(new_source, 0) >= _PRECEDENCE.get(old, 0)


def _drop_missing(
    session: Session,
    existing: Mapping[str, ChartAccountRow] | Mapping[str, ChartVatCodeRow],
    seen: set[str],
    source: ChartSource,
) -> None:
    for key, row in existing.items():
        if key not in seen and row.source == source.value:
            session.delete(row)


def _fill_account_row(row: ChartAccountRow, account: ChartAccount, source: ChartSource) -> None:
    row.name = account.name
    row.active = account.active
    row.vat_codes = sorted(account.vat_codes) if account.vat_codes is not None else None
    row.supplier_invoices = account.supplier_invoices
    row.standard_account = account.standard_account
    row.sru = account.sru
    row.ledger_id = account.ledger_id
    row.source = source.value
    row.updated_at = utcnow()


def _fill_vat_row(row: ChartVatCodeRow, vat: ChartVatCode, source: ChartSource) -> None:
    row.name = vat.name
    row.rate = str(vat.rate) if vat.rate is not None else None
    row.direction = vat.direction.value
    row.active = vat.active
    row.ledger_number = vat.ledger_number
    row.ledger_id = vat.ledger_id
    row.source = source.value
    row.updated_at = utcnow()


def _account(row: ChartAccountRow) -> ChartAccount:
    return ChartAccount(
        number=row.number,
        name=row.name,
        active=row.active,
        vat_codes=frozenset(row.vat_codes) if row.vat_codes is not None else None,
        supplier_invoices=row.supplier_invoices,
        standard_account=row.standard_account,
        sru=row.sru,
        ledger_id=row.ledger_id,
        source=_source(row.source),
    )


def _vat(row: ChartVatCodeRow) -> ChartVatCode:
    return ChartVatCode(
        code=row.code,
        name=row.name,
        rate=Decimal(row.rate) if row.rate is not None else None,
        direction=VatDirection(row.direction),
        active=row.active,
        ledger_number=row.ledger_number,
        ledger_id=row.ledger_id,
        source=_source(row.source),
    )


def _source(text: str) -> ChartSource:
    try:
        return ChartSource(text)
    except ValueError:
        return ChartSource.IMPORT


def _vat_key(code: str | None) -> str:
    return (code or "0").strip().upper()


def _no_vat(country: str) -> str:
    return "SE0" if country == "SE" else "0"


def account_numbers(ctx: AppContext, *, company_id: str) -> list[str]:
    """Every account number of the company's chart, in order (for a picker's datalist)."""
    with session_scope(ctx.engine) as session:
        rows = session.exec(
            select(ChartAccountRow.number)
            .where(ChartAccountRow.company_id == company_id)
            .order_by(col(ChartAccountRow.number))
        ).all()
    return list(rows)
