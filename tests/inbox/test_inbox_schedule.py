"""The inbox on a schedule: every round one consumer queues one inbox read per company.

GIVEN a company connected to a fake Tripletex with three EHF waiting in its inbox
WHEN the workers' periodic inbox task fires twice in one round (two consumers)
THEN one run reads the inbox only (no history), by the schedule, and takes the three.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from kontera.config import Settings
from kontera.jobs.queue import HueyQueue
from kontera.services.context import AppContext
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables_sync import SyncRun
from tests.fakes.inbox_documents import corpus_invoices
from tests.fakes.ledger_rig import rig_settings
from tests.inbox.rig import inbox_rig
from tests.services.test_ledger_sync import books_for


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return rig_settings(tmp_path / "data")


def test_the_schedule_reads_each_inbox_once_per_round(ctx: AppContext) -> None:
    books = books_for("tripletex", 300)
    with inbox_rig(ctx, "tripletex", books) as rig:
        rig.deliver(corpus_invoices("NO", 3, buyer=rig.buyer, sellers=rig.sellers()))
        queue = ctx.queue
        assert isinstance(queue, HueyQueue)
        assert queue._inboxes_once_per_round(ctx, 10) == 1
        assert queue._inboxes_once_per_round(ctx, 10) == 0  # another consumer, same round
        with session_scope(ctx.engine) as session:
            runs = session.exec(select(SyncRun)).all()
            taken = session.exec(
                select(Document).where(Document.company_id == rig.company_id)
            ).all()
        assert [(r.trigger, r.state) for r in runs] == [("schedule", "succeeded")]
        assert runs[0].counts["inbox_new"] == 3
        assert "history_lines" not in runs[0].counts  # the inbox only
        assert len(taken) == 3 and {d.source for d in taken} == {"ledger"}
        assert rig.spec_violations == []
