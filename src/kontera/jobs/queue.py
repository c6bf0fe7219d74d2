"""Huey, embedded on SQLite by default or shared through Redis, and the tasks it runs.

Tasks are registered on a Huey built from settings (no import-time globals); the web process
and every worker register the same task names: either can enqueue, any worker can run them.

Every consumer (`kontera serve`'s in-process one and each `kontera worker`) also runs a
periodic sweep that requeues work whose task was lost while the processes kept running
(`requeue_stale`); at start `requeue_unfinished` requeues everything unfinished.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

from huey import Huey
from huey import RedisHuey
from huey import SqliteHuey
from huey.consumer import Consumer
from huey.exceptions import RetryTask
from huey.signals import SIGNAL_INTERRUPTED

from kontera import telemetry
from kontera.config import Settings
from kontera.domain.errors import Conflict
from kontera.domain.errors import TransientError
from kontera.domain.status import Status
from kontera.jobs import inline
from kontera.jobs import outboxes
from kontera.services.context import AppContext
from kontera.services.ops import webhooks
from kontera.services.ops.health import QueueDepth
from kontera.services.ops.stopping import REQUEST_SETTLE
from kontera.services.ops.stopping import Stopping
from kontera.services.pipeline import documents
from kontera.services.pipeline import recovery
from kontera.services.pipeline import relearn
from kontera.services.post import posting
from kontera.services.post.lease import LEASE
from kontera.services.sync import ledger_sync
from kontera.store.types import utcnow

log = logging.getLogger(__name__)
OWED = [Status.RECEIVED, Status.INTERPRETED]
# A document untouched this long has no live task: interpreting one, OCR included, takes less.
# A task still running past it is copied, and the copy ends quietly (Conflict).
DOCUMENT_STALE_AFTER = timedelta(minutes=5)
# A live posting run holds the voucher's lease, so this only covers the moment between
# approval's commit and its task reaching the queue.
POSTING_STALE_AFTER = timedelta(seconds=30)
# A webhook delivery due this long ago and not in the queue lost its task (a crash between a
# commit and the enqueue, a killed worker).
WEBHOOK_STALE_AFTER = timedelta(minutes=2)


def build_huey(settings: Settings) -> Huey:
    if settings.immediate_jobs:
        return Huey("kontera", immediate=True)
    if settings.redis_url:
        return RedisHuey("kontera", url=settings.redis_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("kontera", filename=str(settings.data_dir / "jobs.db"))


class HueyQueue:
    """The services' `JobQueue`, backed by Huey tasks."""

    def __init__(
        self,
        huey: Huey,
        get_ctx: Callable[[], AppContext],
        *,
        sweep_every_minutes: int = 0,
        sync_every_minutes: int = 0,
        inbox_every_minutes: int = 0,
    ) -> None:
        self.huey = huey
        self._process = huey.task(retries=2, retry_delay=5, name="process_document")(
            lambda document_id: documents.process_document(get_ctx(), document_id)
        )
        self._train = huey.task(retries=1, retry_delay=60, name="train_company")(
            lambda company_id: relearn.train_and_resuggest(get_ctx(), company_id)
        )
        self._refresh = huey.task(retries=1, retry_delay=30, name="refresh_company")(
            lambda company_id, supplier_key: relearn.after_approval(
                get_ctx(), company_id, supplier_key
            )
        )
        self._webhook = huey.task(name="deliver_webhook")(
            lambda delivery_id: _deliver_or_retry(get_ctx(), delivery_id)
        )
        self._post = huey.task(retries=0, name="post_voucher")(
            lambda voucher_id: self._post_or_wait(get_ctx(), voucher_id)
        )
        huey.signal(SIGNAL_INTERRUPTED)(lambda _signal, task, *_: self._hand_back(get_ctx(), task))
        if sweep_every_minutes > 0:
            huey.periodic_task(every_minutes(sweep_every_minutes), name="requeue_stale")(
                lambda: self._sweep_once_per_round(get_ctx(), sweep_every_minutes)
            )
        self._sync = huey.task(retries=0, name="sync_company")(
            lambda company_id, full, trigger, parts=None: ledger_sync.sync_quietly(
                get_ctx(),
                company_id,
                full=full,
                trigger=trigger,
                parts=frozenset(parts) if parts else ledger_sync.EVERYTHING,
            )
        )
        if sync_every_minutes > 0:
            huey.periodic_task(every_minutes(sync_every_minutes), name="sync_ledgers")(
                lambda: self._syncs_once_per_round(get_ctx(), sync_every_minutes)
            )
        if inbox_every_minutes > 0:
            huey.periodic_task(every_minutes(inbox_every_minutes), name="read_inboxes")(
                lambda: self._inboxes_once_per_round(get_ctx(), inbox_every_minutes)
            )

    def _inboxes_once_per_round(self, ctx: AppContext, minutes: int) -> int:
        """Like the syncs: the first consumer of a round queues one inbox read per company
        (a round that meets a full sync of the same company is skipped for it: one run at a
        time, and the full run reads the inbox too)."""
        round_number = _minute_number(utcnow()) // minutes
        if not self.huey.put_if_empty(f"read_inboxes:{round_number}", "1"):
            return 0
        self.huey.delete(f"read_inboxes:{round_number - 1}")
        companies = ledger_sync.connected_companies(ctx)
        for company_id in companies:
            self._sync(company_id, False, "schedule", sorted(ledger_sync.INBOX_ONLY))
        return len(companies)

    def _syncs_once_per_round(self, ctx: AppContext, minutes: int) -> int:
        """Every consumer wakes up; the first of each round queues one sync per company."""
        round_number = _minute_number(utcnow()) // minutes
        if not self.huey.put_if_empty(f"sync_ledgers:{round_number}", "1"):
            return 0
        self.huey.delete(f"sync_ledgers:{round_number - 1}")
        companies = ledger_sync.connected_companies(ctx)
        for company_id in companies:
            self.sync_company(company_id, trigger="schedule")
        return len(companies)

    def _sweep_once_per_round(self, ctx: AppContext, minutes: int) -> int:
        """Every consumer enqueues the sweep; the first of each round runs it, the rest skip."""
        round_number = _minute_number(utcnow()) // minutes
        if not self.huey.put_if_empty(f"requeue_stale:{round_number}", "1"):
            return 0
        self.huey.delete(f"requeue_stale:{round_number - 1}")
        return requeue_stale(ctx, self.huey)

    def _post_or_wait(self, ctx: AppContext, voucher_id: str) -> str:
        step = posting.post_voucher(ctx, voucher_id)
        if step == "busy" and not self.huey.immediate:
            # Another runner holds the lease, or a killed one left it behind: look again once
            # it may have expired (the stale-work sweep would also find it, a little later).
            self.post_voucher(voucher_id, delay=LEASE.total_seconds() + 5)
        return step

    def _hand_back(self, ctx: AppContext, task: Any) -> None:
        """A task still running when this process stopped goes back in the queue."""
        name, args = task.name, tuple(task.args or ())
        if name == "post_voucher" and args:
            # Caught inside a ledger request: keep others off only until it has ended.
            for lease in ctx.stopping.leases_of(str(args[0])):
                lease.cut_short(REQUEST_SETTLE)
            self.post_voucher(str(args[0]), delay=REQUEST_SETTLE.total_seconds() + 1)
        elif name == "process_document" and args:
            self.process_document(str(args[0]))  # a copy that finds it done ends quietly
        elif name != "requeue_stale":
            self.huey.enqueue(task)
        telemetry.HANDED_BACK.labels(name).inc()
        log.warning("task handed back: this process stopped", extra={"task": name})

    def depth(self) -> QueueDepth:
        return QueueDepth(self.huey.pending_count(), self.huey.scheduled_count())

    def process_document(self, document_id: str) -> None:
        self._process(document_id)

    def train_company(self, company_id: str) -> None:
        self._train(company_id)

    def refresh_company(self, company_id: str, supplier_key: str | None) -> None:
        self._refresh(company_id, supplier_key)

    def deliver_webhook(self, delivery_id: str) -> None:
        self._webhook(delivery_id)

    def sync_company(self, company_id: str, full: bool = False, trigger: str = "connect") -> None:
        self._sync(company_id, full, trigger)

    def post_voucher(self, voucher_id: str, delay: float = 0.0) -> None:
        if delay > 0 and not self.huey.immediate:
            self._post.schedule((voucher_id,), delay=delay)
        else:
            inline.run_now(self._post, voucher_id, later=delay > 0)


