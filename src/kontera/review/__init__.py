"""The bookkeepers' web UI: queue, detail, approve/reject, settings (Jinja2, server-rendered).

`mount_review(app, ctx)` adds the UI to the API application: routes, static files, security
headers, and HTML error pages for UI paths (the API keeps its JSON errors).
"""

from __future__ import annotations

from collections.abc import Awaitable
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from kontera.domain.errors import InvalidInput
from kontera.domain.errors import KonteraError
from kontera.i18n import translator
from kontera.review import admin_routes
from kontera.review import archive_routes
from kontera.review import attest_routes
from kontera.review import attest_settings_routes
from kontera.review import auth
from kontera.review import detail_routes
from kontera.review import finish_routes
from kontera.review import queue_routes
from kontera.review.security import install_security_headers
from kontera.review.security import is_ui_path
from kontera.review.web import HERE
from kontera.review.web import browser_locale
from kontera.review.web import render
from kontera.services.context import AppContext

__all__ = ["mount_review"]

Handler = Callable[[Request, Any], Awaitable[Response] | Response]


def mount_review(app: FastAPI, ctx: AppContext) -> None:
    """Add the UI's routes to `app` (whose `state.ctx` is `ctx`)."""
    app.state.ctx = ctx
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="review-static")
    for module in (
        auth,
        queue_routes,
        detail_routes,
        finish_routes,
        attest_routes,
        attest_settings_routes,
        archive_routes,
        admin_routes,
    ):
        app.include_router(module.router)
    app.add_exception_handler(auth.SignInRequired, auth.sign_in_required_response)  # type: ignore[arg-type]
    _html_errors_for_ui(app)
    install_security_headers(app)


def _html_errors_for_ui(app: FastAPI) -> None:
    """UI paths get a readable HTML page; API paths keep the JSON error of `kontera.api`."""
    api_handler: Handler | None = app.exception_handlers.get(KonteraError)

    async def kontera_error(request: Request, exc: KonteraError) -> Response:
        if is_ui_path(request.url.path) or api_handler is None:
            user = auth.optional_user(request)
            if request.headers.get("x-requested-with") == "fetch":
                locale = user.locale if user else browser_locale(request)
                text = translator(locale).text(exc.text)
                return Response(text, status_code=exc.status, media_type="text/plain")
            return render(request, "error.html", user, status_code=exc.status, error=exc)
        result = api_handler(request, exc)
        return await result if isinstance(result, Awaitable) else result

    app.add_exception_handler(KonteraError, kontera_error)  # type: ignore[arg-type]

    validation_handler: Handler | None = app.exception_handlers.get(RequestValidationError)

    async def invalid_form(request: Request, exc: RequestValidationError) -> Response:
        if is_ui_path(request.url.path) or validation_handler is None:
            return await kontera_error(request, InvalidInput("A required field is missing."))
        result = validation_handler(request, exc)
        return await result if isinstance(result, Awaitable) else result

    app.add_exception_handler(RequestValidationError, invalid_form)  # type: ignore[arg-type]
