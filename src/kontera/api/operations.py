"""The endpoints an operator's tooling calls besides `/healthz` (alive): `/readyz` (database,
queue and document store reachable) and `/metrics` (Prometheus text format).

`/metrics` is open unless `KONTERA_METRICS_TOKEN` is set; then Prometheus must send
`Authorization: Bearer <token>` (its `authorization` scrape setting).
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter
from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import REGISTRY
from prometheus_client import CollectorRegistry
from prometheus_client import generate_latest
from starlette.responses import Response

from kontera import __version__
from kontera.api.schemas import errors
from kontera.domain.errors import Unauthorized
from kontera.services.context import AppContext
from kontera.services.ops.health import SharedStateCollector
from kontera.services.ops.health import readiness


def operations_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["operations"])
    shared = CollectorRegistry(auto_describe=False)
    shared.register(SharedStateCollector(ctx))

    @router.get(
        "/readyz",
        responses={
            200: {"description": "Ready: every check answered `ok`."},
            503: {"description": "Not ready: `checks` names what did not answer."},
        },
    )
    async def readyz() -> JSONResponse:
        """Ready for traffic: the database, the job queue and the document store answer."""
        problems = await run_in_threadpool(readiness, ctx)
        ready = not any(problems.values())
        body = {
            "status": "ready" if ready else "not_ready",
            "version": __version__,
            "checks": {name: problem or "ok" for name, problem in problems.items()},
        }
        return JSONResponse(body, status_code=200 if ready else 503)

    @router.get(
        "/metrics",
        response_class=Response,
        responses={
            200: {
                "description": "Prometheus metrics (text exposition format).",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            },
            **errors(401),
        },
    )
    async def metrics(request: Request) -> Response:
        _require_token(ctx, request)
        process = generate_latest(REGISTRY)
        state = await run_in_threadpool(generate_latest, shared)
        return Response(process + state, media_type=CONTENT_TYPE_LATEST)

    return router


def _require_token(ctx: AppContext, request: Request) -> None:
    token = ctx.settings.metrics_token
    if not token:
        return
    sent = request.headers.get("Authorization", "")
    if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        raise Unauthorized("The metrics need the bearer token of KONTERA_METRICS_TOKEN.")
