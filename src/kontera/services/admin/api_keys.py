"""API keys: who is calling, listing and revoking keys, and the audit name of each key.

A key is shown once when it is made and stored as its SHA-256. Every API action is audited
as the key that did it (`apikey:<id>:<name>`), so a company with a scanner key and an ERP
key can tell them apart, and a revoked key answers 401 from the next request on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col
from sqlmodel import select

from kontera.domain.errors import NotFound
from kontera.domain.errors import Unauthorized
from kontera.services.admin.companies import KEY_PREFIX
from kontera.services.admin.companies import hash_api_key
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import ApiKey
from kontera.store.tables import Company
from kontera.store.types import utcnow


@dataclass(frozen=True, slots=True)
class ApiCaller:
    """The company and the key behind an API request."""

    company: Company
    key_id: str
    key_name: str

    @property
    def actor(self) -> str:
        return f"apikey:{self.key_id}:{self.key_name}"


@dataclass(frozen=True, slots=True)
class KeyView:
    id: str
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def authenticate(ctx: AppContext, key: str) -> ApiCaller:
    if not key.startswith(KEY_PREFIX):
        raise Unauthorized("Invalid API key.")
    with session_scope(ctx.engine) as session:
        found = repo.find_api_key(session, key_hash=hash_api_key(key))
        if found is None:  # unknown or revoked: the same answer
            raise Unauthorized("Invalid API key.")
        company = repo.get_company(session, company_id=found.company_id)
        return ApiCaller(company, found.id, found.name)


def list_keys(ctx: AppContext, *, company_id: str) -> list[KeyView]:
    """The company's keys, newest first, revoked ones included (never the key itself)."""
    with session_scope(ctx.engine) as session:
        rows = session.exec(
            select(ApiKey)
            .where(ApiKey.company_id == company_id)
            .order_by(col(ApiKey.created_at).desc())
        ).all()
        return [KeyView(r.id, r.name, r.prefix, r.created_at, r.revoked_at) for r in rows]


def revoke(ctx: AppContext, *, company_id: str, key_id: str, actor: str) -> KeyView:
    """The key stops working at once; revoking a revoked key changes nothing."""
    with session_scope(ctx.engine) as session:
        key = session.get(ApiKey, key_id)
        if key is None or key.company_id != company_id:
            raise NotFound("No such API key.")
        if key.revoked_at is None:
            key.revoked_at = utcnow()
            session.add(key)
            repo.add_event(
                session,
                company_id=company_id,
                document_id=None,
                actor=actor,
                action="apikey:revoke",
                detail={"key": key.id, "name": key.name, "prefix": key.prefix},
            )
        return KeyView(key.id, key.name, key.prefix, key.created_at, key.revoked_at)


def find_key(ctx: AppContext, *, company_id: str, id_or_prefix: str) -> KeyView:
    """A key of the company by its id or the prefix `list` shows (`kt_abcde`)."""
    matches = [k for k in list_keys(ctx, company_id=company_id) if id_or_prefix in (k.id, k.prefix)]
    if len(matches) != 1:
        raise NotFound("No such API key (give its id or the prefix `kontera apikey list` shows).")
    return matches[0]
