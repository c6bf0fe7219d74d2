"""Scale out: PostgreSQL + Redis + `kontera serve` + N `kontera worker` processes.

    .venv/bin/python -m benchmarks.scale_out [--documents 1000] [--workers 1 2 4]
                                             [--threads 1] [--pdf-share 0.2]
                                             [--storage shared s3]

For each storage layout and each N: a fresh database, Redis queue and store, the web process
(no in-process consumer) and N workers; then a batch of mixed documents is uploaded as fast
as one client can (distinct EHF invoices from fixtures/demo, and born-digital PDF invoices
when the PDF reader is installed) and the clock runs until no document is owed work any
more. Prints documents/s overall and per worker process, the final statuses, and the checks:

- `shared`: today's layout, every process on one data directory (one host, or a shared
  volume);
- `s3`: every process with its own, empty data directory and the S3-compatible server
  (moto's, on loopback) as the document store, as on several hosts.

Checks: every upload is one document (none lost, none doubled), none is owed work, each was
interpreted once, every document's original is in the store, and in `s3` every process's own
data directory is still empty at the end.
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

from benchmarks._harness import BENCH_RATE_LIMIT
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
        __import__("kontera.interpret.pages.pdf")
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
def stack(envs: list[dict[str, str]], workers: int, threads: int, logs: Path) -> Iterator[str]:
    """`envs[0]` for the web process, `envs[1 + n]` for worker n."""
    port = free_port()
    procs = [_start(envs[0], ["serve", "--port", str(port)], logs / "web.log")]
    try:
        servers.wait_for_port(port, timeout=60)
        for n in range(workers):
            args = ["worker", "--threads", str(threads)]
            procs.append(_start(envs[1 + n], args, logs / f"w{n}.log"))
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
    pg: str,
    redis: str,
    s3: dict[str, str] | None,
    workers: int,
    args: argparse.Namespace,
    documents: list[tuple[str, bytes]],
) -> list[object]:
    layout = "s3" if s3 is not None else "shared"
    with tempfile.TemporaryDirectory(prefix="kontera-scale-") as tmp:
        root = Path(tmp)
        database = fresh_database(pg)
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("KONTERA_")}
        common = {
            **base_env,
            "KONTERA_DATABASE_URL": database,
            "KONTERA_REDIS_URL": f"{redis.rsplit('/', 1)[0]}/{workers % 8 + (8 if s3 else 0)}",
            "KONTERA_IN_PROCESS_WORKER": "false",
            "KONTERA_LOG_LEVEL": "WARNING",
            "KONTERA_SECRET_KEY": BENCH_SECRET_KEY,
            "KONTERA_API_RATE_LIMIT_PER_MINUTE": BENCH_RATE_LIMIT,
        }
        if s3 is not None:
            common |= {**s3, "KONTERA_STORAGE_URL": f"{s3['KONTERA_STORAGE_URL']}-{workers}"}
        own = [root / name for name in ["web", *(f"w{n}" for n in range(workers))]]
        envs = [
            {**common, "KONTERA_DATA_DIR": str(own[n] if s3 else root / "shared")}
            for n in range(workers + 1)
        ]
        logs = root / "logs"
        logs.mkdir()
        _cli(envs[0], "company", "create", "Skala AS", "--org-number", "923609016")
        key = _cli(envs[0], "apikey", "create", "--company", "Skala AS").strip()
        ids: list[str] = []
        with stack(envs, workers, args.threads, logs) as base:
            time.sleep(3)  # workers import and connect before the clock starts
            started = time.monotonic()
            with httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60
            ) as client:
                for name, data in documents:
                    response = client.post("/v1/documents", files={"file": (name, data)})
                    response.raise_for_status()
                    ids.append(response.json()["id"])
            uploaded = time.monotonic() - started
            statuses = _wait(database, timeout=args.timeout)
            elapsed = time.monotonic() - started
        problems = _check(database, envs[0], ids, len(documents))
        if s3 is not None:
            left = (
                [str(p) for d in own for p in d.rglob("*")] if any(d.exists() for d in own) else []
            )
            problems += (
                [f"{len(left)} files in the processes' own data directories"] if left else []
            )
    rate = len(documents) / elapsed
    return [
        layout,
        workers,
        args.threads,
        len(documents),
        f"{uploaded:.0f}",
        f"{elapsed:.0f}",
        f"{rate:.1f}",
        f"{rate / workers:.1f}",
        ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())),
        "; ".join(problems) or "none lost, none doubled",
    ]


def _check(database: str, env: dict[str, str], ids: list[str], sent: int) -> list[str]:
    """Every upload is one document, worked on once, finished, with its original stored."""
    from kontera.store.blobs import open_blob_store

    problems = []
    if len(set(ids)) != sent:
        problems.append(f"{sent} uploads became {len(set(ids))} documents")
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, sha256, status FROM document")).all()
            twice = connection.execute(
                text(
                    "SELECT count(*) FROM (SELECT document_id FROM interpretation "
                    "GROUP BY document_id HAVING count(*) > 1) AS again"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    if {row.id for row in rows} != set(ids):
        problems.append(f"the database holds {len(rows)} documents for {len(set(ids))} uploads")
    if owed := [row.id for row in rows if row.status in OWED]:
        problems.append(f"{len(owed)} documents still owed work")
    if twice:
        problems.append(f"{twice} documents interpreted more than once")
    os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
    store = open_blob_store(env.get("KONTERA_STORAGE_URL"), Path(env["KONTERA_DATA_DIR"]))
    if missing := [row.id for row in rows if not store.exists(row.sha256)]:
        problems.append(f"{len(missing)} originals missing from {store.url}")
    return problems


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
    parser.add_argument("--storage", nargs="+", choices=["shared", "s3"], default=["shared", "s3"])
    args = parser.parse_args()
    documents = batch(args.documents, args.pdf_share)
    pdfs = sum(1 for name, _ in documents if name.endswith(".pdf"))
    with ExitStack() as stack_:
        pg = stack_.enter_context(servers.postgres_server())
        redis = stack_.enter_context(servers.redis_server())
        if pg is None or redis is None:
            raise SystemExit("PostgreSQL and Redis binaries are needed")
        s3 = stack_.enter_context(servers.s3_server()) if "s3" in args.storage else None
        if "s3" in args.storage and s3 is None:
            raise SystemExit("the S3-compatible server (moto[server]) is needed for --storage s3")
        rows = [
            run_once(pg, redis, s3 if layout == "s3" else None, n, args, documents)
            for layout in args.storage
            for n in args.workers
        ]
    print(
        f"{len(documents)} documents: {len(documents) - pdfs} EHF, {pdfs} PDF; "
        f"{os.cpu_count()} CPUs"
    )
    headers = [
        "storage",
        "workers",
        "threads",
        "documents",
        "upload s",
        "total s",
        "docs/s",
        "docs/s per worker",
        "final statuses",
        "checks",
    ]
    print(table(headers, rows))
    if any(row[-1] != "none lost, none doubled" for row in rows):
        raise SystemExit("a check failed: see the last column")


if __name__ == "__main__":
    main()
