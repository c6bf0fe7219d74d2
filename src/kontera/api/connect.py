"""Where Fortnox sends the user back after they let Kontera post for their company.

The callback belongs to the browser session that started the connection: without a session
the user signs in first and comes back here; another user's session is refused, and so is a
state that is forged, older than ten minutes, or already used (`services.connections`).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter
from fastapi import Query
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from kontera.api.auth import Ctx
from kontera.services.admin import users
from kontera.services.post.connections import finish_fortnox

router = APIRouter(tags=["connections"])


@router.get("/connect/fortnox/callback", response_class=HTMLResponse, include_in_schema=False)
async def fortnox_callback(
    request: Request, ctx: Ctx, state: Annotated[str, Query()], code: Annotated[str, Query()]
) -> Response:
    token = request.cookies.get(users.SESSION_COOKIE)
    user = await run_in_threadpool(users.signed_in, ctx, token=token) if token else None
    if user is None:
        back = f"{request.url.path}?{request.url.query}"
        return RedirectResponse(f"/login?next={quote(back)}", status_code=303)
    signed_in = user

    def finish() -> str:
        with ctx.http_client(timeout=30) as client:
            return finish_fortnox(
                ctx, state=state, code=code, user_id=signed_in.user_id, client=client
            )

    company_id = await run_in_threadpool(finish)
    # Connect once: the first sync reads the ledger (queued; inline only in tests).
    await run_in_threadpool(ctx.queue.sync_company, company_id, True, "connect")
    return HTMLResponse(
        "<!doctype html><title>Kontera</title><main><h1>Fortnox is connected</h1>"
        "<p>Kontera will post approved invoices into Fortnox. You can close this page.</p></main>"
    )
