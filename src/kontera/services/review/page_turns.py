"""How each page of a document is turned in the viewer, and a person turning it.

A page is shown turned by the reader's turns (a sideways scan that OCR read turned: its field
boxes are in that frame) plus the person's. Turning a page is kept (`PageTurn`), so it shows
the same way next time and for everyone; it changes nothing in what was read.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session
from sqlmodel import select

from kontera.domain.errors import InvalidInput
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables_finish import PageTurn
from kontera.store.types import utcnow

MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class Turn:
    reader: int = 0  # quarter turns clockwise the reader applied (the boxes' frame)
    person: int = 0  # quarter turns clockwise a person added

    @property
    def total(self) -> int:
        return (self.reader + self.person) % 4


def record_reader_turns(session: Session, *, document_id: str, turns: dict[int, int]) -> None:
    """At interpretation: the pages the reader turned (a new reading replaces the old)."""
    rows = {
        row.page: row
        for row in session.exec(select(PageTurn).where(PageTurn.document_id == document_id))
    }
    for page, row in rows.items():
        if page not in turns and row.reader_turns:
            row.reader_turns = 0
            session.add(row)
    for page, quarter_turns in turns.items():
        row = rows.get(page) or PageTurn(document_id=document_id, page=page)
        row.reader_turns = quarter_turns % 4
        session.add(row)


def page_turns(ctx: AppContext, *, company_id: str, document_id: str) -> dict[int, Turn]:
    with session_scope(ctx.engine) as session:
        repo.get_document(session, company_id=company_id, document_id=document_id)
        rows = session.exec(select(PageTurn).where(PageTurn.document_id == document_id)).all()
        return {row.page: Turn(row.reader_turns, row.person_turns) for row in rows}


def turn_page(
    ctx: AppContext, *, company_id: str, document_id: str, page: int, quarter_turns: int, actor: str
) -> Turn:
    """Turn one page by `quarter_turns` (1: a quarter clockwise, -1: anticlockwise)."""
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput("There is no such page.")
    with session_scope(ctx.engine) as session:
        repo.get_document(session, company_id=company_id, document_id=document_id)
        row = session.get(PageTurn, (document_id, page)) or PageTurn(
            document_id=document_id, page=page
        )
        row.person_turns = (row.person_turns + quarter_turns) % 4
        row.updated_at = utcnow()
        session.add(row)
        repo.add_event(
            session,
            company_id=company_id,
            document_id=document_id,
            actor=actor,
            action="page:turned",
            detail={"page": page, "quarter_turns": row.person_turns},
        )
        return Turn(row.reader_turns, row.person_turns)
