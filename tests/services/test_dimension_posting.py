"""Departments, projects and cost centres reach each ledger in its own fields.

GIVEN a company connected to Tripletex, PowerOffice Go or Fortnox (each fake on a loopback
      port, with departments 10/20, an inactive 90, project 1001 and a closed project 1002)
WHEN an invoice is approved through the API with a department and a project on its lines
THEN the voucher carries them where that ledger keeps them (Tripletex `department`/`project`
     refs, Go `DepartmentId`/`ProjectId`, Fortnox `CostCenter`/`Project`), and a closed
     project is refused by the ledger, the document coming back to review with its message.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

from kontera.config import Settings
from kontera.services.admin import companies
from kontera.services.admin import users
from kontera.services.context import AppContext
from kontera.services.post import connections
from tests.conftest import FIXTURES
from tests.conftest import ApiClient
from tests.conftest import make_api_client
from tests.fakes.fortnox import FakeFortnox
from tests.fakes.poweroffice import FakePowerOffice
from tests.fakes.tripletex import FakeTripletex
from tests.servers import asgi_server

NOK_EHF = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()
SEK_EHF = NOK_EHF.replace(b'currencyID="NOK"', b'currencyID="SEK"').replace(
    b"<cbc:DocumentCurrencyCode>NOK", b"<cbc:DocumentCurrencyCode>SEK"
)
SYSTEMS = ("tripletex", "poweroffice", "fortnox")
FAKES = {"tripletex": FakeTripletex, "poweroffice": FakePowerOffice, "fortnox": FakeFortnox}


@pytest.fixture(params=SYSTEMS)
def ledger(request: pytest.FixtureRequest) -> Iterator[tuple[str, Any, str]]:
    fake = FAKES[request.param]()
    with asgi_server(fake) as url:
        yield request.param, fake, url


@pytest.fixture
def settings(tmp_path: Path, ledger: tuple[str, Any, str]) -> Settings:
    return ledger_settings(tmp_path, ledger)


def ledger_settings(tmp_path: Path, ledger: tuple[str, Any, str]) -> Settings:
    """Kontera's settings for the fakes: their application keys, Fortnox's sign-in."""
    _, _, url = ledger
    keys = {
        "tripletex_consumer_token": FakeTripletex().consumer_token,
        "poweroffice_application_key": FakePowerOffice().application_key,
        "poweroffice_subscription_key": FakePowerOffice().subscription_key,
        "fortnox_client_id": FakeFortnox().client_id,
        "fortnox_client_secret": FakeFortnox().client_secret,
        "fortnox_auth_url": f"{url}/oauth-v1",
    }
    return Settings(data_dir=tmp_path / "data", immediate_jobs=True, log_json=False, **keys)


def connect(ctx: AppContext, client: TestClient, system: str, fake: Any, url: str) -> ApiClient:
    if system == "fortnox":
        company = companies.create_company(
            ctx, name="Svensk Kund AB", org_number="5560360793", country="SE"
        )
        key = companies.create_api_key(ctx, company_name=company.name).key
        admin = users.create_user(
            ctx, email="anna@byra.se", password="long-enough-1", role="admin",
            company_ids=[company.id],
        )  # fmt: skip
        authorize = connections.start_fortnox(ctx, company_name=company.name, user_id=admin.id)
        connections.update_settings(ctx, company_name=company.name, settings={"base_url": url})
        state = parse_qs(urlparse(authorize).query)["state"][0]
        client.cookies.set(users.SESSION_COOKIE, users.start_session(ctx, user=admin).token)
        answer = client.get(
            "/connect/fortnox/callback", params={"state": state, "code": "auth-code-1"}
        )
        assert answer.status_code == 200, answer.text
        return ApiClient(client, key, company.id)
    api = make_api_client(ctx, client, "Norsk Kunde AS", "923609016")
    settings = (
        {"base_url": f"{url}/v2"}
        if system == "tripletex"
        else {"base_url": f"{url}/v2", "token_url": f"{url}/OAuth/Token"}
    )
    secret = fake.employee_token if system == "tripletex" else fake.client_key
    connections.connect(
        ctx, company_name="Norsk Kunde AS", system=system, secret=secret, settings=settings
    )
    return api


def approve_with(api: ApiClient, document_id: str, system: str, dimensions: dict[str, str]) -> Any:
    invoice = api.get(f"/v1/documents/{document_id}")["invoice"]
    vat, account = ("SE25", "6212") if system == "fortnox" else ("1", "6900")
    postings = [
        {"account": account, "vat_code": vat, "amount": line["net"], "line_index": i,
         "dimensions": dimensions}
        for i, line in enumerate(invoice["lines"])
    ]  # fmt: skip
    response = api.http.post(
        f"/v1/documents/{document_id}/approve", headers=api.headers, json={"postings": postings}
    )
    assert response.status_code == 200, response.text
    deadline = time.monotonic() + 20
    while (document := api.get(f"/v1/documents/{document_id}"))["status"] in (
        "approved",
        "posting",
    ):
        assert time.monotonic() < deadline, document
        time.sleep(0.1)
    return document


def cost_lines(system: str, fake: Any) -> list[dict[str, Any]]:
    """The lines of the one voucher the fake holds that are not VAT or payable."""
    (voucher,) = {**fake.vouchers, **getattr(fake, "invoices", {})}.values()
    if system == "tripletex":
        return [p for p in voucher["postings"] if "supplier" not in p and p.get("vatType")]
    if system == "poweroffice":
        return list(voucher["SupplierVoucherLines"])
    rows = voucher.get("VoucherRows") or voucher.get("SupplierInvoiceRows") or []
    return [r for r in rows if not str(r["Account"]).startswith(("26", "244"))]


def test_a_department_and_a_project_reach_the_ledger(
    ctx: AppContext, ledger: tuple[str, Any, str]
) -> None:
    from kontera.api.app import create_app

    system, fake, url = ledger
    with TestClient(create_app(ctx)) as client:
        api = connect(ctx, client, system, fake, url)
        created = api.upload(SEK_EHF if system == "fortnox" else NOK_EHF)
        document = approve_with(api, created["id"], system, {"department": "20", "project": "1001"})
    assert document["status"] == "posted", document["status_reason"]
    lines = cost_lines(system, fake)
    assert lines
    for line in lines:
        if system == "tripletex":
            assert (line["department"]["id"], line["project"]["id"]) == (30_020, 41_001)
        elif system == "poweroffice":
            assert (line["DepartmentId"], line["ProjectId"]) == (10_020, 21_001)
        else:
            assert (line["CostCenter"], line["Project"]) == ("20", "1001")


def test_a_closed_project_is_refused_by_the_ledger(
    ctx: AppContext, ledger: tuple[str, Any, str]
) -> None:
    from kontera.api.app import create_app

    system, fake, url = ledger
    with TestClient(create_app(ctx)) as client:
        api = connect(ctx, client, system, fake, url)
        created = api.upload(SEK_EHF if system == "fortnox" else NOK_EHF)
        document = approve_with(api, created["id"], system, {"project": "1002"})
    assert document["status"] == "needs_review"
    assert "1002" in document["status_reason"], document["status_reason"]
    assert not fake.vouchers
