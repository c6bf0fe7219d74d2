"""Approving an invoice that waits in the ledger's inbox completes *that* invoice there.

The outbox (`services.posting`) asks `route` for the connector to run a posting job with.
When the approved document — or a duplicate of it (the same invoice that also came by mail)
— is an item Kontera took from this ledger's inbox, the job is given the item (a claim kept
in the database, so exactly one posting completes it) and runs with the in-place connector
(`kontera.post.inbox_readers.in_place`): same steps, same idempotency, no second voucher.

The choice is made once, before the job's first request: a job that has already sent a
voucher is never switched, and a claimed item always completes in place. An item that left
the inbox before Kontera completed it (booked or deleted by a person in the ledger) stops
the posting with the reason, since posting it would book the invoice twice.
"""

from __future__ import annotations

from sqlmodel import Session

from kontera.domain.errors import KonteraError
from kontera.domain.messages import msg
from kontera.post import PostingJob
from kontera.post.connector import Connector
from kontera.post.inbox_readers import in_place
from kontera.post.sync_readers import SYSTEM_NAMES
from kontera.services.context import AppContext
from kontera.store import inbox_items
from kontera.store.db import session_scope
from kontera.store.tables import VoucherRecord
from kontera.store.tables_inbox import InboxItem


class BookedElsewhere(KonteraError):
    """The ledger's own invoice was booked or deleted there; posting would double it."""

    code = "booked_in_ledger"


def route(
    ctx: AppContext,
    *,
    voucher_id: str,
    connector: Connector,
    settings: dict[str, object],
    job: PostingJob,
) -> Connector:
    with session_scope(ctx.engine) as session:
        item = inbox_items.of_voucher(session, voucher_id=voucher_id)
        if item is None and _never_sent(job):
            item = _claim(session, voucher_id, connector.name)
        if item is None:
            return connector
        kind, details = item.kind, dict(item.details)
    return in_place(connector, kind, details, dict(settings))


def _never_sent(job: PostingJob) -> bool:
    return job.external_id is None and job.create_started_at is None


def _claim(session: Session, voucher_id: str, system: str) -> InboxItem | None:
    record = session.get(VoucherRecord, voucher_id)
    if record is None:
        return None
    documents = [
        record.document_id,
        *inbox_items.duplicates_of(session, document_id=record.document_id),
    ]
    items = [
        i for i in inbox_items.for_documents(session, document_ids=documents) if i.origin == system
    ]
    for item in items:
        if item.state == "gone" and item.voucher_id is None:
            raise BookedElsewhere(
                msg(
                    "This invoice left {system}'s inbox after Kontera read it: it was booked "
                    "or deleted there. Posting it again would book it twice; reject it here, "
                    "or check it in the ledger.",
                    system=SYSTEM_NAMES.get(system, system),
                )
            )
    for item in items:
        if item.state == "received" and inbox_items.claim(
            session, item_id=item.id, voucher_id=voucher_id
        ):
            session.refresh(item)
            return item
    return None
