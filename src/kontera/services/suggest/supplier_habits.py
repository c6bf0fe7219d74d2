"""A supplier's habit in the company's books, and how far such habits can be trusted there.

The run calibration (`kontera.suggest.supplier_habit.RunCalibration`) is fitted on the
company's own books whenever its model is trained and kept beside the model, so that every
worker reads the same one. The habit itself is counted when an invoice arrives, from the
books as they are then (history, ledger and approvals). Invoices the auto-approval policy
posted are left out: a run the policy made would vouch for itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.services.context import AppContext
from kontera.store.blobs import BlobFolder
from kontera.store.tables import AuditEvent
from kontera.store.tables import PostingHistory
from kontera.suggest.history import HistoryLine
from kontera.suggest.supplier_habit import BookedLine
from kontera.suggest.supplier_habit import Habit
from kontera.suggest.supplier_habit import RunCalibration
from kontera.suggest.supplier_habit import fit_runs
from kontera.suggest.supplier_habit import habit
from kontera.suggest.supplier_habit import invoices_of
from kontera.suggest.supplier_habit import observations

# JSON inside, but not named .json: the models page shows every .json there as a model card.
RUNS_FILE = "supplier_runs.fit"
AUTO_APPROVER = "auto-approval"


def _folder(ctx: AppContext, company_id: str) -> BlobFolder:
    return BlobFolder(ctx.blobs, f"models/{company_id}")


def fit_supplier_runs(
    ctx: AppContext, company_id: str, lines: Iterable[HistoryLine]
) -> RunCalibration:
    """Fit on the company's books and keep it beside its model."""
    per_supplier: dict[str, list[BookedLine]] = {}
    for line in lines:
        per_supplier.setdefault(line.supplier_key, []).append(
            BookedLine(
                day=line.date,
                invoice="" if line.date else (line.invoice_number or ""),
                account=line.account,
                amount=line.amount,
            )
        )
    calibration = fit_runs(observations(invoices_of(booked)) for booked in per_supplier.values())
    _folder(ctx, company_id).write(RUNS_FILE, json.dumps(calibration.to_json()).encode())
    return calibration


def run_calibration(ctx: AppContext, company_id: str) -> RunCalibration:
    """The company's fitted calibration; empty (no evidence) before its first training."""
    raw = _folder(ctx, company_id).read(RUNS_FILE)
    if raw is None:
        return RunCalibration()
    try:
        return RunCalibration.from_json(json.loads(raw))
    except (ValueError, TypeError):
        return RunCalibration()


def supplier_habit(session: Session, *, company_id: str, supplier_key: str | None) -> Habit:
    if not supplier_key:
        return Habit()
    rows = session.exec(
        select(PostingHistory).where(
            PostingHistory.company_id == company_id, PostingHistory.supplier_key == supplier_key
        )
    ).all()
    posted_by_policy = _auto_approved(
        session, company_id, {row.document_id for row in rows if row.document_id}
    )
    return habit(
        invoices_of(
            BookedLine(
                day=row.entry_date,
                invoice=row.document_id or "",
                account=row.account,
                amount=row.amount,
            )
            for row in rows
            if row.document_id not in posted_by_policy
        )
    )


def _auto_approved(session: Session, company_id: str, document_ids: set[str]) -> set[str]:
    if not document_ids:
        return set()
    found = session.exec(
        select(AuditEvent.document_id).where(
            AuditEvent.company_id == company_id,
            AuditEvent.action == "status:approved",
            AuditEvent.actor == AUTO_APPROVER,
            col(AuditEvent.document_id).in_(sorted(document_ids)),
        )
    ).all()
    return {document_id for document_id in found if document_id}
