"""Security headers on every UI response, and CSRF tokens for every state-changing request.

The CSP allows only our own scripts and styles (no inline code), so an injected string can
neither run script nor restyle the page; box highlights are SVG attributes, not inline styles.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import FastAPI
from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp
from starlette.types import Message
from starlette.types import Receive
from starlette.types import Scope
from starlette.types import Send

from kontera.domain.errors import Forbidden

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
LOGIN_CSRF_COOKIE = "kontera_login_csrf"
API_PREFIXES = ("/v1", "/healthz", "/docs", "/openapi.json", "/redoc")

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def is_ui_path(path: str) -> bool:
    return not path.startswith(API_PREFIXES)


def install_security_headers(app: FastAPI) -> None:
    app.add_middleware(UiSecurityHeaders)


class UiSecurityHeaders:
    """Pure ASGI (no per-request objects): headers on UI responses that do not set their own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_ui_path(scope.get("path", "")):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    # Pages show invoices and amounts: never keep them in a shared cache.
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def check_csrf(expected: str, given: str | None) -> None:
    if not given or not hmac.compare_digest(expected.encode(), given.encode()):
        raise Forbidden("The form has expired or did not come from Kontera; reload and try again.")


async def submitted_csrf(request: Request) -> str | None:
    """The token from the `X-CSRF-Token` header (fetch) or the hidden form field."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None
