"""An accrued invoice's follow-up vouchers through the posting outbox, each exactly once.

After the invoice's own voucher is posted, the same leased run posts its release vouchers in
date order. Each has a `PostingJob` of its own, saved in the voucher record's payload
(`release_jobs`, by idempotency key) under the run's lease before and after every request,
and looked up in the ledger before it is sent, as the invoice's voucher is: a crash, a lost
answer or a second runner never posts one twice.

All releases are posted at once, dated in their months (most ledgers take future dates, and
Tripletex's and Fortnox's own accruals do the same): the bookkeeper sees the whole schedule
in the ledger the day the invoice is booked, and nothing waits on a timer that could be
missed. A release the ledger refuses (a closed period, a financial year not yet opened)
returns the invoice to review with the ledger's words; approving it again goes on from
there without repeating what was posted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from kontera.domain.accrual import Accrual
from kontera.domain.errors import InvalidInput
from kontera.domain.errors import KonteraError
from kontera.domain.messages import msg
from kontera.domain.money import round_cents
from kontera.post import ApprovedPosting
from kontera.post import Connector
from kontera.post import PostingJob
from kontera.post import Step
from kontera.post import advance_journal
from kontera.post import retry_failed
from kontera.post.accruals import Accrued
from kontera.post.accruals import JournalVoucher

RELEASE_JOBS = "release_jobs"
SaveJobs = Callable[[dict[str, Any]], None]


def check_accrual(data: dict[str, Any], account: str, amount: Decimal | None, number: int) -> None:
    """A person's (or the API's) schedule: well formed, on a cost account, and adding up to
    the line."""
    accrual = Accrual.from_json(data)
    if account.strip().startswith(("1", "2")):
        raise InvalidInput(
            msg(
                "Line {number}: account {account} is an asset or a debt; only a cost is "
                "accrued. Switch the accrual off or choose a cost account.",
                number=number,
                account=account,
            )
        )
    if amount is not None and accrual.total != round_cents(amount):
        raise InvalidInput(
            msg(
                "Line {number}: the accrual releases {total} but the line is {amount}.",
                number=number,
                total=accrual.total,
                amount=round_cents(amount),
            )
        )


def kept_release_jobs(payload: dict[str, Any] | None) -> dict[str, Any]:
    """The release jobs of an earlier approval, refused ones made ready to try again."""
    jobs = (payload or {}).get(RELEASE_JOBS) or {}
    kept = {key: retry_failed(PostingJob.from_json(job)).to_json() for key, job in jobs.items()}
    return {RELEASE_JOBS: kept} if kept else {}


def accrued_postings(
    lines: list[dict[str, Any]], postings: list[ApprovedPosting]
) -> tuple[list[ApprovedPosting], list[Accrued]]:
    """The postings with their prepaid account set where the line is accrued, and the
    accrued ones with their schedules (which must add up to the posted amount)."""
    marked, accrued = [], []
    for number, (line, posting) in enumerate(zip(lines, postings, strict=True), start=1):
        data = line.get("accrual")
        if not isinstance(data, dict) or not data:
            marked.append(posting)
            continue
        schedule = Accrual.from_json(data)
        if schedule.total != round_cents(posting.amount):
            raise KonteraError(
                msg(
                    "Line {number}: the accrual releases {total} but the line is {amount}.",
                    number=number,
                    total=schedule.total,
                    amount=round_cents(posting.amount),
                )
            )
        posting = replace(posting, accrual_account=schedule.account)
        marked.append(posting)
        accrued.append(Accrued(posting, schedule))
    return marked, accrued


def pending(planned: list[JournalVoucher], jobs: dict[str, Any]) -> bool:
    """Whether any follow-up voucher is not posted yet."""
    return any(
        PostingJob.from_json(jobs[p.key]).step is not Step.POSTED if p.key in jobs else True
        for p in planned
    )


def next_attempt(jobs: dict[str, Any]) -> datetime | None:
    """When the earliest release waiting after a passing failure is to be tried again."""
    times = [t for j in jobs.values() if (t := PostingJob.from_json(j).next_attempt_at)]
    return min(times) if times else None


def in_flight(jobs: dict[str, Any]) -> bool:
    """Whether a release is part-way (not yet posted, not waiting for a retry)."""
    return any(
        job.step in (Step.PENDING, Step.VOUCHER_CREATED) and job.next_attempt_at is None
        for job in (PostingJob.from_json(j) for j in jobs.values())
    )


def post_follow_ups(
    planned: list[JournalVoucher],
    jobs: dict[str, Any],
    connector: Connector,
    system: str,
    save: SaveJobs,
) -> PostingJob | None:
    """Post each follow-up voucher in turn; the first that did not get through (refused, or
    waiting to be tried again), or None when all are posted."""
    for item in planned:
        job = (
            PostingJob.from_json(jobs[item.key])
            if item.key in jobs
            else PostingJob(item.key, system)
        )
        if job.step is Step.POSTED:
            continue

        def keep(changed: PostingJob, key: str = item.key) -> None:
            jobs[key] = changed.to_json()
            save(jobs)

        job = advance_journal(job, connector, item.voucher, keep)
        if job.step is not Step.POSTED:
            return _labelled(job, item)
    return None


def _labelled(job: PostingJob, item: JournalVoucher) -> PostingJob:
    """A refusal says which follow-up voucher it was about."""
    if job.step is Step.FAILED and job.last_error:
        job.last_error = str(
            msg(
                "The accrual voucher dated {day} was refused: {problem}",
                day=item.voucher.date.isoformat(),
                problem=job.last_error,
            )
        )
    return job
