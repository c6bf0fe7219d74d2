"""Queries on `InboxItem`: keyword-only, one query each; sessions come from the caller."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import update
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.store.tables import Document
from kontera.store.tables_inbox import InboxItem
from kontera.store.types import utcnow


def known_ids(session: Session, *, company_id: str, origin: str) -> set[str]:
    query = select(InboxItem.external_id).where(
        InboxItem.company_id == company_id, InboxItem.origin == origin
    )
    return set(session.exec(query).all())


def waiting(session: Session, *, company_id: str, origin: str) -> Sequence[InboxItem]:
    """Items Kontera took and has not completed or claimed for a posting."""
    query = select(InboxItem).where(
        InboxItem.company_id == company_id,
        InboxItem.origin == origin,
        InboxItem.state == "received",
        col(InboxItem.voucher_id).is_(None),
    )
    return session.exec(query).all()


def for_documents(session: Session, *, document_ids: Sequence[str]) -> Sequence[InboxItem]:
    if not document_ids:
        return []
    query = select(InboxItem).where(col(InboxItem.document_id).in_(list(document_ids)))
    return session.exec(query).all()


def of_voucher(session: Session, *, voucher_id: str) -> InboxItem | None:
    return session.exec(select(InboxItem).where(InboxItem.voucher_id == voucher_id)).first()


def claim(session: Session, *, item_id: str, voucher_id: str) -> bool:
    """Give the item to this posting, unless another posting has it already."""
    taken = session.execute(
        update(InboxItem)
        .where(col(InboxItem.id) == item_id, col(InboxItem.voucher_id).is_(None))
        .values(voucher_id=voucher_id)
    )
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


def complete(session: Session, *, voucher_id: str, details: dict[str, Any]) -> InboxItem | None:
    item = of_voucher(session, voucher_id=voucher_id)
    if item is None or item.state == "completed":
        return item
    item.state, item.completed_at = "completed", utcnow()
    item.details = {**item.details, **details}
    session.add(item)
    return item


def duplicates_of(session: Session, *, document_id: str) -> Sequence[str]:
    """Documents flagged as duplicates of this one: the same invoice by another way in."""
    query = select(Document.id).where(Document.duplicate_of_id == document_id)
    return session.exec(query).all()
