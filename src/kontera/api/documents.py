"""`/v1/documents`: send invoices in, follow them, approve or reject them."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from typing import Any

from fastapi import APIRouter
from fastapi import Query
from fastapi import Request
from fastapi import Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from kontera.api.auth import ApiActor
from kontera.api.auth import Ctx
from kontera.api.auth import CurrentCompany
from kontera.domain.errors import InvalidInput
from kontera.domain.status import Status
from kontera.services import approvals
from kontera.services import queries
from kontera.services.approvals import ApprovedLine
from kontera.services.documents import receive_document
from kontera.store import repo
from kontera.store.db import session_scope

router = APIRouter(prefix="/v1/documents", tags=["documents"])


class PostingIn(BaseModel):
    account: str
    amount: Decimal | None = None
    vat_code: str | None = None
    description: str | None = None
    line_index: int | None = None


class ApproveIn(BaseModel):
    postings: list[PostingIn] | None = None
    corrections: dict[str, Any] | None = None


class RejectIn(BaseModel):
    reason: str | None = None


class CorrectIn(BaseModel):
    fields: dict[str, Any]


@router.post("", status_code=202, summary="Send a document (multipart field `file`)")
async def upload(
    request: Request, ctx: Ctx, company: CurrentCompany, actor: ApiActor
) -> JSONResponse:
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InvalidInput("Send the document as multipart/form-data in a field named 'file'.")
    data = await upload.read()
    # Storing and recording do blocking I/O: keep it off the event loop.
    received = await run_in_threadpool(
        receive_document,
        ctx,
        company_id=company.id,
        data=data,
        filename=upload.filename,
        content_type=upload.content_type,
        source=_text(form.get("source")) or "api",
        external_id=_text(form.get("external_id")),
        actor=actor,
    )
    body = {
        "id": received.document.id,
        "status": received.document.status,
        "duplicate": received.duplicate,
    }
    return JSONResponse(body, status_code=200 if received.duplicate else 202)


def _text(value: Any) -> str | None:
    return value[:200] if isinstance(value, str) and value else None


@router.get("", summary="List documents")
def list_documents(
    ctx: Ctx,
    company: CurrentCompany,
    status: Annotated[Status | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    items = queries.list_documents(
        ctx,
        company_id=company.id,
        status=status.value if status else None,
        limit=limit,
        offset=offset,
    )
    return {"items": items, "limit": limit, "offset": offset}


@router.get("/{document_id}", summary="A document with its interpretation and audit trail")
def get_document(document_id: str, ctx: Ctx, company: CurrentCompany) -> dict[str, Any]:
    return queries.document_view(ctx, company_id=company.id, document_id=document_id)


@router.get("/{document_id}/original", summary="The original bytes as received")
def get_original(document_id: str, ctx: Ctx, company: CurrentCompany) -> Response:
    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=company.id, document_id=document_id)
    return Response(
        ctx.blobs.get(document.sha256),
        media_type=document.content_type or "application/octet-stream",
    )


@router.patch("/{document_id}/fields", summary="Correct interpreted fields")
def correct(
    document_id: str, body: CorrectIn, ctx: Ctx, company: CurrentCompany, actor: ApiActor
) -> dict[str, Any]:
    approvals.correct_fields(
        ctx, company_id=company.id, document_id=document_id, actor=actor, changes=body.fields
    )
    return queries.document_view(ctx, company_id=company.id, document_id=document_id)


@router.post("/{document_id}/approve", summary="Approve, optionally with edited postings")
def approve(
    document_id: str,
    ctx: Ctx,
    company: CurrentCompany,
    actor: ApiActor,
    body: ApproveIn | None = None,
) -> dict[str, Any]:
    body = body or ApproveIn()
    if body.corrections:
        approvals.correct_fields(
            ctx,
            company_id=company.id,
            document_id=document_id,
            actor=actor,
            changes=body.corrections,
        )
    lines = (
        [ApprovedLine(**posting.model_dump()) for posting in body.postings]
        if body.postings is not None
        else None
    )
    approvals.approve(ctx, company_id=company.id, document_id=document_id, actor=actor, lines=lines)
    return queries.document_view(ctx, company_id=company.id, document_id=document_id)


@router.post("/{document_id}/reject", summary="Reject")
def reject(
    document_id: str,
    ctx: Ctx,
    company: CurrentCompany,
    actor: ApiActor,
    body: RejectIn | None = None,
) -> dict[str, Any]:
    approvals.reject(
        ctx,
        company_id=company.id,
        document_id=document_id,
        actor=actor,
        reason=body.reason if body else None,
    )
    return queries.document_view(ctx, company_id=company.id, document_id=document_id)


@router.post("/{document_id}/retry", summary="Retry a failed document")
def retry(document_id: str, ctx: Ctx, company: CurrentCompany, actor: ApiActor) -> dict[str, Any]:
    approvals.retry(ctx, company_id=company.id, document_id=document_id, actor=actor)
    return queries.document_view(ctx, company_id=company.id, document_id=document_id)
