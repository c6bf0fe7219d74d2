"""Secrets stay secret: never in logs, never stored in the clear.

GIVEN structured JSON logging at DEBUG on stderr (as `kontera serve` runs) and pytest's
      log capture
WHEN  an upload → approve → post-to-Tripletex flow runs (a fake Tripletex on loopback) with
      a real API key, a wrong key, a signed-in UI user and configured connector secrets
THEN  neither the key, the password, the employee, consumer and session tokens nor the
      signing secret appear in any log line, and the database holds keys and passwords only
      as hashes and the accounting-system tokens only encrypted.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from kontera.api.app import create_app
from kontera.config import Settings
from kontera.jobs.queue import attach_queue
from kontera.logs import configure_logging
from kontera.logs import mask_secrets
from kontera.services.admin import companies
from kontera.services.admin import users
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.post import connections
from tests.fakes.tripletex import FakeTripletex
from tests.reliability.crashrun import fake_tripletex
from tests.reliability.invoices import demo_invoices

PASSWORD = "Hemmelig-Passord-9931"
CONNECTOR_SECRETS = {
    "secret_key": "sk-live-4f1c0a9e7d2b44c6a1e5",
    "tripletex_consumer_token": "eyJ0cmlwbGV0ZXgtY29uc3VtZXIiOjF9",
    "fortnox_client_secret": "fnx-client-secret-77af32",
    "poweroffice_subscription_key": "po-subscription-0c8e1f",
}


EMPLOYEE_TOKEN = "eyJlbXBsb3llZSI6IjQ0MjEifQ-employee"


@pytest.fixture
def tripletex() -> Iterator[tuple[FakeTripletex, str]]:
    tokens = {
        "consumer_token": CONNECTOR_SECRETS["tripletex_consumer_token"],
        "employee_token": EMPLOYEE_TOKEN,
    }
    with fake_tripletex(**tokens) as running:
        yield running


@pytest.fixture
def secret_ctx(tmp_path: Path) -> Iterator[AppContext]:
    settings = Settings(
        data_dir=tmp_path / "data", immediate_jobs=True, log_level="DEBUG", **CONNECTOR_SECRETS
    )
    context, _ = attach_queue(build_context(settings))
    yield context
    context.engine.dispose()


@pytest.fixture(
    params=[True, False],
    ids=["json-logs", "plain-logs"],
)
def service_logs(request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    """The service's own logging set-up (`configure_logging`), writing into a buffer."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("DEBUG", json_format=request.param)
    buffer = io.StringIO()
    for handler in root.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(buffer)
    yield buffer
    root.handlers[:] = handlers
    root.setLevel(level)


def run_flow(ctx: AppContext, tripletex: tuple[FakeTripletex, str]) -> list[str]:
    """Upload, approve and post to Tripletex, plus the mistakes people make; return secrets."""
    company = companies.create_company(ctx, name="Hemmelig Kunde AS", org_number="923609016")
    key = companies.create_api_key(ctx, company_name=company.name).key
    fake, base_url = tripletex
    connections.connect(
        ctx,
        company_name=company.name,
        system="tripletex",
        secret=EMPLOYEE_TOKEN,
        settings={"base_url": base_url},
    )
    secrets = [key, PASSWORD, EMPLOYEE_TOKEN, *CONNECTOR_SECRETS.values()]
    headers = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(ctx)) as client:
        created = client.post(
            "/v1/documents", headers=headers, files={"file": ("a.xml", demo_invoices()[0])}
        )
        assert created.status_code == 202, created.text
        document_id = created.json()["id"]
        client.get(f"/v1/documents/{document_id}", headers=headers)
        client.get("/v1/documents", headers={"Authorization": f"Bearer {key[:-2]}xx"})
        client.get("/v1/documents", headers={"Authorization": key})
        client.post(
            "/v1/documents", headers=headers, files={"file": ("bad.xml", b"<Invoice><broken")}
        )
        approved = client.post(
            f"/v1/documents/{document_id}/approve",
            headers=headers,
            json={"postings": [{"account": "6540", "vat_code": "1"}]},
        )
        assert approved.status_code == 200, approved.text
        posted = client.get(f"/v1/documents/{document_id}", headers=headers).json()
    assert posted["status"] == "posted", posted["status_reason"]
    sign_in_ui_user(ctx, company.id)
    # The session tokens Tripletex handed out during posting are secrets too.
    return [*secrets, *fake.sessions]


def sign_in_ui_user(ctx: AppContext, company_id: str) -> None:
    user = users.create_user(
        ctx, email="hemmelig@example.test", password=PASSWORD, company_ids=[company_id]
    )
    users.authenticate(ctx, email=user.email, password=PASSWORD)
    with pytest.raises(Exception, match=r"(?i)password"):
        users.authenticate(ctx, email=user.email, password=PASSWORD + "x")
    users.start_session(ctx, user=user)


def test_no_secret_reaches_the_logs(
    secret_ctx: AppContext,
    tripletex: tuple[FakeTripletex, str],
    service_logs: io.StringIO,
) -> None:
    secrets = run_flow(secret_ctx, tripletex)
    captured = service_logs.getvalue()

    assert len(captured) > 200, "the flow must have logged something to search"
    for secret in secrets:
        assert secret not in captured, f"a secret ({secret[:6]}…) is in the logs"


def test_keys_passwords_and_tokens_are_not_stored_in_the_clear(
    secret_ctx: AppContext, tripletex: tuple[FakeTripletex, str]
) -> None:
    secrets = run_flow(secret_ctx, tripletex)
    with secret_ctx.engine.connect() as connection:
        tables = [
            row[0]
            for row in connection.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        ]
        dump = "\n".join(
            str(row)
            for name in tables
            for row in connection.execute(text(f'SELECT * FROM "{name}"'))
        )
    assert "Hemmelig Kunde AS" in dump, "the dump must contain the data"
    for secret in secrets:
        assert secret not in dump, f"a secret ({secret[:6]}…) is stored in the clear"


@pytest.mark.parametrize(
    "line",
    [
        "Authorization: Bearer kt_Zm9vYmFyYmF6cXV4",
        "refresh_token=Zm9vYmFyYmF6cXV4MTIz&grant_type=refresh_token",
        '{"access_token": "eyJhbGciOiJIUzI1NiJ9.e30.abc", "token_type": "bearer"}',
        "password=Hunter2Hunter2",
        "client_secret: s3cr3t-value-123",
    ],
)
def test_the_log_formatter_masks_credentials_in_messages(line: str) -> None:
    value = line.split("kt_")[-1] if "kt_" in line else None
    masked = mask_secrets(line)
    for secret in (
        "Zm9vYmFyYmF6cXV4",
        "eyJhbGciOiJIUzI1NiJ9",
        "Hunter2Hunter2",
        "s3cr3t-value-123",
    ):
        assert secret not in masked, masked
    assert value is None or value not in masked
