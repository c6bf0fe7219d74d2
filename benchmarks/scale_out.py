"""Scale out: PostgreSQL + Redis + `kontera serve` + N `kontera worker` processes.

    .venv/bin/python -m benchmarks.scale_out [--documents 1000] [--workers 1 2 4]
                                             [--threads 1] [--pdf-share 0.2]

For each N a fresh database and Redis queue, the web process (no in-process consumer) and
N workers are started; then a batch of mixed documents is uploaded as fast as one client
can (distinct EHF invoices from fixtures/demo, and born-digital PDF invoices when the PDF
reader is installed) and the clock runs until no document is owed work any more. Prints
documents/s overall and per worker process, and the final statuses.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url
from tests import servers
from tests.reliability.crashchecks import OWED
from tests.reliability.invoices import demo_invoices
from tests.reliability.invoices import numbered
from tests.reliability.invoices import text_pdf

from benchmarks._harness import BENCH_SECRET_KEY
from benchmarks._harness import KONTERA
from benchmarks._harness import free_port
from benchmarks._harness import table


def batch(count: int, pdf_share: float) -> list[tuple[str, bytes]]:
    templates = demo_invoices()
    pdfs = int(count * pdf_share) if _pdf_reader_installed() else 0
    documents = [
        (f"{n}.xml", numbered(templates[n % len(templates)], f"S{n:06d}"))
        for n in range(count - pdfs)
    ]
    documents += [(f"{n}.pdf", text_pdf(f"P{n:06d}")) for n in range(pdfs)]
    # Interleave, as a real inbox would.
    return sorted(documents, key=lambda d: uuid.uuid5(uuid.NAMESPACE_OID, d[0]).hex)


def _pdf_reader_installed() -> bool:
    try:
        __import__("kontera.interpret.pdf")
    except ImportError:
        return False
    return True


def fresh_database(server_url: str) -> str:
    name = f"scale_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@contextmanager
def stack(env: dict[str, str], workers: int, threads: int, logs: Path) -> Iterator[str]:
    port = free_port()
    procs = [_start(env, ["serve", "--port", str(port)], logs / "web.log")]
    try:
        servers.wait_for_port(port, timeout=60)
        for n in range(workers):
            procs.append(_start(env, ["worker", "--threads", str(threads)], logs / f"w{n}.log"))
        yield f"http://127.0.0.1:{port}"
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)


def _start(env: dict[str, str], args: list[str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [KONTERA, *args], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def run_once(
    pg: str, redis: str, workers: int, args: argparse.Namespace, documents: list[tuple[str, bytes]]
) -> list[object]:
    with tempfile.TemporaryDirectory(prefix="kontera-scale-") as tmp:
        database = fresh_database(pg)
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("KONTERA_")}
        env = {
            **base_env,
            "KONTERA_DATA_DIR": tmp,
            "KONTERA_DATABASE_URL": database,
            "KONTERA_REDIS_URL": f"{redis.rsplit('/', 1)[0]}/{workers}",
            "KONTERA_IN_PROCESS_WORKER": "false",
            "KONTERA_LOG_LEVEL": "WARNING",
            "KONTERA_SECRET_KEY": BENCH_SECRET_KEY,
        }
        _cli(env, "company", "create", "Skala AS", "--org-number", "923609016")
        key = _cli(env, "apikey", "create", "--company", "Skala AS").strip()
        with stack(env, workers, args.threads, Path(tmp)) as base:
            time.sleep(3)  # workers import and connect before the clock starts
            started = time.monotonic()
            with httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60
            ) as client:
                for name, data in documents:
                    response = client.post("/v1/documents", files={"file": (name, data)})
                    response.raise_for_status()
            uploaded = time.monotonic() - started
            statuses = _wait(database, timeout=args.timeout)
            elapsed = time.monotonic() - started
    rate = len(documents) / elapsed
    return [
        workers,
        args.threads,
        len(documents),
        f"{uploaded:.0f}",
        f"{elapsed:.0f}",
        f"{rate:.1f}",
        f"{rate / workers:.1f}",
        ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())),
    ]


def _cli(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [KONTERA, *args], env=env, check=True, capture_output=True, text=True
    ).stdout


def _wait(database: str, timeout: float) -> dict[str, int]:
    engine = create_engine(database)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT status, count(*) FROM document GROUP BY status")
                ).all()
            statuses = {status: count for status, count in rows}
            if not any(statuses.get(s) for s in OWED) or time.monotonic() > deadline:
                return statuses
            time.sleep(0.25)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--threads", type=int, default=1, help="consumer threads per worker")
    parser.add_argument("--pdf-share", type=float, default=0.2)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    documents = batch(args.documents, args.pdf_share)
    pdfs = sum(1 for name, _ in documents if name.endswith(".pdf"))
    with ExitStack() as stack_:
        pg = stack_.enter_context(servers.postgres_server())
        redis = stack_.enter_context(servers.redis_server())
        if pg is None or redis is None:
            raise SystemExit("PostgreSQL and Redis binaries are needed")
        rows = [run_once(pg, redis, n, args, documents) for n in args.workers]
    print(
        f"{len(documents)} documents: {len(documents) - pdfs} EHF, {pdfs} PDF; "
        f"{os.cpu_count()} CPUs"
    )
    headers = [
        "workers",
        "threads",
        "documents",
        "upload s",
        "total s",
        "docs/s",
        "docs/s per worker",
        "final statuses",
    ]
    print(table(headers, rows))


if __name__ == "__main__":
    main()
