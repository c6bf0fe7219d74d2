"""The review UI's guards, through the real application: sessions, CSRF, roles, isolation.

Each test signs a real user in with the real login form (argon2 hashes, session table).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kontera.services.context import AppContext
from kontera.services.pipeline.documents import receive_document
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.suggest.history import supplier_key
from tests.conftest import FIXTURES
from tests.review.conftest import PASSWORD
from tests.review.conftest import Bureau
from tests.review.conftest import make_bureau
from tests.review.invoice_pdf import invoice_pdf
from tests.review.ui_client import UiClient


@pytest.fixture
def web(ctx: AppContext) -> Iterator[TestClient]:
    from kontera.web import create_web_app

    with TestClient(create_web_app(ctx)) as client:
        yield client


@pytest.fixture
def fjord(ctx: AppContext) -> Bureau:
    return make_bureau(
        ctx, bureau="Fjordbyrå", company="Demo Regnskap AS", org="999999905", email="kari@fjord.no"
    )


@pytest.fixture
def vidda(ctx: AppContext) -> Bureau:
    return make_bureau(
        ctx,
        bureau="Vidda",
        company="Vidda Kunde AS",
        org="923609016",
        email="ola@vidda.no",
        role="bookkeeper",
        locale="en",
        history=False,
    )


def receive(ctx: AppContext, bureau: Bureau, data: bytes, name: str) -> str:
    received = receive_document(ctx, company_id=bureau.company.id, data=data, filename=name)
    return received.document.id


def ehf(name: str) -> bytes:
    return (FIXTURES / "demo" / name).read_bytes()


def test_pages_need_a_session_and_fragments_say_401(web: TestClient, fjord: Bureau) -> None:
    page = web.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/"
    fragment = web.get(f"/c/{fjord.company.id}/d/x/fields", headers={"Sec-Fetch-Mode": "cors"})
    assert fragment.status_code == 401


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(
    web: TestClient, fjord: Bureau
) -> None:
    with pytest.raises(AssertionError):
        UiClient(web, fjord.user_email, "not-the-password")
    with pytest.raises(AssertionError):
        UiClient(web, "nobody@fjord.no", PASSWORD)


def test_login_form_needs_its_csrf_token(web: TestClient, fjord: Bureau) -> None:
    web.get("/login")
    response = web.post(
        "/login",
        data={"email": fjord.user_email, "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_login_never_redirects_off_site(web: TestClient, fjord: Bureau) -> None:
    import re

    form = web.get("/login?next=//evil.example/x").text
    assert 'name="next" value="/"' in form
    token = re.search(r'name="csrf_token" value="([^"]*)"', form)
    assert token is not None
    response = web.post(
        "/login",
        data={
            "email": fjord.user_email,
            "password": PASSWORD,
            "csrf_token": token.group(1),
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_every_post_without_the_session_csrf_token_is_refused(
    ctx: AppContext, web: TestClient, fjord: Bureau
) -> None:
    document_id = receive(ctx, fjord, ehf("ehf-02.xml"), "a.xml")
    UiClient(web, fjord.user_email, PASSWORD)
    base = f"/c/{fjord.company.id}/d/{document_id}"
    for path in (base + "/approve", base + "/reject", base + "/fields", "/bulk-approve", "/logout"):
        response = web.post(path, data={"csrf_token": "wrong"}, follow_redirects=False)
        assert response.status_code == 403, path
    with session_scope(ctx.engine) as session:
        status = repo.get_document(session, company_id=fjord.company.id, document_id=document_id)
        assert status.status == "suggested"


def test_ui_responses_carry_security_headers(web: TestClient, fjord: Bureau) -> None:
    UiClient(web, fjord.user_email, PASSWORD)
    response = web.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    cookie = web.cookies.get("kontera_session")
    assert cookie


def test_another_bureaus_documents_are_not_found_anywhere(
    ctx: AppContext, web: TestClient, fjord: Bureau, vidda: Bureau
) -> None:
    document_id = receive(ctx, fjord, invoice_pdf(), "f.pdf")
    ola = UiClient(web, vidda.user_email, PASSWORD)
    base = f"/c/{fjord.company.id}/d/{document_id}"
    for path in (base, base + "/fields", base + "/audit", base + "/page/1.png"):
        assert web.get(path).status_code == 404, path
    for path in ("/settings", "/suppliers"):
        assert web.get(f"/c/{fjord.company.id}{path}").status_code == 404, path
    # The document id under Ola's own company is not found either (id and company must match).
    assert web.get(f"/c/{vidda.company.id}/d/{document_id}").status_code == 404
    for action in ("/approve", "/reject", "/fields"):
        assert ola.post(base + action, {"f:invoice_number": "1"}, fetch=True).status_code == 404
    queue = web.get(f"/?company={fjord.company.id}&status=all")
    assert document_id not in queue.text and "Fjordtre" not in queue.text


def test_roles_limit_bulk_approval_settings_and_users(
    ctx: AppContext, web: TestClient, vidda: Bureau
) -> None:
    ola = UiClient(web, vidda.user_email, PASSWORD)  # a bookkeeper
    assert ola.post("/bulk-approve", {"document": "x"}).status_code == 403
    response = ola.post(
        f"/c/{vidda.company.id}/settings", {"threshold": "0.9", "max_amount": "100"}
    )
    assert response.status_code == 403
    assert web.get("/users").status_code == 403


def test_approver_bulk_approves_only_confident_invoices(
    ctx: AppContext, web: TestClient, fjord: Bureau
) -> None:
    confident = receive(ctx, fjord, ehf("ehf-02.xml"), "a.xml")
    unsure = receive(ctx, fjord, invoice_pdf(), "f.pdf")
    kari = UiClient(web, fjord.user_email, PASSWORD)
    queue = web.get("/").text
    assert f'name="document" value="{confident}"' in queue
    assert f'name="document" value="{unsure}"' not in queue
    response = kari.post("/bulk-approve", {"document": [confident, unsure], "back": "/"})
    assert response.status_code == 303
    assert "approved=1" in response.headers["location"]
    with session_scope(ctx.engine) as session:
        first = repo.get_document(session, company_id=fjord.company.id, document_id=confident)
        second = repo.get_document(session, company_id=fjord.company.id, document_id=unsure)
    assert (first.status, second.status) == ("approved", "needs_review")


def test_admin_saves_auto_approval_settings(ctx: AppContext, web: TestClient) -> None:
    admin = make_bureau(
        ctx, bureau="Nord", company="Nord AS", org="999999905", email="a@nord.no", role="admin"
    )
    client = UiClient(web, admin.user_email, PASSWORD)
    response = client.post(
        f"/c/{admin.company.id}/settings",
        {
            "enabled": "1",
            "threshold": "0,97",
            "max_amount": "5 000",
            "allow_suppliers": "923 456 783\nFjellnett Telekom AS",
            "deny_suppliers": "",
            "einvoice_only": "1",
            "earn_after": "4",
            "habit_after": "0",
            "amount_margin_percent": "10",
            "usual_max_amount": "80 000",
        },
    )
    assert response.status_code == 303
    with session_scope(ctx.engine) as session:
        company = repo.get_company(session, company_id=admin.company.id)
        events = repo.company_events(session, company_id=admin.company.id)
    assert company.settings["auto_approval"] == {
        "enabled": True,
        "threshold": 0.97,
        "max_amount": "5000.00",
        # An org.nr. and a name, turned into the keys the policy compares.
        "allow_suppliers": sorted(
            [
                supplier_key(None, "923456783", None),
                supplier_key(None, None, "Fjellnett Telekom AS"),
            ]
        ),
        "deny_suppliers": [],
        "einvoice_only": True,
        "earn_after": 4,
        "habit_after": 0,  # no run vouches for an account
        "amount_margin": "0.1",
        "usual_max_amount": "80000.00",
    }
    page = client.http.get(f"/c/{admin.company.id}/settings")
    assert 'value="4"' in page.text and 'name="amount_margin_percent"' in page.text
    assert 'name="usual_max_amount"' in page.text and 'value="80000.00"' in page.text
    assert any(e.action == "settings:auto_approval" and e.actor == "a@nord.no" for e in events)
    bad = client.post(f"/c/{admin.company.id}/settings", {"threshold": "3", "max_amount": "1"})
    assert bad.status_code == 400 and "mellom 0,5 og 1" in bad.text  # the nb user reads nb


def test_admin_creates_a_user_for_the_bureaus_clients(ctx: AppContext, web: TestClient) -> None:
    admin = make_bureau(
        ctx, bureau="Nord", company="Nord AS", org="999999905", email="a@nord.no", role="admin"
    )
    client = UiClient(web, admin.user_email, PASSWORD)
    response = client.post(
        "/users",
        {
            "email": "Ny@Nord.no",
            "password": "langt-passord",
            "role": "bookkeeper",
            "locale": "en",
            "company": admin.company.id,
        },
    )
    assert response.status_code == 303
    web.cookies.clear()
    newcomer = UiClient(web, "ny@nord.no", "langt-passord")
    assert newcomer.csrf
    assert "Nord AS" in web.get("/?status=all").text


def test_the_locale_switch_changes_the_language(web: TestClient, vidda: Bureau) -> None:
    ola = UiClient(web, vidda.user_email, PASSWORD)
    assert "Sign out" in web.get("/").text
    assert ola.post("/me/locale", {"locale": "nb", "next": "/"}).status_code == 303
    page = web.get("/").text
    assert "Logg ut" in page and "Sign out" not in page
    ola.post("/me/locale", {"locale": "sv", "next": "/"})
    page = web.get("/").text
    assert "Logga ut" in page and "Logg ut" not in page  # Swedish from the catalogue too


def test_sign_out_ends_the_session(web: TestClient, fjord: Bureau) -> None:
    kari = UiClient(web, fjord.user_email, PASSWORD)
    token = web.cookies.get("kontera_session")
    assert kari.post("/logout").status_code == 303
    web.cookies.set("kontera_session", token or "")
    assert web.get("/", follow_redirects=False).status_code == 303


def test_approver_imports_a_history_file_from_the_models_page(
    ctx: AppContext, web: TestClient, vidda: Bureau
) -> None:
    from kontera.services.admin import users

    users.create_user(
        ctx,
        email="sjef@vidda.no",
        password=PASSWORD,
        role="approver",
        bureau_id=vidda.company.bureau_id,
        company_ids=[vidda.company.id],
    )
    boss = UiClient(web, "sjef@vidda.no", PASSWORD)
    history = (FIXTURES / "demo" / "history.csv").read_bytes()
    rows = history.count(b"\n") - 1
    response = web.post(
        f"/c/{vidda.company.id}/history",
        files={"file": ("history.csv", history, "text/csv")},
        data={"csrf_token": boss.csrf},
    )
    assert response.status_code == 200, response.text
    with session_scope(ctx.engine) as session:
        learned = repo.supplier_history(session, company_id=vidda.company.id)
        events = repo.company_events(session, company_id=vidda.company.id)
    assert len(learned) == rows
    assert f"{rows}" in response.text
    assert any(e.action == "history:import" and e.actor == "sjef@vidda.no" for e in events)


def test_ui_errors_are_pages_and_api_errors_stay_json(web: TestClient, fjord: Bureau) -> None:
    UiClient(web, fjord.user_email, PASSWORD)
    page = web.get(f"/c/{fjord.company.id}/d/no-such-document")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Finner ikke dokumentet." in page.text  # "No such document.", for a nb user
    bad_form = web.post("/login", data={})
    assert bad_form.status_code == 400 and bad_form.headers["content-type"].startswith("text/html")
    api = web.get("/v1/documents/x", headers={"Authorization": f"Bearer {fjord.api_key}"})
    assert api.status_code == 404 and api.json()["error"] == "not_found"


def test_approver_evaluates_the_suggestions_and_sees_figures_and_plot(
    ctx: AppContext, web: TestClient, fjord: Bureau
) -> None:
    kari = UiClient(web, fjord.user_email, PASSWORD)  # an approver; the company has history
    response = kari.post(f"/c/{fjord.company.id}/evaluate")
    assert response.status_code == 303
    page = web.get("/models").text
    assert "evaluation.json" in page and "top1" in page
    plot = web.get(f"/models/{fjord.company.id}/plot/0.png")
    assert plot.status_code == 200 and plot.content.startswith(b"\x89PNG")
