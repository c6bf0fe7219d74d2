"""Per-company pages: auto-approval settings, suppliers, model status; bureau users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi import File
from fastapi import Form
from fastapi import Request
from fastapi import UploadFile
from fastapi.responses import HTMLResponse
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from kontera.domain.errors import ForeignBooks
from kontera.domain.errors import NotFound
from kontera.review.auth import PostingUser
from kontera.review.auth import User
from kontera.review.web import app_context
from kontera.review.web import render
from kontera.services.admin import company_settings
from kontera.services.admin import users
from kontera.services.post import connection_check
from kontera.services.post import connections
from kontera.services.post import held_vouchers
from kontera.services.review import pages as review_pages
from kontera.services.review import supplier_views
from kontera.services.suggest import accrual_settings
from kontera.services.suggest import history_files
from kontera.services.suggest import model_evaluation
from kontera.services.sync import sync_status

router = APIRouter(include_in_schema=False)


@router.get("/c/{company_id}/settings", response_class=HTMLResponse)
def settings_page(
    request: Request,
    user: User,
    company_id: str,
    saved: str = "",
    synced: str = "",
    tested: str = "",
) -> Response:
    user.require_company(company_id)
    ctx = app_context(request)
    policy = company_settings.auto_approval(ctx, company_id=company_id)
    company = _company(request, user, company_id)
    connection = connections.current(ctx, company_id=company_id)
    return render(
        request,
        "settings.html",
        user,
        policy=policy,
        margin_percent=company_settings.margin_percent,
        accruals=accrual_settings.company_accrual_settings(ctx, company_id=company_id),
        company=company,
        connection=connection,
        sync=sync_status.sync_status(ctx, company_id=company_id),
        synced=bool(synced),
        saved=bool(saved),
        check=connection_check.latest_check(ctx, company_id=company_id) if tested else None,
        fortnox_ready=connection_check.fortnox_ready(ctx),
        held=len(held_vouchers.held_document_ids(ctx, company_id=company_id)),
    )


@router.post("/c/{company_id}/sync")
def sync_now(
    request: Request, user: PostingUser, company_id: str, full: Annotated[str, Form()] = ""
) -> Response:
    """Read the ledger now (queued for a worker; the page shows the run when it is done)."""
    user.require_company(company_id)
    user.require("history")
    app_context(request).queue.sync_company(company_id, full=full == "1", trigger="ui")
    return RedirectResponse(f"/c/{company_id}/settings?synced=1#sync", status_code=303)


@router.post("/c/{company_id}/connection")
def save_connection(
    request: Request,
    user: PostingUser,
    company_id: str,
    system: Annotated[str, Form()],
    secret: Annotated[str, Form()],
    tripletex_company_id: Annotated[str, Form()] = "",
    base_url: Annotated[str, Form()] = "",
) -> Response:
    user.require_company(company_id)
    user.require("settings")
    options = {"company_id": tripletex_company_id.strip(), "base_url": base_url.strip()}
    ctx = app_context(request)
    connections.connect(
        ctx,
        company_name=str(getattr(_company(request, user, company_id), "slug", "")),
        system=system,
        secret=secret,
        settings={k: v for k, v in options.items() if v},
        actor=user.email,
    )
    ctx.queue.sync_company(company_id, full=True, trigger="connect")
    return RedirectResponse(f"/c/{company_id}/settings?saved=1", status_code=303)


@router.post("/c/{company_id}/connection/fortnox")
def connect_fortnox(request: Request, user: PostingUser, company_id: str) -> Response:
    user.require_company(company_id)
    user.require("settings")
    url = connections.start_fortnox(
        app_context(request),
        company_name=str(getattr(_company(request, user, company_id), "slug", "")),
        user_id=user.user_id,
        actor=user.email,
    )
    return RedirectResponse(url, status_code=303)


@router.post("/c/{company_id}/settings")
def save_settings(
    request: Request,
    user: PostingUser,
    company_id: str,
    threshold: Annotated[str, Form()],
    max_amount: Annotated[str, Form()],
    enabled: Annotated[str, Form()] = "",
    einvoice_only: Annotated[str, Form()] = "",
    allow_suppliers: Annotated[str, Form()] = "",
    deny_suppliers: Annotated[str, Form()] = "",
    earn_after: Annotated[str, Form()] = str(company_settings.DEFAULT_AUTO_APPROVAL["earn_after"]),
    habit_after: Annotated[str, Form()] = str(
        company_settings.DEFAULT_AUTO_APPROVAL["habit_after"]
    ),
    amount_margin_percent: Annotated[str, Form()] = "25",
    usual_max_amount: Annotated[str, Form()] = str(
        company_settings.DEFAULT_AUTO_APPROVAL["usual_max_amount"]
    ),
) -> Response:
    user.require_company(company_id)
    user.require("settings")
    company_settings.save_auto_approval(
        app_context(request),
        company_id=company_id,
        actor=user.email,
        policy={
            "enabled": enabled == "1",
            "threshold": threshold.replace(",", "."),
            "max_amount": max_amount,
            "allow_suppliers": allow_suppliers,
            "deny_suppliers": deny_suppliers,
            "einvoice_only": einvoice_only == "1",
            "earn_after": earn_after,
            "habit_after": habit_after,
            "amount_margin": company_settings.margin_from_percent(amount_margin_percent),
            "usual_max_amount": usual_max_amount,
        },
    )
    return RedirectResponse(f"/c/{company_id}/settings?saved=1", status_code=303)


@router.post("/c/{company_id}/accruals")
def save_accruals(
    request: Request,
    user: PostingUser,
    company_id: str,
    prepaid_account: Annotated[str, Form()],
    enabled: Annotated[str, Form()] = "",
) -> Response:
    user.require_company(company_id)
    user.require("settings")
    accrual_settings.save_accrual_settings(
        app_context(request),
        company_id=company_id,
        enabled=enabled == "1",
        prepaid_account=prepaid_account,
        actor=user.email,
    )
    return RedirectResponse(f"/c/{company_id}/settings?saved=1#accruals", status_code=303)


@router.get("/c/{company_id}/suppliers", response_class=HTMLResponse)
def suppliers_page(request: Request, user: User, company_id: str) -> Response:
    user.require_company(company_id)
    ctx = app_context(request)
    found = supplier_views.suppliers(ctx, company_id=company_id)
    company = _company(request, user, company_id)
    return render(request, "suppliers.html", user, suppliers=found, company=company)


@router.get("/models", response_class=HTMLResponse)
def models_page(request: Request, user: User) -> Response:
    statuses = review_pages.model_status(app_context(request), company_ids=user.company_ids)
    return render(request, "models.html", user, statuses=statuses, report=None)


@router.post("/c/{company_id}/history", response_class=HTMLResponse)
async def import_history(
    request: Request,
    user: PostingUser,
    company_id: str,
    file: Annotated[UploadFile, File()],
    force: Annotated[bool, Form()] = False,
) -> Response:
    user.require_company(company_id)
    user.require("history")
    ctx = app_context(request)
    data = await file.read(ctx.settings.max_upload_bytes + 1)
    report, refused = None, None
    try:
        report = await run_in_threadpool(
            history_files.import_history_file,
            ctx,
            company_id=company_id,
            data=data,
            filename=file.filename or "history.csv",
            actor=user.email,
            force=force,
        )
    except ForeignBooks as e:  # shown beside the form, whose checkbox imports it anyway
        refused = e.text
    statuses = await run_in_threadpool(review_pages.model_status, ctx, company_ids=user.company_ids)
    return render(
        request,
        "models.html",
        user,
        status_code=409 if refused else 200,
        statuses=statuses,
        report=report,
        refused=refused,
        report_company=company_id,
    )


@router.post("/c/{company_id}/evaluate")
def evaluate(request: Request, user: PostingUser, company_id: str) -> Response:
    user.require_company(company_id)
    user.require("history")
    model_evaluation.evaluate_company(app_context(request), company_id=company_id, actor=user.email)
    return RedirectResponse(f"/models#company-{company_id}", status_code=303)


@router.get("/models/{company_id}/plot/{index}.png")
def model_plot(request: Request, user: User, company_id: str, index: int) -> Response:
    user.require_company(company_id)
    ctx = app_context(request)
    statuses = review_pages.model_status(ctx, company_ids=frozenset({company_id}))
    plots = statuses[0].plots if statuses else []
    if not 0 <= index < len(plots):
        raise NotFound("No such plot.")
    return Response(ctx.blobs.read(plots[index]), media_type="image/png")


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, user: User, created: str = "") -> Response:
    user.require("users")
    ctx = app_context(request)
    return render(
        request,
        "users.html",
        user,
        people=users.bureau_users(ctx, bureau_id=user.bureau_id),
        companies=users.accessible_companies(ctx, user_id=user.user_id),
        roles=users.ROLES,
        locales=users.LOCALES,
        created=created,
    )


@router.post("/users")
def create_user(
    request: Request,
    user: PostingUser,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    role: Annotated[str, Form()] = "bookkeeper",
    locale: Annotated[str, Form()] = "nb",
    company: Annotated[list[str] | None, Form()] = None,
) -> Response:
    user.require("users")
    for company_id in company or []:
        user.require_company(company_id)  # an admin can only hand out what they can reach
    created = users.create_user(
        app_context(request),
        email=email,
        password=password,
        role=role,
        locale=locale,
        bureau_id=user.bureau_id,
        company_ids=company or [],
        actor=user.email,
    )
    return RedirectResponse(f"/users?created={created.email}", status_code=303)


def _company(request: Request, user: User, company_id: str) -> object:
    for company in users.accessible_companies(app_context(request), user_id=user.user_id):
        if company.id == company_id:
            return company
    raise NotFound("No such company.")
