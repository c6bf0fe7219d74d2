"""Server time of the review queue and detail pages with 10 000 documents on SQLite.

    python benchmarks/queue_pages.py [--documents 10000] [--companies 10] [--requests 200]

Seeds a fresh SQLite database (WAL, as `kontera serve` runs it): N documents spread over
several client companies of one bureau, each with an interpretation (a real EHF interpreted
by Kontera, varied per document), a suggestion and three audit events. Then a signed-in bureau
admin (who sees every company) requests queue pages with several filters and detail pages of
random documents through the whole ASGI application in-process (routing, session lookup,
queries, template rendering, middleware), so the times are server time without the network.
Target (issue 6): p95 ≤ 150 ms for both.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._harness import percentile  # noqa: E402
from benchmarks._harness import table  # noqa: E402
from kontera.config import Settings  # noqa: E402
from kontera.domain.codec import invoice_to_json  # noqa: E402
from kontera.domain.codec import to_jsonable  # noqa: E402
from kontera.interpret import interpret_bytes  # noqa: E402
from kontera.services.admin import companies  # noqa: E402
from kontera.services.admin import users  # noqa: E402
from kontera.services.context import build_context  # noqa: E402
from kontera.store.db import session_scope  # noqa: E402
from kontera.store.tables import AuditEvent  # noqa: E402
from kontera.store.tables import Document  # noqa: E402
from kontera.store.tables import Interpretation  # noqa: E402
from kontera.store.tables import SuggestionRecord  # noqa: E402
from kontera.store.types import new_id  # noqa: E402
from kontera.store.types import utcnow  # noqa: E402

PASSWORD = "benchmark-password"
STATUSES = ["needs_review"] * 3 + ["suggested"] * 3 + ["approved", "posted", "posted", "rejected"]
SUPPLIERS = [f"Leverandør {n:03d} AS" for n in range(150)]
TODAY = date.today()


def template_payload() -> dict[str, Any]:
    data = (REPO / "fixtures" / "demo" / "ehf-02.xml").read_bytes()
    return invoice_to_json(interpret_bytes(data).invoice)


def suggestion_payload(gross: Decimal) -> dict[str, Any]:
    return to_jsonable(
        {
            "lines": [
                {
                    "line_index": 0,
                    "account": "6340",
                    "vat_code": "1",
                    "confidence": 0.93,
                    "amount": str((gross / Decimal("1.25")).quantize(Decimal("0.01"))),
                    "description": "Strøm",
                    "alternatives": [
                        {"account": "6340", "vat_code": "1", "probability": 0.93},
                        {"account": "6300", "vat_code": "1", "probability": 0.05},
                        {"account": "6360", "vat_code": "1", "probability": 0.02},
                    ],
                    "reason": "14 of the last 15 postings from this supplier went to 6340.",
                    "abstained": False,
                }
            ],
            "model": "benchmark",
            "payable_account": "2400",
        }
    )


def seed(ctx: Any, company_ids: list[str], count: int, rng: random.Random) -> list[tuple[str, str]]:
    base = template_payload()
    documents, interpretations, suggestions, events = [], [], [], []
    made: list[tuple[str, str]] = []
    now = utcnow()
    for n in range(count):
        company_id = company_ids[n % len(company_ids)]
        document_id = new_id()
        gross = Decimal(rng.randint(5_000, 5_000_000)) / 100
        supplier = rng.choice(SUPPLIERS)
        due = TODAY + timedelta(days=rng.randint(-30, 60))
        status = rng.choice(STATUSES)
        documents.append(
            {
                "id": document_id,
                "company_id": company_id,
                "sha256": f"{n:064x}",
                "filename": f"invoice-{n}.xml",
                "kind": "ubl",
                "size": 4000,
                "source": "api",
                "provenance": {},
                "received_at": now - timedelta(minutes=n),
                "updated_at": now,
                "status": status,
                "document_type": "invoice",
                "supplier_name": supplier,
                "supplier_key": f"name:{supplier.lower()}",
                "invoice_number": f"B{n:07d}",
                "currency": "NOK",
                "gross": gross,
                "issue_date": due - timedelta(days=14),
                "due_date": due,
                "confidence": rng.choice([1.0, 1.0, 0.97, 0.85, 0.6]),
                "warnings": rng.choice([0, 0, 0, 1, 3]),
                "attempts": 0,
            }
        )
        payload = {**base, "invoice_number": f"B{n:07d}", "due_date": due.isoformat()}
        payload["seller"] = {**base["seller"], "name": supplier}
        interpretations.append(
            {
                "id": new_id(),
                "document_id": document_id,
                "created_at": now,
                "interpreter": "ubl",
                "payload": payload,
                "page_count": 0,
            }
        )
        suggestions.append(
            {
                "id": new_id(),
                "document_id": document_id,
                "created_at": now,
                "model": "benchmark",
                "payload": suggestion_payload(gross),
            }
        )
        for action, to_status in (("received", "received"), ("status:interpreted", "interpreted")):
            events.append(
                {
                    "company_id": company_id,
                    "document_id": document_id,
                    "at": now,
                    "actor": "worker",
                    "action": action,
                    "to_status": to_status,
                    "detail": {},
                }
            )
        events.append(
            {
                "company_id": company_id,
                "document_id": document_id,
                "at": now,
                "actor": "worker",
                "action": f"status:{status}",
                "to_status": status,
                "detail": {},
            }
        )
        made.append((company_id, document_id))
    with session_scope(ctx.engine) as session:
        for model, rows in (
            (Document, documents),
            (Interpretation, interpretations),
            (SuggestionRecord, suggestions),
            (AuditEvent, events),
        ):
            for start in range(0, len(rows), 2000):
                session.execute(insert(model), rows[start : start + 2000])
    return made


def sign_in(client: TestClient, email: str) -> None:
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]*)"', form)
    assert token is not None
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def timed(
    client: TestClient, paths: list[str], expect: int = 200
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per request. The client is the only thing running in
    this process, so the process CPU time of a request is the server's work on it; the wall
    time also counts waiting for a CPU on a shared machine."""
    walls, cpus = [], []
    for path in paths:
        cpu, wall = time.process_time(), time.perf_counter()
        response = client.get(path, follow_redirects=False)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        assert response.status_code == expect, (path, response.status_code)
    return walls, cpus


