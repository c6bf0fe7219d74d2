"""What an operator watches: readiness of the database, queue and store, and the shared-state
figures Prometheus scrapes (documents by status, queue depth and age).

The shared-state gauges are computed from the database and the queue when scraped, not kept
in a process, so they are right however many web and worker processes run (every web
process reports the same figures; alert on `max`, not `sum`). Counters and histograms of
work done are per process (`kontera.telemetry`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Iterator
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Protocol
from typing import runtime_checkable

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlalchemy import text
from sqlmodel import col
from sqlmodel import select

from kontera.domain.status import Status
from kontera.services.context import AppContext
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.types import utcnow

log = logging.getLogger(__name__)
CHECK_TIMEOUT = 3.0  # seconds; a probe that waits longer than this counts as failed
# Work machines owe, by the documents' status: age of the oldest is the queue's age.
WAITING = {
    "documents": (Status.RECEIVED.value, Status.INTERPRETED.value),
    "postings": (Status.POSTING.value,),
}


@dataclass(frozen=True, slots=True)
class QueueDepth:
    pending: int
    scheduled: int  # retries and delayed postings waiting for their time


@runtime_checkable
class QueueProbe(Protocol):
    """A job queue that can say how much is waiting (the Huey queue can; inline ones not)."""

    def depth(self) -> QueueDepth: ...


def readiness(ctx: AppContext) -> dict[str, str | None]:
    """Each dependency and what is wrong with it (None: fine), probed in parallel."""
    checks: dict[str, Callable[[], object]] = {
        "database": lambda: _ping_database(ctx),
        "queue": lambda: _queue_depth(ctx),
        "storage": ctx.blobs.ping,
    }
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="readyz")
    futures = {name: pool.submit(check) for name, check in checks.items()}
    wait(futures.values(), timeout=CHECK_TIMEOUT)
    pool.shutdown(wait=False, cancel_futures=True)
    return {name: _problem(future) for name, future in futures.items()}


def _problem(future: Future[object]) -> str | None:
    if not future.done():
        return f"no answer within {CHECK_TIMEOUT:.0f} s"
    error = future.exception()
    if error is None:
        return None
    return getattr(error, "message", None) or type(error).__name__


def _ping_database(ctx: AppContext) -> None:
    with ctx.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _queue_depth(ctx: AppContext) -> QueueDepth | None:
    return ctx.queue.depth() if isinstance(ctx.queue, QueueProbe) else None


class SharedStateCollector(Collector):
    """Scrape-time gauges from the database and the queue (see the module docstring)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily(
            "kontera_dependency_up",
            "1 when the dependency answered this scrape (database, queue, storage), else 0.",
            labels=["dependency"],
        )
        problems = readiness(self.ctx)
        for name, problem in problems.items():
            up.add_metric([name], 0.0 if problem else 1.0)
        yield up
        if problems["database"] is None:
            yield from self._documents()
        if problems["queue"] is None:
            yield from self._queue()

    def _documents(self) -> Iterator[GaugeMetricFamily]:
        now = utcnow()
        with session_scope(self.ctx.engine) as session:
            counts = dict(
                session.exec(
                    select(Document.status, func.count()).group_by(col(Document.status))
                ).all()
            )
            oldest = {
                work: session.exec(
                    select(func.min(Document.updated_at)).where(col(Document.status).in_(statuses))
                ).one()
                for work, statuses in WAITING.items()
            }
        by_status = GaugeMetricFamily(
            "kontera_documents", "Documents by status, all companies.", labels=["status"]
        )
        for status in Status:
            by_status.add_metric([status.value], float(counts.get(status.value, 0)))
        yield by_status
        age = GaugeMetricFamily(
            "kontera_queue_oldest_age_seconds",
            "Age of the oldest work machines owe: documents (received or interpreted, by "
            "their last change) and postings (posting); 0 when there is none.",
            labels=["work"],
        )
        for work, since in oldest.items():
            seconds = (now - _aware(since)).total_seconds() if since is not None else 0.0
            age.add_metric([work], max(0.0, seconds))
        yield age

    def _queue(self) -> Iterator[GaugeMetricFamily]:
        depth = _queue_depth(self.ctx)
        if depth is None:
            return
        gauge = GaugeMetricFamily(
            "kontera_queue_depth",
            "Tasks in the job queue: pending (ready to run) and scheduled (retries, delays).",
            labels=["state"],
        )
        gauge.add_metric(["pending"], float(depth.pending))
        gauge.add_metric(["scheduled"], float(depth.scheduled))
        yield gauge


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
