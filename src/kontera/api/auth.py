"""API authentication: `Authorization: Bearer <key>`, one key per company."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi import Request

from kontera.domain.errors import Unauthorized
from kontera.services.companies import authenticate_api_key
from kontera.services.context import AppContext
from kontera.store.tables import Company


def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def current_company(request: Request) -> Company:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("Send your API key as 'Authorization: Bearer <key>'.")
    return authenticate_api_key(get_ctx(request), key.strip())


Ctx = Annotated[AppContext, Depends(get_ctx)]
CurrentCompany = Annotated[Company, Depends(current_company)]
