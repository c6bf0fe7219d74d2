"""Refuse, at the fake's door, every request that breaks the system's published API.

`SpecGate` wraps a fake's ASGI app. For each request it checks, before the fake sees it, that
the request follows the published spec (openapi-core against the corpus's OpenAPI file for
Tripletex and Fortnox; `check` functions written from PowerOffice's published docs, which have
no spec file in the corpus). A request that does not is answered 400 with the validator's
words and kept in `violations`, so a test can assert there were none and that `checked` > 0.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Collection
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import httpx
from starlette.responses import JSONResponse

RequestCheck = Callable[[httpx.Request], None]  # raises AssertionError with the reason


@dataclass
class SpecGate:
    app: Callable[..., Any]
    check: RequestCheck
    spec_server: str  # the spec's server URL, e.g. https://tripletex.no/v2
    mount: str = ""  # the fake's own path prefix for the same server, e.g. /v2
    methods: Collection[str] = ("GET",)
    applies: Callable[[str], bool] = lambda path: True
    checked: int = 0
    violations: list[str] = field(default_factory=list)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in self.methods:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if not path.startswith(self.mount) or not self.applies(path):
            await self.app(scope, receive, send)
            return
        body, replay = await _read_body(receive)
        problem = self._problem(scope, path[len(self.mount) :], body)
        if problem is not None:
            self.violations.append(problem)
            response = JSONResponse({"status": 400, "message": problem}, status_code=400)
            await response(scope, replay, send)
            return
        await self.app(scope, replay, send)

    def _problem(self, scope: Any, path: str, body: bytes) -> str | None:
        query = scope.get("query_string", b"").decode()
        headers = [(k.decode(), v.decode()) for k, v in scope.get("headers", [])]
        url = self.spec_server.rstrip("/") + path + (f"?{query}" if query else "")
        request = httpx.Request(scope["method"], url, headers=headers, content=body)
        self.checked += 1
        try:
            self.check(request)
        except AssertionError as e:
            return f"{scope['method']} {path}: {e}"
        return None


async def _read_body(receive: Any) -> tuple[bytes, Any]:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return body, replay


def openapi_check(spec_loader: Callable[[], Any]) -> RequestCheck:
    """A check that validates against an openapi-core spec (loaded once, on first use)."""
    from tests.post.contract import validate_all

    def check(request: httpx.Request) -> None:
        validate_all(spec_loader(), [request])

    return check
