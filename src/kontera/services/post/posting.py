"""The outbox: an approved voucher goes into the company's accounting system exactly once.

Each run loads the saved `PostingJob`, lets `kontera.post.advance` take it as far as it goes
and saves every step at once, so a crash anywhere resumes without a second voucher.

Only the holder of the voucher's lease may run it. The lease is short and a live run renews
it (a heartbeat thread, and before every save and every request that changes the ledger), so
a run whose worker died is taken over about one lease later, and a run that stalled past its
lease and was taken over can no longer write or send anything (`Lease`, `LeaseLost`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx

from kontera import telemetry
from kontera.domain.codec import invoice_from_json
from kontera.domain.errors import KonteraError
from kontera.domain.invoice import Invoice
from kontera.domain.messages import Message
from kontera.domain.messages import as_message
from kontera.domain.messages import msg
from kontera.domain.status import Status
from kontera.domain.voucher import Voucher
from kontera.interpret.render.pdf import render_invoice_pdf
from kontera.post import ApprovedPosting
from kontera.post import AttachmentFile
from kontera.post import PostingJob
from kontera.post import Step
from kontera.post import VoucherOptions
from kontera.post import advance
from kontera.post import build_voucher
from kontera.post.accruals import JournalVoucher
from kontera.post.accruals import follow_up_vouchers
from kontera.post.http import CallObserver
from kontera.post.http import CallRecord
from kontera.services.context import AppContext
from kontera.services.ops.stopping import HandBack
from kontera.services.post import accrual_posting
from kontera.services.post import inbox_posting
from kontera.services.post.connections import connection_of
from kontera.services.post.connections import connector_for
from kontera.services.post.lease import HEARTBEAT
from kontera.services.post.lease import LEASE
from kontera.services.post.lease import Fenced
from kontera.services.post.lease import Lease
from kontera.services.post.lease import LeaseLost
from kontera.store import inbox_items
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables import VoucherRecord
from kontera.store.types import utcnow

log = logging.getLogger(__name__)
ACTOR = "poster"
# E-invoices without a PDF of their own get one drawn by Kontera as the voucher attachment.
E_INVOICE_KINDS = {"ubl", "cii", "xml"}


@dataclass(frozen=True, slots=True)
class Prepared:
    voucher: Voucher
    attachment: AttachmentFile
    job: PostingJob
    # An accrued invoice's release vouchers, and their jobs by key (`accrual_posting`).
    follow_ups: list[JournalVoucher] = field(default_factory=list)
    release_jobs: dict[str, Any] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        if self.job.step is Step.FAILED:
            return True
        return self.job.done and not accrual_posting.pending(self.follow_ups, self.release_jobs)


def schedule_posting(ctx: AppContext, *, document_id: str, delay: float = 0.0) -> bool:
    """After approval: queue the posting when the company has an accounting system.

    `delay` (seconds) leaves a person time to undo the approval before anything is sent."""
    with session_scope(ctx.engine) as session:
        document = session.get(Document, document_id)
        record = repo.voucher_for(session, document_id=document_id)
        if document is None or record is None:
            return False
        connection = connection_of(session, document.company_id)
        if connection is None:
            return False
        record.target = connection.system
        session.add(record)
        repo.move_document(session, document=document, target=Status.POSTING, actor=ACTOR)
        voucher_id = record.id
    ctx.queue.post_voucher(voucher_id, delay=delay)
    return True


def post_voucher(
    ctx: AppContext,
    voucher_id: str,
    *,
    lease_length: timedelta = LEASE,
    heartbeat: timedelta = HEARTBEAT,
) -> str:
    """Run one posting attempt; returns the outbox step it ends in.

    "busy": another runner holds the voucher; "lost": another runner took it over while this
    run had stalled past its lease, and this run stopped without writing anything more;
    "handed_back": the process is stopping, and the voucher went back in the queue;
    "gone": the approval was undone before the run started."""
    lease = Lease.take(ctx.engine, voucher_id, lease_length, ctx.clock)
    if lease is None:
        return "busy" if _exists(ctx, voucher_id) else "gone"
    lease.keep_alive(heartbeat)
    ctx.stopping.track(lease)
    retry_at: list[datetime] = []
    try:
        with telemetry.timed("post"):
            step = _post_leased(ctx, lease, retry_at)
    except LeaseLost:
        log.warning(
            "posting run lost its lease; another runner goes on", extra={"voucher_id": voucher_id}
        )
        step = "lost"
    except HandBack:
        step = "handed_back"
    finally:
        ctx.stopping.untrack(lease)
        lease.release()
    if step == "handed_back":  # after the release, so another worker may start at once
        log.info("posting handed back: this worker is stopping", extra={"voucher_id": voucher_id})
        ctx.queue.post_voucher(voucher_id)
    elif retry_at:  # after the release too: a run queued while this one held the lease is "busy"
        ctx.queue.post_voucher(voucher_id, delay=(retry_at[0] - utcnow()).total_seconds())
    _count(ctx, voucher_id, step)
    return step


def _count(ctx: AppContext, voucher_id: str, step: str) -> None:
    with session_scope(ctx.engine) as session:
        record = session.get(VoucherRecord, voucher_id)
        system = record.target if record is not None else "unknown"
    outcome = {"posted": "posted", "failed": "failed", "lost": "lost"}.get(step, step)
    if step in (Step.PENDING.value, Step.VOUCHER_CREATED.value):
        outcome = "retry"
    telemetry.POSTINGS.labels(system, outcome).inc()


def _exists(ctx: AppContext, voucher_id: str) -> bool:
    """False once the approval was undone (its voucher removed) before the run started."""
    with session_scope(ctx.engine) as session:
        return session.get(VoucherRecord, voucher_id) is not None


def _post_leased(ctx: AppContext, lease: Lease, retry_at: list[datetime]) -> str:
    """One run under the lease; a passing failure's next try goes in `retry_at`."""
    voucher_id = lease.voucher_id
    try:
        prepared = _prepare(ctx, voucher_id)
    except KonteraError as e:
        _give_back(ctx, voucher_id, e.text)
        return Step.FAILED.value
    if prepared.finished:
        return prepared.job.step.value
    with session_scope(ctx.engine) as session:
        record = session.get(VoucherRecord, voucher_id)
        assert record is not None
        row = connection_of(session, record.company_id)
        company_id, document_id = record.company_id, record.document_id
    if row is None:
        _give_back(
            ctx, voucher_id, msg("The company is no longer connected to an accounting system.")
        )
        return Step.FAILED.value
    observer = _audit_calls(ctx, company_id, document_id)
    try:
        with _http_client(ctx) as client:
            base = connector_for(
                ctx,
                row,
                client=client,
                limiters=ctx.limiters,
                observer=observer,
                document_id=document_id,
            )
            connector = inbox_posting.route(
                ctx,
                voucher_id=voucher_id,
                connector=base,
                settings=dict(row.settings),
                job=prepared.job,
            )
            job = advance(
                prepared.job,
                Fenced(connector.name, connector, lease),
                prepared.voucher,
                prepared.attachment,
                lambda j: _save_job(ctx, lease, j, more=bool(prepared.follow_ups)),
            )
            if job.step is Step.POSTED and prepared.follow_ups:
                job = _post_follow_ups(ctx, lease, Fenced(base.name, base, lease), prepared) or job
    except KonteraError as e:  # a connection that cannot even be set up: a person must act
        _give_back(ctx, voucher_id, e.text)
        return Step.FAILED.value
    _conclude(ctx, voucher_id, job, retry_at)
    return job.step.value


