"""Posting history into the store: imports and approvals feed the suggestions."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from sqlmodel import Session

from kontera.domain.errors import ForeignBooks
from kontera.domain.invoice import Party
from kontera.domain.messages import msg
from kontera.domain.suppliers import supplier_key
from kontera.services.context import AppContext
from kontera.services.suggest.chart import ChartCounts
from kontera.services.suggest.chart_fill import fill_from_history_file
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.history_rows import insert_new
from kontera.store.tables import PostingHistory
from kontera.store.types import utcnow
from kontera.suggest.books import books_owner
from kontera.suggest.books import org_digits
from kontera.suggest.books import same_organisation
from kontera.suggest.csv_history import ColumnMapping
from kontera.suggest.history import HistoryLine
from kontera.suggest.history import ImportProblem
from kontera.suggest.importers import detect_format
from kontera.suggest.importers import read_history

BATCH = 5_000


@dataclass(slots=True)
class ImportReport:
    imported: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    chart: ChartCounts = field(default_factory=lambda: ChartCounts(0, 0))


def line_supplier_key(line: HistoryLine) -> str:
    party = Party(name=line.supplier_name, org_number=line.supplier_org_number)
    return supplier_key(party) or line.supplier_key


def import_history(
    ctx: AppContext,
    *,
    company_id: str,
    lines: Iterable[HistoryLine],
    source: str = "import",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Store history lines in batches; returns how many were stored."""
    count = 0
    batch: list[PostingHistory] = []
    for line in lines:
        batch.append(_row(company_id, line, source))
        if len(batch) >= BATCH:
            count += _flush(ctx, batch)
            if progress:
                progress(count)
    count += _flush(ctx, batch)
    if progress:
        progress(count)
    return count


def import_history_file(
    ctx: AppContext,
    *,
    company_id: str,
    path: Path,
    history_format: str | None = None,
    mapping: ColumnMapping | None = None,
    progress: Callable[[int], None] | None = None,
    force: bool = False,
) -> ImportReport:
    check_books_owner(
        ctx, company_id=company_id, path=path, history_format=history_format, force=force
    )
    report = ImportReport()
    lines = read_history(path, history_format, mapping, on_problem=report.problems.append)
    report.imported = import_history(ctx, company_id=company_id, lines=lines, progress=progress)
    report.chart = fill_from_history_file(
        ctx, company_id=company_id, path=path, history_format=history_format, mapping=mapping
    )
    return report


def check_books_owner(
    ctx: AppContext, *, company_id: str, path: Path, history_format: str | None, force: bool
) -> None:
    """A SAF-T or SIE file names the company whose books it holds; another company's books
    would teach this company's suggestions someone else's habits, so they are refused unless
    the person importing says they are right (`force`)."""
    owner = books_owner(path, history_format or detect_format(path))
    with session_scope(ctx.engine) as session:
        company = repo.get_company(session, company_id=company_id)
        mine, name = company.org_number, company.name
    if force or owner.org_number is None or not mine or same_organisation(owner.org_number, mine):
        return
    raise ForeignBooks(
        msg(
            "This file holds the books of org. no. {file_org}{file_name}, not of {company} "
            "(org. no. {company_org}). Import it anyway only if that is right.",
            file_org=owner.org_number,
            file_name=f" ({owner.name})" if owner.name else "",
            company=name,
            company_org=org_digits(mine),
        )
    )


def _row(company_id: str, line: HistoryLine, source: str) -> PostingHistory:
    return PostingHistory(**_values(company_id, line, source))


def _values(company_id: str, line: HistoryLine, source: str) -> dict[str, Any]:
    return dict(
        company_id=company_id,
        entry_date=line.date,
        supplier_id=line.supplier_id,
        supplier_name=line.supplier_name,
        supplier_org_number=line.supplier_org_number,
        supplier_key=line_supplier_key(line),
        description=line.description or None,
        amount=line.amount,
        currency=line.currency,
        account=line.account,
        vat_code=line.vat_code,
        source=source,
        external_id=line.external_id,
        department=line.department,
        project=line.project,
        cost_centre=line.cost_centre,
        buyer_reference=line.buyer_reference,
        order_reference=line.order_reference,
        created_at=utcnow(),
    )


def store_new_lines(
    session: Session, *, company_id: str, lines: Iterable[HistoryLine], source: str
) -> int:
    """Lines with a ledger id (the ledger sync's), each stored once; returns how many were new.

    The same rows as an import (`_row`), so the model trains on them the same way."""
    rows = [_values(company_id, line, source) for line in lines]
    return insert_new(session, rows)


def _flush(ctx: AppContext, batch: list[PostingHistory]) -> int:
    if not batch:
        return 0
    with session_scope(ctx.engine) as session:
        session.add_all(batch)
    stored = len(batch)
    batch.clear()
    return stored
