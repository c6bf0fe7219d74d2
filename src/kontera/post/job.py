"""Resumable posting as a small state machine the outbox persists.

    pending ──create voucher──► voucher_created ──attach──► posted
       │                             │
       └── any other KonteraError ───┴──► failed (message for the review queue)

A TransientError leaves the step as it is, counts the attempt and sets `next_attempt_at`.

Each step first asks the system whether it already happened (by idempotency key), so
running a job again from any saved state — after a crash, a timeout, a lost response —
finishes it without a second voucher or a second attachment. `advance` calls `save` after
every change; the lead's DB outbox stores `PostingJob.to_json()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from enum import StrEnum
from typing import Any

from kontera.domain.errors import KonteraError
from kontera.domain.errors import TransientError
from kontera.domain.voucher import Voucher
from kontera.post.connector import AttachmentFile
from kontera.post.connector import Connector
from kontera.post.connector import PostResult


class Step(StrEnum):
    PENDING = "pending"
    VOUCHER_CREATED = "voucher_created"
    POSTED = "posted"
    FAILED = "failed"


@dataclass(slots=True)
class PostingJob:
    idempotency_key: str
    system: str
    step: Step = Step.PENDING
    external_id: str | None = None
    attachment_id: str | None = None
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    # When the latest create request was sent; None while none was: nothing to look up.
    create_started_at: datetime | None = None

    @property
    def done(self) -> bool:
        return self.step in (Step.POSTED, Step.FAILED)

    def result(self) -> PostResult | None:
        if self.external_id is None:
            return None
        return PostResult(self.external_id, self.attachment_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "idempotency_key": self.idempotency_key,
            "system": self.system,
            "step": str(self.step),
            "external_id": self.external_id,
            "attachment_id": self.attachment_id,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "next_attempt_at": _iso(self.next_attempt_at),
            "create_started_at": _iso(self.create_started_at),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PostingJob:
        return cls(
            idempotency_key=data["idempotency_key"],
            system=data["system"],
            step=Step(data["step"]),
            external_id=data.get("external_id"),
            attachment_id=data.get("attachment_id"),
            attempts=int(data.get("attempts", 0)),
            last_error=data.get("last_error"),
            next_attempt_at=_parse(data.get("next_attempt_at")),
            create_started_at=_parse(data.get("create_started_at")),
        )


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


Save = Callable[[PostingJob], None]


def advance(
    job: PostingJob,
    connector: Connector,
    voucher: Voucher,
    attachment: AttachmentFile,
    save: Save,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> PostingJob:
    """Run the job as far as it goes now. Transient failures leave it resumable."""

    def steps() -> None:
        if job.step is Step.PENDING:
            _create(job, connector, voucher, save, now)
        if job.step is Step.VOUCHER_CREATED:
            _attach(job, connector, attachment, save)

    return _guarded(job, steps, save, now)


def advance_journal(
    job: PostingJob,
    connector: Connector,
    voucher: Voucher,
    save: Save,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> PostingJob:
    """A follow-up journal voucher (an accrual's release): the same looked-up create, and
    no attachment (the invoice's own voucher carries the document)."""

    def steps() -> None:
        if job.step is Step.PENDING:
            _create(job, connector, voucher, save, now)
        if job.step is Step.VOUCHER_CREATED:
            _done(job, save)

    return _guarded(job, steps, save, now)


def _guarded(
    job: PostingJob, steps: Callable[[], None], save: Save, now: Callable[[], datetime]
) -> PostingJob:
    try:
        steps()
    except TransientError as e:
        job.attempts += 1
        job.last_error = e.message
        job.next_attempt_at = now() + timedelta(seconds=_backoff(job.attempts, e.retry_after))
        save(job)
    except KonteraError as e:  # refused data, a VAT code the system lacks, no rate …
        job.step = Step.FAILED
        job.last_error = e.message
        save(job)
    return job


def _create(
    job: PostingJob, connector: Connector, voucher: Voucher, save: Save, now: Callable[[], datetime]
) -> None:
    voucher.check_balanced()
    external_id = connector.find_voucher(job.idempotency_key, since=job.create_started_at)
    if external_id is None:
        # Saved before the request leaves, at every attempt: a lookup after a crash knows
        # when the last request was sent (earlier ones were ruled out by that lookup).
        job.create_started_at = now()
        save(job)
        external_id = connector.create_voucher(voucher, job.idempotency_key)
    job.external_id = external_id
    job.step = Step.VOUCHER_CREATED
    save(job)


def _attach(job: PostingJob, connector: Connector, file: AttachmentFile, save: Save) -> None:
    assert job.external_id is not None
    key = job.idempotency_key
    found = connector.find_attachment(job.external_id, key)
    job.attachment_id = found or connector.attach(job.external_id, file, key)
    _done(job, save)


def _done(job: PostingJob, save: Save) -> None:
    job.step = Step.POSTED
    job.last_error = None
    job.next_attempt_at = None
    save(job)


def _backoff(attempts: int, retry_after: float | None) -> float:
    """Outbox-level wait before the next try: 30 s doubling to 1 h, or what the server asked."""
    return max(retry_after or 0.0, min(3600.0, 30.0 * 2.0 ** (attempts - 1)))


def retry_failed(job: PostingJob) -> PostingJob:
    """A person fixed the cause of a permanent failure: try again from where it stopped."""
    job.step = Step.VOUCHER_CREATED if job.external_id else Step.PENDING
    job.last_error = None
    job.next_attempt_at = None
    return job
