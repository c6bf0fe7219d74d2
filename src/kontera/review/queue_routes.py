"""The queue at `/`: filters, sort, counts per status, pages of 50, bulk approval."""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from decimal import Decimal
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi import Form
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.responses import RedirectResponse
from starlette.datastructures import QueryParams
from starlette.responses import Response

from kontera.domain.amounts import parse_amount
from kontera.domain.errors import InvalidInput
from kontera.domain.messages import msg
from kontera.domain.status import Status
from kontera.review.auth import PostingUser
from kontera.review.auth import User
from kontera.review.web import app_context
from kontera.review.web import render
from kontera.review.web import safe_next
from kontera.services.review import queue as review_queue
from kontera.services.review.queue import SORTS
from kontera.services.review.queue import QueueFilter

router = APIRouter(include_in_schema=False)
STATUSES = ["open", *[s.value for s in Status], "all"]
DUE_SOON_DAYS = 3


def parse_filters(params: QueryParams) -> QueueFilter:
    """The queue's filters from a query string; anything malformed is a readable 400."""
    try:
        return QueueFilter(
            company_id=params.get("company") or None,
            status=params.get("status") or review_queue.OPEN,
            supplier=params.get("supplier") or None,
            due_from=_date(params.get("due_from")),
            due_to=_date(params.get("due_to")),
            min_amount=_amount(params.get("min_amount")),
            max_amount=_amount(params.get("max_amount")),
            max_confidence=_confidence(params.get("max_confidence")),
            warnings_only=params.get("warnings") == "1",
            sort=_sort(params.get("sort")),
            descending=params.get("desc") == "1",
            page=max(1, int(params.get("page") or 1)),
        )
    except ValueError as e:
        raise InvalidInput(msg("A filter is not valid: {e}", e=str(e))) from e


def _sort(text: str | None) -> str:
    return text if text in SORTS and text is not None else "due"


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _amount(text: str | None) -> Decimal | None:
    # The queue is read in Norwegian by default: "1.000" there is a thousand.
    return parse_amount(text, locale="nb") if text else None


def _confidence(text: str | None) -> float | None:
    if not text:
        return None
    value = float(text.replace(",", "."))
    return value / 100 if value > 1 else value  # "80" and "0.8" both mean 80 %


def filters_query(f: QueueFilter, **changes: object) -> str:
    values: dict[str, object] = {
        "company": f.company_id,
        "status": f.status if f.status != review_queue.OPEN else None,
        "supplier": f.supplier,
        "due_from": f.due_from,
        "due_to": f.due_to,
        "min_amount": f.min_amount,
        "max_amount": f.max_amount,
        "max_confidence": f.max_confidence,
        "warnings": "1" if f.warnings_only else None,
        "sort": f.sort if f.sort != "due" else None,
        "desc": "1" if f.descending else None,
        "page": f.page if f.page > 1 else None,
        **changes,
    }
    return urlencode({k: str(v) for k, v in values.items() if v not in (None, "")})


@router.get("/", response_class=HTMLResponse)
def queue(request: Request, user: User) -> Response:
    ctx = app_context(request)
    filters = parse_filters(request.query_params)
    page = review_queue.queue_page(ctx, company_ids=user.company_ids, filters=filters)
    confident = (
        review_queue.confident_documents(
            ctx, company_ids=user.company_ids, document_ids=[row.id for row in page.rows]
        )
        if user.can("bulk_approve")
        else []
    )
    return render(
        request,
        "queue.html",
        user,
        page=page,
        filters=filters,
        companies=user.companies,
        statuses=STATUSES,
        sorts=SORTS,
        confident_ids={d.id for d in confident},
        today=date.today(),
        due_soon=date.today() + timedelta(days=DUE_SOON_DAYS),
        query=filters_query,
        here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    )


@router.post("/bulk-approve")
def bulk_approve(
    request: Request,
    user: PostingUser,
    document: Annotated[list[str] | None, Form()] = None,
    back: Annotated[str, Form()] = "/",
) -> Response:
    user.require("bulk_approve")
    result = review_queue.bulk_approve(
        app_context(request),
        company_ids=user.company_ids,
        document_ids=document or [],
        actor=user.email,
    )
    target = safe_next(back)
    joiner = "&" if "?" in target else "?"
    notice = urlencode({"approved": len(result.approved), "skipped": len(result.skipped)})
    return RedirectResponse(f"{target}{joiner}{notice}", status_code=303)
