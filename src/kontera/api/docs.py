"""The API documentation, served by Kontera itself: `/docs` (Swagger UI) and `/redoc`.

The Swagger UI and ReDoc bundles come from the `fastapi-offline` package (installed from PyPI
with Kontera), not from a CDN, so the documentation works on a server without internet and
leaks no visitor to a third party. The pages hold no inline script, which lets them carry a
content security policy: scripts from our origin only; styles may be inline because both
viewers set element styles at run time.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from kontera.api.schemas import ERROR_MEANINGS

ASSETS_URL = "/docs/assets"
VENDOR = Path(
    str(files("fastapi_offline") / "static")
)  # swagger-ui-bundle.js, redoc.standalone.js …
OWN = Path(__file__).parent / "static"  # docs-init.js: starts Swagger UI without inline code
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'none'"
)

SWAGGER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · API</title>
<link rel="icon" href="{assets}/vendor/favicon.png">
<link rel="stylesheet" href="{assets}/vendor/swagger-ui.css">
</head><body>
<div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="{assets}/vendor/swagger-ui-bundle.js"></script>
<script src="{assets}/docs-init.js"></script>
</body></html>
"""

REDOC_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · API reference</title>
<link rel="icon" href="{assets}/vendor/favicon.png">
</head><body>
<redoc spec-url="{openapi}"></redoc>
<script src="{assets}/vendor/redoc.standalone.js"></script>
</body></html>
"""


def install_docs(app: FastAPI) -> None:
    """Serve `/docs`, `/redoc` and their assets (create the app with docs_url=None), and make
    the OpenAPI document say what the error handlers really send."""
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.mount(f"{ASSETS_URL}/vendor", StaticFiles(directory=VENDOR), name="docs-vendor")
    app.mount(ASSETS_URL, StaticFiles(directory=OWN), name="docs-own")
    values = {"title": app.title, "assets": ASSETS_URL, "openapi": app.openapi_url}

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _page(SWAGGER_PAGE.format(**values))

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _page(REDOC_PAGE.format(**values))


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with every 422 body as our `ErrorOut` (the validation handler
    answers `{"error": "invalid_request", "message": …}`, not FastAPI's default shape)."""
    if app.openapi_schema is None:
        spec = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        for item in spec.get("paths", {}).values():
            for operation in item.values():
                invalid = operation.get("responses", {}).get("422")
                if invalid is not None:
                    invalid["description"] = ERROR_MEANINGS[422]
                    invalid["content"] = {"application/json": {"schema": _ERROR_REF}}
        schemas = spec.get("components", {}).get("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = spec
    return app.openapi_schema


_ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


def _page(html: str) -> HTMLResponse:
    return HTMLResponse(html, headers={"Content-Security-Policy": CSP})
