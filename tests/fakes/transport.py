"""Sync httpx transports for the fakes: run an ASGI app in-process, and inject faults.

`AppTransport` lets a plain `httpx.Client` (what the connectors take) talk to a Starlette
app without a socket. `FaultyTransport` wraps any transport and, for a share of calls,
times out, answers 429 or 500, resets the connection — sometimes *after* the server acted,
which is the case that doubles vouchers in careless clients — or raises `Crash` to simulate
the worker being killed at that point.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import httpx


class AppTransport(httpx.BaseTransport):
    """Call an ASGI app directly; one private event loop per transport."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.loop.run_until_complete(self._call(request))

    def close(self) -> None:
        self.loop.close()

    async def _call(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "root_path": "",
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "server": (request.url.host, request.url.port or 443),
            "client": ("127.0.0.1", 50000),
        }
        sent = False
        status = 500
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return httpx.Response(status, headers=headers, content=b"".join(chunks), request=request)


class Crash(BaseException):
    """The worker died here. BaseException so no `except Exception` in the code swallows it."""


@dataclass
class Faults:
    """What share of calls fail, and how. `crash_rate` kills the worker at a call site."""

    rate: float = 0.0
    crash_rate: float = 0.0
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    counts: dict[str, int] = field(default_factory=dict)

    def pick(self) -> str | None:
        if self.crash_rate and self.rng.random() < self.crash_rate:
            return self.rng.choice(["crash_before", "crash_after"])
        if self.rng.random() >= self.rate:
            return None
        return self.rng.choice(
            ["timeout_before", "timeout_after", "429", "500", "reset_before", "reset_after"]
        )


class FaultyTransport(httpx.BaseTransport):
    def __init__(
        self,
        inner: httpx.BaseTransport,
        faults: Faults,
        applies: Callable[[httpx.Request], bool] = lambda request: True,
    ) -> None:
        self.inner = inner
        self.faults = faults
        self.applies = applies

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        fault = self.faults.pick() if self.applies(request) else None
        if fault is None:
            return self.inner.handle_request(request)
        self.faults.counts[fault] = self.faults.counts.get(fault, 0) + 1
        if fault == "crash_before":
            raise Crash(fault)
        if fault == "timeout_before":
            raise httpx.ConnectTimeout("injected", request=request)
        if fault == "reset_before":
            raise httpx.ConnectError("injected: connection refused", request=request)
        if fault == "429":
            return httpx.Response(429, headers={"Retry-After": "1"}, request=request)
        if fault == "500":
            return httpx.Response(500, text="injected", request=request)
        self.inner.handle_request(request)  # the server acts, then the answer is lost
        if fault == "crash_after":
            raise Crash(fault)
        if fault == "timeout_after":
            raise httpx.ReadTimeout("injected", request=request)
        raise httpx.RemoteProtocolError("injected: connection reset by peer", request=request)
