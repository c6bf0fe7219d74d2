"""API authentication: `Authorization: Bearer <key>`, one key per company or more.

`current_caller` authenticates the key and counts the request against the key's rate limit
(429 with `Retry-After` when over it); routes take the company (`CurrentCompany`) and the
name the audit trail gives the key (`ApiActor`) from it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi import Request
from fastapi import Security
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.security import HTTPBearer

from kontera.domain.errors import Unauthorized
from kontera.services.admin.api_keys import ApiCaller
from kontera.services.admin.api_keys import authenticate
from kontera.services.context import AppContext
from kontera.services.ops.rate_limit import RateLimiter
from kontera.store.tables import Company


def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


# Declared for the OpenAPI document (every /v1 operation names this scheme); the header is
# checked below, so that a missing key is our 401 with our error body.
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="The company's API key (`kontera apikey create`), as "
    "`Authorization: Bearer <key>`.",
)


def current_caller(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
) -> ApiCaller:
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
