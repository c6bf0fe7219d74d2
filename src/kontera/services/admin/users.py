"""People who use the review UI: bureaus, users, roles, access to client companies, sessions.

Passwords are hashed with Argon2id (argon2-cffi's defaults follow RFC 9106). Sessions live
server-side (`ui_session`); the browser holds a random token whose SHA-256 is the key, so a
leaked database signs no one in and signing out ends a session at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from sqlalchemy import ColumnElement
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import or_
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.domain.errors import Conflict
from kontera.domain.errors import Forbidden
from kontera.domain.errors import InvalidInput
from kontera.domain.errors import NotFound
from kontera.domain.errors import Unauthorized
from kontera.domain.messages import msg
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import AuditEvent
from kontera.store.tables import Bureau
from kontera.store.tables import Company
from kontera.store.tables import User
from kontera.store.tables import UserCompany
from kontera.store.tables_review import UiSession
from kontera.store.types import utcnow

# The UI's session cookie (set by kontera.review.auth, read also by the OAuth callback).
SESSION_COOKIE = "kontera_session"
ROLES = ("attestant", "bookkeeper", "approver", "admin")
LOCALES = ("nb", "en", "sv")
MIN_PASSWORD = 8
MAX_FAILED_SIGN_INS = 10
FAILED_SIGN_IN_WINDOW = timedelta(minutes=15)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HASHER = PasswordHasher()
# Verified against when the e-mail is unknown, so a wrong e-mail takes as long as a wrong
# password and the login form does not reveal who has an account.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")

# What each role may do beyond reading, correcting, approving and rejecting one invoice.
PERMISSIONS: dict[str, frozenset[str]] = {
    "attestant": frozenset({"attest"}),
    "bookkeeper": frozenset({"review", "attest"}),
    "approver": frozenset({"review", "attest", "bulk_approve", "history"}),
    "admin": frozenset({"review", "attest", "bulk_approve", "history", "settings", "users"}),
}


class SignInLocked(Unauthorized):
    """Too many failed sign-ins; wait 15 minutes and try again."""

    code = "sign_in_locked"


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The person behind a request, and the companies they may see."""

    user_id: str
    email: str
    role: str
    locale: str
    bureau_id: str | None
    csrf_token: str
    company_ids: frozenset[str]
    companies: tuple[tuple[str, str], ...] = ()  # (id, name), by name

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise Forbidden("Your role does not allow this.")

    def require_company(self, company_id: str) -> None:
        # Not found rather than forbidden: we do not reveal that another bureau's company exists.
        if company_id not in self.company_ids:
            raise NotFound("No such company.")


@dataclass(frozen=True, slots=True)
class NewSession:
    token: str
    csrf_token: str
    expires_at: datetime


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_bureau(ctx: AppContext, *, name: str) -> Bureau:
    """The bureau named `name`, created when it does not exist."""
    with session_scope(ctx.engine) as session:
        found = session.exec(select(Bureau).where(Bureau.name == name)).first()
        if found is not None:
            return found
        bureau = Bureau(name=name)
        session.add(bureau)
    return bureau


def create_user(
    ctx: AppContext,
    *,
    email: str,
    password: str,
    role: str = "bookkeeper",
    locale: str = "nb",
    bureau_id: str | None = None,
    company_ids: Iterable[str] = (),
    actor: str = "cli",
) -> User:
    email = _checked_email(email)
    _check_new_user(password, role, locale)
    with session_scope(ctx.engine) as session:
        if session.exec(select(User).where(User.email == email)).first() is not None:
            raise Conflict(msg("A user with e-mail {email} exists already.", email=email))
        user = User(
            email=email,
            password_hash=hash_password(password),
            role=role,
            locale=locale,
            bureau_id=bureau_id,
        )
        session.add(user)
        session.flush()
        for company_id in company_ids:
            _grant(session, user, company_id)
        repo.add_event(
            session,
            company_id=None,
            document_id=None,
            actor=actor,
            action="user:create",
            detail={"email": email, "role": role, "companies": list(company_ids)},
        )
    return user


def _checked_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise InvalidInput(msg("{email} is not an e-mail address.", email=repr(email)))
    return email


def _check_new_user(password: str, role: str, locale: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            msg(
                "The password must have at least {MIN_PASSWORD} characters.",
                MIN_PASSWORD=MIN_PASSWORD,
            )
        )
    if role not in ROLES:
        raise InvalidInput(
            msg("Unknown role {role}; choose one of {ROLES}.", role=repr(role), ROLES=tuple(ROLES))
        )
    if locale not in LOCALES:
        raise InvalidInput(
            msg(
                "Unknown language {locale}; choose one of {LOCALES}.",
                locale=repr(locale),
                LOCALES=tuple(LOCALES),
            )
        )


def grant_access(ctx: AppContext, *, user_id: str, company_id: str) -> None:
    with session_scope(ctx.engine) as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("No such user.")
        _grant(session, user, company_id)


