"""Every response of the web application carries security headers.

GIVEN the whole web application (API + review UI)
WHEN  any route without parameters is requested, and on errors (404, 401, 413)
THEN  the response says nosniff, may not be framed, has a content security policy (except the
      CDN-based API docs) and, unless it is a static asset, may not be stored by caches;
      HSTS is sent only over HTTPS (directly or behind a proxy that says so).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kontera.config import Settings
from kontera.jobs.queue import attach_queue
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.web import create_web_app
from tests.reliability import routes


@pytest.fixture
def client(ctx: AppContext) -> Iterator[TestClient]:
    with TestClient(create_web_app(ctx), follow_redirects=False) as http:
        yield http


def assert_protected(response: object, *, csp: bool = True, no_store: bool = True) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    where = f"{response.request.method} {response.request.url.path}"  # type: ignore[attr-defined]
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("x-frame-options") == "DENY", where
    assert "referrer-policy" in headers, where
    if csp:
        policy = headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy, where
        assert "unsafe-eval" not in policy, where
    if no_store:
        assert "no-store" in headers.get("cache-control", ""), where


def test_every_parameterless_route_answers_with_security_headers(client: TestClient) -> None:
    checked = 0
    for endpoint in routes.endpoints(client.app):  # type: ignore[arg-type]
        if endpoint.method == "GET" and not endpoint.params:
            assert_protected(client.get(endpoint.path))
            checked += 1
    assert checked >= 2


@pytest.mark.parametrize("path", ["/healthz", "/openapi.json", "/v1/nothing-here", "/v1/documents"])
def test_api_and_error_responses_are_protected(client: TestClient, path: str) -> None:
    assert_protected(client.get(path))


def test_the_api_docs_work_without_a_csp_but_keep_the_other_headers(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert_protected(response, csp=False)


def test_oversized_uploads_are_refused_with_headers(tmp_path: object) -> None:
    settings = Settings(data_dir=tmp_path / "d", immediate_jobs=True, max_upload_bytes=10)  # type: ignore[operator]
    ctx, _ = attach_queue(build_context(settings))
    with TestClient(create_web_app(ctx)) as http:
        response = http.post(
            "/v1/documents", content=bytes(200_000), headers={"content-length": "200000"}
        )
    assert response.status_code == 413
    assert_protected(response)
    ctx.engine.dispose()


def test_hsts_only_over_https(client: TestClient) -> None:
    assert "strict-transport-security" not in client.get("/healthz").headers
    behind_proxy = client.get("/healthz", headers={"x-forwarded-proto": "https"})
    assert "max-age=" in behind_proxy.headers["strict-transport-security"]