def _deliver_or_retry(ctx: AppContext, delivery_id: str) -> str:
    """One attempt; a receiver that is down is tried again when the service says, and the
    worker thread goes on with other work meanwhile (Huey schedules the retry)."""
    try:
        return webhooks.deliver(ctx, delivery_id)
    except TransientError as e:
        raise RetryTask(e.message, delay=e.retry_after or 60.0) from None


class StoppingConsumer(Consumer):  # type: ignore[misc]
    """SIGTERM (and Ctrl-C) stop taking tasks and give the running ones the grace period.

    Running posting runs see `ctx.stopping` and hand back at a safe point before the period
    ends (`kontera.services.ops.stopping`); whatever still runs when it has ended is handed back
    through Huey's "interrupted" signal (`HueyQueue._hand_back`). A second signal stops at
    once, handing back likewise."""

    def __init__(self, huey: Huey, *, stopping: Stopping, grace: float, workers: int) -> None:
        super().__init__(
            huey,
            workers=workers,
            worker_type="thread",
            periodic=True,  # the stale-work sweep (see `requeue_stale`)
            shutdown_timeout=grace,
            graceful_signal="TERM",
        )
        self._signal_actions[signal.SIGINT] = (False, True)
        self.stopping, self.grace = stopping, grace

    def stop(self, graceful: bool = False) -> None:
        self.stopping.begin(self.grace if graceful else 0.0)
        super().stop(graceful=graceful)


