"""SIGTERM to a worker in the middle of a posting: the posting finishes (or, when the grace
period is too short for that, is handed back at a safe point and another worker finishes it
at once), and the ledger gets exactly one voucher with one attachment — no lease is left to
time out. Real `kontera worker` processes, a real SQLite queue, the fake Tripletex over HTTP,
slowed down so that the signal provably arrives while the voucher request is in flight."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from huey import Huey
from sqlalchemy import text

from kontera.api.app import create_app
from kontera.config import Settings
from kontera.jobs.queue import attach_queue
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.post import connections
from tests.conftest import TEST_SECRET_KEY
from tests.fakes.common import Quota
from tests.fakes.tripletex import FakeTripletex
from tests.reliability.invoices import demo_invoices
from tests.servers import asgi_server
from tests.servers import free_port

KONTERA = str(Path(sys.executable).parent / "kontera")
CREATE_DELAY = 3.0  # seconds the ledger takes to answer the voucher request


class SlowVouchers:
    """The fake Tripletex, answering POST /ledger/voucher only after a while."""

    def __init__(self, fake: FakeTripletex) -> None:
        self.fake = fake
        self.arrived = threading.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and (scope["method"], scope["path"]) == (
            "POST",
            "/v2/ledger/voucher",
        ):
            self.arrived.set()
            await asyncio.sleep(CREATE_DELAY)
        await self.fake(scope, receive, send)


@dataclass
class Setup:
    ctx: AppContext
    huey: Huey
    ledger: SlowVouchers
    env: dict[str, str]
    logs: Path
    key: str


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    fake = FakeTripletex(quota=Quota(calls=1_000_000, period=60.0))
    ledger = SlowVouchers(fake)
    with asgi_server(ledger) as base:
        settings = Settings(
            data_dir=tmp_path / "data", log_json=False, tripletex_consumer_token=fake.consumer_token
        )
        ctx, huey = attach_queue(build_context(settings))
        companies.create_company(ctx, name="Stopp AS", org_number="923609016")
        connections.connect(
            ctx,
            company_name="Stopp AS",
            system="tripletex",
            secret=fake.employee_token,
            settings={"base_url": f"{base}/v2"},
        )
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("KONTERA_")}
        env = {
            **base_env,
            "KONTERA_DATA_DIR": str(settings.data_dir),
            "KONTERA_TRIPLETEX_CONSUMER_TOKEN": fake.consumer_token,
            "KONTERA_LOG_LEVEL": "INFO",
            "KONTERA_LOG_JSON": "false",
            "KONTERA_SECRET_KEY": TEST_SECRET_KEY,
        }
        key = companies.create_api_key(ctx, company_name="Stopp AS").key
        yield Setup(ctx, huey, ledger, env, tmp_path, key)
        ctx.engine.dispose()


def start_worker(
    setup: Setup, name: str, grace: float, metrics_port: int = 0
) -> subprocess.Popen[bytes]:
    env = {**setup.env, "KONTERA_SHUTDOWN_GRACE_SECONDS": str(grace)}
    log = (setup.logs / f"{name}.log").open("wb")
    args = ["worker", "--threads", "1", "--metrics-port", str(metrics_port)]
    return subprocess.Popen([KONTERA, *args], env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def status_of(setup: Setup, document_id: str) -> str:
    with setup.ctx.engine.connect() as connection:
        return str(
            connection.execute(
                text("SELECT status FROM document WHERE id = :id"), {"id": document_id}
            ).scalar_one()
        )


def voucher_row(setup: Setup, document_id: str) -> dict[str, Any]:
    with setup.ctx.engine.connect() as connection:
        row = connection.execute(
            text("SELECT state, external_id, lease_until FROM voucher WHERE document_id = :d"),
            {"d": document_id},
        ).one()
    return dict(row._mapping)


def posting_in_flight(setup: Setup, worker: subprocess.Popen[bytes]) -> str:
    """Upload an invoice, let the worker suggest it, approve it; return once the voucher
    request has reached the ledger (and is still waiting for its answer)."""
    with TestClient(create_app(setup.ctx)) as client:
        client.headers["Authorization"] = f"Bearer {setup.key}"
        files = {"file": ("a.xml", demo_invoices()[0])}
        document_id = str(client.post("/v1/documents", files=files).json()["id"])
        wait_until(
            lambda: status_of(setup, document_id) in ("suggested", "needs_review"),
            90,
            "the worker to interpret the invoice",
        )
        approved = client.post(
            f"/v1/documents/{document_id}/approve",
            json={"postings": [{"account": "6540", "vat_code": "1"}]},
        )
        assert approved.status_code == 200, approved.text
    assert setup.ledger.arrived.wait(60), "the posting never reached the ledger"
    assert worker.poll() is None
    return document_id


def test_sigterm_during_a_posting_lets_it_finish_with_one_voucher(setup: Setup) -> None:
    port = free_port()
    worker = start_worker(setup, "worker", grace=20, metrics_port=port)
    document_id = posting_in_flight(setup, worker)
    # The worker's own operations port answers while it works (what Prometheus scrapes).
    assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10).json()["status"] == "ready"
    scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    assert 'kontera_stage_duration_seconds_count{stage="interpret"} 1.0' in scraped
    assert 'kontera_stage_duration_seconds_count{stage="suggest"} 1.0' in scraped
    stopped_at = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    took = time.monotonic() - stopped_at

    assert took < 20  # it finished the posting rather than waiting out the grace period
    assert status_of(setup, document_id) == "posted"
    row = voucher_row(setup, document_id)
    assert row["state"] == "posted" and row["lease_until"] is None
    fake = setup.ledger.fake
    assert len(fake.vouchers) == 1
    assert [len(files) for files in fake.attachments.values()] == [1]
    # Nothing of the posting is left in the queue (the approval's model refresh may be).
    assert "post_voucher" not in {task.name for task in setup.huey.pending()}


def test_a_posting_that_cannot_finish_in_the_grace_period_is_handed_back(setup: Setup) -> None:
    # Hand-back moment: 4 s grace − 2 s margin = 2 s after SIGTERM, before the ledger answers.
    worker = start_worker(setup, "stopping", grace=4)
    document_id = posting_in_flight(setup, worker)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0

    # The voucher request was answered and saved; the attachment was left to another worker.
    row = voucher_row(setup, document_id)
    assert status_of(setup, document_id) == "posting"
    assert row["state"] == "voucher_created" and row["external_id"]
    assert row["lease_until"] is None  # nothing to time out
    assert setup.huey.pending_count() >= 1  # the voucher is back in the queue

    started = time.monotonic()
    successor = start_worker(setup, "successor", grace=20)
    try:
        wait_until(lambda: status_of(setup, document_id) == "posted", 60, "the successor")
    finally:
        successor.send_signal(signal.SIGTERM)
        successor.wait(timeout=30)
    assert time.monotonic() - started < 45  # far sooner than a 90-second lease would allow
    fake = setup.ledger.fake
    assert len(fake.vouchers) == 1
    assert [len(files) for files in fake.attachments.values()] == [1]
