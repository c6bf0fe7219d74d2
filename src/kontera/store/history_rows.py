"""Posting-history rows that carry a ledger id, inserted once however often they are seen.

The ledger sync may read a line twice (a page read again after a crash, a window that
overlaps the last run); `uq_history_external` (company, source, external id) makes the second
copy a no-op. One multi-row INSERT … ON CONFLICT DO NOTHING per chunk, on SQLite and
PostgreSQL alike, and its row count is how many lines were new.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlmodel import Session

from kontera.store.tables import PostingHistory

CHUNK = 500  # rows per statement: under SQLite's bound-variable limit


def insert_new(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert the rows whose (company, source, external id) is not stored yet; count them."""
    table = PostingHistory.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    added = 0
    for start in range(0, len(rows), CHUNK):
        statement = insert(table).values(list(rows[start : start + CHUNK]))
        result = session.connection().execute(statement.on_conflict_do_nothing())
        added += max(0, int(result.rowcount or 0))
    return added
