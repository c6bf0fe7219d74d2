"""Connecting a company to its accounting system; credentials encrypted at rest."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.config import Settings
from kontera.domain.errors import Forbidden
from kontera.domain.errors import InvalidInput
from kontera.domain.errors import NotFound
from kontera.domain.messages import msg
from kontera.post import AppSecrets
from kontera.post import Connection
from kontera.post import Connector
from kontera.post import EncryptedTokenStore
from kontera.post import OAuthState
from kontera.post import System
from kontera.post import TokenCipher
from kontera.post import authorization_url
from kontera.post import exchange_code
from kontera.post import make_connector
from kontera.post import make_state
from kontera.post import new_nonce
from kontera.post import read_state
from kontera.post.exchange_rates import RateObserver
from kontera.post.exchange_rates import RateQuote
from kontera.post.exchange_rates import RateSources
from kontera.post.http import ApiClient
from kontera.post.http import CallObserver
from kontera.post.ratelimit import LimiterSource
from kontera.services.admin.companies import find_company
from kontera.services.admin.secrets import oauth_signing_keys
from kontera.services.admin.secrets import token_cipher
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.blobs import BlobFolder
from kontera.store.blobs_s3 import S3BlobStore
from kontera.store.db import session_scope
from kontera.store.rate_cache import StoredRateCache
from kontera.store.tables_post import AccountingConnection
from kontera.store.types import utcnow

SYSTEM_BASE_URL = {
    System.TRIPLETEX: "tripletex_base_url",
    System.FORTNOX: "fortnox_base_url",
    System.POWEROFFICE: "poweroffice_base_url",
}


def app_secrets(settings: Settings) -> AppSecrets:
    return AppSecrets(
        tripletex_consumer_token=settings.tripletex_consumer_token or "",
        fortnox_client_id=settings.fortnox_client_id or "",
        fortnox_client_secret=settings.fortnox_client_secret or "",
        fortnox_redirect_uri=f"{settings.public_url.rstrip('/')}/connect/fortnox/callback",
        poweroffice_application_key=settings.poweroffice_application_key or "",
        poweroffice_subscription_key=settings.poweroffice_subscription_key or "",
        fortnox_oauth_url=settings.fortnox_auth_url,
    )


def cipher(settings: Settings) -> TokenCipher:
    return token_cipher(settings)


def connect(
    ctx: AppContext,
    *,
    company_name: str,
    system: str,
    secret: str | None = None,
    settings: dict[str, str] | None = None,
    consumer_token: str | None = None,
    actor: str = "cli",
) -> AccountingConnection:
    """Create or replace the company's connection. The secret is stored encrypted."""
    try:
        chosen = System(system)
    except ValueError as e:
        raise InvalidInput(msg("Unknown accounting system {system}.", system=repr(system))) from e
    company = find_company(ctx, company_name)
    options = {**_default_settings(ctx.settings, chosen), **(settings or {})}
    with session_scope(ctx.engine) as session:
        row = _connection_row(session, company.id) or AccountingConnection(
            company_id=company.id, system=chosen.value
        )
        row.system, row.settings, row.updated_at = chosen.value, options, utcnow()
        row.secret = _sealed(ctx.settings, secret, consumer_token)
        row.tokens = None
        session.add(row)
        repo.add_event(
            session,
            company_id=company.id,
            document_id=None,
            actor=actor,
            action="connection:set",
            detail={"system": chosen.value, "settings": options},
        )
    return row


def _sealed(settings: Settings, secret: str | None, consumer_token: str | None) -> str | None:
    if consumer_token:
        return cipher(settings).encrypt(
            json.dumps({"secret": secret, "consumer_token": consumer_token})
        )
    return cipher(settings).encrypt(secret) if secret else None


def _default_settings(settings: Settings, system: System) -> dict[str, str]:
    attribute = SYSTEM_BASE_URL.get(system)
    return {"base_url": str(getattr(settings, attribute))} if attribute else {}


def _connection_row(session: Session, company_id: str) -> AccountingConnection | None:
    query = select(AccountingConnection).where(AccountingConnection.company_id == company_id)
    return session.exec(query).first()


def connection_of(session: Session, company_id: str) -> AccountingConnection | None:
    return _connection_row(session, company_id)


def connector_for(
    ctx: AppContext,
    row: AccountingConnection,
    *,
    client: httpx.Client,
    limiters: LimiterSource,
    observer: CallObserver | None = None,
    document_id: str | None = None,
) -> Connector:
    secret, app = _secret_and_app(ctx, row)
    connection = Connection(
        company=row.company_id,
        system=System(row.system),
        settings={k: str(v) for k, v in row.settings.items()},
        secret=secret,
    )
    token_store = EncryptedTokenStore(
        cipher(ctx.settings),
        lambda: _load_tokens(ctx, row.id),
        lambda text: _save_tokens(ctx, row.id, text),
    )
    return make_connector(
        connection,
        app,
        client=client,
        limiters=limiters,
        token_store=token_store,
        observer=observer,
        rates=rate_sources(ctx),
        on_rate=_audit_rate(ctx, row.company_id, document_id),
        bucket_folder=_bucket_folder,
    )


def _bucket_folder(url: str) -> BlobFolder:
    """An export folder in a bucket, so workers on every host write to the same place."""
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    return BlobFolder(S3BlobStore(bucket), prefix.strip("/"))


def rate_sources(ctx: AppContext) -> RateSources:
    """The central banks, with their rates cached in the database for every worker."""
    s = ctx.settings
    return RateSources(
        norges_bank_url=s.norges_bank_url,
        riksbank_url=s.riksbank_url,
        riksbank_api_key=s.riksbank_api_key or "",
        timeout_seconds=s.exchange_rate_timeout_seconds,
        cache=StoredRateCache(ctx.engine),
    )


