"""API authentication: `Authorization: Bearer <key>`, one key per company or more.

`current_caller` authenticates the key and counts the request against the key's rate limit
(429 with `Retry-After` when over it); routes take the company (`CurrentCompany`) and the
name the audit trail gives the key (`ApiActor`) from it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi import Request

from kontera.domain.errors import Unauthorized
from kontera.services.api_keys import ApiCaller
from kontera.services.api_keys import authenticate
from kontera.services.context import AppContext
from kontera.services.rate_limit import RateLimiter
from kontera.store.tables import Company


def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def current_caller(request: Request) -> ApiCaller:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("Send your API key as 'Authorization: Bearer <key>'.")
    caller = authenticate(get_ctx(request), key.strip())
    limiter: RateLimiter = request.app.state.rate_limiter
    limiter.check(caller.key_id)
    return caller


def current_company(caller: Annotated[ApiCaller, Depends(current_caller)]) -> Company:
    return caller.company


def api_actor(caller: Annotated[ApiCaller, Depends(current_caller)]) -> str:
    return caller.actor


Ctx = Annotated[AppContext, Depends(get_ctx)]
CurrentCompany = Annotated[Company, Depends(current_company)]
ApiActor = Annotated[str, Depends(api_actor)]
