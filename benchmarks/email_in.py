"""Messages per second through SMTP to stored documents, N concurrent sending clients.

    python -m benchmarks.email_in --clients 1 4 --messages 300 [--database-url URL]

Each run uses a fresh data directory (SQLite unless --database-url), a running receiver and
the generated corpus (`fixtures/email/generate.py`, every document unique; all senders
trusted). The clock stops when the last client got its 250, which the receiver only sends
after the raw message and every document in it are stored; documents are queued but not
interpreted here (the queue is inert), so this measures the mail path alone.

Every message is authenticated (SPF, DKIM, DMARC) against a DNS server on loopback that
publishes the senders' SPF records, as a local caching resolver would answer: the figures
include the checks but no internet round trips.
"""

from __future__ import annotations

import argparse
import importlib.util
import smtplib
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import ModuleType

from sqlalchemy import func
from sqlmodel import select
from tests.dnsserver import dns_server

from benchmarks._harness import REPO
from benchmarks._harness import free_port
from benchmarks._harness import percentile
from benchmarks._harness import table
from kontera.config import Settings
from kontera.ingest.settings import MailSettings
from kontera.services.admin import companies
from kontera.services.context import build_context
from kontera.services.receive import email_senders
from kontera.services.receive.email_smtp import start_smtp_in_background
from kontera.store.db import session_scope
from kontera.store.tables import Document


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "email_generate", REPO / "fixtures/email/generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["email_generate"] = module
    spec.loader.exec_module(module)
    return module


def send(port: int, raw: bytes, to: str, mail_from: str) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        client.sendmail(mail_from, [to], raw)


def count_documents(engine: object, company_id: str) -> int:
    with session_scope(engine) as session:  # type: ignore[arg-type]
        query = select(func.count()).select_from(Document).where(Document.company_id == company_id)
        return int(session.exec(query).one())


def run(clients: int, mails: list, database_url: str | None, dns_address: str) -> list[object]:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory(prefix="kontera-bench-mail-") as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=database_url, log_json=False)
        ctx = build_context(settings)
        company = companies.create_company(ctx, name=f"Bench {time.monotonic_ns()}")
        for sender in {m.sender for m in mails}:
            email_senders.trust_sender(ctx, company.id, sender)
        address = f"{company.slug}@{settings.mail_domain}"
        mail_settings = MailSettings(dns_server=dns_address)
        receiver = start_smtp_in_background(ctx, "127.0.0.1", free_port(), mail_settings)
        latencies: list[float] = []
        lock = threading.Lock()

        def client(index: int) -> None:
            for mail in mails[index::clients]:
                start = time.perf_counter()
                send(receiver.port, mail.raw, address, mail_from=mail.sender)
                with lock:
                    latencies.append((time.perf_counter() - start) * 1000)

        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        receiver.stop()
        stored = count_documents(ctx.engine, company.id)
        expected = sum(m.expected_count for m in mails)
        ctx.engine.dispose()
    return [
        clients,
        len(mails),
        f"{stored}/{expected}",
        f"{len(mails) / elapsed:.1f}",
        f"{stored / elapsed:.1f}",
        f"{percentile(latencies, 50):.0f}",
        f"{percentile(latencies, 95):.0f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    mails = generator().generate(args.messages, seed=99)
    with dns_server() as (dns_address, zone):
        for domain in {m.sender.split("@")[1] for m in mails}:
            zone.txt(domain, "v=spf1 ip4:127.0.0.1 -all")
        rows = [run(clients, mails, args.database_url, dns_address) for clients in args.clients]
    headers = ["clients", "messages", "documents", "msg/s", "docs/s", "p50 ms", "p95 ms"]
    print(table(headers, rows))


if __name__ == "__main__":
    main()