def _post_follow_ups(
    ctx: AppContext, lease: Lease, connector: Fenced, prepared: Prepared
) -> PostingJob | None:
    """The accrual's vouchers, in the same leased run; each save is a fenced write."""

    def save(jobs: dict[str, Any]) -> None:
        done = not accrual_posting.pending(prepared.follow_ups, jobs)
        lease.write(
            payload={**prepared.payload, accrual_posting.RELEASE_JOBS: dict(jobs)},
            state=Step.POSTED.value if done else Step.VOUCHER_CREATED.value,
            next_attempt_at=accrual_posting.next_attempt(jobs),
        )
        if accrual_posting.in_flight(jobs) and ctx.stopping.hand_back_due():
            raise HandBack(lease.voucher_id)

    jobs = dict(prepared.release_jobs)
    return accrual_posting.post_follow_ups(
        prepared.follow_ups, jobs, connector, prepared.job.system, save
    )


def _audit_calls(ctx: AppContext, company_id: str, document_id: str) -> CallObserver:
    """Every outbound call becomes an audit event (URLs arrive with secrets masked)."""

    def record(call: CallRecord) -> None:
        with session_scope(ctx.engine) as session:
            repo.add_event(
                session,
                company_id=company_id,
                document_id=document_id,
                actor=f"poster:{call.system}",
                action="outbound:call",
                detail={
                    "method": call.method,
                    "url": call.url,
                    "outcome": call.outcome,
                    "elapsed_ms": round(call.elapsed_ms, 1),
                    "attempt": call.attempt,
                },
            )

    return record


