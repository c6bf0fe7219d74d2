"""One document: the page images with field boxes, fields, postings, approve/reject, audit.

Every route starts with `user.require_company(company_id)`, and the services look documents
up by (company, id), so another company's document is "not found" on every endpoint.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter
from fastapi import Form
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.responses import JSONResponse
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.datastructures import QueryParams
from starlette.responses import Response

from kontera.domain.errors import InvalidInput
from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.review import detail
from kontera.review import pages
from kontera.review.accrual_form import accrual_from_form
from kontera.review.auth import PostingUser
from kontera.review.auth import User
from kontera.review.queue_routes import parse_filters
from kontera.review.web import app_context
from kontera.review.web import render
from kontera.services.admin.users import SignedIn
from kontera.services.post import held_vouchers
from kontera.services.review import approvals
from kontera.services.review import comments
from kontera.services.review import page_turns
from kontera.services.review import pages as review_pages
from kontera.services.review import queue as review_queue
from kontera.services.review.approvals import ApprovedLine
from kontera.services.review.dimension_choices import DIMENSION_KINDS
from kontera.services.review.dimension_choices import dimension_choices
from kontera.services.review.field_values import FieldValueError
from kontera.services.review.field_values import parse_amount_text
from kontera.services.review.queue import QueueLink
from kontera.services.review.voucher_preview import voucher_preview
from kontera.services.suggest.chart import company_chart

router = APIRouter(include_in_schema=False)
BASE = "/c/{company_id}/d/{document_id}"
MAX_LINES = 200


def detail_url(company_id: str, document_id: str, q: str = "") -> str:
    return f"/c/{company_id}/d/{document_id}" + (f"?q={quote(q)}" if q else "")


def _is_fetch(request: Request) -> bool:
    return request.headers.get("x-requested-with") == "fetch"


@router.get(BASE, response_class=HTMLResponse)
def document_page(
    request: Request, user: User, company_id: str, document_id: str, q: str = ""
) -> Response:
    user.require_company(company_id)
    return _page(request, user, company_id, document_id, q)


def _page(
    request: Request,
    user: SignedIn,
    company_id: str,
    document_id: str,
    q: str,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, Message] | None = None,
    status_code: int = 200,
) -> Response:
    """The detail page; after a refused correction, with what was typed and why it was not
    taken (`typed`, `errors`)."""
    ctx = app_context(request)
    view = review_pages.document_detail(ctx, company_id=company_id, document_id=document_id)
    source = review_pages.page_source(ctx, company_id=company_id, document_id=document_id)
    try:
        sizes = pages.page_sizes(ctx, source)
    except InvalidInput:
        sizes = []
    turns = page_turns.page_turns(ctx, company_id=company_id, document_id=document_id)
    rows = detail.posting_rows(view)
    balance = voucher_preview(
        ctx, company_id=company_id, document_id=document_id, lines=detail.approval_lines(rows)
    )
    chart = company_chart(ctx, company_id=company_id)
    duplicate_id = view.get("duplicate_of")
    return render(
        request,
        "detail.html",
        user,
        status_code=status_code,
        view=view,
        fields=detail.field_rows(view.get("invoice"), user.locale, typed=typed, errors=errors),
        boxes=detail.boxed_fields(view.get("invoice")),
        postings=rows,
        balance=balance,
        warnings=detail.warnings(view) + detail.voucher_warnings(balance),
        pages=detail.page_views(sizes, turns),
        q=q,
        reviewable=view["status"] in ("suggested", "needs_review"),
        names=detail.chart_names(chart, rows),
        dimension_choices=dimension_choices(
            ctx, company_id=company_id, on_page=[row.dimensions.codes for row in rows]
        ),
        plan=held_vouchers.posting_plan(ctx, company_id=company_id),
        posting_delay=round(ctx.settings.posting_delay_seconds),
        undoable=detail.undoable(view),
        duplicate=review_pages.document_label(ctx, company_id=company_id, document_id=duplicate_id)
        if duplicate_id
        else None,
        notes=comments.comments(ctx, company_id=company_id, document_id=document_id),
    )


def _neighbours(
    request: Request, user: SignedIn, document_id: str, q: str
) -> tuple[QueueLink | None, QueueLink | None]:
    return review_queue.neighbours(
        app_context(request),
        company_ids=user.company_ids,
        filters=parse_filters(QueryParams(q)),
        document_id=document_id,
    )


@router.get(BASE + "/step")
def step(
    request: Request, user: User, company_id: str, document_id: str, to: str = "next", q: str = ""
) -> Response:
    """The previous or next document in the queue's order, found when asked (j / k)."""
    user.require_company(company_id)
    previous, following = _neighbours(request, user, document_id, q)
    target = previous if to == "prev" else following
    if target is None:
        return RedirectResponse("/" + (f"?{q}" if q else ""), status_code=303)
    return RedirectResponse(detail_url(target.company_id, target.document_id, q), status_code=303)


@router.get(BASE + "/page/{number}.png")
def page_image(
    request: Request, user: User, company_id: str, document_id: str, number: int
) -> Response:
    user.require_company(company_id)
    ctx = app_context(request)
    source = review_pages.page_source(ctx, company_id=company_id, document_id=document_id)
    turn = page_turns.page_turns(ctx, company_id=company_id, document_id=document_id).get(number)
    png = pages.page_png(ctx, source, number, turn.total if turn else 0)
    # Private: a page image is as confidential as the invoice itself.
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@router.get(BASE + "/fields", response_class=HTMLResponse)
def fields_fragment(request: Request, user: User, company_id: str, document_id: str) -> Response:
    user.require_company(company_id)
    view = review_pages.document_detail(
        app_context(request), company_id=company_id, document_id=document_id
    )
    return render(
        request,
        "_fields.html",
        user,
        view=view,
        fields=detail.field_rows(view.get("invoice"), user.locale),
        reviewable=view["status"] in ("suggested", "needs_review"),
    )


