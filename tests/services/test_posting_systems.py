"""Fortnox and PowerOffice Go through the whole path: connect, approve, post, attach.

Each fake runs on a real loopback port. Fortnox is connected the way a person does it: the
authorization URL from `connect`, then the redirect back to Kontera's callback with a code.
"""

from __future__ import annotations

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
from tests.servers import asgi_server

NOK_EHF = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()
SEK_EHF = NOK_EHF.replace(b'currencyID="NOK"', b'currencyID="SEK"').replace(
    b"<cbc:DocumentCurrencyCode>NOK", b"<cbc:DocumentCurrencyCode>SEK"
)


@pytest.fixture
def fortnox() -> Iterator[tuple[FakeFortnox, str]]:
    fake = FakeFortnox()
    with asgi_server(fake) as url:
        yield fake, url


@pytest.fixture
def poweroffice() -> Iterator[tuple[FakePowerOffice, str]]:
    fake = FakePowerOffice()
    with asgi_server(fake) as url:
        yield fake, url


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    extra: dict[str, Any] = {}
    if "fortnox" in request.fixturenames:
        fake, url = request.getfixturevalue("fortnox")
        extra = {
            "fortnox_client_id": fake.client_id,
            "fortnox_client_secret": fake.client_secret,
            "fortnox_auth_url": f"{url}/oauth-v1",
        }
    if "poweroffice" in request.fixturenames:
        fake, _ = request.getfixturevalue("poweroffice")
        extra = {
            "poweroffice_application_key": fake.application_key,
            "poweroffice_subscription_key": fake.subscription_key,
        }
    return Settings(data_dir=tmp_path / "data", immediate_jobs=True, log_json=False, **extra)


def approve_all(client: TestClient, headers: dict[str, str], document_id: str, vat: str) -> dict:  # type: ignore[type-arg]
    invoice = client.get(f"/v1/documents/{document_id}", headers=headers).json()["invoice"]
    postings = [
        {
            "account": "6900" if vat == "1" else "6212",
            "vat_code": vat,
            "amount": line["net"],
            "line_index": i,
        }
        for i, line in enumerate(invoice["lines"])
    ]
    response = client.post(
        f"/v1/documents/{document_id}/approve", headers=headers, json={"postings": postings}
    )
    assert response.status_code == 200, response.text
    return client.get(f"/v1/documents/{document_id}", headers=headers).json()  # type: ignore[no-any-return]


def test_fortnox_connected_by_oauth_posts_voucher_and_file(
    ctx: AppContext, fortnox: tuple[FakeFortnox, str]
) -> None:
    from kontera.api.app import create_app

    fake, url = fortnox
    with TestClient(create_app(ctx)) as client:
        company = companies.create_company(
            ctx, name="Svensk Kund AB", org_number="5560360793", country="SE"
        )
        key = companies.create_api_key(ctx, company_name="Svensk Kund AB").key
        api = ApiClient(client, key, company.id)
        admin = users.create_user(
            ctx,
            email="anna@byra.se",
            password="long-enough-1",
            role="admin",
            company_ids=[company.id],
        )
        authorize = connections.start_fortnox(ctx, company_name="Svensk Kund AB", user_id=admin.id)
        connections.update_settings(ctx, company_name="Svensk Kund AB", settings={"base_url": url})
        state = parse_qs(urlparse(authorize).query)["state"][0]
        client.cookies.set(users.SESSION_COOKIE, users.start_session(ctx, user=admin).token)
        callback = client.get(
            "/connect/fortnox/callback", params={"state": state, "code": "auth-code-1"}
        )
        assert callback.status_code == 200, callback.text

        created = api.upload(SEK_EHF)
        document = approve_all(client, api.headers, created["id"], "SE25")

    assert document["status"] == "posted", document["status_reason"]
    assert len(fake.vouchers) == 1
    assert len(fake.connections) == 1
    assert document["voucher"]["external_id"]


def test_poweroffice_posts_voucher_and_page(
    ctx: AppContext, poweroffice: tuple[FakePowerOffice, str]
) -> None:
    from kontera.api.app import create_app

    fake, url = poweroffice
    with TestClient(create_app(ctx)) as client:
        api = make_api_client(ctx, client, "Norsk Kunde AS", "923609016")
        connections.connect(
            ctx,
            company_name="Norsk Kunde AS",
            system="poweroffice",
            secret=fake.client_key,
            settings={"base_url": f"{url}/v2", "token_url": f"{url}/OAuth/Token"},
        )
        created = api.upload(NOK_EHF)
        document = approve_all(client, api.headers, created["id"], "1")

    assert document["status"] == "posted", document["status_reason"]
    assert len(fake.vouchers) == 1
    (voucher_id,) = fake.vouchers
    assert len(fake.pages[voucher_id]) == 1