def _http_client(ctx: AppContext) -> httpx.Client:
    return ctx.http_client(timeout=httpx.Timeout(30.0, connect=10.0))


def _prepare(ctx: AppContext, voucher_id: str) -> Prepared:
    with session_scope(ctx.engine) as session:
        record = session.get(VoucherRecord, voucher_id)
        if record is None:
            raise KonteraError("The voucher is gone.")
        document = session.get(Document, record.document_id)
        company = repo.get_company(session, company_id=record.company_id)
        interpretation = repo.latest_interpretation(session, document_id=record.document_id)
        assert document is not None and interpretation is not None
        invoice = invoice_from_json(interpretation.payload)
        lines = record.payload.get("lines", [])
        postings, accrued = accrual_posting.accrued_postings(
            lines, approved_postings(lines, invoice)
        )
        options = VoucherOptions.for_country(company.country)
        voucher = build_voucher(invoice, postings, options)
        voucher.external_id = record.idempotency_key
        follow_ups = follow_up_vouchers(
            invoice, accrued, options, key=record.idempotency_key, currency=voucher.currency
        )
        if interpretation.rendering_sha256 is None and document.kind in E_INVOICE_KINDS:
            interpretation.rendering_sha256 = ctx.blobs.put(render_invoice_pdf(invoice))
            session.add(interpretation)
        sha = interpretation.rendering_sha256 or document.sha256
        job = (
            PostingJob.from_json(record.job)
            if record.job
            else PostingJob(record.idempotency_key, record.target)
        )
        attachment = AttachmentFile(
            content=ctx.blobs.get(sha),
            filename=_attachment_name(document, rendered=bool(interpretation.rendering_sha256)),
            mime=_mime(document, rendered=bool(interpretation.rendering_sha256)),
        )
        payload = dict(record.payload)
    jobs = dict(payload.get(accrual_posting.RELEASE_JOBS) or {})
    return Prepared(voucher, attachment, job, follow_ups, jobs, payload)


def approved_postings(lines: list[dict[str, object]], invoice: Invoice) -> list[ApprovedPosting]:
    """Approved lines with their net amounts; a line without one takes the invoice's."""
    postings = []
    for number, line in enumerate(lines):
        amount = line.get("amount")
        value = Decimal(str(amount)) if amount is not None else _net_for(invoice, line, len(lines))
        postings.append(
            ApprovedPosting(
                account=str(line["account"]),
                vat_code=str(line["vat_code"]) if line.get("vat_code") else None,
                amount=value,
                description=str(line["description"]) if line.get("description") else None,
                line_index=int(str(line["line_index"]))
                if line.get("line_index") is not None
                else number,
                dimensions=_dimensions(line.get("dimensions")),
            )
        )
    return postings


def _dimensions(value: object) -> tuple[tuple[str, str], ...]:
    """The line's department / project / cost centre codes, as the voucher carries them."""
    if not isinstance(value, dict):
        return ()
    return tuple(sorted((str(k), str(v).strip()) for k, v in value.items() if str(v or "").strip()))


