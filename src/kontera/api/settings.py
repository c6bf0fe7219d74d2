"""`/v1/settings/auto-approval`: the company's auto-approval policy, read and changed by API.

The same settings as the review UI's settings page (`services.company_settings`), with the
same checks; every change is in the audit trail under the API key's name.
"""

from __future__ import annotations

from typing import Annotated
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from pydantic import BeforeValidator
from pydantic import Field
from pydantic import StrictBool
from pydantic import StrictFloat
from pydantic import StrictStr
from starlette.concurrency import run_in_threadpool

from kontera.api.auth import ApiActor
from kontera.api.auth import Ctx
from kontera.api.auth import CurrentCompany
from kontera.api.schemas import errors
from kontera.services.admin import company_settings

router = APIRouter(prefix="/v1/settings", tags=["settings"])


def _whole_number(value: Any) -> Any:
    """As JSON Schema counts: 3 and 3.0 are whole numbers; `true` and "3" are not."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("must be a whole number")
    return int(value)


Count = Annotated[int, BeforeValidator(_whole_number)]


class AutoApprovalBody(BaseModel):
    enabled: StrictBool = Field(
        description="Post suggestions that meet every condition by themselves."
    )
    threshold: StrictFloat = Field(
        ge=0.5, le=1.0, description="Lowest P(voucher entirely right) that posts itself."
    )
    max_amount: StrictStr = Field(
        description="Highest amount payable that posts itself, in the company's currency (a "
        "foreign invoice converted at the stored central-bank rate; none stored: it waits)."
    )
    allow_suppliers: list[StrictStr] = Field(
        default_factory=list, description="Only these suppliers (org. no. or name); empty = all."
    )
    deny_suppliers: list[StrictStr] = Field(
        default_factory=list, description="Never these suppliers (org. no. or name)."
    )
    einvoice_only: StrictBool = Field(
        description="Only e-invoices post themselves, until a supplier has earned its PDFs."
    )
    earn_after: Count = Field(
        default=company_settings.DEFAULT_AUTO_APPROVAL["earn_after"],
        ge=0,
        le=company_settings.MAX_RECORD,
        description="Invoices a person approved unchanged before a supplier's PDFs and scans "
        "may post themselves (0 = never).",
    )
    habit_after: Count = Field(
        default=company_settings.DEFAULT_AUTO_APPROVAL["habit_after"],
        ge=0,
        le=company_settings.MAX_RECORD,
        description="Invoices in a row to one account before that run vouches for the "
        "account, with the probability such runs continued in the company's books (0 = never).",
    )
    amount_margin: StrictStr = Field(
        default=company_settings.DEFAULT_AUTO_APPROVAL["amount_margin"],
        description="How far beyond the supplier's usual amounts both rules still apply, as a "
        "fraction (0.25 = 25 %).",
    )
    usual_max_amount: StrictStr = Field(
        default=company_settings.DEFAULT_AUTO_APPROVAL["usual_max_amount"],
        description="Highest amount payable that posts itself for a supplier whose usual "
        "amounts in the books reach above max_amount, when the invoice is within its usual "
        "range (at or below max_amount it changes nothing; company's currency).",
    )


@router.get(
    "/auto-approval",
    summary="Your company's auto-approval policy",
    response_model=AutoApprovalBody,
    responses=errors(401),
)
async def read_auto_approval(ctx: Ctx, company: CurrentCompany) -> dict[str, Any]:
    return await run_in_threadpool(company_settings.auto_approval, ctx, company_id=company.id)


@router.put(
    "/auto-approval",
    summary="Change your company's auto-approval policy",
    response_model=AutoApprovalBody,
    responses=errors(400, 401, 422),
)
async def save_auto_approval(
    body: AutoApprovalBody, ctx: Ctx, company: CurrentCompany, actor: ApiActor
) -> dict[str, Any]:
    return await run_in_threadpool(
        company_settings.save_auto_approval,
        ctx,
        company_id=company.id,
        policy=body.model_dump(),
        actor=actor,
    )
