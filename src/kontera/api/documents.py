"""`/v1/documents`: send invoices in, follow them, approve or reject them."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
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
from kontera.api.schemas import Amount
from kontera.api.schemas import DocumentListOut
from kontera.api.schemas import DocumentOut
from kontera.api.schemas import Moment
from kontera.api.schemas import UploadOut
from kontera.api.schemas import errors
from kontera.domain.errors import InvalidInput
from kontera.domain.messages import msg
from kontera.domain.status import Status
from kontera.services.pipeline.documents import receive_document
from kontera.services.review import approvals
from kontera.services.review import queries
from kontera.services.review.approvals import ApprovedLine
from kontera.store import repo
from kontera.store.db import session_scope

router = APIRouter(prefix="/v1/documents", tags=["documents"])


class PostingIn(BaseModel):
    account: str
    amount: Amount | None = None
    vat_code: str | None = None
    description: str | None = None
    line_index: int | None = None
    # {"department": "20", "project": "1001"}; and an accrual schedule
    # {"account", "start", "end", "releases": [{"date", "amount"}]} (docs/attestation.md).
    dimensions: dict[str, str] | None = None
    accrual: dict[str, Any] | None = None


class ApproveIn(BaseModel):
    postings: list[PostingIn] | None = None
    corrections: dict[str, Any] | None = None


class RejectIn(BaseModel):
    reason: str | None = None


class CorrectIn(BaseModel):
    fields: dict[str, Any]


UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "minLength": 1,
                        "description": "The document: PDF, image, EHF/Peppol or CII XML "
                        "(an empty file is refused with 422 `empty_document`).",
                    },
                    "source": {
                        "type": "string",
                        "maxLength": 200,
                        "description": "Where it came from (a scanner's name, …).",
                    },
                    "external_id": {
                        "type": "string",
                        "maxLength": 200,
                        "description": "Your id for this document: an idempotency key per "
                        "company. The same id with the same bytes answers 200 with the first "
                        "document; with other bytes 409 with `document_id`.",
                    },
                },
            },
            "encoding": {"file": {"contentType": "application/octet-stream"}},
        }
    },
}


@router.post(
    "",
    status_code=202,
    summary="Send a document (multipart field `file`)",
    response_model=UploadOut,
    responses={
        200: {"model": UploadOut, "description": "Received before: the first document."},
        202: {"description": "Stored; it is being read."},
        **errors(400, 401, 409, 413, 422),
    },
    openapi_extra={"requestBody": UPLOAD_BODY},
)
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
        source=_text(form.get("source"), "source") or "api",
        external_id=_text(form.get("external_id"), "external_id"),
        actor=actor,
    )
    body = {
        "id": received.document.id,
        "status": received.document.status,
        "duplicate": received.duplicate,
    }
    return JSONResponse(body, status_code=200 if received.duplicate else 202)


def _text(value: Any, name: str) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    if len(value) > TEXT_LIMIT:
        raise InvalidInput(
            msg("{name} may be at most {limit} characters.", name=name, limit=TEXT_LIMIT)
        )
    return value


TEXT_LIMIT = 200
MAX_OFFSET = 1_000_000_000  # bounded, so a huge offset is a 422, never a database overflow


@router.get(
    "",
    summary="List documents, newest first",
    response_model=DocumentListOut,
    responses=errors(401, 422),
)
def list_documents(
    ctx: Ctx,
    company: CurrentCompany,
    status: Annotated[Status | None, Query()] = None,
    external_id: Annotated[
        str | None, Query(max_length=TEXT_LIMIT, description="Only the document with this id.")
    ] = None,
    changed_since: Annotated[
        Moment | None,
        Query(
            description="Only documents changed at or after this moment (ISO 8601; UTC "
            "when no offset is given): poll with the time of your last call."
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    where = repo.DocumentFilter(
        status=status.value if status else None,
        external_id=external_id,
        changed_since=_utc(changed_since),
    )
    items = queries.list_documents(
        ctx, company_id=company.id, limit=limit, offset=offset, where=where
    )
    total = queries.count_documents(ctx, company_id=company.id, where=where)
    return {"items": items, "total": total, "limit": limit, "offset": offset}


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@router.get(
    "/{document_id}",
    summary="A document with its interpretation and audit trail",
    response_model=DocumentOut,
    responses=errors(401, 404),
)
def get_document(document_id: str, ctx: Ctx, company: CurrentCompany) -> dict[str, Any]:
    return queries.document_view(ctx, company_id=company.id, document_id=document_id)


@router.get(
    "/{document_id}/original",
    summary="The original bytes as received",
    response_class=Response,
    responses={
        200: {
            "description": "The bytes, with the content type they arrived with.",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        },
        **errors(401, 404),
    },
)
def get_original(document_id: str, ctx: Ctx, company: CurrentCompany) -> Response:
    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=company.id, document_id=document_id)
    return Response(
        ctx.blobs.get(document.sha256),
        media_type=document.content_type or "application/octet-stream",
    )


@router.patch(
    "/{document_id}/fields",
    summary="Correct interpreted fields",
    response_model=DocumentOut,
    responses=errors(400, 401, 404, 409, 422),
)
def correct(
    document_id: str, body: CorrectIn, ctx: Ctx, company: CurrentCompany, actor: ApiActor
) -> dict[str, Any]:
    approvals.correct_fields(
        ctx, company_id=company.id, document_id=document_id, actor=actor, changes=body.fields
    )
    return queries.document_view(ctx, company_id=company.id, document_id=document_id)


@router.post(
    "/{document_id}/approve",
    summary="Approve, optionally with edited postings",
    response_model=DocumentOut,
    responses=errors(400, 401, 403, 404, 409, 422),
)
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


@router.post(
    "/{document_id}/reject",
    summary="Reject",
    response_model=DocumentOut,
    responses=errors(400, 401, 404, 409, 422),
)
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


@router.post(
    "/{document_id}/retry",
    summary="Retry a failed document",
    response_model=DocumentOut,
    responses=errors(401, 404, 409),
)
def retry(document_id: str, ctx: Ctx, company: CurrentCompany, actor: ApiActor) -> dict[str, Any]:
    approvals.retry(ctx, company_id=company.id, document_id=document_id, actor=actor)
    return queries.document_view(ctx, company_id=company.id, document_id=document_id)
