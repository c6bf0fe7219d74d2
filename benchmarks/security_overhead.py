"""What the security measures cost per request: the per-key rate limit and the audit chain.

    python -m benchmarks.security_overhead [--calls 2000] [--postgres]

- rate limit: one `RateLimiter.check` (what every API request pays) with the counters in the
  database (SQLite WAL, or PostgreSQL with --postgres), in Redis (a local redis-server), or
  switched off (`KONTERA_API_RATE_LIMIT_PER_MINUTE=0`);
- audit chain: one committed transaction that writes a document status event, with the hash
  chain linked at commit (the head row locked) versus the same with the chain hooks removed.
Times are wall-clock per call on one thread (p50 / p95, ms).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import event
from sqlmodel import Session
from tests import servers

from benchmarks._harness import percentile
from benchmarks._harness import table
from kontera.config import Settings
from kontera.services.admin import companies
from kontera.services.context import build_context
from kontera.services.ops.rate_limit import DatabaseCounters
from kontera.services.ops.rate_limit import RateLimiter
from kontera.services.ops.rate_limit import RedisCounters
from kontera.store import audit_chain
from kontera.store import repo
from kontera.store.db import session_scope


def timed(calls: int, action: Callable[[int], None]) -> tuple[float, float]:
    samples = []
    for n in range(calls):
        started = time.perf_counter()
        action(n)
        samples.append((time.perf_counter() - started) * 1000)
    return percentile(samples, 50), percentile(samples, 95)


def rate_limit_rows(calls: int, engine: object, redis_url: str | None) -> list[list[object]]:
    rows: list[list[object]] = []
    limiters = {"off (limit 0)": RateLimiter(DatabaseCounters(engine), per_minute=0)}  # type: ignore[arg-type]
    limiters["database"] = RateLimiter(DatabaseCounters(engine), per_minute=10**9)  # type: ignore[arg-type]
    if redis_url:
        limiters["redis"] = RateLimiter(RedisCounters(redis_url), per_minute=10**9)
    for name, limiter in limiters.items():
        p50, p95 = timed(calls, lambda n, lim=limiter: lim.check(f"key-{n % 4}"))  # type: ignore[misc]
        rows.append([f"rate limit: {name}", calls, f"{p50:.3f}", f"{p95:.3f}"])
    return rows


def audit_rows(calls: int, engine: object, company_id: str) -> list[list[object]]:
    def write(n: int) -> None:
        with session_scope(engine) as session:  # type: ignore[arg-type]
            repo.add_event(
                session, company_id=company_id, document_id=None, actor="bench", action=f"x{n}"
            )

    chained = timed(calls, write)
    event.remove(Session, "before_flush", audit_chain._collect_new_events)
    event.remove(Session, "before_commit", audit_chain._seal)
    try:
        plain = timed(calls, write)
    finally:
        event.listen(Session, "before_flush", audit_chain._collect_new_events)
        event.listen(Session, "before_commit", audit_chain._seal)
    return [
        ["audit event, hash chain linked", calls, f"{chained[0]:.3f}", f"{chained[1]:.3f}"],
        ["audit event, chain hooks removed", calls, f"{plain[0]:.3f}", f"{plain[1]:.3f}"],
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--postgres", action="store_true", help="database counters on PostgreSQL")
    args = parser.parse_args()
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="kontera-sec-") as tmp:
        database_url = None
        if args.postgres:
            database_url = stack.enter_context(servers.postgres_server())
        redis_url = stack.enter_context(servers.redis_server())
        settings = Settings(data_dir=Path(tmp), database_url=database_url, log_json=False)
        ctx = build_context(settings)
        company = companies.create_company(ctx, name="Sikker AS")
        kind = "PostgreSQL" if args.postgres else "SQLite"
        rows = rate_limit_rows(args.calls, ctx.engine, redis_url)
        rows += audit_rows(args.calls, ctx.engine, company.id)
        ctx.engine.dispose()
    print(f"security overhead per call ({kind})")
    print(table(["what", "calls", "p50 ms", "p95 ms"], rows))


if __name__ == "__main__":
    main()
