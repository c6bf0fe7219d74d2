"""Sustained load on loopback: `POST /v1/documents` and the review queue page.

    .venv/bin/python -m benchmarks.load [--seconds 20] [--clients 8]
                                        [--databases sqlite postgres] [--preload 300]

For each database a real `kontera serve` is started (SQLite: embedded Huey; PostgreSQL:
with Redis, as in production), then closed-loop clients (each waits for its answer before
sending the next request) run for a fixed time:

  upload            distinct EHF invoices, in-process worker off (ingest alone)
  upload + worker   the same while the in-process worker interprets what arrives
  queue page        `GET /` as a signed-in bookkeeper, `--preload` documents in the queue

It prints requests/s, p50 and p99 latency and the number of errors (any transport error or
status >= 300: a redirect to the sign-in page is a failure too), and exits 1 when there were
any. Nothing is mocked; client and server share the machine's cores.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import httpx
from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url
from tests import servers
from tests.reliability.invoices import demo_invoices
from tests.reliability.invoices import numbered

from benchmarks._harness import BENCH_RATE_LIMIT
from benchmarks._harness import BENCH_SECRET_KEY
from benchmarks._harness import KONTERA
from benchmarks._harness import free_port
from benchmarks._harness import percentile
from benchmarks._harness import table

PASSWORD = "belastning-passord-1"
EMAIL = "last@example.test"


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: set[str] = field(default_factory=set)
    seconds: float = 0.0


@dataclass
class Server:
    base: str
    key: str
    env: dict[str, str]


@contextmanager
def serve(env_overrides: dict[str, str], *, worker: bool) -> Iterator[Server]:
    with tempfile.TemporaryDirectory(prefix="kontera-load-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KONTERA_")}
        env.update(
            {
                "KONTERA_DATA_DIR": tmp,
                "KONTERA_LOG_LEVEL": "WARNING",
                "KONTERA_IN_PROCESS_WORKER": "true" if worker else "false",
                "KONTERA_SECRET_KEY": BENCH_SECRET_KEY,
                "KONTERA_API_RATE_LIMIT_PER_MINUTE": BENCH_RATE_LIMIT,
                **env_overrides,
            }
        )
        company = f"Last {os.urandom(3).hex()} AS"
        run(env, "company", "create", company, "--org-number", "923609016")
        key = run(env, "apikey", "create", "--company", company).strip()
        run(env, "user", "create", EMAIL, "--password", PASSWORD, "--company", company)
        port, log = free_port(), Path(tmp) / "serve.log"
        proc = subprocess.Popen(
            [KONTERA, "serve", "--port", str(port)],
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        try:
            try:
                servers.wait_for_port(port, timeout=120)
            except TimeoutError:
                raise RuntimeError("serve did not start:\n" + log.read_text()[-3000:]) from None
            yield Server(f"http://127.0.0.1:{port}", key, env)
        finally:
            proc.terminate()
            proc.wait(timeout=60)


def run(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [KONTERA, *args], env=env, check=True, capture_output=True, text=True
    ).stdout


def closed_loop(
    make_client: Callable[[], httpx.Client],
    request: Callable[[httpx.Client], httpx.Response],
    *,
    clients: int,
    seconds: float,
) -> Sample:
    sample, lock = Sample(), threading.Lock()
    deadline = time.monotonic() + seconds

    def loop() -> None:
        client = make_client()
        try:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    response = request(client)
                    failed = f"HTTP {response.status_code}" if response.status_code >= 300 else ""
                except httpx.HTTPError as e:
                    failed = type(e).__name__
                elapsed = time.perf_counter() - started
                with lock:
                    sample.latencies.append(elapsed)
                    if failed:
                        sample.errors += 1
                        sample.error_kinds.add(failed)
        finally:
            client.close()

    threads = [threading.Thread(target=loop) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sample.seconds = time.monotonic() - started
    return sample


def uploader(prefix: str) -> Callable[[httpx.Client], httpx.Response]:
    """Each call sends a distinct invoice (its own number and KID), never a duplicate."""
    templates = demo_invoices()
    counter, lock = itertools.count(), threading.Lock()

    def upload(client: httpx.Client) -> httpx.Response:
        with lock:
            n = next(counter)
        data = numbered(templates[n % len(templates)], f"{prefix}{n:07d}")
        return client.post("/v1/documents", files={"file": (f"{n}.xml", data)})

    return upload


def api_client(server: Server) -> Callable[[], httpx.Client]:
    headers = {"Authorization": f"Bearer {server.key}"}
    return lambda: httpx.Client(base_url=server.base, headers=headers, timeout=60)


def signed_in_client(server: Server) -> Callable[[], httpx.Client]:
    def make() -> httpx.Client:
        client = httpx.Client(base_url=server.base, timeout=60)
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        form = {"email": EMAIL, "password": PASSWORD, "csrf_token": token[1] if token else ""}
        response = client.post("/login", data=form)
        if response.status_code >= 400:
            raise RuntimeError(f"sign-in failed: {response.status_code}")
        return client

    return make


def preload(server: Server, count: int, timeout: float = 300) -> int:
    """Fill the queue with `count` processed documents; returns how many were processed."""
    upload = uploader("PRE")
    with api_client(server)() as client:
        for _ in range(count):
            upload(client)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            waiting = client.get("/v1/documents", params={"status": "received", "limit": 1})
            if not waiting.json()["items"]:
                break
            time.sleep(1)
        listed = client.get("/v1/documents", params={"limit": 500}).json()["items"]
    return sum(1 for d in listed if d["status"] not in ("received", "interpreted"))


def row(database: str, scenario: str, clients: int, sample: Sample) -> list[object]:
    ms = [v * 1000 for v in sample.latencies]
    return [
        database,
        scenario,
        clients,
        len(ms),
        f"{len(ms) / sample.seconds:.1f}",
        f"{percentile(ms, 50):.0f}",
        f"{percentile(ms, 99):.0f}",
        f"{sample.errors}{' ' + ','.join(sorted(sample.error_kinds)) if sample.errors else ''}",
    ]


def measure(
    database: str, fresh_env: Callable[[], dict[str, str]], args: argparse.Namespace
) -> list[list[object]]:
    rows = []
    with serve(fresh_env(), worker=False) as server:
        upload = uploader("UP")
        sample = closed_loop(api_client(server), upload, clients=args.clients, seconds=args.seconds)
        rows.append(row(database, "upload", args.clients, sample))
    with serve(fresh_env(), worker=True) as server:
        processed = preload(server, args.preload)
        sample = closed_loop(
            signed_in_client(server),
            lambda client: client.get("/"),
            clients=args.clients,
            seconds=args.seconds,
        )
        rows.append(row(database, f"queue page ({processed} docs)", args.clients, sample))
        upload = uploader("UW")
        sample = closed_loop(api_client(server), upload, clients=args.clients, seconds=args.seconds)
        rows.append(row(database, "upload + worker", args.clients, sample))
    return rows


def postgres_envs(pg: str, redis: str) -> Callable[[], dict[str, str]]:
    """A new, empty database and Redis database for every service started."""
    numbers = itertools.count(1)

    def fresh() -> dict[str, str]:
        name = f"load_{os.urandom(4).hex()}"
        admin = create_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(pg).set(database=name).render_as_string(hide_password=False)
        queue = f"{redis.rsplit('/', 1)[0]}/{next(numbers)}"
        return {"KONTERA_DATABASE_URL": url, "KONTERA_REDIS_URL": queue}

    return fresh


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--preload", type=int, default=300)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"])
    args = parser.parse_args()
    rows: list[list[object]] = []
    for database in args.databases:
        with ExitStack() as stack:
            fresh_env: Callable[[], dict[str, str]] = dict
            if database == "postgres":
                pg = stack.enter_context(servers.postgres_server())
                redis = stack.enter_context(servers.redis_server())
                if pg is None or redis is None:
                    print("skipping PostgreSQL: binaries not installed")
                    continue
                fresh_env = postgres_envs(pg, redis)
            label = "PostgreSQL + Redis" if database == "postgres" else "SQLite"
            rows += measure(label, fresh_env, args)
    headers = ["database", "scenario", "clients", "requests", "req/s", "p50 ms", "p99 ms", "errors"]
    print(table(headers, rows))
    errors = sum(int(str(r[-1]).split()[0]) for r in rows)
    if errors:
        sys.exit(f"{errors} requests failed")


if __name__ == "__main__":
    main()
