"""The frozen context every use case receives: settings, database, originals, job queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.engine import Engine

from kontera.config import Settings
from kontera.interpret.base import InterpretContext
from kontera.store.blobs import BlobStore
from kontera.store.blobs import FileBlobStore
from kontera.store.db import make_engine
from kontera.store.migrate import upgrade


class JobQueue(Protocol):
    """What services need from the job system; `kontera.jobs` implements it."""

    def process_document(self, document_id: str) -> None: ...

    def post_voucher(self, voucher_id: str) -> None: ...


class InlineQueue:
    """Runs nothing; for CLI commands that do not process documents."""

    def process_document(self, document_id: str) -> None:
        return None

    def post_voucher(self, voucher_id: str) -> None:
        return None


@dataclass(frozen=True, slots=True)
class AppContext:
    settings: Settings
    engine: Engine
    blobs: BlobStore
    queue: JobQueue

    def interpret_context(self) -> InterpretContext:
        return InterpretContext(
            ocr_languages=self.settings.ocr_languages, max_pages=self.settings.max_pages
        )

    def with_queue(self, queue: JobQueue) -> AppContext:
        return AppContext(self.settings, self.engine, self.blobs, queue)


def build_context(settings: Settings, queue: JobQueue | None = None) -> AppContext:
    """Open (and migrate) the database and the originals store described by `settings`."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    blobs = FileBlobStore(settings.originals_dir)
    return AppContext(settings, engine, blobs, queue or InlineQueue())
