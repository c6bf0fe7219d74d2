from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kontera.config import Settings
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.context import build_context
from tests import servers
from tests.dnsserver import Zone
from tests.dnsserver import dns_server

# Kontera refuses to run without a secret key outside `serve --demo`; tests use this one
# (processes they start get it through `TEST_SECRET_KEY`).
TEST_SECRET_KEY = "tests-only-secret-key-never-in-production"
os.environ.setdefault("KONTERA_SECRET_KEY", TEST_SECRET_KEY)

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
FIXTURES = REPO / "fixtures"


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("the shared corpus (../shared/corpus) is not present")
    return CORPUS


@pytest.fixture(scope="session", autouse=True)
def mail_dns() -> Iterator[Zone]:
    """Mail authentication asks DNS: every test (and every process a test starts) asks this
    loopback server, which knows only what a test puts in its zone (NXDOMAIN otherwise)."""
    with dns_server() as (address, zone):
        previous = os.environ.get("KONTERA_MAIL_DNS_SERVER")
        os.environ["KONTERA_MAIL_DNS_SERVER"] = address
        yield zone
        if previous is None:
            os.environ.pop("KONTERA_MAIL_DNS_SERVER", None)
        else:
            os.environ["KONTERA_MAIL_DNS_SERVER"] = previous


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", immediate_jobs=True, log_json=False)


@pytest.fixture
def ctx(settings: Settings) -> Iterator[AppContext]:
    """A fresh SQLite database and originals store; jobs run inline (Huey immediate mode)."""
    from kontera.jobs.queue import attach_queue

    context, _ = attach_queue(build_context(settings))
    yield context
    context.engine.dispose()


class ApiClient:
    """A TestClient signed in as one company's API key."""

    def __init__(self, client: TestClient, key: str, company_id: str) -> None:
        self.http = client
        self.key = key
        self.company_id = company_id
        self.headers = {"Authorization": f"Bearer {key}"}

    def upload(self, data: bytes, filename: str = "invoice.xml", **form: str) -> dict:  # type: ignore[type-arg]
        response = self.http.post(
            "/v1/documents", headers=self.headers, files={"file": (filename, data)}, data=form
        )
        assert response.status_code in (200, 202), response.text
        return response.json()  # type: ignore[no-any-return]

    def get(self, path: str) -> dict:  # type: ignore[type-arg]
        response = self.http.get(path, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]


def make_api_client(ctx: AppContext, client: TestClient, name: str, org: str) -> ApiClient:
    company = companies.create_company(ctx, name=name, org_number=org)
    key = companies.create_api_key(ctx, company_name=name).key
    return ApiClient(client, key, company.id)


@pytest.fixture
def app_client(ctx: AppContext) -> Iterator[TestClient]:
    from kontera.api.app import create_app

    with TestClient(create_app(ctx)) as client:
        yield client


# The buyer the demo invoices (fixtures/demo/ehf-*.xml) are addressed to: an invoice naming
# another org.nr is "addressed to someone else" and always waits for a person.
DEMO_BUYER_ORG = "999999905"


@pytest.fixture
def api(ctx: AppContext, app_client: TestClient) -> ApiClient:
    return make_api_client(ctx, app_client, "Fjordbyrå Kunde AS", DEMO_BUYER_ORG)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with servers.postgres_server() as url:
        if url is None:
            pytest.skip("PostgreSQL binaries are not installed")
        yield url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with servers.redis_server() as url:
        if url is None:
            pytest.skip("redis-server is not installed")
        yield url
