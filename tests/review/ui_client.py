"""A signed-in TestClient for the review UI, with the session's CSRF token at hand."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

CSRF_META = re.compile(r'name="csrf-token" content="([^"]*)"')
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]*)"')


class UiClient:
    def __init__(self, http: TestClient, email: str, password: str) -> None:
        self.http = http
        form = http.get("/login")
        token = CSRF_FIELD.search(form.text)
        assert token is not None
        response = http.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": token.group(1)},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        queue = http.get("/")
        found = CSRF_META.search(queue.text)
        assert found is not None
        self.csrf = found.group(1)

    def post(self, path: str, data: dict[str, object] | None = None, *, fetch: bool = False):  # type: ignore[no-untyped-def]
        headers = {"X-CSRF-Token": self.csrf, "X-Requested-With": "fetch"} if fetch else {}
        body = dict(data or {})
        if not fetch:
            body["csrf_token"] = self.csrf
        return self.http.post(path, data=body, headers=headers, follow_redirects=False)
