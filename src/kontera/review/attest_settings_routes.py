"""A company's attestation set-up in the UI: the switches, the rules, each person's limit, and
the e-mails to attestants that could not be delivered. The services check and store
everything (`kontera.services.attest.settings`, `kontera.services.attest.mail`); changing it
takes the "settings" permission, reading it access to the company.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi import Form
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from kontera.review.auth import PostingUser
from kontera.review.auth import User
from kontera.review.web import app_context
from kontera.review.web import render
from kontera.services.admin import users
from kontera.services.attest import attestation
from kontera.services.attest import mail_status as attest_mail_status
from kontera.services.attest import settings as attest_settings

router = APIRouter(include_in_schema=False)
PAGE = "/c/{company_id}/attestation"


def _back(company_id: str, anchor: str = "") -> Response:
    return RedirectResponse(f"/c/{company_id}/attestation?saved=1{anchor}", status_code=303)


@router.get(PAGE, response_class=HTMLResponse)
def attestation_page(request: Request, user: User, company_id: str, saved: str = "") -> Response:
    user.require_company(company_id)
    ctx = app_context(request)
    people = attest_settings.members(ctx, company_id=company_id)
    names = {person.id: person.email for person in people}
    rules = attest_settings.list_rules(ctx, company_id=company_id)
    company = next(
        c for c in users.accessible_companies(ctx, user_id=user.user_id) if c.id == company_id
    )
    return render(
        request,
        "attest_settings.html",
        user,
        company=company,
        setup=attest_settings.load(ctx, company_id=company_id),
        people=people,
        names=names,
        rules=[(rule, attestation.rule_words(rule)) for rule in rules],
        kinds=attest_settings.RULE_KINDS,
        limits=attest_settings.limits(ctx, company_id=company_id),
        undelivered=attest_mail_status.undelivered(ctx, company_id=company_id),
        saved=bool(saved),
    )


@router.post(PAGE)
def save_switches(
    request: Request,
    user: PostingUser,
    company_id: str,
    enabled: Annotated[str, Form()] = "",
    default_attestant: Annotated[str, Form()] = "",
    two_person_limit: Annotated[str, Form()] = "",
    two_person_new_supplier: Annotated[str, Form()] = "",
    two_person_bank_change: Annotated[str, Form()] = "",
    remind_days_before_due: Annotated[str, Form()] = "0",
) -> Response:
    user.require_company(company_id)
    user.require("settings")
    values = {
        "enabled": enabled,
        "default_attestant": default_attestant,
        "two_person_limit": two_person_limit,
        "two_person_new_supplier": two_person_new_supplier,
        "two_person_bank_change": two_person_bank_change,
        "remind_days_before_due": remind_days_before_due.strip() or "0",
    }
    attest_settings.save(
        app_context(request), company_id=company_id, values=values, actor=user.email
    )
    return _back(company_id)


@router.post(PAGE + "/rules")
def add_rule(
    request: Request,
    user: PostingUser,
    company_id: str,
    kind: Annotated[str, Form()],
    attestant_id: Annotated[str, Form()],
    value: Annotated[str, Form()] = "",
    min_amount: Annotated[str, Form()] = "",
) -> Response:
    user.require_company(company_id)
    user.require("settings")
    attest_settings.add_rule(
        app_context(request), company_id=company_id, kind=kind, value=value,
        attestant_id=attestant_id, min_amount=min_amount, actor=user.email,
    )  # fmt: skip
    return _back(company_id, "#rules")


@router.post(PAGE + "/rules/{rule_id}/remove")
def remove_rule(request: Request, user: PostingUser, company_id: str, rule_id: str) -> Response:
    user.require_company(company_id)
    user.require("settings")
    attest_settings.remove_rule(
        app_context(request), company_id=company_id, rule_id=rule_id, actor=user.email
    )
    return _back(company_id, "#rules")


@router.post(PAGE + "/limits")
def set_limit(
    request: Request,
    user: PostingUser,
    company_id: str,
    user_id: Annotated[str, Form()],
    max_amount: Annotated[str, Form()] = "",
) -> Response:
    user.require_company(company_id)
    user.require("settings")
    attest_settings.set_limit(
        app_context(request), company_id=company_id, user_id=user_id, max_amount=max_amount,
        actor=user.email,
    )  # fmt: skip
    return _back(company_id, "#limits")


@router.post(PAGE + "/mail/{mail_id}/send")
def send_again(request: Request, user: PostingUser, company_id: str, mail_id: str) -> Response:
    user.require_company(company_id)
    user.require("settings")
    attest_mail_status.send_again(
        app_context(request), company_id=company_id, mail_id=mail_id, actor=user.email
    )
    return _back(company_id, "#mail")
