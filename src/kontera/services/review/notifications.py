"""What needs the person, across the companies they reach: the in-app notifications.

Worked out from the documents themselves when asked (nothing to keep in sync):

- a voucher the accounting system refused (the document is back in review),
- a document Kontera could not read (`failed`),
- a suspected duplicate waiting for a decision,
- approved invoices held because no accounting system is connected,
- mail from unknown senders held in quarantine,
- invoices waiting for review (one line per company, with the count).

Each item has the time it arose; those after the person last opened the list count as new
(`NotificationsSeen`), and the header's badge shows how many items need action.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.domain.status import REVIEWABLE
from kontera.domain.status import Status
from kontera.services.context import AppContext
from kontera.store.db import session_scope
from kontera.store.tables import Company
from kontera.store.tables import Document
from kontera.store.tables import VoucherRecord
from kontera.store.tables_finish import NotificationsSeen
from kontera.store.tables_mail import MailQuarantine
from kontera.store.types import utcnow

MAX_ITEMS = 200


class NoticeKind(StrEnum):
    POSTING_FAILED = "posting_failed"
    UNREADABLE = "unreadable"
    DUPLICATE = "duplicate"
    HELD = "held"
    QUARANTINE = "quarantine"
    REVIEW = "review"


# Everything but the review queue itself asks a person to act on something unusual.
ACTION_KINDS = frozenset(NoticeKind) - {NoticeKind.REVIEW}


@dataclass(frozen=True, slots=True)
class Notice:
    kind: NoticeKind
    company_id: str
    company_name: str
    at: datetime
    document_id: str | None = None
    title: str | None = None  # the supplier or file name of the document
    detail: dict[str, Any] | str | None = None  # the reason (a catalogue message's JSON)
    count: int = 1
    new: bool = False


def notices(ctx: AppContext, *, user_id: str, company_ids: frozenset[str]) -> list[Notice]:
    ids = sorted(company_ids)
    with session_scope(ctx.engine) as session:
        names = {
            c: n
            for c, n in session.exec(
                select(Company.id, Company.name).where(col(Company.id).in_(ids))
            ).all()
        }
        seen = session.get(NotificationsSeen, user_id)
        found = [
            *_posting_failed(session, ids, names),
            *_by_status(session, ids, names, Status.FAILED, NoticeKind.UNREADABLE),
            *_by_status(session, ids, names, Status.DUPLICATE, NoticeKind.DUPLICATE),
            *_held(session, ids, names),
            *_quarantine(session, ids, names),
            *_waiting(session, ids, names),
        ]
    since = seen.seen_at if seen else None
    found.sort(key=lambda n: n.at, reverse=True)
    return [_marked(n, since) for n in found[:MAX_ITEMS]]


def action_count(ctx: AppContext, *, user_id: str, company_ids: frozenset[str]) -> int:
    """The badge: items that need action (the review queue has its own counts)."""
    return sum(
        n.count
        for n in notices(ctx, user_id=user_id, company_ids=company_ids)
        if n.kind in ACTION_KINDS
    )


def mark_seen(ctx: AppContext, *, user_id: str) -> None:
    with session_scope(ctx.engine) as session:
        row = session.get(NotificationsSeen, user_id) or NotificationsSeen(user_id=user_id)
        row.seen_at = utcnow()
        session.add(row)


def _marked(notice: Notice, since: datetime | None) -> Notice:
    return replace(notice, new=since is None or notice.at > since)


def _documents(rows: Iterable[Document], names: dict[str, str], kind: NoticeKind) -> list[Notice]:
    return [
        Notice(
            kind=kind,
            company_id=d.company_id,
            company_name=names.get(d.company_id, ""),
            at=d.updated_at,
            document_id=d.id,
            title=d.supplier_name or d.filename,
            detail=d.status_reason_text or d.status_reason,
        )
        for d in rows
    ]


def _posting_failed(session: Session, ids: list[str], names: dict[str, str]) -> list[Notice]:
    rows = session.exec(
        select(Document)
        .join(VoucherRecord, col(VoucherRecord.document_id) == col(Document.id))
        .where(
            col(Document.company_id).in_(ids),
            Document.status == Status.NEEDS_REVIEW.value,
            VoucherRecord.state == "failed",
        )
        .limit(MAX_ITEMS)
    ).all()
    return _documents(rows, names, NoticeKind.POSTING_FAILED)


def _by_status(
    session: Session, ids: list[str], names: dict[str, str], status: Status, kind: NoticeKind
) -> list[Notice]:
    rows = session.exec(
        select(Document)
        .where(col(Document.company_id).in_(ids), Document.status == status.value)
        .order_by(col(Document.updated_at).desc())
        .limit(MAX_ITEMS)
    ).all()
    return _documents(rows, names, kind)


def _held(session: Session, ids: list[str], names: dict[str, str]) -> list[Notice]:
    rows = session.exec(
        select(Document.company_id, func.count(), func.max(Document.updated_at))
        .join(VoucherRecord, col(VoucherRecord.document_id) == col(Document.id))
        .where(
            col(Document.company_id).in_(ids),
            Document.status == Status.APPROVED.value,
            VoucherRecord.target == "none",
        )
        .group_by(Document.company_id)
    ).all()
    return _counted(rows, names, NoticeKind.HELD)


def _quarantine(session: Session, ids: list[str], names: dict[str, str]) -> list[Notice]:
    rows = session.exec(
        select(MailQuarantine.company_id, func.count(), func.max(MailQuarantine.created_at))
        .where(col(MailQuarantine.company_id).in_(ids), col(MailQuarantine.released_at).is_(None))
        .group_by(MailQuarantine.company_id)
    ).all()
    return _counted(rows, names, NoticeKind.QUARANTINE)


def _waiting(session: Session, ids: list[str], names: dict[str, str]) -> list[Notice]:
    rows = session.exec(
        select(Document.company_id, func.count(), func.max(Document.updated_at))
        .where(
            col(Document.company_id).in_(ids),
            col(Document.status).in_([s.value for s in REVIEWABLE]),
        )
        .group_by(Document.company_id)
    ).all()
    return _counted(rows, names, NoticeKind.REVIEW)


def _counted(
    rows: Iterable[tuple[str, int, datetime]], names: dict[str, str], kind: NoticeKind
) -> list[Notice]:
    return [
        Notice(kind=kind, company_id=c, company_name=names.get(c, ""), at=at, count=int(n))
        for c, n, at in rows
        if n
    ]
