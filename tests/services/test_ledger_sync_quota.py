"""Two workers, one connection, one quota: syncing and posting at once draw no 429.

GIVEN a company connected to a fake PowerOffice Go (10 requests per second, answering 429
beyond) on a loopback port, WHEN one process syncs the whole ledger while another posts
vouchers with attachments for the same company, THEN the fake never had to refuse a request,
no second of traffic held more than 10 requests, the sync completed and every voucher was
posted: both processes took their calls from the one limiter in the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import deque
from pathlib import Path

from sqlmodel import select

from kontera.services.context import build_context
from kontera.services.post import connections
from kontera.store.db import session_scope
from kontera.store.tables_sync import SyncRun
from tests.conftest import TEST_SECRET_KEY
from tests.fakes.ledger_rig import connect_rig
from tests.fakes.ledger_rig import rig_settings
from tests.fakes.poweroffice import FakePowerOffice
from tests.services.test_ledger_sync import books_for
from tests.services.test_ledger_sync import company_for
from tests.services.test_ledger_sync_kill import _slug

VOUCHERS = 25


def env(data_dir: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("KONTERA_")}
    return {
        **base,
        "KONTERA_DATA_DIR": str(data_dir),
        "KONTERA_SECRET_KEY": TEST_SECRET_KEY,
        "KONTERA_LOG_LEVEL": "WARNING",
        "KONTERA_POWEROFFICE_APPLICATION_KEY": FakePowerOffice().application_key,
        "KONTERA_POWEROFFICE_SUBSCRIPTION_KEY": FakePowerOffice().subscription_key,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }


def test_syncing_and_posting_at_once_stay_within_the_quota(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    ctx = build_context(rig_settings(data_dir))
    books = books_for("poweroffice", lines=1500)
    company_id = company_for(ctx, books)
    rig = connect_rig(ctx, company_id, "poweroffice", books, delay=0.01, serve=True)
    arrivals: list[float] = []
    take = rig.fake.quota.take

    def counted() -> dict[str, str] | None:
        arrivals.append(rig.fake.quota.clock())
        return take()

    rig.fake.quota.take = counted
    accounts = ",".join(
        f"{a.number}:{ {'1': '25', '11': '15', '13': '12', '0': '0'}[a.vat_code] }"
        for a in books.accounts.values()
        if a.active and a.number[0] in "4567" and a.vat_code in ("1", "11", "13", "0")
    )
    try:
        slug = _slug(ctx, company_id)
        connections.update_settings(ctx, company_name=slug, settings={"page_size": "300"})
        syncing = subprocess.Popen(
            [sys.executable, "-m", "kontera.cli", "sync", slug],
            env=env(data_dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        posting = subprocess.Popen(
            [sys.executable, "-m", "tests.services.ledger_post_worker", company_id,
             str(VOUCHERS), accounts],
            env=env(data_dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        sync_out = syncing.communicate(timeout=900)[0].decode()
        post_out = posting.communicate(timeout=900)[0].decode()
    finally:
        rig.close()
    assert syncing.returncode == 0, sync_out
    assert posting.returncode == 0 and post_out.strip().splitlines()[-1] == str(VOUCHERS), post_out
    assert rig.fake.quota.refused == 0
    assert busiest_second(arrivals) <= 10
    assert len(rig.fake.vouchers) == VOUCHERS
    with session_scope(ctx.engine) as session:
        run = session.exec(select(SyncRun)).one()
    assert run.state == "succeeded" and run.counts["history_new"] == books.cost_lines


def busiest_second(times: list[float]) -> int:
    window: deque[float] = deque()
    most = 0
    for moment in sorted(times):
        window.append(moment)
        while window and window[0] <= moment - 1.0:
            window.popleft()
        most = max(most, len(window))
    return most
