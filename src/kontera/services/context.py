"""The frozen context every use case receives: settings, database, originals, job queue."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import datetime
from typing import Protocol

import httpx
from sqlalchemy.engine import Engine

from kontera.config import Settings
from kontera.interpret.base import InterpretContext
from kontera.post.ratelimit import LimiterSource
from kontera.post.ratelimit import RateLimiters
from kontera.services.ops.stopping import Stopping
from kontera.store.blobs import BlobStore
from kontera.store.blobs import open_blob_store
from kontera.store.db import make_engine
from kontera.store.migrate import upgrade
from kontera.store.rate_limits import StoredRateLimiters
from kontera.store.types import utcnow

# httpx.Client's own signature: services pass the timeouts and redirect policy they need.
HttpClientFactory = Callable[..., httpx.Client]


class JobQueue(Protocol):
    """What services need from the job system; `kontera.jobs` implements it."""

    def process_document(self, document_id: str) -> None: ...

    def post_voucher(self, voucher_id: str, delay: float = 0.0) -> None: ...

    def train_company(self, company_id: str) -> None: ...

    def refresh_company(self, company_id: str, supplier_key: str | None) -> None: ...

    def deliver_webhook(self, delivery_id: str) -> None: ...

    def sync_company(
        self, company_id: str, full: bool = False, trigger: str = "connect"
    ) -> None: ...


class InlineQueue:
    """Runs nothing; for CLI commands that do not process documents."""

    def process_document(self, document_id: str) -> None:
        return None

    def post_voucher(self, voucher_id: str, delay: float = 0.0) -> None:
        return None

    def train_company(self, company_id: str) -> None:
        return None

    def refresh_company(self, company_id: str, supplier_key: str | None) -> None:
        return None

    def deliver_webhook(self, delivery_id: str) -> None:
        return None

    def sync_company(self, company_id: str, full: bool = False, trigger: str = "connect") -> None:
        return None


@dataclass(frozen=True, slots=True)
class AppContext:
    settings: Settings
    engine: Engine
    blobs: BlobStore
    queue: JobQueue
    # One quota per connection for posting and syncing alike: in the database (shared by
    # every process) from `build_context`; in-process where a context is made by hand.
    limiters: LimiterSource = dc_field(default_factory=RateLimiters)
    # Process-wide: set when the process is told to stop (SIGTERM), read by running work.
    stopping: Stopping = dc_field(default_factory=Stopping)
    # Every outbound HTTP client a service opens comes from here, so a test can hand services
    # a transport of its own (or count what they send) without patching the module under test.
    http_client: HttpClientFactory = httpx.Client
    # What "now" is for leases: tests move it by hand instead of sleeping on real time.
    clock: Callable[[], datetime] = utcnow

    def interpret_context(self) -> InterpretContext:
        return InterpretContext(
            ocr_languages=self.settings.ocr_languages,
            max_pages=self.settings.max_pages,
            render_missing=False,
        )

    def with_queue(self, queue: JobQueue) -> AppContext:
        return dataclasses.replace(self, queue=queue)


def build_context(settings: Settings, queue: JobQueue | None = None) -> AppContext:
    """Open (and migrate) the database and the document store described by `settings`.

    Nothing is created in the data directory unless the database, the store or the queue
    live there (the embedded default)."""
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    blobs = open_blob_store(settings.storage_url, settings.data_dir)
    limiters = StoredRateLimiters(engine)
    return AppContext(settings, engine, blobs, queue or InlineQueue(), limiters)
