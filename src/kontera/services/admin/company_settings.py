"""Auto-approval settings of a company, as the review UI edits them.

Stored in `Company.settings["auto_approval"]` in the shape `services.suggestions` reads:
{"enabled", "threshold", "max_amount", "allow_suppliers", "deny_suppliers", "einvoice_only"},
with supplier lists as the policy's supplier keys.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from kontera.domain.errors import InvalidInput
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables_interpret import Supplier
from kontera.suggest.history import supplier_key as policy_supplier_key

DEFAULT_AUTO_APPROVAL: dict[str, Any] = {
    "enabled": False,
    "threshold": 0.95,
    "max_amount": "10000.00",
    "allow_suppliers": [],
    "deny_suppliers": [],
    "einvoice_only": True,
}


def auto_approval(ctx: AppContext, *, company_id: str) -> dict[str, Any]:
    with session_scope(ctx.engine) as session:
        company = repo.get_company(session, company_id=company_id)
        return {**DEFAULT_AUTO_APPROVAL, **(company.settings or {}).get("auto_approval", {})}


def save_auto_approval(
    ctx: AppContext, *, company_id: str, policy: dict[str, Any], actor: str
) -> dict[str, Any]:
    clean = _checked_policy(policy)
    with session_scope(ctx.engine) as session:
        company = repo.get_company(session, company_id=company_id)
        for side in ("allow_suppliers", "deny_suppliers"):
            clean[side] = _supplier_keys(session, company_id, clean[side])
        before = (company.settings or {}).get("auto_approval")
        # A new dict, so SQLAlchemy sees the JSON column change.
        company.settings = {**(company.settings or {}), "auto_approval": clean}
        session.add(company)
        repo.add_event(
            session,
            company_id=company_id,
            document_id=None,
            actor=actor,
            action="settings:auto_approval",
            detail={"before": before, "after": clean},
        )
    return clean


def _checked_policy(policy: dict[str, Any]) -> dict[str, Any]:
    try:
        threshold = float(policy.get("threshold", 0.95))
        max_amount = Decimal(
            str(policy.get("max_amount") or "0").replace(" ", "").replace(",", ".")
        )
    except (ValueError, ArithmeticError) as e:
        raise InvalidInput("Threshold and maximum amount must be numbers.") from e
    if not 0.5 <= threshold <= 1.0:
        raise InvalidInput("The confidence threshold must be between 0.5 and 1.")
    if max_amount < 0:
        raise InvalidInput("The maximum amount cannot be negative.")
    return {
        "enabled": bool(policy.get("enabled")),
        "threshold": threshold,
        "max_amount": str(max_amount.quantize(Decimal("0.01"))),
        "allow_suppliers": _names(policy.get("allow_suppliers")),
        "deny_suppliers": _names(policy.get("deny_suppliers")),
        "einvoice_only": bool(policy.get("einvoice_only")),
    }


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.replace(",", "\n").splitlines()
    return [str(v).strip() for v in value or [] if str(v).strip()]


def _supplier_keys(session: Any, company_id: str, entries: list[str]) -> list[str]:
    """The policy compares supplier keys (`org:…`, `name:…`, as `kontera.suggest` makes them);
    people type an org.nr., a known supplier's name, or a key."""
    keys = []
    for entry in entries:
        if ":" in entry:
            keys.append(entry)
            continue
        digits_only = re.sub(r"[\s.]", "", entry)
        if digits_only.isdigit():
            keys.append(policy_supplier_key(None, digits_only, None))
            continue
        known = session.exec(
            select(Supplier).where(
                Supplier.company_id == company_id, func.lower(Supplier.name) == entry.lower()
            )
        ).first()
        org = known.org_number if known is not None else None
        keys.append(policy_supplier_key(None, org, entry))
    return sorted(set(keys))
