"""Invoices waiting in the ledger's own inbox become Kontera documents, each once.

A step of every ledger sync run (`services.ledger_sync`), on the run's connector, client and
shared quota. It lists what waits in the inbox now, and for each entry it has not taken
before, fetches the document (the EHF where there is one) and receives it like any other —
source `ledger`, `external_id` "<system>:<the ledger's id>" — then records the `InboxItem`
with the ledger's ids that completing it in place will need. A second run fetches nothing it
has: the item's key is the ledger's id. A run killed between receiving and recording fetches
that one entry again; the same bytes are the same document, so nothing is doubled.

The same invoice already received by mail or upload is that document (the same bytes), or —
other bytes, same supplier and invoice number — flagged as its duplicate when it is read;
either way the item points at what Kontera has, and approving the one document completes the
ledger's invoice (`services.inbox_posting`). An item that leaves the inbox before Kontera
completed it (booked or deleted in the ledger by a person) is marked `gone`, and Kontera
will not post it a second time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError

from kontera.domain.errors import KonteraError
from kontera.domain.errors import TransientError
from kontera.post.http import CredentialsRejected
from kontera.post.http import RemoteNotFound
from kontera.post.inbox import InboxEntry
from kontera.post.inbox import InboxReader
from kontera.post.inbox_readers import inbox_reader_for
from kontera.post.sync import LedgerReader
from kontera.post.sync_readers import SYSTEM_NAMES
from kontera.services.context import AppContext
from kontera.services.pipeline.documents import receive_document
from kontera.services.sync import sync_runs
from kontera.store import inbox_items
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables_inbox import InboxItem
from kontera.store.types import utcnow

log = logging.getLogger(__name__)
RESOURCE = "inbox"
SOURCE = "ledger"
COUNTS = ("inbox_waiting", "inbox_new", "inbox_known", "inbox_refused", "inbox_gone")


def take_inbox(
    ctx: AppContext,
    *,
    company_id: str,
    run_id: str,
    reader: LedgerReader,
    counts: dict[str, int],
    progress: Callable[[str, int], None] | None = None,
) -> None:
    connector = getattr(reader, "connector", None)
    inbox = inbox_reader_for(connector, reader.stats) if connector is not None else None
    if inbox is None:
        return
    for name in COUNTS:
        counts.setdefault(name, 0)
    try:
        entries = inbox.entries()
    except (CredentialsRejected, RemoteNotFound) as e:
        # No access to the inbox (a module or role the subscription lacks) is not a failed
        # sync: the registers and history were read; the company's page says why.
        counts["inbox_unavailable"] = 1
        _note_unavailable(ctx, company_id, inbox.system, e.message)
        return
    counts["inbox_waiting"] = len(entries)
    with session_scope(ctx.engine) as session:
        known = inbox_items.known_ids(session, company_id=company_id, origin=inbox.system)
    for entry in entries:
        if entry.external_id in known:
            counts["inbox_known"] += 1
            continue
        _take(ctx, company_id, inbox, entry, counts)
        with session_scope(ctx.engine) as session:
            sync_runs.heartbeat(session, run_id, counts)
        if progress is not None:
            progress("inbox", counts["inbox_new"])
    counts["inbox_gone"] = _mark_gone(ctx, company_id, inbox.system, entries)
    with session_scope(ctx.engine) as session:
        cursor = {"read_at": utcnow().isoformat(), "waiting": len(entries)}
        sync_runs.save_cursor(session, company_id, RESOURCE, cursor)


def _take(
    ctx: AppContext, company_id: str, inbox: InboxReader, entry: InboxEntry, counts: dict[str, int]
) -> None:
    system = inbox.system
    try:
        file = inbox.fetch(entry)
        received = receive_document(
            ctx,
            company_id=company_id,
            data=file.content,
            filename=file.filename,
            content_type=file.mime,
            source=SOURCE,
            external_id=f"{system}:{entry.external_id}",
            provenance={"ledger": system, "ledger_id": entry.external_id, "kind": entry.kind},
            actor=f"inbox:{system}",
        )
    except TransientError:
        raise  # the run fails in words; the next run tries the entry again
    except KonteraError as e:
        counts["inbox_refused"] += 1
        _record(ctx, company_id, system, entry, None, {"refused": e.message})
        return
    _record(ctx, company_id, system, entry, received.document.id, {"again": received.duplicate})
    counts["inbox_new"] += 1


def _record(
    ctx: AppContext,
    company_id: str,
    system: str,
    entry: InboxEntry,
    document_id: str | None,
    more: dict[str, Any],
) -> None:
    item = InboxItem(
        company_id=company_id,
        origin=system,
        external_id=entry.external_id,
        kind=entry.kind,
        document_id=document_id,
        details={**entry.details, "filename": entry.filename, **more},
        state="received" if document_id else "refused",
    )
    try:
        with session_scope(ctx.engine) as session:
            session.add(item)
            if document_id is not None:
                repo.add_event(
                    session,
                    company_id=company_id,
                    document_id=document_id,
                    actor=f"inbox:{system}",
                    action="inbox:taken",
                    detail={"ledger": system, "ledger_id": entry.external_id, **more},
                )
    except IntegrityError:
        pass  # another run recorded it meanwhile: taken once


def _mark_gone(ctx: AppContext, company_id: str, system: str, entries: list[InboxEntry]) -> int:
    still = {entry.external_id for entry in entries}
    gone = 0
    with session_scope(ctx.engine) as session:
        for item in inbox_items.waiting(session, company_id=company_id, origin=system):
            if item.external_id in still:
                continue
            item.state = "gone"
            session.add(item)
            gone += 1
            if item.document_id is not None:
                repo.add_event(
                    session,
                    company_id=company_id,
                    document_id=item.document_id,
                    actor=f"inbox:{system}",
                    action="inbox:gone",
                    detail={"ledger": system, "ledger_id": item.external_id},
                )
    return gone


def _note_unavailable(ctx: AppContext, company_id: str, system: str, why: str) -> None:
    log.info("ledger inbox not readable", extra={"company_id": company_id, "why": why})
    with session_scope(ctx.engine) as session:
        repo.add_event(
            session,
            company_id=company_id,
            document_id=None,
            actor=f"inbox:{system}",
            action="inbox:unavailable",
            detail={"ledger": SYSTEM_NAMES.get(system, system), "why": why},
        )