def _audit_rate(ctx: AppContext, company_id: str, document_id: str | None) -> RateObserver:
    """Each rate a voucher is booked at becomes an audit event: rate, source, its date."""

    def record(quote: RateQuote) -> None:
        with session_scope(ctx.engine) as session:
            repo.add_event(
                session,
                company_id=company_id,
                document_id=document_id,
                actor=f"poster:{quote.source}",
                action="exchange_rate:used",
                detail=quote.to_json(),
            )

    return record


def _secret_and_app(ctx: AppContext, row: AccountingConnection) -> tuple[str | None, AppSecrets]:
    """The company's secret; a per-company consumer token overrides Kontera's own."""
    app = app_secrets(ctx.settings)
    if not row.secret:
        return None, app
    text = cipher(ctx.settings).decrypt(row.secret)
    if not text.startswith("{"):
        return text, app
    values = json.loads(text)
    if values.get("consumer_token"):
        app = replace(app, tripletex_consumer_token=values["consumer_token"])
    return values.get("secret"), app


def _load_tokens(ctx: AppContext, connection_id: str) -> str | None:
    with session_scope(ctx.engine) as session:
        row = session.get(AccountingConnection, connection_id)
        return row.tokens if row else None


def _save_tokens(ctx: AppContext, connection_id: str, text: str) -> None:
    # Fortnox rotates refresh tokens: the new pair must be saved at once, whatever follows.
    with session_scope(ctx.engine) as session:
        row = session.get(AccountingConnection, connection_id)
        if row is None:
            raise NotFound("The connection was removed.")
        row.tokens, row.updated_at = text, utcnow()
        session.add(row)


def start_fortnox(ctx: AppContext, *, company_name: str, user_id: str, actor: str = "cli") -> str:
    """Begin the OAuth authorization-code flow; returns the URL the user must open.

    The flow is bound to `user_id`: only that user's signed-in session may finish it, once,
    within ten minutes. Starting again replaces the pending flow."""
    connect(ctx, company_name=company_name, system=System.FORTNOX.value, actor=actor)
    company = find_company(ctx, company_name)
    nonce = new_nonce()
    with session_scope(ctx.engine) as session:
        row = _connection_row(session, company.id)
        assert row is not None
        row.oauth_state = json.dumps({"nonce_sha256": _digest(nonce), "user_id": user_id})
        session.add(row)
        repo.add_event(
            session,
            company_id=company.id,
            document_id=None,
            actor=actor,
            action="connection:authorization_started",
            detail={"system": "fortnox", "user_id": user_id},
        )
    state = make_state(oauth_signing_keys(ctx.settings), OAuthState(company.id, user_id, nonce))
    return authorization_url(app_secrets(ctx.settings).fortnox_app(), state)


def finish_fortnox(
    ctx: AppContext, *, state: str, code: str, user_id: str, client: httpx.Client
) -> str:
    """The redirect came back to `user_id`'s session: check and use up the state, then
    exchange the code and store the tokens encrypted."""
    claimed = read_state(oauth_signing_keys(ctx.settings), state)
    if claimed.user_id != user_id:
        raise Forbidden(
            "This Fortnox authorization was started by another user; "
            "sign in as that user, or start connecting again yourself."
        )
    _use_up(ctx, claimed)
    app = app_secrets(ctx.settings).fortnox_app()
    tokens = exchange_code(ApiClient(client, system="Fortnox"), app, code)
    with session_scope(ctx.engine) as session:
        row = _connection_row(session, claimed.company_id)
        if row is None or row.system != System.FORTNOX.value:
            raise NotFound("No Fortnox connection was started for this company.")
        row.tokens = cipher(ctx.settings).encrypt(tokens.to_json())
        row.updated_at = utcnow()
        session.add(row)
        repo.add_event(
            session,
            company_id=claimed.company_id,
            document_id=None,
            actor=f"user:{user_id}",
            action="connection:authorized",
            detail={"system": "fortnox"},
        )
    return claimed.company_id


def _use_up(ctx: AppContext, claimed: OAuthState) -> None:
    """The state's nonce must be the one pending for its company: take it, exactly once."""
    used = Forbidden(
        "This authorization link was already used or replaced by a newer one; "
        "start connecting again."
    )
    with session_scope(ctx.engine) as session:
        row = _connection_row(session, claimed.company_id)
        if row is None or not row.oauth_state:
            raise used
        pending = json.loads(row.oauth_state)
        if not hmac.compare_digest(pending.get("nonce_sha256", ""), _digest(claimed.nonce)):
            raise used
        taken = session.execute(
            update(AccountingConnection)
            .where(
                col(AccountingConnection.id) == row.id,
                col(AccountingConnection.oauth_state) == row.oauth_state,
            )
            .values(oauth_state=None)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise used


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def describe(row: AccountingConnection) -> dict[str, Any]:
    return {"system": row.system, "settings": row.settings, "has_secret": bool(row.secret)}


def update_settings(ctx: AppContext, *, company_name: str, settings: dict[str, str]) -> None:
    company = find_company(ctx, company_name)
    with session_scope(ctx.engine) as session:
        row = _connection_row(session, company.id)
        if row is None:
            raise NotFound("The company has no accounting connection.")
        row.settings = {**row.settings, **settings}
        session.add(row)


def current(ctx: AppContext, *, company_id: str) -> dict[str, Any] | None:
    """What the settings page shows: the system and its settings, never the secret."""
    with session_scope(ctx.engine) as session:
        row = _connection_row(session, company_id)
        return describe(row) if row else None
