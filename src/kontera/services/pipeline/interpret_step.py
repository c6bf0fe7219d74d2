"""The interpret step: the stored original → an interpretation, and what follows from it at once.

`steps.py` runs it for a `received` document: it ends `interpreted`, `duplicate` (the same
invoice came before) or `failed` (with a reason a bookkeeper can read; a retry starts over).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from kontera.domain.codec import invoice_to_json
from kontera.domain.errors import KonteraError
from kontera.domain.invoice import Severity
from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.domain.status import Status
from kontera.domain.suppliers import supplier_key
from kontera.interpret import interpret_bytes
from kontera.interpret.base import Interpretation
from kontera.interpret.matching import find_credited_invoice
from kontera.services.context import AppContext
from kontera.services.pipeline import derive
from kontera.services.pipeline.intake import check_intake
from kontera.services.pipeline.suppliers import seen_invoices
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


def interpret_step(ctx: AppContext, document_id: str) -> Status:
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
