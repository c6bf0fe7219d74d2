"""Attestation in the UI: the "to attest" list and a simple attest page for people who are
not bookkeepers (a department head on a phone) — the invoice, the proposed posting, attest or
refuse with a comment. The services decide who may act (`kontera.services.attest.attestation`).
"""

from __future__ import annotations

from typing import Annotated
from typing import Any

from fastapi import APIRouter
from fastapi import Form
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from kontera.review import detail
from kontera.review.auth import PostingUser
from kontera.review.auth import User
from kontera.review.web import app_context
from kontera.review.web import render
from kontera.services.attest import attestation
from kontera.services.attest import links as attest_links
from kontera.services.review import pages as review_pages

router = APIRouter(include_in_schema=False)
PAGE = "/c/{company_id}/d/{document_id}/attest"


def attest_url(company_id: str, document_id: str) -> str:
    return f"/c/{company_id}/d/{document_id}/attest"


@router.get("/attest", response_class=HTMLResponse)
def to_attest(request: Request, user: User) -> Response:
    """The invoices waiting for this person's attestation, the earliest due first."""
    waiting = attestation.pending_for(app_context(request), user_id=user.user_id)
    names = dict(user.companies)
    rows = [
        {
            "url": attest_url(document.company_id, document.id),
            "company": names.get(document.company_id, ""),
            "supplier": document.supplier_name or document.filename or "",
            "invoice_number": document.invoice_number or "",
            "gross": document.gross,
            "currency": document.currency or "",
            "due_date": document.due_date,
            "why": attestation.why_of(request_row),
        }
        for request_row, document in waiting
        if document.company_id in user.company_ids
    ]
    return render(request, "attest_list.html", user, rows=rows)


@router.get(attest_links.LINK_PATH + "{token}")
def follow_link(request: Request, user: User, token: str) -> Response:
    """The signed link of an attestation e-mail: after sign-in, to that invoice's attest page.

    The token names one request and expires; it signs nobody in, and it leads only the
    person it was sent to (anyone else is refused in words)."""
    opened = attest_links.open_link(
        app_context(request), token=token, user_id=user.user_id, actor=user.email
    )
    return RedirectResponse(attest_url(opened.company_id, opened.document_id), status_code=303)


@router.get(PAGE, response_class=HTMLResponse)
def attest_page(request: Request, user: User, company_id: str, document_id: str) -> Response:
    user.require_company(company_id)
    view = review_pages.document_detail(
        app_context(request), company_id=company_id, document_id=document_id
    )
    return render(
        request,
        "attest.html",
        user,
        view=view,
        postings=detail.posting_rows(view),
        attestation=view.get("attestation"),
        may_act=may_act(view, user.email),
    )


def may_act(view: dict[str, Any], email: str) -> bool:
    """Whether this person is the one the invoice waits for (the services check it again)."""
    request = view.get("attestation") or {}
    return (
        view.get("status") == "attesting"
        and request.get("state") == attestation.PENDING
        and (request.get("attestant") or "").lower() == email.lower()
    )


@router.post(PAGE)
def act(
    request: Request,
    user: PostingUser,
    company_id: str,
    document_id: str,
    decision: Annotated[str, Form()],
    comment: Annotated[str, Form()] = "",
) -> Response:
    user.require_company(company_id)
    user.require("attest")
    ctx = app_context(request)
    if decision == "refuse":
        attestation.refuse(
            ctx, company_id=company_id, document_id=document_id, actor=user.email, comment=comment
        )
    else:
        attestation.attest(
            ctx, company_id=company_id, document_id=document_id, actor=user.email, comment=comment
        )
    return RedirectResponse("/attest", status_code=303)
