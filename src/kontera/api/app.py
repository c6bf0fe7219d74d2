"""The ASGI application: JSON API, health check, and (when present) the review UI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import text

from kontera import __version__
from kontera.api import audit
from kontera.api import connect
from kontera.api import documents
from kontera.api import settings
from kontera.api.docs import install_docs
from kontera.api.errors import install_error_handlers
from kontera.api.limits import BodySizeLimit
from kontera.api.operations import operations_router
from kontera.services.context import AppContext
from kontera.services.ops.rate_limit import limiter_for

DESCRIPTION = """Invoice interpretation and auto-posting for Nordic bookkeeping.

Authenticate every `/v1` call with the company's API key: `Authorization: Bearer <key>`.
Errors are always `{"error": code, "message": text}`. Send a document with
`POST /v1/documents` (multipart `file`), then follow it with `GET /v1/documents/{id}`, or
poll `GET /v1/documents?changed_since=…` with the time of your previous call.
"""


class HealthOut(BaseModel):
    status: str
    version: str


def create_app(ctx: AppContext, *, consumer: Any = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if consumer is not None:
            consumer.start()
        try:
            yield
        finally:
            if consumer is not None:
                consumer.stop(graceful=True)
                consumer.hand_back_interrupted()

    app = FastAPI(
        title="Kontera",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by `install_docs`, from local assets
        redoc_url=None,
    )
    app.state.ctx = ctx
    app.state.rate_limiter = limiter_for(
        per_minute=ctx.settings.api_rate_limit_per_minute,
        engine=ctx.engine,
        redis_url=ctx.settings.redis_url,
    )
    install_error_handlers(app)
    app.include_router(documents.router)
    app.include_router(connect.router)
    app.include_router(audit.router)
    app.include_router(settings.router)
    app.include_router(operations_router(ctx))
    app.add_middleware(BodySizeLimit, max_bytes=ctx.settings.max_upload_bytes)
    install_docs(app)

    @app.get("/healthz", tags=["operations"], response_model=HealthOut)
    def healthz() -> dict[str, Any]:
        with ctx.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    return app
