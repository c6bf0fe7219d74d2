"""Security headers on every UI response, and CSRF tokens for every state-changing request.

The CSP allows only our own scripts and styles (no inline code), so an injected string can
neither run script nor restyle the page; box highlights are SVG attributes, not inline styles.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable
from collections.abc import Callable

from fastapi import FastAPI
from fastapi import Request
from starlette.responses import Response

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
    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if is_ui_path(request.url.path):
            for name, value in HEADERS.items():
                response.headers.setdefault(name, value)
            if response.headers.get("content-type", "").startswith("text/html"):
                # Pages show invoices and amounts: never keep them in a shared cache.
                response.headers["Cache-Control"] = "no-store"
        return response


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
