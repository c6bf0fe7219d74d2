"""OAuth2 authorization-code flow with rotating refresh tokens (Fortnox).

1. `authorization_url(...)` → the web UI redirects the user there. The `state` is signed
   (itsdangerous, with a key derived from Kontera's secret), expires after 10 minutes and
   names the company, the signed-in user who started it and a nonce that the services layer
   stores with the pending connection and consumes once, so a forged, replayed, stale or
   someone else's callback is refused.
2. The callback calls `read_state(...)` then `exchange_code(...)`.
3. `TokenManager.access_token()` returns a valid access token, refreshing when it is about to
   expire. Fortnox rotates refresh tokens: each refresh returns a new one and the old one
   stops working, so the new pair is saved *before* it is used.

Token storage is behind `TokenStore`; the lead persists it encrypted (`kontera.post.crypto`).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import Protocol
from urllib.parse import urlencode

import httpx
from itsdangerous import BadData
from itsdangerous import SignatureExpired
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer

from kontera.domain.errors import Forbidden
from kontera.domain.errors import PermanentError
from kontera.post.http import ApiClient
from kontera.post.http import CredentialsRejected

FORTNOX_AUTH_URL = "https://apps.fortnox.se/oauth-v1/auth"
FORTNOX_TOKEN_URL = "https://apps.fortnox.se/oauth-v1/token"
FORTNOX_SCOPES = ("bookkeeping", "supplierinvoice", "supplier", "inbox", "connectfile")


@dataclass(frozen=True, slots=True)
class OAuthApp:
    client_id: str
    client_secret: str
    redirect_uri: str
    auth_url: str = FORTNOX_AUTH_URL
    token_url: str = FORTNOX_TOKEN_URL
    scopes: tuple[str, ...] = FORTNOX_SCOPES

    def __repr__(self) -> str:
        return f"OAuthApp(client_id={self.client_id!r}, redirect_uri={self.redirect_uri!r})"


@dataclass(frozen=True, slots=True)
class OAuthTokens:
    access_token: str
    refresh_token: str
    expires_at: datetime

    def __repr__(self) -> str:
        return f"OAuthTokens(expires_at={self.expires_at.isoformat()})"

    def to_json(self) -> str:
        return json.dumps(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_at": self.expires_at.isoformat(),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> OAuthTokens:
        data = json.loads(text)
        return cls(
            data["access_token"], data["refresh_token"], datetime.fromisoformat(data["expires_at"])
        )


class TokenStore(Protocol):
    def load(self) -> OAuthTokens | None: ...

    def save(self, tokens: OAuthTokens) -> None: ...


class MemoryTokenStore:
    """Tokens in memory: for tests and one-off CLI runs."""

    def __init__(self, tokens: OAuthTokens | None = None) -> None:
        self.tokens = tokens

    def load(self) -> OAuthTokens | None:
        return self.tokens

    def save(self, tokens: OAuthTokens) -> None:
        self.tokens = tokens


STATE_MAX_AGE_SECONDS = 600
_STATE_SALT = "kontera.fortnox.oauth-state"


@dataclass(frozen=True, slots=True)
class OAuthState:
    """Who started a sign-in at the accounting system, for which company, with which nonce.

    The nonce is also stored with the pending connection, so each state works once."""

    company_id: str
    user_id: str
    nonce: str


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def make_state(
    signing_keys: Sequence[bytes], state: OAuthState, *, issued_at: int | None = None
) -> str:
    """A signed, timestamped state (itsdangerous); `signing_keys` oldest first, last signs."""
    serializer = _serializer(signing_keys, issued_at)
    payload = {"c": state.company_id, "u": state.user_id, "n": state.nonce}
    return str(serializer.dumps(payload))


def read_state(
    signing_keys: Sequence[bytes], text: str, *, max_age: int = STATE_MAX_AGE_SECONDS
) -> OAuthState:
    """The state Kontera issued less than `max_age` seconds ago; Forbidden for anything else."""
    try:
        payload = _serializer(signing_keys, None).loads(text, max_age=max_age)
    except SignatureExpired:
        raise Forbidden(
            "This authorization link has expired (after 10 minutes); start connecting again."
        ) from None
    except BadData:
        raise Forbidden("This authorization answer was not started by Kontera.") from None
    return OAuthState(company_id=payload["c"], user_id=payload["u"], nonce=payload["n"])


def _serializer(signing_keys: Sequence[bytes], issued_at: int | None) -> URLSafeTimedSerializer:
    if issued_at is None:
        return URLSafeTimedSerializer(list(signing_keys), salt=_STATE_SALT)

    stamp: int = issued_at

    class _Issued(TimestampSigner):
        def get_timestamp(self) -> int:
            return stamp

    return URLSafeTimedSerializer(list(signing_keys), salt=_STATE_SALT, signer=_Issued)


def authorization_url(app: OAuthApp, state: str) -> str:
    query = {
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "scope": " ".join(app.scopes),
        "state": state,
        "access_type": "offline",
        "response_type": "code",
    }
    return f"{app.auth_url}?{urlencode(query)}"


def exchange_code(
    api: ApiClient, app: OAuthApp, code: str, *, now: Callable[[], datetime] | None = None
) -> OAuthTokens:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": app.redirect_uri}
    return _token_request(api, app, form, now or _utcnow)


def refresh(
    api: ApiClient, app: OAuthApp, tokens: OAuthTokens, *, now: Callable[[], datetime] | None = None
) -> OAuthTokens:
    form = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
    return _token_request(api, app, form, now or _utcnow)


def _token_request(
    api: ApiClient, app: OAuthApp, form: dict[str, str], now: Callable[[], datetime]
) -> OAuthTokens:
    pair = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
    try:
        response = api.request(
            "POST", app.token_url, data=form, headers={"Authorization": f"Basic {pair}"}
        )
    except PermanentError as e:  # 400 invalid_grant or 401: the grant is gone
        raise CredentialsRejected(
            "The accounting system no longer accepts Kontera's authorization; "
            "connect the company again."
        ) from e
    data: dict[str, Any] = response.json()
    tokens = OAuthTokens(
        access_token=str(data["access_token"]),
        refresh_token=str(data["refresh_token"]),
        expires_at=now() + timedelta(seconds=int(data.get("expires_in", 3600))),
    )
    api.add_secret(tokens.access_token)
    api.add_secret(tokens.refresh_token)
    return tokens


def _utcnow() -> datetime:
    return datetime.now(UTC)


class TokenManager:
    """A valid access token for one tenant, refreshed (and saved) a minute before expiry.

    The access token is kept in memory until it is due; the store is read again before a
    refresh, because another worker may already have rotated the refresh token. Workers in
    several processes must not refresh at the same moment: the lead's store serialises
    `load`+`save` per company (a row lock), or one of them holds a dead refresh token.
    """

    def __init__(
        self,
        client: httpx.Client | ApiClient,
        app: OAuthApp,
        store: TokenStore,
        *,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.api = client if isinstance(client, ApiClient) else ApiClient(client, system="Fortnox")
        self.app = app
        self.store = store
        self.now = now
        self._lock = threading.Lock()
        self._cached: OAuthTokens | None = None

    def access_token(self, *, force_refresh: bool = False) -> str:
        with self._lock:
            if self._cached is not None and not force_refresh and not self._due(self._cached):
                return self._cached.access_token
            tokens = self.store.load()
            if tokens is None:
                raise CredentialsRejected("The company is not connected to the accounting system.")
            stale = self._cached is not None and tokens.access_token == self._cached.access_token
            if self._due(tokens) or (force_refresh and (stale or self._cached is None)):
                tokens = refresh(self.api, self.app, tokens, now=self.now)
                self.store.save(tokens)  # the old refresh token is dead now: save first
            self._cached = tokens
            return tokens.access_token

    def _due(self, tokens: OAuthTokens) -> bool:
        return tokens.expires_at - timedelta(seconds=60) <= self.now()
