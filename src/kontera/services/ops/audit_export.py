"""The audit trail of one company for a period, as an auditor reads it (CSV or JSON).

Each row is one event: when (UTC), who or what did it, what happened, the document it
concerns (with the invoice number and supplier so the row can be read on its own), the
status before and after, the reason, and the remaining detail as JSON. Rows are in the
order they happened. The period is inclusive on both ends and interpreted in UTC.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import asdict
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import col
from sqlmodel import select

from kontera.domain.errors import InvalidInput
from kontera.domain.messages import msg
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import AuditEvent
from kontera.store.tables import Document

# A year of events for a busy company is a few hundred thousand rows; more is a mistake.
MAX_PERIOD_DAYS = 3 * 366


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


@dataclass(frozen=True, slots=True)
class AuditRow:
    event_id: int
    at: str
    actor: str
    action: str
    document_id: str | None
    document_filename: str | None
    invoice_number: str | None
    supplier_name: str | None
    from_status: str | None
    to_status: str | None
    reason: str | None
    detail: str


COLUMNS = tuple(AuditRow.__dataclass_fields__)


def check_period(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput("The period ends before it starts ('to' is earlier than 'from').")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidInput(
            msg("Export at most {MAX_PERIOD_DAYS} days at a time.", MAX_PERIOD_DAYS=MAX_PERIOD_DAYS)
        )


def audit_rows(ctx: AppContext, *, company_id: str, start: date, end: date) -> list[AuditRow]:
    """The company's events from `start` 00:00 UTC up to and including the whole `end` day."""
    check_period(start, end)
    lower = datetime.combine(start, time.min, tzinfo=UTC)
    upper = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    with session_scope(ctx.engine) as session:
        repo.get_company(session, company_id=company_id)
        query = (
            select(AuditEvent, Document)
            .join(Document, col(Document.id) == col(AuditEvent.document_id), isouter=True)
            .where(
                col(AuditEvent.company_id) == company_id,
                col(AuditEvent.at) >= lower,
                col(AuditEvent.at) < upper,
            )
            .order_by(col(AuditEvent.at), col(AuditEvent.id))
        )
        return [_row(event, document) for event, document in session.exec(query).all()]


def _row(event: AuditEvent, document: Document | None) -> AuditRow:
    detail = dict(event.detail or {})
    reason = detail.pop("reason", None)
    return AuditRow(
        event_id=event.id or 0,
        at=event.at.astimezone(UTC).isoformat(timespec="seconds"),
        actor=event.actor,
        action=event.action,
        document_id=event.document_id,
        document_filename=document.filename if document else None,
        invoice_number=document.invoice_number if document else None,
        supplier_name=document.supplier_name if document else None,
        from_status=event.from_status,
        to_status=event.to_status,
        reason=str(reason) if reason is not None else None,
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
    )


def to_csv(rows: Sequence[AuditRow]) -> str:
    """RFC 4180 CSV with a header row; a spreadsheet opens it as it is."""
    return "".join(csv_chunks(rows))


def csv_chunks(rows: Sequence[AuditRow]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in asdict(row).values()])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _csv_cell(value: Any) -> Any:
    # A cell that starts like a formula would run in a spreadsheet (CSV injection): quote it.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def to_json(rows: Sequence[AuditRow], *, company_id: str, start: date, end: date) -> str:
    document = {
        "company_id": company_id,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "count": len(rows),
        "events": [{**asdict(row), "detail": json.loads(row.detail)} for row in rows],
    }
    return json.dumps(document, ensure_ascii=False, indent=1)


def export(ctx: AppContext, *, company_id: str, start: date, end: date, fmt: ExportFormat) -> str:
    rows = audit_rows(ctx, company_id=company_id, start=start, end=end)
    if fmt is ExportFormat.CSV:
        return to_csv(rows)
    return to_json(rows, company_id=company_id, start=start, end=end)
