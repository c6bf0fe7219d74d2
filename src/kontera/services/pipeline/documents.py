"""A document's life: received → interpreted → suggested → approved (→ posting → posted).

`process_document` runs the next step for the document's current status until it reaches a
status that waits for a person (or ends), so a worker that crashed half-way simply resumes.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import replace
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kontera import telemetry
from kontera.domain.codec import invoice_from_json
from kontera.domain.codec import invoice_to_json
from kontera.domain.errors import Conflict
from kontera.domain.errors import DocumentTooLarge
from kontera.domain.errors import EmptyDocument
from kontera.domain.errors import ExternalIdTaken
from kontera.domain.errors import KonteraError
from kontera.domain.filetypes import sniff
from kontera.domain.invoice import Severity
from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.domain.status import Status
from kontera.domain.suppliers import supplier_key
from kontera.interpret import interpret_bytes
from kontera.interpret.base import Interpretation
from kontera.interpret.matching import find_credited_invoice
from kontera.services.attest.attestation import AttestationRefused
from kontera.services.attest.attestation import AwaitingAttestation
from kontera.services.attest.attestation import TwoPeopleRequired
from kontera.services.context import AppContext
from kontera.services.pipeline import derive
from kontera.services.pipeline.intake import check_intake
from kontera.services.pipeline.suppliers import seen_invoices
from kontera.services.review import approvals
from kontera.services.review.page_turns import record_reader_turns
from kontera.services.suggest.layouts import keep_scan_words
from kontera.services.suggest.layouts import layout_hints
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables import Interpretation as InterpretationRow

log = logging.getLogger(__name__)

WORKER = "worker"
UNREADABLE = msg(
    "Kontera could not read this document because of an internal error. "
    "The original is kept; retry it, or contact support if it fails again."
)


@dataclass(frozen=True, slots=True)
class Received:
    document: Document
    duplicate: bool


def receive_document(
    ctx: AppContext,
    *,
    company_id: str,
    data: bytes,
    filename: str | None = None,
    content_type: str | None = None,
    source: str = "api",
    external_id: str | None = None,
    sender: str | None = None,
    provenance: dict[str, Any] | None = None,
    actor: str = "api",
) -> Received:
    """Store the original first, then record the document and queue its processing."""
    _check_size(ctx, data)
    if external_id is not None:
        earlier = _by_external_id(ctx, company_id, external_id, hashlib.sha256(data).hexdigest())
        if earlier is not None:
            return earlier
    sha256 = ctx.blobs.put(data)
    document = Document(
        company_id=company_id,
        sha256=sha256,
        filename=_clean_filename(filename),
        content_type=content_type,
        kind=sniff(data).value,
        size=len(data),
        source=source,
        external_id=external_id,
        sender=sender,
        provenance=provenance or {},
    )
    try:
        earlier = _record_received(ctx, document, actor=actor)
    except IntegrityError:
        return _first_of_a_race(ctx, document)
    if earlier is not None:
        return earlier
    ctx.queue.process_document(document.id)
    return Received(document, duplicate=False)


def _check_size(ctx: AppContext, data: bytes) -> None:
    if not data:
        raise EmptyDocument("The file is empty (0 bytes).")
    if len(data) > ctx.settings.max_upload_bytes:
        limit_mb = ctx.settings.max_upload_bytes / 1024 / 1024
        raise DocumentTooLarge(
            msg("The file is larger than the {limit} MB limit.", limit=round(limit_mb))
        )


def _record_received(ctx: AppContext, document: Document, *, actor: str) -> Received | None:
    """The new document and its `received` event, or the earlier one with the same bytes."""
    with session_scope(ctx.engine) as session:
        existing = repo.find_document_by_sha(
            session, company_id=document.company_id, sha256=document.sha256
        )
        if existing is not None:
            _note_received_again(session, existing, actor=actor, source=document.source)
            return Received(existing, duplicate=True)
        session.add(document)
        repo.add_event(
            session,
            company_id=document.company_id,
            document_id=document.id,
            actor=actor,
            action="received",
            to_status=Status.RECEIVED.value,
            detail={
                "source": document.source,
                "filename": document.filename,
                "size": document.size,
            },
        )
    return None


def _first_of_a_race(ctx: AppContext, document: Document) -> Received:
    """The same bytes (or the same external_id) arrived concurrently; the first one won."""
    if document.external_id is not None:
        earlier = _by_external_id(ctx, document.company_id, document.external_id, document.sha256)
        if earlier is not None:
            return earlier
    with session_scope(ctx.engine) as session:
        existing = repo.find_document_by_sha(
            session, company_id=document.company_id, sha256=document.sha256
        )
        assert existing is not None
        return Received(existing, duplicate=True)


def _by_external_id(
    ctx: AppContext, company_id: str, external_id: str, sha256: str
) -> Received | None:
    """`external_id` is an idempotency key per company: the same id with the same bytes is
    the first document again; with other bytes it is a conflict naming the first document."""
    with session_scope(ctx.engine) as session:
        earlier = repo.find_document_by_external_id(
            session, company_id=company_id, external_id=external_id
        )
        if earlier is None:
            return None
        if earlier.sha256 != sha256:
            raise ExternalIdTaken(
                msg(
                    "The external_id {external_id} already names another document with "
                    "other content.",
                    external_id=external_id,
                ),
                document_id=earlier.id,
            )
        return Received(earlier, duplicate=True)


def _note_received_again(session: Session, document: Document, *, actor: str, source: str) -> None:
    repo.add_event(
        session,
        company_id=document.company_id,
        document_id=document.id,
        actor=actor,
        action="received_again",
        detail={"source": source},
    )


def _clean_filename(filename: str | None) -> str | None:
    if not filename:
        return None
    # Only the last path component, so a "../../x" name never reaches a path anywhere.
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip().replace("\x00", "")
    return name[:255] or None


def process_document(ctx: AppContext, document_id: str) -> str:
    """Advance the document as far as machines may take it; return its final status."""
    with session_scope(ctx.engine) as session:
        document = session.get(Document, document_id)
        if document is None:
            return "missing"
        status = Status(document.status)
    try:
        while (step := STEPS.get(status)) is not None:
            with telemetry.timed(STAGE_OF[status]):
                status = step(ctx, document_id)
    except Conflict:
        # Another worker moved this document first (a requeued copy of the same task).
        log.info("document already handled elsewhere", extra={"document_id": document_id})
        return _current_status(ctx, document_id)
    return status.value


def _current_status(ctx: AppContext, document_id: str) -> str:
    with session_scope(ctx.engine) as session:
        document = session.get(Document, document_id)
        return document.status if document else "missing"


def _interpret_step(ctx: AppContext, document_id: str) -> Status:
    with session_scope(ctx.engine) as session:
        document = session.get(Document, document_id)
        assert document is not None
        sha256 = document.sha256
        hints = layout_hints(session, company_id=document.company_id)
    context = replace(ctx.interpret_context(), layout_hints=hints)
    try:
        interpretation = interpret_bytes(ctx.blobs.get(sha256), context)
        keep_scan_words(ctx, sha256, interpretation)
    except KonteraError as e:
        return _fail(ctx, document_id, e.text, error_code=e.code)
    except Exception:
        log.exception("interpretation crashed", extra={"document_id": document_id})
        return _fail(ctx, document_id, UNREADABLE, error_code="internal_error")
    return _save_interpretation(ctx, document_id, interpretation)


def _save_interpretation(ctx: AppContext, document_id: str, result: Interpretation) -> Status:
    invoice = result.invoice
    rendering_sha = _store_parts(ctx, result)
    with session_scope(ctx.engine) as session:
        document = session.get(Document, document_id)
        assert document is not None
        document.supplier_key = supplier_key(invoice.seller)
        check_intake(session, document=document, invoice=invoice)
        derive.summarise(session, document, invoice)
        seen = seen_invoices(session, document=document)
        document.related_document_id = find_credited_invoice(invoice, seen)
        duplicate = derive.duplicate_of(session, document, invoice)
        document.warnings = sum(1 for n in invoice.notes if n.severity is not Severity.INFO)
        session.add(_interpretation_row(document_id, result, rendering_sha))
        record_reader_turns(session, document_id=document_id, turns=result.page_turns)
        if duplicate is not None:
            return derive.mark_duplicate(session, document, duplicate, actor=WORKER)
        repo.move_document(
            session,
            document=document,
            target=Status.INTERPRETED,
            actor=WORKER,
            detail={"interpreter": result.interpreter},
        )
    return Status.INTERPRETED


def _store_parts(ctx: AppContext, result: Interpretation) -> str | None:
    """Renderings and extracted attachments go to the originals store, by hash."""
    for attachment in result.extracted:
        if attachment.content:
            attachment.sha256 = ctx.blobs.put(attachment.content)
    return ctx.blobs.put(result.rendering) if result.rendering else None


def _interpretation_row(
    document_id: str, result: Interpretation, rendering_sha: str | None
) -> InterpretationRow:
    return InterpretationRow(
        document_id=document_id,
        interpreter=result.interpreter,
        payload=invoice_to_json(result.invoice),
        rendering_sha256=rendering_sha,
        page_count=result.page_count,
    )


def _suggest_step(ctx: AppContext, document_id: str) -> Status:
    with session_scope(ctx.engine) as session:
        document = session.get(Document, document_id)
        assert document is not None
        row = repo.latest_interpretation(session, document_id=document_id)
        assert row is not None
        invoice = invoice_from_json(row.payload)
        routed = derive.suggest_and_route(
            ctx, session, document, invoice, interpreter=row.interpreter, actor=WORKER
        )
        company_id = document.company_id
    if routed.status is Status.SUGGESTED and routed.suggestion.auto_approvable:
        return _auto_approve(ctx, company_id, document_id)
    return routed.status


def _auto_approve(ctx: AppContext, company_id: str, document_id: str) -> Status:
    """The policy's approval, unless people must act (attestation, the two-person rule)."""
    try:
        approvals.approve(
            ctx, company_id=company_id, document_id=document_id, actor="auto-approval", auto=True
        )
    except (TwoPeopleRequired, AwaitingAttestation, AttestationRefused) as e:
        with session_scope(ctx.engine) as session:
            repo.add_event(
                session,
                company_id=company_id,
                document_id=document_id,
                actor="auto-approval",
                action="auto_approval:withheld",
                detail={"why": e.message},
            )
        return Status.SUGGESTED
    return Status.APPROVED


def _fail(ctx: AppContext, document_id: str, reason: Message, *, error_code: str) -> Status:
    with session_scope(ctx.engine) as session:
        document = session.get(Document, document_id)
        assert document is not None
        document.attempts += 1
        repo.move_document(
            session,
            document=document,
            target=Status.FAILED,
            actor=WORKER,
            reason=reason,
            detail={"error": error_code},
        )
    return Status.FAILED


STEPS: dict[Status, Callable[[AppContext, str], Status]] = {
    Status.RECEIVED: _interpret_step,
    Status.INTERPRETED: _suggest_step,
}
STAGE_OF = {Status.RECEIVED: "interpret", Status.INTERPRETED: "suggest"}
