"""The audit trail: complete, per company, and readable by an auditor.

GIVEN a company posting to a (fake, loopback) Tripletex and documents that are approved and
      posted, rejected, corrected, failed and retried
WHEN  the flow runs
THEN  every statement that changes a document's status is matched by a `status:*` audit
      event, every HTTP call to the accounting system is an audit event, and the export for
      the company and period (API as CSV and JSON, CLI) holds exactly that company's events
      in that period, with CSV cells that cannot run as spreadsheet formulas.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterator
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy import text
from typer.testing import CliRunner

from kontera.api.app import create_app
from kontera.commands import ops
from kontera.config import Settings
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.post import connections
from kontera.store import repo
from kontera.store.db import session_scope
from tests.fakes.tripletex import FakeTripletex
from tests.reliability.invoices import invoice_batch
from tests.servers import free_port
from tests.servers import wait_for_port

POSTINGS = {"postings": [{"account": "6540", "vat_code": "1"}]}


@pytest.fixture
def tripletex() -> Iterator[tuple[FakeTripletex, str]]:
    fake, port = FakeTripletex(), free_port()
    server = uvicorn.Server(uvicorn.Config(fake, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(port)
    yield fake, f"http://127.0.0.1:{port}/v2"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        immediate_jobs=True,
        log_json=False,
        tripletex_consumer_token=FakeTripletex().consumer_token,
    )


class StatusWrites:
    """Counts SQL statements that write a document's status, whatever code issues them."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sql = " ".join(statement.split()).lower()
        if sql.startswith("update document set") and "status=" in sql.replace(" ", ""):
            self.count += 1


def run_flow(ctx: AppContext, base_url: str, fake: FakeTripletex) -> tuple[str, str, TestClient]:
    """Two companies; A posts, rejects, corrects, fails and retries. Returns A, B and a client."""
    with TestClient(create_app(ctx)) as client:
        ids = {}
        for name, org in (("Revisor Kunde AS", "923609016"), ("Annen Kunde AS", "974760673")):
            company = companies.create_company(ctx, name=name, org_number=org)
            key = companies.create_api_key(ctx, company_name=name).key
            ids[name] = (company.id, key)
        a_id, a_key = ids["Revisor Kunde AS"]
        connections.connect(
            ctx,
            company_name="Revisor Kunde AS",
            system="tripletex",
            secret=fake.employee_token,
            settings={"base_url": base_url},
        )
        headers = {"Authorization": f"Bearer {a_key}"}
        documents = [
            client.post("/v1/documents", headers=headers, files={"file": (name, data)}).json()["id"]
            for name, data in zip(
                ["=HYPERLINK(evil).xml", "b.xml", "c.xml"],
                invoice_batch(3, prefix="AUD"),
                strict=True,
            )
        ]
        broken = client.post(
            "/v1/documents", headers=headers, files={"file": ("x.pdf", b"%PDF-1.4 broken")}
        ).json()["id"]
        assert (
            client.post(
                f"/v1/documents/{documents[0]}/approve", headers=headers, json=POSTINGS
            ).status_code
            == 200
        )
        client.post(
            f"/v1/documents/{documents[1]}/reject", headers=headers, json={"reason": "Privat"}
        )
        client.patch(
            f"/v1/documents/{documents[2]}/fields",
            headers=headers,
            json={"fields": {"invoice_number": "AUD-RETTET"}},
        )
        client.post(f"/v1/documents/{broken}/retry", headers=headers)
        b_id, b_key = ids["Annen Kunde AS"]
        client.post(
            "/v1/documents",
            headers={"Authorization": f"Bearer {b_key}"},
            files={"file": ("b.xml", invoice_batch(1, prefix="BBB")[0])},
        )
    return a_id, b_id, TestClient(create_app(ctx), headers=headers)


@pytest.fixture
def flow(
    ctx: AppContext, tripletex: tuple[FakeTripletex, str]
) -> tuple[str, str, TestClient, StatusWrites, FakeTripletex]:
    fake, base_url = tripletex
    writes = StatusWrites()
    event.listen(ctx.engine, "before_cursor_execute", writes)
    a_id, b_id, client = run_flow(ctx, base_url, fake)
    event.remove(ctx.engine, "before_cursor_execute", writes)
    return a_id, b_id, client, writes, fake


