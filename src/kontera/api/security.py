"""Security headers on every response of the web application (API and review UI).

A pure ASGI middleware (no per-request objects), so it costs nothing measurable under load.
The UI is server-rendered with htmx served from our own origin, so the content security
policy allows scripts and styles from 'self' only; the interactive API docs (`/docs`,
`/redoc`) set their own policy (kontera.api.docs).
Responses that carry accounting data must not be kept by shared caches: `no-store`.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp
from starlette.types import Message
from starlette.types import Receive
from starlette.types import Scope
from starlette.types import Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; "
    "script-src 'self'; "
    "style-src 'self'; "
    "img-src 'self' data: blob:; "
    "object-src 'none'; "
    "frame-src 'self'; "
    "frame-ancestors 'none'; "
    "base-uri 'self'; "
    "form-action 'self'"
)

BASE_HEADERS: tuple[tuple[str, str], ...] = (
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()"),
)

# Pages that load third-party assets by design and are public anyway.
NO_CSP_PREFIXES = ("/docs", "/redoc")
# Static assets may be cached; everything else can hold accounting data.
CACHEABLE_PREFIXES = ("/static",)
HSTS = ("strict-transport-security", "max-age=31536000; includeSubDomains")


class SecurityHeaders:
    """Add security headers to every HTTP response that does not set them itself."""

    def __init__(
        self, app: ASGIApp, *, content_security_policy: str = CONTENT_SECURITY_POLICY
    ) -> None:
        self.app = app
        self.csp = content_security_policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.headers_for(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _merged(message.get("headers", []), extra)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def headers_for(self, scope: Scope) -> list[tuple[str, str]]:
        path: str = scope.get("path", "")
        headers = list(BASE_HEADERS)
        if not path.startswith(NO_CSP_PREFIXES):
            headers.append(("content-security-policy", self.csp))
        if not path.startswith(CACHEABLE_PREFIXES):
            headers.append(("cache-control", "no-store"))
        # HSTS only means something over TLS (directly or behind a proxy that says so).
        if scope.get("scheme") == "https" or _forwarded_https(scope):
            headers.append(HSTS)
        return headers


def _forwarded_https(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-proto":
            return bool(value.strip().lower() == b"https")
    return False


def _merged(
    existing: Iterable[tuple[bytes, bytes]], extra: list[tuple[str, str]]
) -> list[tuple[bytes, bytes]]:
    # A route that sets its own header (a stricter CSP, a cacheable download) keeps it.
    merged = list(existing)
    present = {name.lower() for name, _ in merged}
    for name, value in extra:
        key = name.encode("latin-1")
        if key not in present:
            merged.append((key, value.encode("latin-1")))
    return merged
