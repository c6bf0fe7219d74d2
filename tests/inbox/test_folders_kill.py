"""The access point's inbound folder survives a killed watcher: every file once.

GIVEN a company and 200 e-invoices from the corpus readdressed to it, dropped in the Oxalis
      layout (half before the watcher starts, half while it runs)
WHEN `kontera folders watch` runs in its own process and is killed with SIGKILL twice while
     it is taking files (at a random moment after it has taken some), then runs to the end
THEN there are 200 documents, none twice (200 distinct contents, 200 inbox items), every
     file and its receipt has been moved under `.kontera/taken/`, and nothing is left.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import func
from sqlmodel import select

from kontera.config import Settings
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables_inbox import InboxItem
from tests.conftest import TEST_SECRET_KEY
from tests.fakes.access_point import persist
from tests.fakes.inbox_documents import Party
from tests.fakes.inbox_documents import corpus_invoices

COUNT = 200
KILLS = 2
BUYER = Party("Fjordinnboks AS", "923609016", "NO")
SELLERS = [
    Party("Kontorrekvisita AS", "988077917", "NO", "86011117947"),
    Party("Brønnøy Data AS", "974760673", "NO", "12345678903"),
]


def stored(ctx: AppContext, company_id: str) -> tuple[int, int, int]:
    with session_scope(ctx.engine) as session:
        where = Document.company_id == company_id
        total = session.exec(select(func.count()).select_from(Document).where(where)).one()
        distinct = session.exec(
            select(func.count(func.distinct(Document.sha256))).where(where)
        ).one()
        items = session.exec(
            select(func.count()).select_from(InboxItem).where(InboxItem.company_id == company_id)
        ).one()
    return int(total), int(distinct), int(items)


def watcher(data_dir: Path, inbound: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KONTERA_")}
    env.update(
        KONTERA_DATA_DIR=str(data_dir),
        KONTERA_SECRET_KEY=TEST_SECRET_KEY,
        KONTERA_LOG_LEVEL="WARNING",
        KONTERA_INBOUND_FOLDER=str(inbound),
        KONTERA_FOLDER_POLL_SECONDS="0.2",
        KONTERA_FOLDER_SETTLE_SECONDS="1",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "kontera.cli", "folders", "watch"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def waiting(inbound: Path) -> list[Path]:
    return [
        p
        for p in inbound.rglob("*")
        if p.is_file() and ".kontera" not in p.relative_to(inbound).parts
    ]


def test_two_sigkills_while_taking_files_lose_and_double_nothing(tmp_path: Path) -> None:
    data_dir, inbound = tmp_path / "data", tmp_path / "inbound"
    ctx = build_context(Settings(data_dir=data_dir, inbound_folder=inbound, log_json=False))
    company = companies.create_company(ctx, name=BUYER.name, org_number=BUYER.org_number)
    invoices = corpus_invoices("NO", COUNT, buyer=BUYER, sellers=SELLERS)
    rng = random.Random(16)
    for i, invoice in enumerate(invoices[: COUNT // 2]):
        persist(inbound, invoice, seller=SELLERS[i % 2], buyer=BUYER)

    kills = []
    for round_number in range(KILLS):
        process = watcher(data_dir, inbound)
        try:
            if round_number == 0:  # the rest arrive while the watcher is at work
                for i, invoice in enumerate(invoices[COUNT // 2 :]):
                    persist(inbound, invoice, seller=SELLERS[i % 2], buyer=BUYER, age=0)
            before = stored(ctx, company.id)[0]
            target = before + rng.randint(5, 40)
            deadline = time.monotonic() + 120
            while stored(ctx, company.id)[0] < target:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                assert time.monotonic() < deadline, "the watcher took no files"
                time.sleep(0.02)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        kills.append(stored(ctx, company.id)[0])
    assert kills[-1] < COUNT, "killed too late to prove anything"

    process = watcher(data_dir, inbound)
    try:
        deadline = time.monotonic() + 300
        while waiting(inbound):
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, f"{len(waiting(inbound))} files never taken"
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)

    assert stored(ctx, company.id) == (COUNT, COUNT, COUNT)
    taken = inbound / ".kontera" / "taken"
    assert len(list(taken.rglob("*.doc.xml"))) == COUNT
    assert len(list(taken.rglob("*.receipt.dat"))) == COUNT
    assert waiting(inbound) == []
