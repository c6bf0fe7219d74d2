"""SIGKILL the syncing worker three times: the history ends up complete, no line twice.

GIVEN a company connected to a fake PowerOffice Go on a loopback port, holding three years of
generated books (small pages and a realistic delay per call, so the history takes a while),
WHEN `kontera sync` runs in its own process and is killed with SIGKILL at a random moment
after it has stored its first lines — three times — and then runs to the end,
THEN the synced line count equals the ledger's and every line is stored once.
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

from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.post import connections
from kontera.store.db import session_scope
from kontera.store.tables import PostingHistory
from tests.conftest import TEST_SECRET_KEY
from tests.fakes.ledger_rig import connect_rig
from tests.fakes.ledger_rig import rig_settings
from tests.fakes.poweroffice import FakePowerOffice
from tests.services.test_ledger_sync import books_for
from tests.services.test_ledger_sync import company_for

KILLS = 3


def stored(ctx: AppContext, company_id: str) -> tuple[int, int]:
    with session_scope(ctx.engine) as session:
        rows = select(PostingHistory).where(PostingHistory.company_id == company_id)
        total = session.exec(select(func.count()).select_from(rows.subquery())).one()
        distinct = session.exec(
            select(func.count(func.distinct(PostingHistory.external_id))).where(
                PostingHistory.company_id == company_id
            )
        ).one()
    return int(total), int(distinct)


def worker(data_dir: Path, slug: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KONTERA_")}
    env.update(
        KONTERA_DATA_DIR=str(data_dir),
        KONTERA_SECRET_KEY=TEST_SECRET_KEY,
        KONTERA_LOG_LEVEL="WARNING",
        KONTERA_POWEROFFICE_APPLICATION_KEY=FakePowerOffice().application_key,
        KONTERA_POWEROFFICE_SUBSCRIPTION_KEY=FakePowerOffice().subscription_key,
    )
    return subprocess.Popen(
        [sys.executable, "-m", "kontera.cli", "sync", slug],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_three_sigkills_during_a_sync_lose_and_double_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    ctx = build_context(rig_settings(data_dir))
    books = books_for("poweroffice", lines=2000)
    company_id = company_for(ctx, books)
    rng = random.Random(15)
    rig = connect_rig(ctx, company_id, "poweroffice", books, delay=0.03, serve=True)
    try:
        slug = _slug(ctx, company_id)
        connections.update_settings(ctx, company_name=slug, settings={"page_size": "200"})
        seen = []
        for _ in range(KILLS):
            process = worker(data_dir, slug)
            before = stored(ctx, company_id)[0]
            _wait_for(lambda b=before: stored(ctx, company_id)[0] > b, process)
            time.sleep(rng.uniform(0.0, 1.5))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            seen.append(stored(ctx, company_id)[0])
        final = worker(data_dir, slug)
        output = final.communicate(timeout=600)[0].decode()
        assert final.returncode == 0, output
    finally:
        rig.close()
    total, distinct = stored(ctx, company_id)
    assert seen[-1] < books.cost_lines, "the kills came too late to interrupt the history"
    assert total == distinct == books.cost_lines, seen
    assert rig.spec_violations == []


def _wait_for(condition: object, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        if process.poll() is not None:
            raise AssertionError(process.stdout.read().decode() if process.stdout else "")
        time.sleep(0.05)
    raise AssertionError("the worker stored nothing in two minutes")


def _slug(ctx: AppContext, company_id: str) -> str:
    from kontera.store import repo

    with session_scope(ctx.engine) as session:
        return repo.get_company(session, company_id=company_id).slug
