"""The schedule: every round, one consumer queues one sync per connected company.

GIVEN a company connected to a fake PowerOffice Go with generated books (and one connected
only to file export, which has no ledger to read), WHEN the periodic task fires twice in the
same round (two consumers), THEN the connected company is synced once, by the schedule.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from kontera.config import Settings
from kontera.jobs.queue import HueyQueue
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.post import connections
from kontera.services.sync.ledger_sync import connected_companies
from kontera.store.db import session_scope
from kontera.store.tables_sync import SyncRun
from tests.fakes.ledger_rig import connected_rig
from tests.fakes.ledger_rig import rig_settings
from tests.services.test_ledger_sync import books_for
from tests.services.test_ledger_sync import company_for


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return rig_settings(tmp_path / "data")


def test_the_schedule_syncs_each_connected_company_once_per_round(
    ctx: AppContext, tmp_path: Path
) -> None:
    books = books_for("poweroffice", lines=200)
    company_id = company_for(ctx, books)
    other = companies.create_company(ctx, name="Eksport AS", org_number="974760673")
    connections.connect(
        ctx, company_name=other.slug, system="export",
        settings={"folder": str(tmp_path / "out")},
    )  # fmt: skip
    with connected_rig(ctx, company_id, "poweroffice", books, serve=True):
        assert connected_companies(ctx) == [company_id]
        queue = ctx.queue
        assert isinstance(queue, HueyQueue)
        assert queue._syncs_once_per_round(ctx, 60) == 1
        assert queue._syncs_once_per_round(ctx, 60) == 0  # another consumer, same round
    with session_scope(ctx.engine) as session:
        runs = session.exec(select(SyncRun)).all()
    assert [(r.company_id, r.trigger, r.state) for r in runs] == [
        (company_id, "schedule", "succeeded")
    ]
