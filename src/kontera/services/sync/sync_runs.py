"""The record of ledger syncs: runs (one at a time per company), cursors, failures in words."""

from __future__ import annotations

import os
import socket
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.domain.errors import Conflict
from kontera.domain.errors import KonteraError
from kontera.domain.errors import TransientError
from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.post.http import CredentialsRejected
from kontera.services.context import AppContext
from kontera.store.db import session_scope
from kontera.store.tables_sync import SyncCursor
from kontera.store.tables_sync import SyncRun
from kontera.store.types import utcnow

# A run that has not stored a page for this long was killed: another may start. A run of
# a process on this machine that is gone is taken over at once.
STALE_AFTER = timedelta(minutes=2)


def _alive(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's: only its heartbeat can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start(ctx: AppContext, *, company_id: str, system: str, full: bool, trigger: str) -> str:
    with session_scope(ctx.engine) as session:
        running = session.exec(
            select(SyncRun).where(SyncRun.company_id == company_id, SyncRun.state == "running")
        ).all()
        for run in running:
            if utcnow() - run.heartbeat_at < STALE_AFTER and _alive(run.owner):
                raise Conflict(
                    msg(
                        "A sync of this company is already running (started {started}).",
                        started=run.started_at,
                    )
                )
            run.state, run.finished_at = "failed", utcnow()
            run.error = "The sync stopped without finishing (the worker was stopped)."
            session.add(run)
        run = SyncRun(
            company_id=company_id, system=system, full=full, trigger=trigger, owner=_owner()
        )
        session.add(run)
        return run.id


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"  # after a fork, the child's own pid


def heartbeat(session: Session, run_id: str, counts: dict[str, int]) -> None:
    run = session.get(SyncRun, run_id)
    if run is not None:
        run.heartbeat_at, run.counts = utcnow(), dict(counts)
        session.add(run)


def finish(
    ctx: AppContext,
    run_id: str,
    state: str,
    counts: dict[str, int],
    calls: int,
    error: Message | None,
) -> None:
    with session_scope(ctx.engine) as session:
        run = session.get(SyncRun, run_id)
        if run is None:
            return
        run.state, run.finished_at, run.heartbeat_at = state, utcnow(), utcnow()
        run.counts, run.calls = dict(counts), calls
        run.error = str(error) if error is not None else None
        run.error_text = error.to_json() if error is not None else None
        session.add(run)


def last_success_started(ctx: AppContext, *, company_id: str) -> datetime | None:
    with session_scope(ctx.engine) as session:
        run = session.exec(
            select(SyncRun)
            .where(SyncRun.company_id == company_id, SyncRun.state == "succeeded")
            .order_by(col(SyncRun.started_at).desc())
        ).first()
        return run.started_at if run else None


def load_cursor(ctx: AppContext, company_id: str, resource: str) -> dict[str, Any] | None:
    with session_scope(ctx.engine) as session:
        row = session.get(SyncCursor, (company_id, resource))
        return dict(row.cursor) if row else None


def save_cursor(session: Session, company_id: str, resource: str, cursor: dict[str, Any]) -> None:
    row = session.get(SyncCursor, (company_id, resource)) or SyncCursor(
        company_id=company_id, resource=resource
    )
    row.cursor, row.updated_at = dict(cursor), utcnow()
    session.add(row)


def in_words(error: Exception, system: str) -> Message:
    """Why a sync failed, for a bookkeeper: what happened and what to do."""
    if isinstance(error, CredentialsRejected):
        return msg("{system} refused the token: reconnect the integration.", system=system)
    if isinstance(error, TransientError):
        return msg(
            "{system} could not be reached or was busy ({why}); the next sync tries again.",
            system=system,
            why=error.text,
        )
    if isinstance(error, KonteraError):
        return error.text
    if isinstance(error, ValueError):
        return msg(
            "{system} answered with something Kontera could not read; the next sync tries again.",
            system=system,
        )
    return msg(
        "The sync stopped unexpectedly ({kind}); the server log has details.",
        kind=type(error).__name__,
    )
