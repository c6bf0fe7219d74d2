"""A fault campaign: post N approved invoices through failing networks and dying workers.

The "database" is a dict of job states (what the lead's outbox stores). A worker takes the
unfinished jobs and runs `advance`; injected faults make calls time out, get 429/500 or lose
their answers, and `Crash` kills the worker at a call site. A killed worker is replaced by a
new one (new connector: empty caches, new session) that resumes from the saved states. At the
end the fake must hold exactly N vouchers, each with exactly one attachment.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from typing import Any

from kontera.domain.voucher import Voucher
from kontera.post.connector import AttachmentFile
from kontera.post.job import PostingJob
from kontera.post.job import Step
from kontera.post.job import advance
from tests.fakes.transport import Crash
from tests.fakes.transport import Faults


@dataclass
class Outcome:
    system: str
    invoices: int
    vouchers: int
    attachments: Counter[int]  # attachments per voucher -> how many vouchers have that many
    posted: int
    failed: list[str]
    crashes: int
    rounds: int
    requests: int
    faults: dict[str, int]
    seconds: float
    distinct_keys: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def exactly_once(self) -> bool:
        return (
            self.vouchers == self.invoices == self.posted == self.distinct_keys
            and self.attachments == Counter({1: self.invoices})
        )


def run_campaign(
    system: str,
    make_connector: Callable[[], Any],
    count_vouchers: Callable[[], tuple[int, int, Counter[int]]],
    work: list[tuple[str, Voucher, AttachmentFile]],
    faults: Faults,
    *,
    max_rounds: int = 200,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Outcome:
    """Post every (key, voucher, file) until all jobs are done; count what the fake holds."""
    started = time.perf_counter()
    store: dict[str, dict[str, Any]] = {
        key: PostingJob(key, system).to_json() for key, _, _ in work
    }
    items = {key: (voucher, file) for key, voucher, file in work}
    connector = make_connector()
    crashes = rounds = 0
    while rounds < max_rounds:
        pending = [
            key for key, state in store.items() if state["step"] not in (Step.POSTED, Step.FAILED)
        ]
        if not pending:
            break
        rounds += 1
        random.Random(rounds).shuffle(pending)  # workers pick jobs in no particular order
        for key in pending:
            job = PostingJob.from_json(store[key])
            voucher, file = items[key]
            try:
                advance(
                    job,
                    connector,
                    voucher,
                    file,
                    lambda j: store.__setitem__(j.idempotency_key, j.to_json()),
                    now=now,
                )
            except Crash:
                crashes += 1
                connector = make_connector()  # the worker restarts from the saved states
    vouchers, distinct, attachments = count_vouchers()
    failed = [f"{k}: {s['last_error']}" for k, s in store.items() if s["step"] == Step.FAILED]
    return Outcome(
        system=system,
        invoices=len(work),
        vouchers=vouchers,
        distinct_keys=distinct,
        attachments=attachments,
        posted=sum(1 for s in store.values() if s["step"] == Step.POSTED),
        failed=failed,
        crashes=crashes,
        rounds=rounds,
        requests=0,
        faults=dict(faults.counts),
        seconds=time.perf_counter() - started,
    )