QUEUE_VARIANTS: dict[str, str] = {
    "queue: default (open, due soonest)": "/",
    "queue: deep page": "/?page={page}",
    "queue: one company": "/?company={company}",
    "queue: all, by amount desc": "/?status=all&sort=amount&desc=1&page={page}",
    "queue: supplier search": "/?supplier={supplier:03d}",
    "queue: warnings, confidence ≤ 90 %": "/?warnings=1&max_confidence=90",
    "queue: due this week, ≥ 1000": "/?due_from={today}&due_to={week}&min_amount=1000",
}


def queue_path(template: str, company_ids: list[str], rng: random.Random) -> str:
    return template.format(
        page=rng.randint(2, 40),
        company=rng.choice(company_ids),
        supplier=rng.randint(0, 149),
        today=TODAY,
        week=TODAY + timedelta(days=7),
    )


def row(name: str, walls: list[float], cpus: list[float]) -> list[object]:
    p95 = percentile(walls, 95)
    return [
        name,
        len(walls),
        f"{statistics.median(walls):.1f}",
        f"{p95:.1f}",
        f"{statistics.median(cpus):.1f}",
        f"{percentile(cpus, 95):.1f}",
        "yes" if p95 <= 150 else "NO",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--companies", type=int, default=10)
    parser.add_argument("--requests", type=int, default=210, help="per page kind")
    args = parser.parse_args()
    rng = random.Random(6)
    with tempfile.TemporaryDirectory(prefix="kontera-queue-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp), log_json=False, log_level="WARNING")
        ctx = build_context(settings)
        bureau = users.create_bureau(ctx, name="Benchmark Regnskap")
        company_ids = [
            companies.create_company(ctx, name=f"Klient {n:02d} AS", bureau_id=bureau.id).id
            for n in range(args.companies)
        ]
        users.create_user(
            ctx, email="admin@bench.no", password=PASSWORD, role="admin", bureau_id=bureau.id
        )
        started = time.perf_counter()
        documents = seed(ctx, company_ids, args.documents, rng)
        seeded = time.perf_counter() - started
        from kontera.web import create_web_app

        results: list[list[object]] = []
        with TestClient(create_web_app(ctx)) as client:
            sign_in(client, "admin@bench.no")
            timed(client, ["/"] * 5)  # warm up templates and caches
            every_wall: list[float] = []
            every_cpu: list[float] = []
            per_variant = max(1, args.requests // len(QUEUE_VARIANTS))
            for name, template in QUEUE_VARIANTS.items():
                paths = [queue_path(template, company_ids, rng) for _ in range(per_variant)]
                walls, cpus = timed(client, paths)
                every_wall += walls
                every_cpu += cpus
                results.append(row(name, walls, cpus))
            results.append(row("QUEUE PAGE, all variants", every_wall, every_cpu))
            picks = [rng.choice(documents) for _ in range(args.requests)]
            walls, cpus = timed(client, [f"/c/{c}/d/{d}" for c, d in picks])
            results.append(row("DETAIL PAGE (random documents)", walls, cpus))
            steps = [f"/c/{c}/d/{d}/step?to=next" for c, d in picks]
            walls, cpus = timed(client, steps, expect=303)
            results.append(row("next document (j), redirect only", walls, cpus))
        ctx.engine.dispose()
    print(
        f"{args.documents} documents, {args.companies} companies, seeded in {seeded:.1f} s; "
        f"in-process requests (server time, ms; wall = elapsed, cpu = this process's CPU)\n"
    )
    headers = ["page", "n", "wall p50", "wall p95", "cpu p50", "cpu p95", "wall p95 ≤ 150"]
    print(table(headers, results))


if __name__ == "__main__":
    main()
