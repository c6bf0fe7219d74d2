"""Suggestions follow what Kontera learns: after an approval, a history import or a retrain,
the invoices already waiting for a person are suggested again.

- An approval recounts the company model's evidence at once (`refresh_company_model`, the
  cheap recount that keeps the learned ranker; every `RETRAIN_EVERY` approvals a full
  retrain instead), then suggests again for that supplier's waiting invoices: the next
  invoice from a supplier approved a minute ago no longer says "No earlier invoices".
- A history import or retrain suggests again for every waiting invoice of the company.

A re-suggestion changes only what it should: a waiting invoice whose suggestion comes out
the same is left alone (no new record, no audit event), one a person is deciding at that
very moment is skipped (the status compare-and-set refuses), and nothing is auto-approved
here — an invoice already in front of people stays theirs to decide.
"""

from __future__ import annotations

import logging

from sqlmodel import col
from sqlmodel import select

from kontera.domain.codec import invoice_from_json
from kontera.domain.codec import to_jsonable
from kontera.domain.errors import Conflict
from kontera.domain.errors import KonteraError
from kontera.domain.status import REVIEWABLE
from kontera.domain.status import Status
from kontera.services.context import AppContext
from kontera.services.pipeline import derive
from kontera.services.suggest import suggestions
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.suggest.artifact import SIDECAR_FILE
from kontera.suggest.persistence import refresh_company_model

log = logging.getLogger(__name__)
ACTOR = "relearn"


def after_approval(ctx: AppContext, company_id: str, supplier_key: str | None) -> int:
    """Learn from the approval at once, then suggest again for the supplier's waiting
    invoices; returns how many got a new suggestion."""
    refresh_model(ctx, company_id)
    return resuggest_waiting(ctx, company_id=company_id, supplier_key=supplier_key)


def train_and_resuggest(ctx: AppContext, company_id: str) -> int:
    """After a history import (or a scheduled retrain): retrain, then suggest again for every
    waiting invoice of the company."""
    suggestions.train_company(ctx, company_id)
    return resuggest_waiting(ctx, company_id=company_id)


def refresh_model(ctx: AppContext, company_id: str) -> None:
    """Recount the saved model's evidence from the whole history (approvals included).

    Without a model there is nothing to recount: suggestions then come from the history
    table directly, which already holds the approval."""
    directory = suggestions.model_dir(ctx, company_id)
    if directory.version(SIDECAR_FILE) is None:
        return
    try:
        refresh_company_model(suggestions.history_lines(ctx, company_id), out_dir=directory)
    except KonteraError as e:  # an unusable model file: the next full retrain replaces it
        log.warning("model refresh skipped", extra={"company_id": company_id, "why": e.message})


def resuggest_waiting(ctx: AppContext, *, company_id: str, supplier_key: str | None = None) -> int:
    changed = 0
    for document_id in waiting_documents(ctx, company_id=company_id, supplier_key=supplier_key):
        try:
            changed += resuggest(ctx, company_id=company_id, document_id=document_id)
        except Conflict:
            continue  # a person approved or corrected it meanwhile
    if changed:
        log.info("suggested again", extra={"company_id": company_id, "documents": changed})
    return changed


def waiting_documents(
    ctx: AppContext, *, company_id: str, supplier_key: str | None = None
) -> list[str]:
    query = select(Document.id).where(
        Document.company_id == company_id,
        col(Document.status).in_([s.value for s in REVIEWABLE]),
    )
    if supplier_key is not None:
        query = query.where(Document.supplier_key == supplier_key)
    with session_scope(ctx.engine) as session:
        return list(session.exec(query.order_by(col(Document.received_at))).all())


def resuggest(ctx: AppContext, *, company_id: str, document_id: str) -> bool:
    """Suggest again for one waiting document; False when nothing changed."""
    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=company_id, document_id=document_id)
        row = repo.latest_interpretation(session, document_id=document_id)
        if Status(document.status) not in REVIEWABLE or row is None:
            return False
        invoice = invoice_from_json(row.payload)
        suggestion = derive.suggestion_for(
            ctx, session, document, invoice, interpreter=row.interpreter
        )
        latest = repo.latest_suggestion(session, document_id=document_id)
        if latest is not None and latest.payload == to_jsonable(suggestion):
            return False
        derive.route(session, document, invoice, suggestion, actor=ACTOR)
    return True
