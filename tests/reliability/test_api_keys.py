"""API keys: listed, revoked, audited by name, and rate-limited per key across processes.

GIVEN a company with two API keys (a scanner and an ERP)
WHEN  they call the API, one is revoked, and one sends more than the limit in a minute
THEN  the revoked key gets 401 at once; every action is audited as the key that did it; the
      61st request in a minute gets 429 with `Retry-After` when the limit is 60 — counted in
      the database or in Redis that every process shares, not in one process's memory.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from kontera.api.app import create_app
from kontera.services.admin import api_keys
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.ops.rate_limit import DatabaseCounters
from kontera.services.ops.rate_limit import RateLimiter
from kontera.services.ops.rate_limit import RedisCounters
from kontera.services.ops.rate_limit import judge
from kontera.store.db import session_scope
from kontera.store.tables import AuditEvent
from tests.conftest import FIXTURES

KONTERA = str(Path(sys.executable).parent / "kontera")
EHF = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()
MINUTE_START = 1_800_000_000.0  # a whole minute: 30_000_000 * 60


class Clock:
    def __init__(self, now: float = MINUTE_START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def keys(ctx: AppContext) -> dict[str, str]:
    companies.create_company(ctx, name="Nøkkel AS", org_number="923609016")
    return {
        name: companies.create_api_key(ctx, company_name="Nøkkel AS", name=name).key
        for name in ("scanner", "erp")
    }


@pytest.fixture
def client(ctx: AppContext) -> Iterator[TestClient]:
    with TestClient(create_app(ctx)) as test_client:
        yield test_client


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_a_revoked_key_gets_401_and_the_others_keep_working(
    ctx: AppContext, client: TestClient, keys: dict[str, str]
) -> None:
    company = companies.find_company(ctx, "Nøkkel AS")
    assert client.get("/v1/documents", headers=bearer(keys["scanner"])).status_code == 200
    [scanner] = [k for k in api_keys.list_keys(ctx, company_id=company.id) if k.name == "scanner"]

    api_keys.revoke(ctx, company_id=company.id, key_id=scanner.id, actor="anne@byraa.no")

    refused = client.get("/v1/documents", headers=bearer(keys["scanner"]))
    assert refused.status_code == 401 and refused.json()["error"] == "unauthorized"
    assert client.get("/v1/documents", headers=bearer(keys["erp"])).status_code == 200
    listed = {k.name: k.active for k in api_keys.list_keys(ctx, company_id=company.id)}
    assert listed == {"scanner": False, "erp": True}


def test_every_api_action_is_audited_as_the_key_that_did_it(
    ctx: AppContext, client: TestClient, keys: dict[str, str]
) -> None:
    company = companies.find_company(ctx, "Nøkkel AS")
    ids = {k.name: k.id for k in api_keys.list_keys(ctx, company_id=company.id)}
    upload = client.post(
        "/v1/documents", headers=bearer(keys["scanner"]), files={"file": ("a.xml", EHF)}
    )
    document_id = upload.json()["id"]
    rejected = client.post(
        f"/v1/documents/{document_id}/reject",
        headers=bearer(keys["erp"]),
        json={"reason": "Ikke vår"},
    )
    assert rejected.status_code == 200, rejected.text

    with session_scope(ctx.engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.document_id == document_id)).all()
    actors = {e.action: e.actor for e in events}
    assert actors["received"] == f"apikey:{ids['scanner']}:scanner"
    assert actors["status:rejected"] == f"apikey:{ids['erp']}:erp"
    assert "api" not in {e.actor for e in events}


def test_the_61st_request_in_a_minute_gets_429_with_retry_after(
    ctx: AppContext, client: TestClient, keys: dict[str, str]
) -> None:
    clock = Clock(MINUTE_START + 10)
    client.app.state.rate_limiter = RateLimiter(  # type: ignore[attr-defined]
        DatabaseCounters(ctx.engine), per_minute=60, clock=clock
    )
    answers = [
        client.get("/v1/documents", headers=bearer(keys["scanner"])).status_code for _ in range(61)
    ]

    assert answers == [200] * 60 + [429]
    refused = client.get("/v1/documents", headers=bearer(keys["scanner"]))
    assert refused.json()["error"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60 + 5
    # The limit is per key: the company's other key is not slowed down.
    assert client.get("/v1/documents", headers=bearer(keys["erp"])).status_code == 200
    # After Retry-After seconds (and not sending meanwhile) the key is let through again.
    clock.now += int(refused.headers["Retry-After"]) + 0.01
    assert client.get("/v1/documents", headers=bearer(keys["scanner"])).status_code == 200


def _after(limit: int, current: int, previous: int, elapsed: float, wait: float) -> bool:
    """Whether one more request passes `wait` seconds later, with none sent meanwhile."""
    moment = elapsed + wait
    if moment < 60:
        return judge(limit, current + 1, previous, moment).allowed
    if moment < 120:
        return judge(limit, 1, current, moment - 60).allowed
    return judge(limit, 1, 0, moment - 120).allowed


@pytest.mark.parametrize("limit", [1, 5, 60, 1200])
def test_retry_after_is_the_first_second_that_passes(limit: int) -> None:
    for previous in (0, limit // 2, limit, 2 * limit):
        for current in (1, limit, limit + 1, 2 * limit):
            for elapsed in (0.0, 0.5, 17.3, 45.0, 59.9):
                verdict = judge(limit, current, previous, elapsed)
                if verdict.allowed:
                    continue
                wait = verdict.retry_after
                assert _after(limit, current, previous, elapsed, wait), (current, previous)
                assert wait == 1 or not _after(limit, current, previous, elapsed, wait - 1)


def test_processes_share_the_count_through_the_database(
    ctx: AppContext, keys: dict[str, str]
) -> None:
    """Two web processes = two apps with their own limiter objects over one database."""
    clock = Clock(MINUTE_START)
    apps = [create_app(ctx), create_app(ctx)]
    for app in apps:
        app.state.rate_limiter = RateLimiter(
            DatabaseCounters(ctx.engine), per_minute=60, clock=clock
        )
    with TestClient(apps[0]) as one, TestClient(apps[1]) as two:
        answers = [
            (one if n % 2 else two).get("/v1/documents", headers=bearer(keys["erp"])).status_code
            for n in range(61)
        ]
    assert answers == [200] * 60 + [429]


@pytest.mark.live
def test_processes_share_the_count_through_redis(redis_url: str) -> None:
    clock = Clock(MINUTE_START + 30)
    limiters = [RateLimiter(RedisCounters(redis_url), per_minute=60, clock=clock) for _ in (1, 2)]
    key_id = f"key-{id(limiters)}"
    passed = 0
    for n in range(60):
        limiters[n % 2].check(key_id)
        passed += 1
    with pytest.raises(Exception, match="More than 60 requests a minute") as refused:
        limiters[1].check(key_id)
    assert passed == 60 and refused.value.retry_after >= 1  # type: ignore[attr-defined]


def test_no_burst_of_twice_the_limit_across_a_minute_boundary() -> None:
    # 60 requests in the last second of one minute, then the first second of the next:
    # a plain per-minute counter would let all 120 through in two seconds.
    assert judge(60, current=60, previous=0, elapsed=59.0).allowed
    assert judge(60, current=1, previous=60, elapsed=1.0).allowed  # 59 of them still count
    assert not judge(60, current=2, previous=60, elapsed=1.0).allowed
    # …but a steady 60 a minute always passes.
    assert judge(60, current=30, previous=60, elapsed=30.0).allowed


def test_the_cli_lists_and_revokes_keys(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [KONTERA, *args, "--data-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=120,
        )

    run("company", "create", "Nøkkel AS", "--org-number", "923609016")
    key = run("apikey", "create", "--company", "Nøkkel AS", "--name", "scanner").stdout.strip()
    listed = run("apikey", "list", "--company", "Nøkkel AS").stdout
    assert "scanner" in listed and "active" in listed and key not in listed
    revoked = run("apikey", "revoke", key[:8], "--company", "Nøkkel AS")
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked" in run("apikey", "list", "--company", "Nøkkel AS").stdout