class EmbeddedConsumer(StoppingConsumer):
    """A consumer inside the web process: the web server owns the signal handlers and calls
    `stop(graceful=True)` and `hand_back_interrupted()` when it shuts down."""

    def _set_signal_handlers(self) -> None:
        return None

    def hand_back_interrupted(self) -> None:
        self.huey.notify_interrupted_tasks()


def attach_queue(ctx: AppContext) -> tuple[AppContext, Huey]:
    """Give a context a Huey-backed queue whose tasks run with that same context."""
    huey = build_huey(ctx.settings)
    holder: dict[str, AppContext] = {}
    queue = HueyQueue(
        huey,
        lambda: holder["ctx"],
        sweep_every_minutes=ctx.settings.requeue_interval_minutes,
        sync_every_minutes=ctx.settings.sync_interval_minutes,
        inbox_every_minutes=ctx.settings.inbox_interval_minutes,
    )
    holder["ctx"] = ctx.with_queue(queue)
    outboxes.connect(huey, holder["ctx"], lambda: holder["ctx"])
    return holder["ctx"], huey


def make_consumer(ctx: AppContext, huey: Huey, *, workers: int, embedded: bool) -> Any:
    cls = EmbeddedConsumer if embedded else StoppingConsumer
    grace = ctx.settings.shutdown_grace_seconds
    return cls(huey, stopping=ctx.stopping, grace=grace, workers=workers)


def every_minutes(minutes: int) -> Callable[[datetime], bool]:
    """A periodic-task schedule: true once every `minutes` (Huey looks once a minute)."""
    return lambda moment: _minute_number(moment) % minutes == 0


def _minute_number(moment: datetime) -> int:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # Huey passes naive UTC
    return int(aware.timestamp() // 60)


def requeue_unfinished(ctx: AppContext) -> int:
    """After a crash or restart: put every document machines still owe work back in line."""
    return _requeue(
        ctx,
        documents=recovery.unfinished_documents(ctx, OWED),
        vouchers=recovery.unfinished_vouchers(ctx),
        approved=recovery.approved_not_scheduled(ctx),
        deliveries=webhooks.overdue(ctx, due_before=utcnow()),
    )


def requeue_stale(
    ctx: AppContext,
    huey: Huey,
    *,
    now: datetime | None = None,
    document_grace: timedelta = DOCUMENT_STALE_AFTER,
    posting_grace: timedelta = POSTING_STALE_AFTER,
) -> int:
    """While processes run: requeue work untouched for a grace period and not already queued.

    Catches what a worker killed mid-task left behind when no process restarts to requeue
    it. A copy of a task that is still alive after all ends quietly (Conflict, or "busy")."""
    now = now or utcnow()
    queued = queued_ids(huey)
    documents = recovery.unfinished_documents(ctx, OWED, idle_since=now - document_grace)
    vouchers = recovery.unfinished_vouchers(ctx, idle_since=now - posting_grace)
    deliveries = webhooks.overdue(ctx, due_before=now - WEBHOOK_STALE_AFTER)
    return _requeue(
        ctx,
        documents=[d for d in documents if d not in queued],
        vouchers=[v for v in vouchers if v not in queued],
        approved=recovery.approved_not_scheduled(ctx, idle_since=now - posting_grace),
        deliveries=[d for d in deliveries if d not in queued],
    )


def queued_ids(huey: Huey) -> set[str]:
    """Documents and vouchers with a task already waiting, queued or scheduled (a retry)."""
    waiting = [*huey.pending(), *huey.scheduled()]
    names = {"process_document", "post_voucher", "deliver_webhook"}
    return {str(task.args[0]) for task in waiting if task.name in names and task.args}


def _requeue(
    ctx: AppContext,
    *,
    documents: list[str],
    vouchers: list[str],
    approved: list[str],
    deliveries: list[str] = (),  # type: ignore[assignment]
) -> int:
    for delivery_id in deliveries:
        ctx.queue.deliver_webhook(delivery_id)
    for document_id in documents:
        ctx.queue.process_document(document_id)
    for voucher_id in vouchers:
        ctx.queue.post_voucher(voucher_id)
    scheduled = 0
    for document_id in approved:
        try:
            scheduled += posting.schedule_posting(ctx, document_id=document_id)
        except Conflict:  # a live process scheduled it meanwhile
            continue
    if documents or vouchers or scheduled or deliveries:
        log.info(
            "requeued unfinished work",
            extra={
                "documents": len(documents),
                "vouchers": len(vouchers),
                "approved": scheduled,
                "webhooks": len(deliveries),
            },
        )
    return len(documents) + len(vouchers) + scheduled + len(deliveries)
