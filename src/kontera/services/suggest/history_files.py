"""A posting-history file (SAF-T, SIE, CSV/XLSX) into a company's history, as one use case.

Parsing belongs to `kontera.suggest.importers`; this stores the lines, counts the rows that
could not be read, and records who imported what in the audit trail.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from kontera.domain.errors import DocumentTooLarge
from kontera.domain.errors import EmptyDocument
from kontera.domain.messages import Message
from kontera.services.context import AppContext
from kontera.services.suggest.chart_fill import fill_from_history_file
from kontera.services.suggest.history import check_books_owner
from kontera.services.suggest.history import import_history
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.suggest.importers import read_history

MAX_PROBLEMS_SHOWN = 20


@dataclass(frozen=True, slots=True)
class HistoryImport:
    imported: int
    problems: list[Message]  # each with its line where the file has one
    skipped: int


def import_history_file(
    ctx: AppContext,
    *,
    company_id: str,
    data: bytes,
    filename: str,
    actor: str,
    force: bool = False,
) -> HistoryImport:
    if not data:
        raise EmptyDocument("The file is empty (0 bytes).")
    if len(data) > ctx.settings.max_upload_bytes:
        raise DocumentTooLarge("The history file is larger than the upload limit.")
    # Only the last path component: the name is used for a file in a temporary folder.
    name = Path(filename.replace("\\", "/")).name.strip() or "history.csv"
    problems: list[Message] = []
    with tempfile.TemporaryDirectory(prefix="kontera-history-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        check_books_owner(ctx, company_id=company_id, path=path, history_format=None, force=force)
        lines = read_history(path, None, None, lambda p: problems.append(p.text))
        count = import_history(ctx, company_id=company_id, lines=lines)
        chart = fill_from_history_file(ctx, company_id=company_id, path=path)
    with session_scope(ctx.engine) as session:
        repo.add_event(
            session,
            company_id=company_id,
            document_id=None,
            actor=actor,
            action="history:import",
            detail={
                "file": name,
                "imported": count,
                "problems": len(problems),
                "forced": force,
                "chart_accounts": chart.accounts,
                "chart_vat_codes": chart.vat_codes,
            },
        )
    ctx.queue.train_company(company_id)
    return HistoryImport(count, problems[:MAX_PROBLEMS_SHOWN], len(problems))