def _grant(session: Session, user: User, company_id: str) -> None:
    company = repo.get_company(session, company_id=company_id)
    # A bureau's user may only be given that bureau's clients.
    if user.bureau_id and company.bureau_id and company.bureau_id != user.bureau_id:
        raise InvalidInput(msg("{name} is a client of another bureau.", name=company.name))
    if user.bureau_id and company.bureau_id is None:
        # The first bureau given a client keeps it: no other bureau's user can be given it.
        company.bureau_id = user.bureau_id
        session.add(company)
    if session.get(UserCompany, (user.id, company_id)) is None:
        session.add(UserCompany(user_id=user.id, company_id=company_id))


def find_user(ctx: AppContext, *, email: str) -> User:
    with session_scope(ctx.engine) as session:
        user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise NotFound(msg("No user with e-mail {email}.", email=email))
    return user


def authenticate(ctx: AppContext, *, email: str, password: str) -> User:
    email = email.strip().lower()
    with session_scope(ctx.engine) as session:
        if _recent_failures(session, email) >= MAX_FAILED_SIGN_INS:
            raise SignInLocked()
        user = session.exec(select(User).where(User.email == email)).first()
    if user is None or not user.is_active:
        verify_password(_DUMMY_HASH, password)
        _failed(ctx, email)
    if not verify_password(user.password_hash, password):
        _failed(ctx, email)
    return user


def _recent_failures(session: Session, email: str) -> int:
    since = utcnow() - FAILED_SIGN_IN_WINDOW
    query = select(func.count()).where(
        AuditEvent.actor == email,
        AuditEvent.action == "user:sign_in_failed",
        col(AuditEvent.at) >= since,
    )
    return int(session.exec(query).one())


def _failed(ctx: AppContext, email: str) -> NoReturn:
    """Each failure is an audit event; enough of them in the window lock the e-mail out."""
    with session_scope(ctx.engine) as session:
        repo.add_event(
            session,
            company_id=None,
            document_id=None,
            actor=email[:200],
            action="user:sign_in_failed",
        )
    raise Unauthorized("Wrong e-mail or password.")


def start_session(ctx: AppContext, *, user: User) -> NewSession:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(seconds=ctx.settings.session_max_age_seconds)
    with session_scope(ctx.engine) as session:
        session.execute(delete(UiSession).where(col(UiSession.expires_at) < utcnow()))
        session.add(
            UiSession(
                token_hash=token_hash(token), user_id=user.id, csrf_token=csrf, expires_at=expires
            )
        )
        repo.add_event(
            session, company_id=None, document_id=None, actor=user.email, action="user:sign_in"
        )
    return NewSession(token, csrf, expires)


def end_session(ctx: AppContext, *, token: str) -> None:
    with session_scope(ctx.engine) as session:
        session.execute(delete(UiSession).where(col(UiSession.token_hash) == token_hash(token)))


def signed_in(ctx: AppContext, *, token: str) -> SignedIn | None:
    """The user of a live session, or None when the token is unknown or expired."""
    with session_scope(ctx.engine) as session:
        row = session.get(UiSession, token_hash(token))
        if row is None or row.expires_at < utcnow():
            return None
        user = session.get(User, row.user_id)
        if user is None or not user.is_active:
            return None
        reachable = _accessible(session, user)
        return SignedIn(
            user_id=user.id,
            email=user.email,
            role=user.role,
            locale=user.locale,
            bureau_id=user.bureau_id,
            csrf_token=row.csrf_token,
            company_ids=frozenset(c.id for c in reachable),
            companies=tuple((c.id, c.name) for c in reachable),
        )


def _accessible(session: Session, user: User) -> list[Company]:
    """Companies granted to the user; a bureau admin also reaches every client of the bureau."""
    granted = select(UserCompany.company_id).where(UserCompany.user_id == user.id)
    condition: ColumnElement[bool] = col(Company.id).in_(granted)
    if user.role == "admin" and user.bureau_id:
        condition = or_(condition, col(Company.bureau_id) == user.bureau_id)
    return list(session.exec(select(Company).where(condition).order_by(Company.name)).all())


def accessible_companies(ctx: AppContext, *, user_id: str) -> list[Company]:
    with session_scope(ctx.engine) as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("No such user.")
        return _accessible(session, user)


def bureau_users(ctx: AppContext, *, bureau_id: str | None) -> list[User]:
    with session_scope(ctx.engine) as session:
        query = select(User).where(User.bureau_id == bureau_id).order_by(User.email)
        return list(session.exec(query).all())


def set_locale(ctx: AppContext, *, user_id: str, locale: str) -> None:
    if locale not in LOCALES:
        raise InvalidInput(msg("Unknown language {locale}.", locale=repr(locale)))
    with session_scope(ctx.engine) as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("No such user.")
        user.locale = locale
        session.add(user)
