"""A supplier's track record: what people did with its last invoices Kontera prepared.

Only a person's decisions count: an invoice a bookkeeper approved without correcting a field
or changing a posting is evidence that Kontera reads and books this supplier right; one the
auto-approval policy approved is not evidence of anything (it would vouch for itself).
Rejected invoices (a copy, a fraud attempt) say nothing about reading or booking and are
left out.
"""

from __future__ import annotations

from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.services.suggest.confirmed_values import confirmed_values
from kontera.store.tables import AuditEvent
from kontera.store.tables import Document
from kontera.suggest.voucher_confidence import TrackRecord

APPROVED = "status:approved"
CORRECTED = "corrected"


def supplier_track_record(
    session: Session, *, company_id: str, supplier_key: str | None, invoices: int
) -> TrackRecord:
    """The last `invoices` invoices of this supplier that a person approved, newest first."""
    if not supplier_key or invoices <= 0:
        return TrackRecord()
    approvals = session.exec(
        select(AuditEvent)
        .join(Document, col(Document.id) == col(AuditEvent.document_id))
        .where(
            AuditEvent.company_id == company_id,
            AuditEvent.action == APPROVED,
            AuditEvent.actor != "auto-approval",
            Document.supplier_key == supplier_key,
        )
        .order_by(col(AuditEvent.at).desc())
        .limit(invoices * 2)  # an invoice approved twice (after a refused posting) counts once
    ).all()
    latest: dict[str, AuditEvent] = {}
    for event in approvals:
        if event.document_id and event.document_id not in latest:
            latest[event.document_id] = event
    chosen = list(latest.items())[:invoices]
    corrected = _corrected_fields(session, [document_id for document_id, _ in chosen])
    fields: set[str] = set()
    changed_postings = 0
    unchanged = 0
    for document_id, event in chosen:
        edited = bool((event.detail or {}).get("edited"))
        fields |= corrected.get(document_id, set())
        changed_postings += int(edited)
        unchanged += int(not edited and not corrected.get(document_id))
    return TrackRecord(
        reviewed=len(chosen),
        unchanged=unchanged,
        corrected_fields=frozenset(fields),
        postings_changed=changed_postings,
        confirmed=confirmed_values(session, [document_id for document_id, _ in chosen]),
    )


def _corrected_fields(session: Session, document_ids: list[str]) -> dict[str, set[str]]:
    if not document_ids:
        return {}
    rows = session.exec(
        select(AuditEvent).where(
            col(AuditEvent.document_id).in_(document_ids), AuditEvent.action == CORRECTED
        )
    ).all()
    found: dict[str, set[str]] = {}
    for row in rows:
        after = (row.detail or {}).get("after") or {}
        found.setdefault(row.document_id or "", set()).update(str(path) for path in after)
    return found
