"""The whole web application: the JSON API plus the bookkeepers' review UI."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from kontera.api.app import create_app
from kontera.api.security import SecurityHeaders
from kontera.review import mount_review
from kontera.services.context import AppContext


def create_web_app(ctx: AppContext, *, consumer: Any = None) -> FastAPI:
    app = create_app(ctx, consumer=consumer)
    mount_review(app, ctx)
    app.add_middleware(SecurityHeaders)
    return app
