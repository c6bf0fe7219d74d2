"""Pages around the queue: upload (several files, dropped or chosen), the archive search and
the notifications."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.responses import JSONResponse
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import Response

from kontera.domain.errors import InvalidInput
from kontera.domain.errors import KonteraError
from kontera.domain.messages import msg
from kontera.i18n import translator
from kontera.review.auth import PostingUser
from kontera.review.auth import User
from kontera.review.web import app_context
from kontera.review.web import render
from kontera.services.pipeline.documents import receive_document
from kontera.services.review import archive
from kontera.services.review import notifications

router = APIRouter(include_in_schema=False)
MAX_FILES = 50


@router.post("/upload")
async def upload(request: Request, user: PostingUser) -> Response:
    """Files from the queue's drop zone (or its file picker) become documents of a company."""
    form = await request.form(max_files=MAX_FILES + 1)
    company_id = str(form.get("company") or "")
    if not company_id and len(user.company_ids) == 1:
        company_id = next(iter(user.company_ids))
    if not company_id:
        raise InvalidInput("Choose the company the invoices are for.")
    user.require_company(company_id)
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
    if not files or len(files) > MAX_FILES:
        raise InvalidInput(msg("Choose between 1 and {n} files.", n=MAX_FILES))
    ctx = app_context(request)
    words = translator(user.locale)
    new, again, refused = 0, 0, []
    for file in files:
        data = await file.read(ctx.settings.max_upload_bytes + 1)
        try:
            received = await run_in_threadpool(
                receive_document,
                ctx,
                company_id=company_id,
                data=data,
                filename=file.filename,
                content_type=file.content_type,
                source="ui",
                actor=user.email,
            )
        except KonteraError as e:
            refused.append({"name": file.filename or "?", "error": words.text(e.text)})
            continue
        again += received.duplicate
        new += not received.duplicate
    summary = {"uploaded": new, "again": again, "refused": refused}
    if request.headers.get("x-requested-with") == "fetch":
        return JSONResponse(summary)
    notice = urlencode({"uploaded": new, "again": again, "refused": len(refused)})
    return RedirectResponse(f"/?{notice}", status_code=303)


@router.get("/archive", response_class=HTMLResponse)
def archive_page(
    request: Request, user: User, q: str = "", company: str = "", page: int = 1
) -> Response:
    found = archive.search(
        app_context(request),
        company_ids=user.company_ids,
        query=q,
        company_id=company or None,
        page=page,
    )
    return render(request, "archive.html", user, found=found, company=company)


@router.get("/notifications", response_class=HTMLResponse)
def notifications_page(request: Request, user: User) -> Response:
    ctx = app_context(request)
    found = notifications.notices(ctx, user_id=user.user_id, company_ids=user.company_ids)
    notifications.mark_seen(ctx, user_id=user.user_id)
    return render(request, "notifications.html", user, notices=found)
