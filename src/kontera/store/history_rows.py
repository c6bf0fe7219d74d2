"""Posting-history rows that carry a ledger id, inserted once however often they are seen.

The ledger sync may read a line twice (a page read again after a crash, a window that
overlaps the last run); only the lines whose (company, source, external id) is not stored yet
are inserted, and `uq_history_external` makes a race between two writers a no-op too
(INSERT … ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike). One prepared statement per
page, executed for many rows: compiling a statement with thousands of values costs more than
the rows themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.store.tables import PostingHistory

CHUNK = 500  # ids per lookup: under SQLite's bound-variable limit


def insert_new(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert the rows not stored yet (by company, source and external id); count them."""
    if not rows:
        return 0
    company_id, source = rows[0]["company_id"], rows[0]["source"]
    ids = [row["external_id"] for row in rows]
    stored: set[str | None] = set()
    for start in range(0, len(ids), CHUNK):
        stored.update(
            session.exec(
                select(PostingHistory.external_id).where(
                    PostingHistory.company_id == company_id,
                    PostingHistory.source == source,
                    col(PostingHistory.external_id).in_(ids[start : start + CHUNK]),
                )
            ).all()
        )
    new = [row for row in rows if row["external_id"] not in stored]
    if new:
        table = PostingHistory.__table__  # type: ignore[attr-defined]
        insert = (
            postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        )
        session.connection().execute(insert(table).on_conflict_do_nothing(), new)
    return len(new)
