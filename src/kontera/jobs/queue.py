"""Huey, embedded on SQLite by default or shared through Redis, and the tasks it runs.

Tasks are registered on a Huey instance built from settings (no import-time globals); the
web process and every worker register the same task names, so either can enqueue and any
worker can run them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from huey import Huey
from huey import RedisHuey
from huey import SqliteHuey
from huey.consumer import Consumer

from kontera.config import Settings
from kontera.domain.errors import Conflict
from kontera.domain.status import Status
from kontera.services import documents
from kontera.services import posting
from kontera.services import recovery
from kontera.services import suggestions
from kontera.services import webhooks
from kontera.services.context import AppContext

log = logging.getLogger(__name__)


def build_huey(settings: Settings) -> Huey:
    if settings.immediate_jobs:
        return Huey("kontera", immediate=True)
    if settings.redis_url:
        return RedisHuey("kontera", url=settings.redis_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("kontera", filename=str(settings.data_dir / "jobs.db"))


class HueyQueue:
    """The services' `JobQueue`, backed by Huey tasks."""

    def __init__(self, huey: Huey, get_ctx: Callable[[], AppContext]) -> None:
        self.huey = huey
        self._process = huey.task(retries=2, retry_delay=5, name="process_document")(
            lambda document_id: documents.process_document(get_ctx(), document_id)
        )
        self._train = huey.task(retries=1, retry_delay=60, name="train_company")(
            lambda company_id: suggestions.train_company(get_ctx(), company_id)
        )
        self._webhook = huey.task(retries=3, retry_delay=120, name="deliver_webhook")(
            lambda endpoint_id, event: webhooks.deliver(get_ctx(), endpoint_id, event)
        )
        self._post = huey.task(retries=0, name="post_voucher")(
            lambda voucher_id: self._post_or_wait(get_ctx(), voucher_id)
        )

    def _post_or_wait(self, ctx: AppContext, voucher_id: str) -> str:
        step = posting.post_voucher(ctx, voucher_id)
        if step == "busy" and not self.huey.immediate:
            # Another runner holds the lease, or a killed one left it behind: look again once
            # it may have expired, or the voucher stays `posting` until the next restart.
            self.post_voucher(voucher_id, delay=posting.LEASE.total_seconds() + 5)
        return step

    def process_document(self, document_id: str) -> None:
        self._process(document_id)

    def train_company(self, company_id: str) -> None:
        self._train(company_id)

    def deliver_webhook(self, endpoint_id: str, event: dict[str, Any]) -> None:
        self._webhook(endpoint_id, event)

    def post_voucher(self, voucher_id: str, delay: float = 0.0) -> None:
        if delay > 0 and not self.huey.immediate:
            self._post.schedule((voucher_id,), delay=delay)
        else:
            self._post(voucher_id)


class EmbeddedConsumer(Consumer):  # type: ignore[misc]
    """A consumer inside the web process: the web server owns the signal handlers."""

    def _set_signal_handlers(self) -> None:
        return None


def attach_queue(ctx: AppContext) -> tuple[AppContext, Huey]:
    """Give a context a Huey-backed queue whose tasks run with that same context."""
    huey = build_huey(ctx.settings)
    holder: dict[str, AppContext] = {}
    queue = HueyQueue(huey, lambda: holder["ctx"])
    holder["ctx"] = ctx.with_queue(queue)
    return holder["ctx"], huey


def make_consumer(huey: Huey, *, workers: int, embedded: bool) -> Any:
    cls = EmbeddedConsumer if embedded else Consumer
    return cls(huey, workers=workers, worker_type="thread", periodic=False)


def requeue_unfinished(ctx: AppContext) -> int:
    """After a crash or restart: put every document machines still owe work back in line."""
    pending = recovery.unfinished_documents(ctx, [Status.RECEIVED, Status.INTERPRETED])
    for document_id in pending:
        ctx.queue.process_document(document_id)
    vouchers = recovery.unfinished_vouchers(ctx)
    for voucher_id in vouchers:
        ctx.queue.post_voucher(voucher_id)
    for document_id in recovery.approved_not_scheduled(ctx):
        try:
            posting.schedule_posting(ctx, document_id=document_id)
        except Conflict:  # a live process scheduled it meanwhile
            continue
    if pending or vouchers:
        log.info(
            "requeued unfinished work", extra={"documents": len(pending), "vouchers": len(vouchers)}
        )
    return len(pending) + len(vouchers)