def test_every_status_change_is_an_audit_event(ctx: AppContext, flow: Any) -> None:
    _, _, _, writes, _ = flow
    with ctx.engine.connect() as connection:
        moves = connection.execute(
            text("SELECT count(*) FROM auditevent WHERE action LIKE 'status:%'")
        ).scalar_one()
        statuses = dict(connection.execute(text("SELECT id, status FROM document")).all())
    assert "posted" in statuses.values() and "rejected" in statuses.values()
    assert writes.count > 10
    assert moves == writes.count


def test_every_call_to_the_accounting_system_is_an_audit_event(ctx: AppContext, flow: Any) -> None:
    a_id, _, _, _, fake = flow
    with session_scope(ctx.engine) as session:
        events = repo.company_events(session, company_id=a_id)
        outbound = [e for e in events if e.action.startswith(("outbound", "http:", "call:"))]
    assert fake.requests > 0
    assert len(outbound) == fake.requests


def parse_csv(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body)))


def test_the_export_holds_exactly_this_companys_events_in_the_period(
    ctx: AppContext, flow: Any
) -> None:
    a_id, b_id, client, _, _ = flow
    old = datetime(2020, 1, 15, tzinfo=UTC)
    with session_scope(ctx.engine) as session:
        repo.add_event(session, company_id=a_id, document_id=None, actor="x", action="old").at = old
    today = datetime.now(UTC).date()
    period = {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}

    as_csv = client.get("/v1/audit", params={**period, "format": "csv"})
    as_json = client.get("/v1/audit", params={**period, "format": "json"})

    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = parse_csv(as_csv.text)
    with ctx.engine.connect() as connection:
        expected = (
            connection.execute(
                text("SELECT id FROM auditevent WHERE company_id = :c AND action != 'old'"),
                {"c": a_id},
            )
            .scalars()
            .all()
        )
    assert sorted(int(r["event_id"]) for r in rows) == sorted(expected)
    assert json.loads(as_json.text)["count"] == len(rows)
    documents_of_b = {r["document_id"] for r in parse_csv(as_csv.text)} & set(documents(ctx, b_id))
    assert not documents_of_b
    assert all(r["at"][:10] >= period["from"] for r in rows)
    statuses = [r["to_status"] for r in rows if r["action"].startswith("status:")]
    assert "posted" in statuses and "rejected" in statuses
    formula_cells = [c for r in rows for c in r.values() if c[:1] in ("=", "+", "@")]
    assert not formula_cells, formula_cells

    old_only = client.get("/v1/audit", params={"from": "2020-01-01", "to": "2020-01-31"})
    assert [e["action"] for e in old_only.json()["events"]] == ["old"]


def documents(ctx: AppContext, company_id: str) -> list[str]:
    with ctx.engine.connect() as connection:
        query = text("SELECT id FROM document WHERE company_id = :c")
        return list(connection.execute(query, {"c": company_id}).scalars().all())


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"from": "2026-02-01", "to": "2026-01-01"}, 400),
        ({"from": "2020-01-01", "to": "2026-12-31"}, 400),
        ({"from": "yesterday", "to": "2026-01-01"}, 422),
        ({"from": "2026-01-01"}, 422),
        ({"from": "2026-01-01", "to": "2026-01-02", "format": "xlsx"}, 422),
    ],
)
def test_a_bad_period_is_refused_with_a_reason(
    ctx: AppContext, params: dict[str, str], status: int
) -> None:
    company = companies.create_company(ctx, name="Periode AS")
    key = companies.create_api_key(ctx, company_name=company.name).key
    with TestClient(create_app(ctx)) as client:
        response = client.get(
            "/v1/audit", params=params, headers={"Authorization": f"Bearer {key}"}
        )
    assert response.status_code == status
    assert response.json()["message"]


def test_the_cli_exports_the_same_rows_as_the_api(
    ctx: AppContext, flow: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _, _, client, _, _ = flow
    today = date.today().isoformat()
    period = {"from": today, "to": today, "format": "csv"}
    api_rows = parse_csv(client.get("/v1/audit", params=period).text)
    monkeypatch.setenv("KONTERA_DATA_DIR", str(ctx.settings.data_dir))
    app = typer.Typer()
    ops.register(app)
    out = tmp_path / "audit.csv"
    arguments = ["--company", "Revisor Kunde AS", "--from", today, "--to", today, "-o", str(out)]

    result = CliRunner().invoke(app, ["audit", "export", *arguments])

    assert result.exit_code == 0, result.output
    assert parse_csv(out.read_text(encoding="utf-8")) == api_rows
