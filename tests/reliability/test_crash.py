"""Crashes lose nothing and double nothing.

GIVEN `kontera serve` and a `kontera worker` on SQLite, as separate processes
WHEN  about 60 documents (a few broken, a few re-sent invoices) are uploaded and some are
      approved while the web and worker processes are killed with SIGKILL at random moments
      and restarted, and the client re-sends whatever got no answer
THEN  after recovery every document is in a final or review state, each file sent is one
      document, each document has its original, at most one interpretation, suggestion and
      voucher, an audit trail whose status chain is unbroken, and no request got a 5xx.
The 500-document version is `benchmarks/crash.py`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.crashrun import run_campaign


@pytest.mark.slow
def test_random_kills_lose_and_double_nothing(tmp_path: Path) -> None:
    # Without posting, to keep CI short: a worker killed while posting holds the voucher's
    # lease until it lapses (lease.LEASE, 90 s) and the next sweep; benchmarks/crash.py posts.
    outcome = run_campaign(
        tmp_path, count=60, seed=9, pause=(0.4, 1.5), settle_timeout=120, post=False, min_kills=3
    )

    assert sum(outcome.tally.kills.values()) >= 2, "the campaign must actually kill processes"
    assert outcome.tally.accepted >= 60
    assert not outcome.problems, "\n".join(outcome.problems)
    assert outcome.statuses.get("failed", 0) >= 1, "the broken files end as failed"
