"""Accrual settings of a company: whether Kontera proposes accruals, and to which account.

Stored in `Company.settings["accruals"]` as {"enabled": bool, "prepaid_account": "1700"}.
The prepaid-expenses account defaults to the country's standard chart: 1700 "Forskuddsbetalt
kostnad" in NS 4102, 1790 "Övriga förutbetalda kostnader" in BAS.
"""

from __future__ import annotations

from typing import Any

from kontera.domain.errors import InvalidInput
from kontera.domain.messages import msg
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Company

PREPAID_ACCOUNTS = {"NO": "1700", "SE": "1790"}


def accrual_settings(company: Company) -> dict[str, Any]:
    stored = (company.settings or {}).get("accruals") or {}
    default = PREPAID_ACCOUNTS.get((company.country or "NO").upper(), "1700")
    return {
        "enabled": bool(stored.get("enabled", True)),
        "prepaid_account": str(stored.get("prepaid_account") or default),
    }


def company_accrual_settings(ctx: AppContext, *, company_id: str) -> dict[str, Any]:
    with session_scope(ctx.engine) as session:
        return accrual_settings(repo.get_company(session, company_id=company_id))


def save_accrual_settings(
    ctx: AppContext, *, company_id: str, enabled: bool, prepaid_account: str, actor: str
) -> dict[str, Any]:
    account = prepaid_account.strip()
    if not (account.isdigit() and len(account) == 4 and account.startswith("1")):
        raise InvalidInput(
            msg(
                "The prepaid-expenses account must be a four-digit asset account (class 1), "
                "not {account}.",
                account=account or "—",
            )
        )
    clean = {"enabled": enabled, "prepaid_account": account}
    with session_scope(ctx.engine) as session:
        company = repo.get_company(session, company_id=company_id)
        before = (company.settings or {}).get("accruals")
        company.settings = {**(company.settings or {}), "accruals": clean}
        session.add(company)
        repo.add_event(
            session,
            company_id=company_id,
            document_id=None,
            actor=actor,
            action="settings:accruals",
            detail={"before": before, "after": clean},
        )
    return clean