def _net_for(invoice: Invoice, line: dict[str, object], count: int) -> Decimal:
    index = line.get("line_index")
    if (
        isinstance(index, int)
        and index < len(invoice.lines)
        and invoice.lines[index].net is not None
    ):
        net = invoice.lines[index].net
        assert net is not None
        return net
    if count == 1 and invoice.totals.net is not None:
        return invoice.totals.net
    raise KonteraError("An approved line has no amount; enter the amount for each line.")


def _attachment_name(document: Document, *, rendered: bool) -> str:
    stem = (document.filename or f"invoice-{document.id}").rsplit(".", 1)[0]
    return f"{stem}.pdf" if rendered else (document.filename or f"{stem}.pdf")


def _mime(document: Document, *, rendered: bool) -> str:
    if rendered:
        return "application/pdf"
    return {"png": "image/png", "jpeg": "image/jpeg", "tiff": "image/tiff"}.get(
        document.kind, "application/pdf"
    )


def _save_job(ctx: AppContext, lease: Lease, job: PostingJob, *, more: bool = False) -> None:
    """Save a step, only while this run still holds the lease (a fenced write).

    Right after a save no ledger request is in flight: the one moment a stopping worker may
    hand an unfinished posting back (a finished one, or one waiting for a retry, goes on).
    With `more` vouchers to follow (an accrual's releases), the invoice's voucher being
    posted does not end the outbox job: the recovery sweep must still find it."""
    state = job.step.value
    if more and job.step is Step.POSTED:
        state = Step.VOUCHER_CREATED.value
    lease.write(
        job=job.to_json(),
        state=state,
        external_id=job.external_id,
        attachment_id=job.attachment_id,
        attempts=job.attempts,
        last_error=job.last_error,
        next_attempt_at=job.next_attempt_at,
    )
    waiting = job.next_attempt_at is not None and job.next_attempt_at > datetime.now(UTC)
    unfinished = job.step in (Step.PENDING, Step.VOUCHER_CREATED) and not waiting
    if unfinished and ctx.stopping.hand_back_due():
        raise HandBack(lease.voucher_id)


def _conclude(ctx: AppContext, voucher_id: str, job: PostingJob, retry_at: list[datetime]) -> None:
    if job.next_attempt_at is not None and job.step not in (Step.POSTED, Step.FAILED):
        retry_at.append(job.next_attempt_at)
    if job.step is Step.POSTED:
        _finish(ctx, voucher_id, job)
    elif job.step is Step.FAILED:
        refused = msg("The accounting system refused the voucher.")
        _give_back(ctx, voucher_id, as_message(job.last_error) if job.last_error else refused)


def _finish(ctx: AppContext, voucher_id: str, job: PostingJob) -> None:
    with session_scope(ctx.engine) as session:
        record = session.get(VoucherRecord, voucher_id)
        assert record is not None
        document = session.get(Document, record.document_id)
        assert document is not None
        record.posted_at = record.posted_at or utcnow()
        session.add(record)
        inbox_items.complete(session, voucher_id=voucher_id, details={"booked_as": job.external_id})
        if document.status != Status.POSTED.value:
            repo.move_document(
                session,
                document=document,
                target=Status.POSTED,
                actor=ACTOR,
                detail={
                    "system": record.target,
                    "external_id": job.external_id,
                    "attachment_id": job.attachment_id,
                },
            )


def _give_back(ctx: AppContext, voucher_id: str, message: Message) -> None:
    """A permanent failure returns the document to the queue with the system's words."""
    with session_scope(ctx.engine) as session:
        record = session.get(VoucherRecord, voucher_id)
        if record is None:
            return
        record.state, record.last_error = Step.FAILED.value, str(message)
        session.add(record)
        document = session.get(Document, record.document_id)
        if document is not None and document.status in (
            Status.POSTING.value,
            Status.APPROVED.value,
        ):
            repo.move_document(
                session,
                document=document,
                target=Status.NEEDS_REVIEW,
                actor=ACTOR,
                reason=msg(
                    "Posting to {system} failed: {problem}", system=record.target, problem=message
                ),
            )
