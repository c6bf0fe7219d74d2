"""What an approval leads to, and the vouchers that wait in Kontera for want of a ledger.

`posting_plan` says, before a person approves, where the voucher will go: into the connected
system, into the export folder as a file, or nowhere yet ("held": no system is connected).
A held voucher is not lost: `export_held` makes one SIE4 or CSV file of every held voucher of
a company, to import by hand into whatever system the company uses, and marks them posted
as that file (it stays downloadable from each document, `exported_file`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.domain.codec import invoice_from_json
from kontera.domain.errors import KonteraError
from kontera.domain.errors import NotFound
from kontera.domain.messages import as_message
from kontera.domain.messages import joined
from kontera.domain.status import Status
from kontera.domain.voucher import Voucher
from kontera.post import VoucherOptions
from kontera.post import build_voucher
from kontera.post.accruals import JournalVoucher
from kontera.post.accruals import follow_up_vouchers
from kontera.post.export import Company as ExportCompany
from kontera.post.export import ExportFormat
from kontera.post.export import csv_export
from kontera.post.export import sie4
from kontera.services.context import AppContext
from kontera.services.post.accrual_posting import accrued_postings
from kontera.services.post.connections import connection_of
from kontera.services.post.posting import approved_postings
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Company
from kontera.store.tables import Document
from kontera.store.tables import VoucherRecord
from kontera.store.types import utcnow

FILE_TARGET = "file"
CURRENCY = {"NO": "NOK", "SE": "SEK"}


class PlanKind(StrEnum):
    LEDGER = "ledger"  # posted into the connected accounting system
    FOLDER = "folder"  # written as a file into the export folder (an "export" connection)
    HOLD = "hold"  # no connection: waits in Kontera, downloadable as a file


@dataclass(frozen=True, slots=True)
class PostingPlan:
    kind: PlanKind
    system: str | None


def posting_plan(ctx: AppContext, *, company_id: str) -> PostingPlan:
    with session_scope(ctx.engine) as session:
        row = connection_of(session, company_id)
        if row is None:
            return PostingPlan(PlanKind.HOLD, None)
        kind = PlanKind.FOLDER if row.system == "export" else PlanKind.LEDGER
        return PostingPlan(kind, row.system)


def held_document_ids(ctx: AppContext, *, company_id: str) -> list[str]:
    """Approved, with a voucher that no system took: waiting for a connection or a download."""
    with session_scope(ctx.engine) as session:
        return list(_held(session, company_id))


def _held(session: Session, company_id: str) -> list[str]:
    query = (
        select(Document.id)
        .join(VoucherRecord, col(VoucherRecord.document_id) == col(Document.id))
        .where(
            Document.company_id == company_id,
            Document.status == Status.APPROVED.value,
            VoucherRecord.target == "none",
        )
        .order_by(col(Document.received_at))
    )
    return list(session.exec(query).all())


@dataclass(frozen=True, slots=True)
class ExportFile:
    filename: str
    content: bytes
    media_type: str
    document_ids: list[str]
    skipped: dict[str, str]  # document id → why it could not go into the file


def export_held(ctx: AppContext, *, company_id: str, fmt: ExportFormat, actor: str) -> ExportFile:
    """One file with every held voucher of the company; those in it are marked posted."""
    with session_scope(ctx.engine) as session:
        company = repo.get_company(session, company_id=company_id)
        ids = _held(session, company_id)
        if not ids:
            raise NotFound("No approved invoices are waiting to be exported.")
        entries, follow_ups, skipped = _vouchers(session, company, ids)
        if not entries:
            reasons = [as_message(reason) for reason in sorted(set(skipped.values()))]
            raise KonteraError(joined(reasons))
        export = _file(company, fmt, entries, follow_ups)
        sha = ctx.blobs.put(export.content)
        for document_id, record, _ in entries:
            _mark_exported(session, company_id, document_id, record, export.filename, sha, actor)
    return ExportFile(
        export.filename,
        export.content,
        export.media_type,
        [document_id for document_id, _, _ in entries],
        skipped,
    )


def _vouchers(
    session: Session, company: Company, ids: list[str]
) -> tuple[list[tuple[str, VoucherRecord, Voucher]], list[JournalVoucher], dict[str, str]]:
    """Each held invoice's voucher, and an accrued invoice's release vouchers beside it."""
    options = VoucherOptions.for_country(company.country)
    entries, follow_ups, skipped = [], [], {}
    for document_id in ids:
        record = repo.voucher_for(session, document_id=document_id)
        row = repo.latest_interpretation(session, document_id=document_id)
        if record is None or row is None:
            continue
        invoice = invoice_from_json(row.payload)
        lines = record.payload.get("lines", [])
        try:
            postings, accrued = accrued_postings(lines, approved_postings(lines, invoice))
            voucher = build_voucher(invoice, postings, options)
        except KonteraError as e:
            skipped[document_id] = e.message
            continue
        voucher.external_id = record.idempotency_key
        entries.append((document_id, record, voucher))
        follow_ups += follow_up_vouchers(
            invoice, accrued, options, key=record.idempotency_key, currency=voucher.currency
        )
    return entries, follow_ups, skipped


def _file(
    company: Company,
    fmt: ExportFormat,
    entries: list[tuple[str, VoucherRecord, Voucher]],
    follow_ups: list[JournalVoucher],
) -> ExportFile:
    today = date.today()
    stem = f"kontera-{company.slug}-{today:%Y%m%d}"
    keyed = [(r.idempotency_key, v) for _, r, v in entries]
    keyed += [(item.key, item.voucher) for item in follow_ups]
    if fmt is ExportFormat.CSV:
        content = csv_export([(key, voucher, None) for key, voucher in keyed])
        return ExportFile(f"{stem}.csv", content, "text/csv; charset=utf-8", [], {})
    currency = CURRENCY.get(company.country.upper(), "NOK")
    target = ExportCompany(company.name, company.org_number, currency)
    content = sie4(keyed, target, generated=today)
    return ExportFile(f"{stem}.se", content, "text/plain; charset=cp437", [], {})


def _mark_exported(
    session: Session,
    company_id: str,
    document_id: str,
    record: VoucherRecord,
    filename: str,
    sha: str,
    actor: str,
) -> None:
    record.target, record.state = FILE_TARGET, "posted"
    record.external_id, record.posted_at = filename, utcnow()
    record.job = {"file_sha256": sha}
    session.add(record)
    document = repo.get_document(session, company_id=company_id, document_id=document_id)
    repo.move_document(
        session,
        document=document,
        target=Status.POSTED,
        actor=actor,
        detail={"system": FILE_TARGET, "file": filename},
    )


def exported_file(ctx: AppContext, *, company_id: str, document_id: str) -> tuple[str, bytes]:
    """The file a held voucher went out in, to download it again."""
    with session_scope(ctx.engine) as session:
        repo.get_document(session, company_id=company_id, document_id=document_id)
        record = repo.voucher_for(session, document_id=document_id)
        if record is None or record.target != FILE_TARGET or not record.job.get("file_sha256"):
            raise NotFound("This invoice was not exported to a file.")
        return record.external_id or "kontera-export", ctx.blobs.get(record.job["file_sha256"])
