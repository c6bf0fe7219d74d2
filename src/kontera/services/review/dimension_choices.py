"""The departments, projects and cost centres a bookkeeper may choose on a posting line.

The company's own list (synced from the ledger, `store/tables_dimensions.py`), active ones
only, plus any code already on the page (a suggestion from history, an earlier choice) so
that what Kontera proposes can always be seen and kept. A kind appears only when the company
has one, so a company without dimensions sees no empty pickers.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import col
from sqlmodel import select

from kontera.services.context import AppContext
from kontera.store.db import session_scope
from kontera.store.tables_dimensions import Dimension
from kontera.suggest.dimensions import KINDS

DIMENSION_KINDS = KINDS


@dataclass(frozen=True, slots=True)
class Choice:
    code: str
    name: str


def dimension_choices(
    ctx: AppContext, *, company_id: str, on_page: Iterable[Mapping[str, str]] = ()
) -> dict[str, list[Choice]]:
    """Kind → choices, in the order `KINDS` names them; kinds without any left out."""
    with session_scope(ctx.engine) as session:
        rows = session.exec(
            select(Dimension)
            .where(Dimension.company_id == company_id, col(Dimension.active).is_(True))
            .order_by(col(Dimension.kind), col(Dimension.code))
        ).all()
        listed = [(row.kind, row.code, row.name) for row in rows]
    choices: dict[str, dict[str, Choice]] = {kind: {} for kind in KINDS}
    for kind, code, name in listed:
        if kind in choices:
            choices[kind][code] = Choice(code, name)
    for dimensions in on_page:
        for kind, code in dimensions.items():
            if kind in choices and code and code not in choices[kind]:
                choices[kind][code] = Choice(code, "")
    return {kind: list(found.values()) for kind, found in choices.items() if found}
