"""Finding work that a crash left unfinished, and the posting entry point."""

from __future__ import annotations

from kontera.domain.status import Status
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope


def unfinished_documents(ctx: AppContext, statuses: list[Status]) -> list[str]:
    with session_scope(ctx.engine) as session:
        found = repo.documents_in_status(session, statuses=[s.value for s in statuses])
        return [d.id for d in found]


def unfinished_vouchers(ctx: AppContext) -> list[str]:
    return []


def post_voucher(ctx: AppContext, voucher_id: str) -> None:
    """Posting into accounting systems is wired by the posting service (issue 7)."""
    return None
