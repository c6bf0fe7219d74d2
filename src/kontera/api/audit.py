"""`GET /v1/audit`: the authenticated company's audit trail for a period, as CSV or JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi import Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from kontera.api.auth import Ctx
from kontera.api.auth import CurrentCompany
from kontera.api.schemas import Day
from kontera.api.schemas import errors
from kontera.services.ops import audit_export
from kontera.services.ops.audit_export import ExportFormat

router = APIRouter(prefix="/v1/audit", tags=["audit"])

AUDIT_JSON = {
    "type": "object",
    "required": ["company_id", "from", "to", "count", "events"],
    "properties": {
        "company_id": {"type": "string"},
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
        "count": {"type": "integer", "minimum": 0},
        "events": {"type": "array", "items": {"type": "object"}},
    },
}
MEDIA_TYPES = {ExportFormat.CSV: "text/csv; charset=utf-8", ExportFormat.JSON: "application/json"}


@router.get(
    "",
    summary="Audit events of your company in a period (inclusive, UTC)",
    response_class=Response,
    responses={
        200: {
            "description": "The events, oldest first, as a download.",
            "content": {
                "application/json": {"schema": AUDIT_JSON},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
        **errors(400, 401, 422),
    },
)
async def export_audit(
    ctx: Ctx,
    company: CurrentCompany,
    start: Annotated[Day, Query(alias="from", description="First day, YYYY-MM-DD.")],
    end: Annotated[Day, Query(alias="to", description="Last day, YYYY-MM-DD.")],
    fmt: Annotated[ExportFormat, Query(alias="format")] = ExportFormat.JSON,
) -> Response:
    body = await run_in_threadpool(
        audit_export.export, ctx, company_id=company.id, start=start, end=end, fmt=fmt
    )
    filename = f"kontera-audit-{company.slug}-{start.isoformat()}-{end.isoformat()}.{fmt.value}"
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
