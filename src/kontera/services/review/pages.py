"""Read models behind the review UI's pages besides the queue: one document in detail (with
the bank-account check), where its page images come from, and what the models look like."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import col
from sqlmodel import select

from kontera.domain.errors import NotFound
from kontera.services.context import AppContext
from kontera.services.review import queries
from kontera.store import repo
from kontera.store.blobs import BlobStore
from kontera.store.db import session_scope
from kontera.store.tables import Company
from kontera.store.tables import Document
from kontera.store.tables import Interpretation
from kontera.store.tables import PostingHistory

IMAGE_KINDS = {"png", "jpeg", "tiff"}
BANK_HISTORY = 25  # how many earlier invoices of a supplier are compared for bank accounts


@dataclass(frozen=True, slots=True)
class PageSource:
    """Where the page images of a document come from: a PDF, a picture, or neither."""

    sha256: str | None
    kind: str  # "pdf", "image" or "none"
    page_count: int


def document_detail(ctx: AppContext, *, company_id: str, document_id: str) -> dict[str, Any]:
    view = queries.document_view(ctx, company_id=company_id, document_id=document_id)
    with session_scope(ctx.engine) as session:
        company = repo.get_company(session, company_id=company_id)
        document = repo.get_document(session, company_id=company_id, document_id=document_id)
        view["company"] = {"id": company.id, "name": company.name, "country": company.country}
        view["bank_warning"] = _bank_account_warning(session, document, view.get("invoice"))
    return view


@dataclass(frozen=True, slots=True)
class DocumentLabel:
    """Enough to name another document in a link: supplier, number, amount, arrival."""

    id: str
    company_id: str
    supplier_name: str | None
    invoice_number: str | None
    filename: str | None
    gross: Any
    currency: str | None
    status: str
    received_at: Any


def document_label(ctx: AppContext, *, company_id: str, document_id: str) -> DocumentLabel | None:
    with session_scope(ctx.engine) as session:
        document = session.get(Document, document_id)
        if document is None or document.company_id != company_id:
            return None
        return DocumentLabel(
            document.id,
            document.company_id,
            document.supplier_name,
            document.invoice_number,
            document.filename,
            document.gross,
            document.currency,
            document.status,
            document.received_at,
        )


def _bank_account(invoice: dict[str, Any] | None) -> str | None:
    payment = (invoice or {}).get("payment") or {}
    value = payment.get("iban") or payment.get("bank_account") or payment.get("bankgiro")
    return str(value).replace(" ", "") if value else None


def _bank_account_warning(
    session: Any, document: Document, invoice: dict[str, Any] | None
) -> dict[str, Any] | None:
    """A new or changed bank account of a known supplier is the classic invoice fraud."""
    current = _bank_account(invoice)
    if not current or not document.supplier_key:
        return None
    known = _known_bank_accounts(session, document.company_id, document.supplier_key, document.id)
    if not known or current in known:
        return None
    return {"account": current, "known": sorted(known)}


def _known_bank_accounts(
    session: Any, company_id: str, supplier_key: str, exclude_id: str | None
) -> set[str]:
    query = (
        select(Interpretation.payload)
        .join(Document, col(Document.id) == col(Interpretation.document_id))
        .where(
            Document.company_id == company_id,
            Document.supplier_key == supplier_key,
            col(Document.id) != (exclude_id or ""),
            col(Document.status).in_(["approved", "posting", "posted"]),
        )
        .order_by(col(Interpretation.created_at).desc())
        .limit(BANK_HISTORY)
    )
    return {a for payload in session.exec(query).all() if (a := _bank_account(payload))}


def page_source(ctx: AppContext, *, company_id: str, document_id: str) -> PageSource:
    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=company_id, document_id=document_id)
        row = repo.latest_interpretation(session, document_id=document_id)
    # The original first: its pages are what the reader's boxes refer to.
    if document.kind == "pdf":
        return PageSource(document.sha256, "pdf", row.page_count if row else 0)
    if document.kind in IMAGE_KINDS:
        return PageSource(document.sha256, "image", row.page_count if row else 1)
    if row is not None and row.rendering_sha256:
        return PageSource(row.rendering_sha256, "pdf", row.page_count)
    return PageSource(None, "none", 0)


@dataclass(frozen=True, slots=True)
class ModelStatus:
    company_id: str
    company_name: str
    history_lines: int
    history_by_source: dict[str, int]
    model_files: list[dict[str, Any]]
    plots: list[str]  # storage keys of the PNG plots beside the model


def model_status(ctx: AppContext, *, company_ids: frozenset[str]) -> list[ModelStatus]:
    """History counts per company and whatever model cards/plots lie in the models folder."""
    with session_scope(ctx.engine) as session:
        companies = session.exec(
            select(Company).where(col(Company.id).in_(sorted(company_ids))).order_by(Company.name)
        ).all()
        counts = session.exec(
            select(PostingHistory.company_id, PostingHistory.source, func.count())
            .where(col(PostingHistory.company_id).in_(sorted(company_ids)))
            .group_by(PostingHistory.company_id, PostingHistory.source)
        ).all()
    by_company: dict[str, dict[str, int]] = {}
    for company_id, source, count in counts:
        by_company.setdefault(company_id, {})[source] = count
    result = []
    for company in companies:
        sources = by_company.get(company.id, {})
        cards, plots = _model_files(ctx.blobs, company)
        result.append(
            ModelStatus(company.id, company.name, sum(sources.values()), sources, cards, plots)
        )
    return result


def _model_files(blobs: BlobStore, company: Company) -> tuple[list[dict[str, Any]], list[str]]:
    """Model cards (JSON) and plots (PNG) in the store's `models/<company id or slug>/`."""
    cards: list[dict[str, Any]] = []
    plots: list[str] = []
    for folder in (f"models/{company.id}/", f"models/{company.slug}/"):
        keys = sorted(blobs.keys(folder))
        for key in [k for k in keys if k.endswith(".json")][:20]:
            try:
                data = json.loads(blobs.read(key))
            except (NotFound, ValueError):
                continue
            if isinstance(data, dict):
                cards.append({"file": key.rsplit("/", 1)[-1], **data})
        plots += [k for k in keys if k.endswith(".png")][:10]
    return cards, plots
