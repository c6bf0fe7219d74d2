"""Auto-approval settings of a company, as the review UI edits them.

Stored in `Company.settings["auto_approval"]` in the shape `services.suggestions` reads:
{"enabled", "threshold", "max_amount", "allow_suppliers", "deny_suppliers", "einvoice_only",
"earn_after", "habit_after", "amount_margin", "usual_max_amount"}, with supplier lists as the
policy's supplier keys. Amounts are in the company's currency (`company_money`).
`earn_after`: invoices a person approved unchanged before a supplier's PDFs may post
themselves; `habit_after`: invoices in a row to one account before that run vouches for the
account; `amount_margin`: how far beyond a supplier's usual amounts (0.25 = 25 %) either still
applies (0 turns a rule off where it is a count); `usual_max_amount`: the limit for a supplier
whose usual amounts in the books reach above `max_amount`, for an amount within its usual
range (at or below `max_amount` it changes nothing).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from kontera.domain.errors import InvalidInput
from kontera.domain.messages import msg
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables_interpret import Supplier
from kontera.suggest.history import supplier_key as policy_supplier_key
from kontera.suggest.policy import AMOUNT_MARGIN
from kontera.suggest.policy import EARN_AFTER
from kontera.suggest.policy import HABIT_AFTER
from kontera.suggest.policy import USUAL_MAX_AMOUNT

DEFAULT_AUTO_APPROVAL: dict[str, Any] = {
    "enabled": False,
    "threshold": 0.95,
    "max_amount": "10000.00",
    "allow_suppliers": [],
    "deny_suppliers": [],
    "einvoice_only": True,
    "earn_after": EARN_AFTER,
    "habit_after": HABIT_AFTER,
    "amount_margin": str(AMOUNT_MARGIN),
    "usual_max_amount": f"{USUAL_MAX_AMOUNT:.2f}",
}
MAX_RECORD = 50  # more invoices than a small supplier sends in years


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
        max_amount = _decimal(policy.get("max_amount") or "0")
        usual_max = _decimal(policy.get("usual_max_amount", USUAL_MAX_AMOUNT) or "0")
    except (ValueError, ArithmeticError) as e:
        raise InvalidInput("Threshold and maximum amount must be numbers.") from e
    if not 0.5 <= threshold <= 1.0:
        raise InvalidInput("The confidence threshold must be between 0.5 and 1.")
    if max_amount < 0 or usual_max < 0:
        raise InvalidInput("The maximum amount cannot be negative.")
    return {
        **_checked_record(policy),
        **{
            "enabled": bool(policy.get("enabled")),
            "threshold": threshold,
            "max_amount": str(max_amount.quantize(Decimal("0.01"))),
            "usual_max_amount": str(usual_max.quantize(Decimal("0.01"))),
            "allow_suppliers": _names(policy.get("allow_suppliers")),
            "deny_suppliers": _names(policy.get("deny_suppliers")),
            "einvoice_only": bool(policy.get("einvoice_only")),
        },
    }


def _decimal(text: Any) -> Decimal:
    """ "10 000,50" (as people type it) → Decimal("10000.50")."""
    return Decimal(str(text).replace(" ", "").replace("\u00a0", "").replace(",", "."))


def margin_from_percent(percent: str) -> str:
    """ "25" (as the settings page asks for it) → "0.25" (as it is kept)."""
    try:
        return str(Decimal(percent.strip().replace(",", ".").rstrip("%").strip()) / 100)
    except ArithmeticError as e:
        raise InvalidInput("The amount margin must be a number of per cent.") from e


def margin_percent(margin: Any) -> str:
    """ "0.25" → "25", for the settings page."""
    return f"{(Decimal(str(margin)) * 100).normalize():f}"


def _checked_record(policy: dict[str, Any]) -> dict[str, Any]:
    """The track-record rules: two counts and the amount margin."""
    try:
        earn_after = int(str(policy.get("earn_after", EARN_AFTER)).strip())
        habit_after = int(str(policy.get("habit_after", HABIT_AFTER)).strip())
        margin = Decimal(str(policy.get("amount_margin", AMOUNT_MARGIN)).strip().replace(",", "."))
    except (ValueError, ArithmeticError) as e:
        raise InvalidInput(
            "The track-record counts must be whole numbers and the margin a number."
        ) from e
    if not (0 <= earn_after <= MAX_RECORD and 0 <= habit_after <= MAX_RECORD):
        raise InvalidInput(
            msg("The track-record counts must be between 0 and {most}.", most=MAX_RECORD)
        )
    if not Decimal(0) <= margin <= Decimal(10):
        raise InvalidInput("The amount margin must be between 0 and 1000 %.")
    return {"earn_after": earn_after, "habit_after": habit_after, "amount_margin": str(margin)}


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
