"""Companies and their API keys."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass

from sqlmodel import Session

from kontera.domain.errors import Conflict
from kontera.domain.errors import InvalidInput
from kontera.domain.errors import NotFound
from kontera.domain.identifiers import digits
from kontera.domain.identifiers import valid_org_number
from kontera.domain.messages import msg
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import ApiKey
from kontera.store.tables import Company

KEY_PREFIX = "kt_"


@dataclass(frozen=True, slots=True)
class NewApiKey:
    company: Company
    key: str


def slugify(name: str) -> str:
    ascii_name = (
        unicodedata.normalize("NFKD", name.replace("ø", "o").replace("Ø", "O").replace("æ", "ae"))
        .encode("ascii", "ignore")
        .decode()
    )
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "company"


def create_company(
    ctx: AppContext,
    *,
    name: str,
    org_number: str | None = None,
    country: str = "NO",
    bureau_id: str | None = None,
) -> Company:
    country = country.upper()
    if org_number and not valid_org_number(org_number, country):
        raise InvalidInput(
            msg(
                "{org_number} is not a valid {country} organisation number.",
                org_number=org_number,
                country=country,
            )
        )
    chart = "BAS" if country == "SE" else "NS4102"
    with session_scope(ctx.engine) as session:
        if repo.find_company(session, name_or_slug=name):
            raise Conflict(msg("A company named {name} exists already.", name=repr(name)))
        company = Company(
            name=name,
            slug=_free_slug(session, slugify(name)),
            org_number=digits(org_number) if org_number else None,
            country=country,
            chart=chart,
            bureau_id=bureau_id,
        )
        session.add(company)
        repo.add_event(
            session,
            company_id=company.id,
            document_id=None,
            actor="cli",
            action="company:create",
            detail={"name": name},
        )
    return company


def _free_slug(session: Session, base: str) -> str:
    slug, n = base, 1
    while repo.find_company(session, name_or_slug=slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


def find_company(ctx: AppContext, name_or_slug: str) -> Company:
    with session_scope(ctx.engine) as session:
        company = repo.find_company(session, name_or_slug=name_or_slug)
    if company is None:
        raise NotFound(msg("No company named {name_or_slug}.", name_or_slug=repr(name_or_slug)))
    return company


def hash_api_key(key: str) -> str:
    # Keys are 256-bit random secrets, so a fast hash is as strong as a slow one here (slow
    # hashes protect guessable passwords) and keeps every API call cheap.
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(
    ctx: AppContext, *, company_name: str, name: str = "default", actor: str = "cli"
) -> NewApiKey:
    company = find_company(ctx, company_name)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with session_scope(ctx.engine) as session:
        session.add(
            ApiKey(company_id=company.id, name=name, prefix=key[:8], key_hash=hash_api_key(key))
        )
        repo.add_event(
            session,
            company_id=company.id,
            document_id=None,
            actor=actor,
            action="apikey:create",
            detail={"name": name, "prefix": key[:8]},
        )
    return NewApiKey(company, key)
