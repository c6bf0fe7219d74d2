"""Where Fortnox sends the user back after they let Kontera post for their company."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import APIRouter
from fastapi import Query
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from kontera.api.auth import Ctx
from kontera.services.connections import finish_fortnox

router = APIRouter(tags=["connections"])


@router.get("/connect/fortnox/callback", response_class=HTMLResponse, include_in_schema=False)
async def fortnox_callback(
    ctx: Ctx, state: Annotated[str, Query()], code: Annotated[str, Query()]
) -> HTMLResponse:
    def finish() -> str:
        with httpx.Client(timeout=30) as client:
            return finish_fortnox(ctx, state=state, code=code, client=client)

    await run_in_threadpool(finish)
    return HTMLResponse(
        "<!doctype html><title>Kontera</title><main><h1>Fortnox is connected</h1>"
        "<p>Kontera will post approved invoices into Fortnox. You can close this page.</p></main>"
    )
