"""What the company's page shows about its ledger sync: the last runs and what arrived."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from sqlmodel import col
from sqlmodel import func
from sqlmodel import select

from kontera.post.sync_readers import SYSTEM_NAMES
from kontera.services.context import AppContext
from kontera.services.post.connections import connection_of
from kontera.store.db import session_scope
from kontera.store.tables import PostingHistory
from kontera.store.tables_chart import ChartAccountRow
from kontera.store.tables_dimensions import Dimension
from kontera.store.tables_interpret import Supplier
from kontera.store.tables_sync import SyncCursor
from kontera.store.tables_sync import SyncRun

RUNS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class RunView:
    state: str
    trigger: str
    full: bool
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, Any]
    calls: int
    error: str | None
    error_text: dict[str, Any] | None = None  # the error as a catalogue message


@dataclass(frozen=True, slots=True)
class SyncStatus:
    system: str
    system_name: str
    runs: list[RunView]
    read_at: dict[str, datetime]  # resource -> when it was last read
    held: dict[str, int] = field(default_factory=dict)  # what Kontera holds from the ledger

    @property
    def last(self) -> RunView | None:
        return self.runs[0] if self.runs else None


def sync_status(ctx: AppContext, *, company_id: str) -> SyncStatus | None:
    """None when the company is not connected to a ledger Kontera can read."""
    with session_scope(ctx.engine) as session:
        connection = connection_of(session, company_id)
        if connection is None or connection.system not in SYSTEM_NAMES:
            return None
        runs = session.exec(
            select(SyncRun)
            .where(SyncRun.company_id == company_id)
            .order_by(col(SyncRun.started_at).desc())
            .limit(RUNS_SHOWN)
        ).all()
        cursors = session.exec(select(SyncCursor).where(SyncCursor.company_id == company_id)).all()
        held = {
            "accounts": _count(session, ChartAccountRow, ChartAccountRow.company_id, company_id,
                               ChartAccountRow.source == "ledger"),
            "suppliers": _count(session, Supplier, Supplier.company_id, company_id,
                                Supplier.source == "ledger"),
            "dimensions": _count(session, Dimension, Dimension.company_id, company_id,
                                 Dimension.source == "ledger"),
            "history": _count(session, PostingHistory, PostingHistory.company_id, company_id,
                              PostingHistory.source == connection.system),
        }  # fmt: skip
        return SyncStatus(
            system=connection.system,
            system_name=SYSTEM_NAMES[connection.system],
            runs=[_view(run) for run in runs],
            read_at={c.resource: c.updated_at for c in cursors},
            held=held,
        )


def _count(session: Any, table: Any, company_column: Any, company_id: str, where: Any) -> int:
    query = select(func.count()).select_from(table).where(company_column == company_id, where)
    return int(session.exec(query).one())


def _view(run: SyncRun) -> RunView:
    return RunView(
        run.state, run.trigger, run.full, run.started_at, run.finished_at, dict(run.counts),
        run.calls, run.error, run.error_text,
    )  # fmt: skip
