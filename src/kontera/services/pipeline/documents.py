"""A document comes in (`receive_document`) and the machines take it as far as they may.

`process_document` runs the rows of the pipeline table (`steps.py`) from the document's
current status until it reaches a status that waits for a person (or ends), so a worker that
crashed half-way simply resumes.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kontera.domain.errors import Conflict
from kontera.domain.errors import DocumentTooLarge
from kontera.domain.errors import EmptyDocument
from kontera.domain.errors import ExternalIdTaken
from kontera.domain.filetypes import sniff
from kontera.domain.messages import msg
from kontera.domain.status import Status
from kontera.services.context import AppContext
from kontera.services.pipeline import steps
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Document

log = logging.getLogger(__name__)


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
        status = steps.advance(ctx, document_id, status)
    except Conflict:
        # Another worker moved this document first (a requeued copy of the same task).
        log.info("document already handled elsewhere", extra={"document_id": document_id})
        return _current_status(ctx, document_id)
    return status.value


def _current_status(ctx: AppContext, document_id: str) -> str:
    with session_scope(ctx.engine) as session:
        document = session.get(Document, document_id)
        return document.status if document else "missing"
