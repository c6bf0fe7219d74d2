"""The ledger's posting history into Kontera's, page by page, resumable, each line once.

Lines become the same `PostingHistory` rows an imported file makes (`services.history`), with
`source` = the system and `external_id` = the ledger's id for the line. A page's lines, the
cursor after them and the run's counts are written in one transaction: a run killed between
two pages resumes at the stored cursor, and a page read twice adds nothing the second time.

A line names its supplier by the ledger's id; the supplier register synced just before gives
the name and org.nr, so that the line's supplier key is the one an invoice from that supplier
gets (org.nr first). Whether a supplier's invoices always carry a KID is read off the lines
too (no API of the three has that flag).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace

from kontera.domain.ledger import LedgerLine
from kontera.post.sync import HistoryPage
from kontera.post.sync import LedgerReader
from kontera.post.sync import SyncWindow
from kontera.services.context import AppContext
from kontera.services.suggest.history import store_new_lines
from kontera.services.sync import sync_runs
from kontera.services.sync.ledger_records import KnownToLedger
from kontera.services.sync.ledger_records import ledger_suppliers
from kontera.services.sync.ledger_records import mark_kid_habits
from kontera.store.db import session_scope
from kontera.suggest.history import HistoryLine
from kontera.suggest.sie_ledger import ledger_history

RESOURCE = "history"
KID_MIN_INVOICES = 3
KID_SHARE = 0.9  # this share of a supplier's invoices with a KID (or without) decides


def sync_history(
    ctx: AppContext,
    *,
    company_id: str,
    run_id: str,
    reader: LedgerReader,
    window: SyncWindow,
    counts: dict[str, int],
    progress: Callable[[str, int], None] | None = None,
) -> None:
    with session_scope(ctx.engine) as session:
        known = ledger_suppliers(session, company_id=company_id)
    cursor = sync_runs.load_cursor(ctx, company_id, RESOURCE)
    kids = _KidHabits()
    for name in ("history_fetched", "history_lines", "history_new", "history_problems"):
        counts.setdefault(name, 0)
    for page in reader.history(cursor, window):
        lines, problems = _lines(page, known)
        kids.see(lines)
        with session_scope(ctx.engine) as session:
            new = store_new_lines(session, company_id=company_id, lines=lines, source=reader.system)
            counts["history_fetched"] += page.fetched
            counts["history_lines"] += len(lines)
            counts["history_new"] += new
            counts["history_problems"] += problems
            sync_runs.save_cursor(session, company_id, RESOURCE, page.cursor)
            sync_runs.heartbeat(session, run_id, counts)
        if progress is not None:
            progress("history", counts["history_fetched"])
    with session_scope(ctx.engine) as session:
        counts["kid_habits"] = mark_kid_habits(
            session, company_id=company_id, habits=kids.decided()
        )


def _lines(page: HistoryPage, known: dict[str, KnownToLedger]) -> tuple[list[HistoryLine], int]:
    if page.sie is not None:
        lines, problems = [], 0
        for item in ledger_history(page.sie, page.sie_name):
            if isinstance(item, HistoryLine):
                lines.append(_named(item, known))
            else:
                problems += 1
        return lines, problems
    return [_named(_history_line(line), known) for line in page.lines], 0


def _history_line(line: LedgerLine) -> HistoryLine:
    return HistoryLine(
        account=line.account,
        date=line.day,
        supplier_id=line.supplier_id,
        supplier_name=line.supplier_name,
        supplier_org_number=line.supplier_org_number,
        description=line.text,
        amount=line.amount,
        currency=line.currency,
        vat_code=line.vat_code,
        invoice_number=line.invoice_number or line.voucher,
        external_id=line.external_id,
        kid=line.kid,
        department=line.department,
        project=line.project,
        cost_centre=line.cost_centre,
    )


def _named(line: HistoryLine, known: dict[str, KnownToLedger]) -> HistoryLine:
    supplier = known.get(line.supplier_id or "")
    if supplier is None:
        return line
    return replace(
        line,
        supplier_name=line.supplier_name if line.supplier_org_number else supplier.name,
        supplier_org_number=line.supplier_org_number or supplier.org_number,
    )


class _KidHabits:
    """Per supplier: of its invoices, how many carried a KID."""

    def __init__(self) -> None:
        self.invoices: dict[str, set[str]] = defaultdict(set)
        self.with_kid: dict[str, set[str]] = defaultdict(set)

    def see(self, lines: list[HistoryLine]) -> None:
        for line in lines:
            if not line.supplier_id or not line.invoice_number:
                continue
            self.invoices[line.supplier_id].add(line.invoice_number)
            if line.kid:
                self.with_kid[line.supplier_id].add(line.invoice_number)

    def decided(self) -> dict[str, bool]:
        habits = {}
        for supplier, invoices in self.invoices.items():
            if len(invoices) < KID_MIN_INVOICES:
                continue
            share = len(self.with_kid[supplier]) / len(invoices)
            if share >= KID_SHARE or share <= 1 - KID_SHARE:
                habits[supplier] = share >= KID_SHARE
        return habits
