"""A company's attestation set-up: the switches, the rules, and each person's amount limit.

Stored in `Company.settings["attestation"]`:

    {"enabled": bool,                  # route invoices to attestants by the rules below
     "default_attestant": user id,     # who attests when no rule matches (None: nobody)
     "two_person_limit": "50000.00",   # above it one person attests, another approves
     "two_person_new_supplier": bool,  # ... always for a supplier's first invoice
     "two_person_bank_change": bool,   # ... always for an account not used before
     "remind_days_before_due": 3}      # remind attestants this many days before due

Rules (`AttestRule`) and limits (`AttestLimit`) are rows; every change is an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.domain.errors import InvalidInput
from kontera.domain.errors import NotFound
from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.i18n import formats
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import User
from kontera.store.tables import UserCompany
from kontera.store.tables_attest import AttestLimit
from kontera.store.tables_attest import AttestRule

RULE_KINDS = ("buyer_reference", "department", "project", "supplier", "amount")
DEFAULTS: dict[str, Any] = {
    "enabled": False,
    "default_attestant": None,
    "two_person_limit": None,
    "two_person_new_supplier": False,
    "two_person_bank_change": False,
    "remind_days_before_due": 3,
}


@dataclass(frozen=True, slots=True)
class AttestSettings:
    enabled: bool = False
    default_attestant: str | None = None
    two_person_limit: Decimal | None = None
    two_person_new_supplier: bool = False
    two_person_bank_change: bool = False
    remind_days_before_due: int = 3

    @property
    def two_person_any(self) -> bool:
        return (
            self.two_person_limit is not None
            or self.two_person_new_supplier
            or self.two_person_bank_change
        )


def settings_of(raw: dict[str, Any] | None) -> AttestSettings:
    values = {**DEFAULTS, **((raw or {}).get("attestation") or {})}
    limit = values.get("two_person_limit")
    return AttestSettings(
        enabled=bool(values["enabled"]),
        default_attestant=values.get("default_attestant") or None,
        two_person_limit=Decimal(str(limit)) if limit not in (None, "") else None,
        two_person_new_supplier=bool(values["two_person_new_supplier"]),
        two_person_bank_change=bool(values["two_person_bank_change"]),
        remind_days_before_due=int(values.get("remind_days_before_due") or 0),
    )


def company_settings(session: Session, company_id: str) -> AttestSettings:
    return settings_of(repo.get_company(session, company_id=company_id).settings)


def load(ctx: AppContext, *, company_id: str) -> AttestSettings:
    with session_scope(ctx.engine) as session:
        return company_settings(session, company_id)


def save(ctx: AppContext, *, company_id: str, values: dict[str, Any], actor: str) -> AttestSettings:
    """Check and store the switches (as typed in the settings page or given by the CLI)."""
    clean = _checked(values)
    with session_scope(ctx.engine) as session:
        if clean["default_attestant"]:
            require_member(session, company_id, clean["default_attestant"])
        company = repo.get_company(session, company_id=company_id)
        before = (company.settings or {}).get("attestation")
        company.settings = {**(company.settings or {}), "attestation": clean}
        session.add(company)
        repo.add_event(
            session,
            company_id=company_id,
            document_id=None,
            actor=actor,
            action="settings:attestation",
            detail={"before": before, "after": clean},
        )
        return settings_of(company.settings)


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    limit = parse_amount(values.get("two_person_limit"), msg("The two-person limit"))
    try:
        days = int(values.get("remind_days_before_due") or 0)
    except (TypeError, ValueError) as e:
        raise InvalidInput("Reminder days must be a whole number.") from e
    if not 0 <= days <= 60:
        raise InvalidInput("Remind between 0 and 60 days before the due date.")
    return {
        "enabled": _flag(values.get("enabled")),
        "default_attestant": values.get("default_attestant") or None,
        "two_person_limit": None if limit is None else str(limit),
        "two_person_new_supplier": _flag(values.get("two_person_new_supplier")),
        "two_person_bank_change": _flag(values.get("two_person_bank_change")),
        "remind_days_before_due": days,
    }


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes")
    return bool(value)


def parse_amount(value: Any, what: Message) -> Decimal | None:
    """An amount as people type it (`50 000`, `50000,00`, `50 000.00`); None when left empty."""
    if value is None or str(value).strip() == "":
        return None
    amount = formats.parse_amount(str(value), "nb")
    if amount < 0 or not amount.is_finite():
        raise InvalidInput(msg("{what} cannot be negative.", what=what))
    return amount.quantize(Decimal("0.01"))


def require_member(session: Session, company_id: str, user_id: str) -> User:
    """A user who may see this company (granted, or an admin of its bureau)."""
    user = session.get(User, user_id)
    company = repo.get_company(session, company_id=company_id)
    granted = session.get(UserCompany, (user_id, company_id)) is not None
    bureau_admin = (
        user is not None
        and user.role == "admin"
        and user.bureau_id is not None
        and user.bureau_id == company.bureau_id
    )
    if user is None or not user.is_active or not (granted or bureau_admin):
        raise InvalidInput("Choose a person who has access to this company.")
    return user


def members(ctx: AppContext, *, company_id: str) -> list[User]:
    """The active people who may attest for this company (granted, or its bureau's admins)."""
    with session_scope(ctx.engine) as session:
        company = repo.get_company(session, company_id=company_id)
        granted = select(UserCompany.user_id).where(UserCompany.company_id == company_id)
        query = select(User).where(col(User.is_active), col(User.id).in_(granted))
        found = {u.id: u for u in session.exec(query).all()}
        if company.bureau_id is not None:
            admins = select(User).where(
                col(User.is_active), User.role == "admin", User.bureau_id == company.bureau_id
            )
            found |= {u.id: u for u in session.exec(admins).all()}
        return sorted(found.values(), key=lambda u: u.email)


# -- rules ---------------------------------------------------------------------------------


def rules(session: Session, company_id: str) -> list[AttestRule]:
    query = (
        select(AttestRule)
        .where(AttestRule.company_id == company_id)
        .order_by(col(AttestRule.position), col(AttestRule.created_at))
    )
    return list(session.exec(query).all())


def list_rules(ctx: AppContext, *, company_id: str) -> list[AttestRule]:
    with session_scope(ctx.engine) as session:
        return rules(session, company_id)


def add_rule(
    ctx: AppContext,
    *,
    company_id: str,
    kind: str,
    value: str,
    attestant_id: str,
    min_amount: Any = None,
    actor: str,
) -> AttestRule:
    if kind not in RULE_KINDS:
        raise InvalidInput(
            msg("Unknown rule kind {kind}; choose one of {kinds}.", kind=kind, kinds=RULE_KINDS)
        )
    value = (value or "").strip()
    amount = parse_amount(min_amount, msg("The amount"))
    if kind == "amount" and amount is None:
        raise InvalidInput("An amount rule needs the amount it starts from.")
    if kind != "amount" and not value:
        raise InvalidInput("Say what the rule matches (a reference, a code or a supplier).")
    with session_scope(ctx.engine) as session:
        require_member(session, company_id, attestant_id)
        position = len(rules(session, company_id))
        rule = AttestRule(
            company_id=company_id,
            position=position,
            kind=kind,
            value=value,
            min_amount=amount,
            attestant_id=attestant_id,
        )
        session.add(rule)
        repo.add_event(
            session,
            company_id=company_id,
            document_id=None,
            actor=actor,
            action="settings:attest_rule_added",
            detail={"kind": kind, "value": value, "attestant_id": attestant_id,
                    "min_amount": None if amount is None else str(amount)},
        )  # fmt: skip
    return rule


def remove_rule(ctx: AppContext, *, company_id: str, rule_id: str, actor: str) -> None:
    with session_scope(ctx.engine) as session:
        rule = session.get(AttestRule, rule_id)
        if rule is None or rule.company_id != company_id:
            raise NotFound("No such rule.")
        session.delete(rule)
        repo.add_event(
            session,
            company_id=company_id,
            document_id=None,
            actor=actor,
            action="settings:attest_rule_removed",
            detail={"kind": rule.kind, "value": rule.value, "attestant_id": rule.attestant_id},
        )


# -- limits --------------------------------------------------------------------------------


def limit_of(session: Session, company_id: str, user_id: str) -> Decimal | None:
    row = session.get(AttestLimit, (company_id, user_id))
    return row.max_amount if row is not None else None


def limits(ctx: AppContext, *, company_id: str) -> dict[str, Decimal]:
    with session_scope(ctx.engine) as session:
        rows = session.exec(select(AttestLimit).where(AttestLimit.company_id == company_id))
        return {row.user_id: row.max_amount for row in rows.all()}


def set_limit(
    ctx: AppContext, *, company_id: str, user_id: str, max_amount: Any, actor: str
) -> Decimal | None:
    """The most this person may attest or approve for the company; empty: no limit."""
    amount = parse_amount(max_amount, msg("The limit"))
    with session_scope(ctx.engine) as session:
        require_member(session, company_id, user_id)
        row = session.get(AttestLimit, (company_id, user_id))
        before = None if row is None else str(row.max_amount)
        if amount is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(AttestLimit(company_id=company_id, user_id=user_id, max_amount=amount))
        else:
            row.max_amount = amount
            session.add(row)
        repo.add_event(
            session,
            company_id=company_id,
            document_id=None,
            actor=actor,
            action="settings:attest_limit",
            detail={"user_id": user_id, "before": before,
                    "after": None if amount is None else str(amount)},
        )  # fmt: skip
    return amount


def user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()