@router.post(BASE + "/fields")
async def correct_fields(
    request: Request, user: PostingUser, company_id: str, document_id: str
) -> Response:
    """Save corrections; a value that does not fit comes back beside its field, in words,
    with what was typed (nothing is saved then)."""
    user.require_company(company_id)
    form = await request.form()
    q = str(form.get("q") or "")
    changes = _field_changes(form)
    try:
        if changes:
            await run_in_threadpool(
                approvals.correct_fields,
                app_context(request),
                company_id=company_id,
                document_id=document_id,
                actor=user.email,
                changes=changes,
            )
    except FieldValueError as e:
        return await run_in_threadpool(
            partial(_page, typed=changes, errors={e.field: e.text}, status_code=422),
            request,
            user,
            company_id,
            document_id,
            q,
        )
    if _is_fetch(request):
        return await run_in_threadpool(_page, request, user, company_id, document_id, q)
    return RedirectResponse(detail_url(company_id, document_id, q), status_code=303)


def _field_changes(form: FormData) -> dict[str, str]:
    """Only changed, editable fields: `f:<path>` carries the new value, `o:<path>` the old."""
    changes = {}
    for key, value in form.multi_items():
        if not key.startswith("f:") or not isinstance(value, str):
            continue
        path = key[2:]
        if value.strip() == str(form.get(f"o:{path}") or "").strip():
            continue
        if path not in detail.EDITABLE:
            raise InvalidInput(msg("The field {path} cannot be edited here.", path=path))
        changes[path] = value.strip()
    return changes


@router.get(BASE + "/audit", response_class=HTMLResponse)
def audit_fragment(request: Request, user: User, company_id: str, document_id: str) -> Response:
    user.require_company(company_id)
    view = review_pages.document_detail(
        app_context(request), company_id=company_id, document_id=document_id
    )
    return render(request, "_audit.html", user, view=view)


@router.post(BASE + "/approve")
async def approve(
    request: Request, user: PostingUser, company_id: str, document_id: str
) -> Response:
    user.require_company(company_id)
    form = await request.form()
    q = str(form.get("q") or "")
    lines = _approved_lines(form)
    ctx = app_context(request)
    _, following = await run_in_threadpool(_neighbours, request, user, document_id, q)
    await run_in_threadpool(
        partial(
            approvals.approve,
            ctx,
            company_id=company_id,
            document_id=document_id,
            actor=user.email,
            lines=lines,
            posting_delay=ctx.settings.posting_delay_seconds,
        )
    )
    return _after_decision(request, following, q, approved=f"{company_id}/{document_id}")


def _approved_lines(form: FormData) -> list[ApprovedLine] | None:
    """The person's postings; None (use the suggestion) when the form carries no lines.

    Amounts are read as people write them (`1 234,56`, `−500`); a line left without an
    account or amount is dropped when it is entirely empty (an added line not filled in)."""
    count = int(str(form.get("lines") or 0))
    if count == 0:
        return None
    lines = []
    for i in range(min(count, MAX_LINES)):
        amount_text = str(form.get(f"amount_{i}") or "").strip()
        try:
            amount = parse_amount_text(amount_text) if amount_text else None
        except FieldValueError as e:
            raise InvalidInput(msg("Line {n}: {error}", n=i + 1, error=e.text)) from e
        account = str(form.get(f"account_{i}") or "").strip()
        if not account and amount is None:
            continue
        index_text = str(form.get(f"line_index_{i}") or "")
        dimensions = {
            kind: code
            for kind in DIMENSION_KINDS
            if (code := str(form.get(f"dim_{kind}_{i}") or "").strip())
        }
        lines.append(
            ApprovedLine(
                account=account,
                amount=amount,
                vat_code=str(form.get(f"vat_code_{i}") or "").strip() or None,
                description=str(form.get(f"description_{i}") or "").strip() or None,
                line_index=int(index_text) if index_text.isdigit() else None,
                accrual=accrual_from_form(form, i, amount),
                dimensions=dimensions or None,
            )
        )
    return lines


@router.post(BASE + "/reject")
def reject(
    request: Request,
    user: PostingUser,
    company_id: str,
    document_id: str,
    reason: Annotated[str, Form()] = "",
    q: Annotated[str, Form()] = "",
) -> Response:
    user.require_company(company_id)
    _, following = _neighbours(request, user, document_id, q)
    approvals.reject(
        app_context(request),
        company_id=company_id,
        document_id=document_id,
        actor=user.email,
        reason=reason.strip() or None,
    )
    return _after_decision(request, following, q)


def _after_decision(
    request: Request, following: QueueLink | None, q: str, *, approved: str = ""
) -> Response:
    """On to the next document (or the queue); after an approval it offers to undo it."""
    if following is None:
        target = "/" + (f"?{q}" if q else "")
    else:
        target = detail_url(following.company_id, following.document_id, q)
    if approved:
        target += ("&" if "?" in target else "?") + f"approved={quote(approved)}"
    if _is_fetch(request):
        return JSONResponse({"next": target})
    return RedirectResponse(target, status_code=303)
