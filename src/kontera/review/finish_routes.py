"""Finishing an invoice beyond approve/reject: duplicates, undo, notes, turning a page, the
chart pickers, the held vouchers' file, and the connection test.

Every route starts with `user.require_company(company_id)`; the services look documents up
by (company, id), so another company's document is "not found" everywhere.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter
from fastapi import Form
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.responses import JSONResponse
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from kontera.domain.errors import InvalidInput
from kontera.domain.messages import msg
from kontera.post.export import ExportFormat
from kontera.review.auth import PostingUser
from kontera.review.auth import User
from kontera.review.web import app_context
from kontera.review.web import render
from kontera.services.post import held_vouchers
from kontera.services.post.connection_check import check_connection
from kontera.services.review import approvals
from kontera.services.review import comments
from kontera.services.review import duplicates
from kontera.services.review import page_turns
from kontera.services.review.approval_undo import undo_approval
from kontera.services.suggest.chart import search_accounts
from kontera.services.suggest.chart import search_vat_codes

router = APIRouter(include_in_schema=False)
BASE = "/c/{company_id}/d/{document_id}"
PICKER_LIMIT = 12


def _detail(company_id: str, document_id: str, q: str = "", **flags: str) -> str:
    query = "&".join(f"{k}={quote(v)}" for k, v in {"q": q, **flags}.items() if v)
    return f"/c/{company_id}/d/{document_id}" + (f"?{query}" if query else "")


def _is_fetch(request: Request) -> bool:
    return request.headers.get("x-requested-with") == "fetch"


@router.post(BASE + "/not-duplicate")
def not_a_duplicate(
    request: Request,
    user: PostingUser,
    company_id: str,
    document_id: str,
    q: Annotated[str, Form()] = "",
) -> Response:
    user.require_company(company_id)
    duplicates.not_a_duplicate(
        app_context(request), company_id=company_id, document_id=document_id, actor=user.email
    )
    return RedirectResponse(_detail(company_id, document_id, q), status_code=303)


@router.post(BASE + "/keep-instead")
def keep_instead(
    request: Request,
    user: PostingUser,
    company_id: str,
    document_id: str,
    q: Annotated[str, Form()] = "",
) -> Response:
    user.require_company(company_id)
    duplicates.keep_this_instead(
        app_context(request), company_id=company_id, document_id=document_id, actor=user.email
    )
    return RedirectResponse(_detail(company_id, document_id, q), status_code=303)


@router.post(BASE + "/reject-duplicate")
def reject_duplicate(
    request: Request,
    user: PostingUser,
    company_id: str,
    document_id: str,
    q: Annotated[str, Form()] = "",
) -> Response:
    user.require_company(company_id)
    approvals.reject(
        app_context(request),
        company_id=company_id,
        document_id=document_id,
        actor=user.email,
        reason=msg("A duplicate of an invoice already received."),
    )
    return RedirectResponse(_detail(company_id, document_id, q), status_code=303)


@router.post(BASE + "/undo")
def undo(
    request: Request,
    user: PostingUser,
    company_id: str,
    document_id: str,
    q: Annotated[str, Form()] = "",
) -> Response:
    user.require_company(company_id)
    undo_approval(
        app_context(request), company_id=company_id, document_id=document_id, actor=user.email
    )
    return RedirectResponse(_detail(company_id, document_id, q, undone="1"), status_code=303)


@router.post(BASE + "/notes", response_class=HTMLResponse)
def add_note(
    request: Request,
    user: PostingUser,
    company_id: str,
    document_id: str,
    text: Annotated[str, Form()] = "",
    q: Annotated[str, Form()] = "",
) -> Response:
    user.require_company(company_id)
    ctx = app_context(request)
    comments.add_comment(
        ctx, company_id=company_id, document_id=document_id, author=user.email, text=text
    )
    if not _is_fetch(request):
        return RedirectResponse(_detail(company_id, document_id, q) + "#notes", status_code=303)
    found = comments.comments(ctx, company_id=company_id, document_id=document_id)
    view = {"id": document_id, "company": {"id": company_id}}
    return render(request, "_notes.html", user, view=view, notes=found, q=q)


@router.post(BASE + "/page/{number}/turn")
def turn_page(
    request: Request,
    user: PostingUser,
    company_id: str,
    document_id: str,
    number: int,
    by: Annotated[int, Form()] = 1,
    q: Annotated[str, Form()] = "",
) -> Response:
    """A quarter turn left (-1) or right (1), kept for everyone who opens the document."""
    user.require_company(company_id)
    if by not in (-1, 1):
        raise InvalidInput("A page turns a quarter left or right.")
    page_turns.turn_page(
        app_context(request),
        company_id=company_id,
        document_id=document_id,
        page=number,
        quarter_turns=by,
        actor=user.email,
    )
    return RedirectResponse(_detail(company_id, document_id, q) + f"#page-{number}", 303)


@router.get("/c/{company_id}/chart/accounts")
def account_picker(request: Request, user: User, company_id: str, q: str = "") -> Response:
    """Accounts of the company's chart by number prefix or name, best first (the picker)."""
    user.require_company(company_id)
    found = search_accounts(
        app_context(request), company_id=company_id, query=q, limit=PICKER_LIMIT
    )
    return JSONResponse([{"value": a.number, "name": a.name} for a in found])


@router.get("/c/{company_id}/chart/vat-codes")
def vat_picker(request: Request, user: User, company_id: str, q: str = "") -> Response:
    user.require_company(company_id)
    found = search_vat_codes(
        app_context(request), company_id=company_id, query=q, limit=PICKER_LIMIT
    )
    return JSONResponse([{"value": v.code, "name": v.name} for v in found])


@router.post("/c/{company_id}/held-export")
async def download_held(
    request: Request, user: PostingUser, company_id: str, fmt: Annotated[str, Form()] = "sie4"
) -> Response:
    """Every approved voucher waiting for want of a ledger, as one file to import by hand."""
    user.require_company(company_id)
    chosen = ExportFormat.CSV if fmt == "csv" else ExportFormat.SIE4
    export = await run_in_threadpool(
        held_vouchers.export_held,
        app_context(request),
        company_id=company_id,
        fmt=chosen,
        actor=user.email,
    )
    return _download(export.filename, export.content, export.media_type)


@router.get(BASE + "/exported-file")
def exported_file(request: Request, user: User, company_id: str, document_id: str) -> Response:
    user.require_company(company_id)
    name, content = held_vouchers.exported_file(
        app_context(request), company_id=company_id, document_id=document_id
    )
    media = "text/csv; charset=utf-8" if name.endswith(".csv") else "text/plain; charset=cp437"
    return _download(name, content, media)


def _download(filename: str, content: bytes, media_type: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/c/{company_id}/connection/test")
async def test_connection(request: Request, user: PostingUser, company_id: str) -> Response:
    user.require_company(company_id)
    await run_in_threadpool(
        check_connection, app_context(request), company_id=company_id, actor=user.email
    )
    return RedirectResponse(f"/c/{company_id}/settings?tested=1#connection-heading", 303)
