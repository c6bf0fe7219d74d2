"""Tenant isolation: no route lets company A see or change anything of company B.

GIVEN two companies, each with documents in several states (and, when the review UI's user
      service exists, a signed-in user each)
WHEN  every route of `create_web_app(ctx).routes` (API and UI, so new routes are covered the
      moment they are added) is called as A's API key, as A's UI session and anonymously,
      with every path parameter and form field filled with each of B's ids, and B's ids in
      the query string
THEN  routes that name a resource answer 401/403/404 (or send a caller without a UI session
      to the sign-in page), no response shows B's data, and B's documents, vouchers and
      audit trail are exactly as they were.
Only the routes in `routes.PUBLIC_PATHS` / `PUBLIC_PREFIXES` are public by design.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.store.db import session_scope
from kontera.store.tables import AuditEvent
from kontera.store.tables import Document
from kontera.store.tables import VoucherRecord
from kontera.web import create_web_app
from tests.reliability import routes
from tests.reliability.invoices import demo_invoices
from tests.reliability.invoices import numbered

DENIED = {401, 403, 404}
PASSWORD = "correct horse battery staple"
B_NAME = "Bravo Hemmelig AS"
B_MARKERS = (B_NAME, "bravo-secret-invoice", "BRAVO-4711")


@dataclass
class Tenant:
    company_id: str
    key: str
    ids: list[str] = field(default_factory=list)
    email: str | None = None


def users_service() -> Any:
    try:
        return importlib.import_module("kontera.services.admin.users")
    except ImportError:
        return None


def make_tenant(ctx: AppContext, client: TestClient, name: str, org: str, tag: str) -> Tenant:
    company = companies.create_company(ctx, name=name, org_number=org)
    tenant = Tenant(company.id, companies.create_api_key(ctx, company_name=name).key)
    headers = {"Authorization": f"Bearer {tenant.key}"}
    invoices = demo_invoices()
    for n, template in enumerate(invoices[:3]):
        files = {"file": (f"{tag}-secret-invoice-{n}.xml", numbered(template, f"{tag}-471{n}"))}
        response = client.post("/v1/documents", headers=headers, files=files)
        assert response.status_code == 202, response.text
        tenant.ids.append(response.json()["id"])
    approved = client.post(
        f"/v1/documents/{tenant.ids[0]}/approve",
        headers=headers,
        json={"postings": [{"account": "6540", "vat_code": "1"}]},
    )
    assert approved.status_code == 200, approved.text
    client.post(f"/v1/documents/{tenant.ids[1]}/reject", headers=headers, json={})
    tenant.ids.append(company.id)
    tenant.ids.append(company.slug)
    users = users_service()
    if users is not None:
        tenant.email = f"{tag.lower()}@example.test"
        user = users.create_user(
            ctx, email=tenant.email, password=PASSWORD, role="admin", company_ids=[company.id]
        )
        tenant.ids.append(user.id)
    with session_scope(ctx.engine) as session:
        vouchers = session.exec(
            select(VoucherRecord.id).where(VoucherRecord.company_id == company.id)
        )
        tenant.ids.extend(vouchers.all())
    return tenant


def snapshot(ctx: AppContext, company_id: str) -> dict[str, Any]:
    """Everything of B that A must not be able to change."""
    with session_scope(ctx.engine) as session:
        documents = session.exec(
            select(Document.id, Document.status, Document.updated_at, Document.filename).where(
                Document.company_id == company_id
            )
        ).all()
        events = session.exec(
            select(AuditEvent.id, AuditEvent.action).where(AuditEvent.company_id == company_id)
        ).all()
        vouchers = session.exec(
            select(VoucherRecord.id, VoucherRecord.state).where(
                VoucherRecord.company_id == company_id
            )
        ).all()
    return {"documents": sorted(documents), "events": sorted(events), "vouchers": sorted(vouchers)}


def ui_login(client: TestClient, email: str) -> str | None:
    """Sign in through the login form as a browser would; return the CSRF token if seen."""
    page = client.get("/login")
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text))
    names = re.findall(r'<input[^>]*name="([^"]+)"', page.text)
    email_field = next((n for n in names if "mail" in n.lower()), "email")
    password_field = next((n for n in names if "pass" in n.lower()), "password")
    fields.update({email_field: email, password_field: PASSWORD})
    response = client.post("/login", data=fields, follow_redirects=False)
    assert response.status_code < 400, f"signing in failed: {response.status_code}"
    assert client.cookies, "signing in set no session cookie"
    home = client.get("/", follow_redirects=True).text
    token = re.search(r'name="csrf[^"]*"\s+(?:content|value)="([^"]+)"', home)
    token = token or re.search(r'"X-CSRF-Token"\s*:\s*"([^"]+)"', home)
    return token[1] if token else fields.get("csrf_token")


def is_login_redirect(response: Any) -> bool:
    return response.is_redirect and "login" in response.headers.get("location", "")


def leaked(text: str) -> list[str]:
    return [marker for marker in B_MARKERS if marker.lower() in text.lower()]


@pytest.fixture
def web(ctx: AppContext) -> tuple[FastAPI, TestClient]:
    app = create_web_app(ctx)
    return app, TestClient(app, follow_redirects=False)


def test_no_route_reaches_another_companys_resources(
    ctx: AppContext, web: tuple[FastAPI, TestClient]
) -> None:
    app, client = web
    alpha = make_tenant(ctx, client, "Alfa Regnskap AS", "923609016", "alfa")
    bravo = make_tenant(ctx, client, B_NAME, "974760673", "BRAVO")
    before = snapshot(ctx, bravo.company_id)

    problems, checked = walk(app, alpha, bravo)

    assert checked > 50, "the walk must have sent requests"
    ui_mounted = any(r.path == "/login" for r in routes.flat_routes(app.routes))
    assert not ui_mounted or "A's UI session" in callers_for(app, alpha), "UI not signed in"
    assert not problems, "\n".join(problems)
    assert snapshot(ctx, bravo.company_id) == before


def test_the_walk_catches_a_route_that_forgets_the_company(
    ctx: AppContext, web: tuple[FastAPI, TestClient]
) -> None:
    """A deliberately careless route (looks a document up by id alone) must be reported."""
    app, client = web
    alpha = make_tenant(ctx, client, "Alfa Regnskap AS", "923609016", "alfa")
    bravo = make_tenant(ctx, client, B_NAME, "974760673", "BRAVO")

    @app.get("/v1/careless/{document_id}")
    def careless(document_id: str) -> dict[str, Any]:
        with session_scope(ctx.engine) as session:
            document = session.get(Document, document_id)
            return {"filename": document.filename if document else None}

    problems, _ = walk(app, alpha, bravo)

    assert any("/v1/careless/" in p and "shows B's data" in p for p in problems), problems


def walk(app: FastAPI, alpha: Tenant, bravo: Tenant) -> tuple[list[str], int]:
    schema = app.openapi()
    problems: list[str] = []
    checked = 0
    callers = callers_for(app, alpha)
    for endpoint in routes.endpoints(app):
        fills = bravo.ids if endpoint.params or endpoint.form else [""]
        for caller, (http, headers, csrf) in callers.items():
            for value in fills:
                url = endpoint.fill(value)
                query = {"company_id": bravo.company_id, "company": bravo.company_id}
                response = http.request(
                    endpoint.method,
                    url,
                    headers=headers,
                    params=query,
                    **routes.request_body(schema, endpoint, csrf, value),
                )
                checked += 1
                problems += verdict(endpoint, caller, url, response)
    return problems, checked


def callers_for(app: FastAPI, alpha: Tenant) -> dict[str, tuple[TestClient, dict[str, str], str]]:
    key_client = TestClient(app, follow_redirects=False)
    callers = {
        "A's API key": (key_client, {"Authorization": f"Bearer {alpha.key}"}, ""),
        "anonymous": (TestClient(app, follow_redirects=False), {}, ""),
    }
    if alpha.email and any(r.path == "/login" for r in routes.flat_routes(app.routes)):
        browser = TestClient(app, follow_redirects=False)
        csrf = ui_login(browser, alpha.email) or ""
        assert_session_csrf(app, browser, csrf)
        callers["A's UI session"] = (browser, {"X-CSRF-Token": csrf}, csrf)
    return callers


def assert_session_csrf(app: FastAPI, browser: TestClient, csrf: str) -> None:
    """The token sent is the session's real one, so refusals are not just CSRF failures."""
    users = users_service()
    sessions = [users.signed_in(app.state.ctx, token=value) for value in browser.cookies.values()]
    assert csrf in {s.csrf_token for s in sessions if s is not None}, "CSRF token not found"


def verdict(endpoint: routes.Endpoint, caller: str, url: str, response: Any) -> list[str]:
    where = f"{endpoint.method} {url} as {caller}: {response.status_code}"
    problems = []
    if response.status_code >= 500:
        problems.append(f"{where} (server error)")
    # A redirect to the sign-in page is a refusal too (UI routes do not take API keys).
    sent_to_login = is_login_redirect(response)
    if endpoint.params and response.status_code not in DENIED and not sent_to_login:
        problems.append(f"{where} (expected 401/403/404)")
    if not endpoint.params and caller == "anonymous" and response.status_code < 300:
        problems.append(f"{where} (answered without credentials)")
    if found := leaked(response.text):
        problems.append(f"{where} shows B's data {found}")
    return problems


def test_the_walk_covers_the_document_routes(web: tuple[FastAPI, TestClient]) -> None:
    """The walker itself must see routes, or the test above would pass vacuously."""
    app, _ = web
    seen = {(e.method, e.path) for e in routes.endpoints(app)}
    assert ("GET", "/v1/documents/{document_id}") in seen
    assert ("POST", "/v1/documents/{document_id}/approve") in seen
    assert ("GET", "/v1/audit") in seen
    assert not any(routes.is_public(path) for _, path in seen)
