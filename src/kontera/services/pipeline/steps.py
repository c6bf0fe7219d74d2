"""Every move a machine makes on a document, in one table that reads like the state diagram.

    received ──► interpreted ──► suggested ──► approved ──► posting ──► posted
        │             │              │             │           │
        └─ failed,    └─ needs_review, attesting   │           └─ needs_review (refused)
           duplicate                               └─ (an approval by a person starts here)

Each row says where a document comes from, where the step may take it, what runs the step and
under which stage it is timed (`kontera_stage_duration_seconds`). `advance` runs the rows a
document task runs; an approval hands its document to `after_approval`; the posting task runs
`post_voucher` under its lease. The moves people make (approve, reject, correct, retry) are in
`services/review/`; every move, by people or machines, goes through `store/repo.py:
move_document`, which writes the audit event and records the integrators' webhook event.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from enum import StrEnum

from kontera import telemetry
from kontera.domain.codec import invoice_from_json
from kontera.domain.status import Status
from kontera.services.attest.attestation import AttestationRefused
from kontera.services.attest.attestation import AwaitingAttestation
from kontera.services.attest.attestation import TwoPeopleRequired
from kontera.services.context import AppContext
from kontera.services.pipeline import derive
from kontera.services.pipeline.interpret_step import WORKER
from kontera.services.pipeline.interpret_step import interpret_step
from kontera.services.post.posting import post_voucher
from kontera.services.post.posting import schedule_posting

# approvals hands every approved document back to this table (`after_approval`), and the
# auto-approval row approves through it: both import the other's module, never a name.
from kontera.services.review import approvals
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Document


class RunBy(StrEnum):
    """What runs a row's step."""

    DOCUMENT_TASK = "the document task (`documents.process_document`)"
    SAME_TASK = "the document task, straight after the row before it (never on its own)"
    APPROVAL = "an approval, by a person or by the policy (`approvals.approve`)"
    POSTING_TASK = "the posting task, under a lease (`posting.post_voucher`)"


@dataclass(frozen=True, slots=True)
class Transition:
    source: Status
    targets: tuple[Status, ...]  # in the diagram's order
    step: Callable[..., object]
    run_by: RunBy
    stage: str | None  # timed as this stage; None: not timed on its own


def _to(*targets: Status) -> tuple[Status, ...]:
    return targets


def _suggest_step(ctx: AppContext, document_id: str) -> Status:
    with session_scope(ctx.engine) as session:
        document = session.get(Document, document_id)
        assert document is not None
        row = repo.latest_interpretation(session, document_id=document_id)
        assert row is not None
        invoice = invoice_from_json(row.payload)
        routed = derive.suggest_and_route(
            ctx, session, document, invoice, interpreter=row.interpreter, actor=WORKER
        )
    return routed.status


def _auto_approval_step(ctx: AppContext, document_id: str) -> Status:
    """The company's policy approves what the suggest step found auto-approvable."""
    with session_scope(ctx.engine) as session:
        document = session.get(Document, document_id)
        assert document is not None
        company_id = document.company_id
        record = repo.latest_suggestion(session, document_id=document_id)
        approvable = record is not None and bool(record.payload.get("auto_approvable"))
    if not approvable:
        return Status.SUGGESTED
    return _auto_approve(ctx, company_id, document_id)


def _auto_approve(ctx: AppContext, company_id: str, document_id: str) -> Status:
    """The policy's approval, unless people must act (attestation, the two-person rule)."""
    try:
        approvals.approve(
            ctx, company_id=company_id, document_id=document_id, actor="auto-approval", auto=True
        )
    except (TwoPeopleRequired, AwaitingAttestation, AttestationRefused) as e:
        with session_scope(ctx.engine) as session:
            repo.add_event(
                session,
                company_id=company_id,
                document_id=document_id,
                actor="auto-approval",
                action="auto_approval:withheld",
                detail={"why": e.message},
            )
        return Status.SUGGESTED
    return Status.APPROVED


def after_approval(ctx: AppContext, document_id: str, *, delay: float = 0.0) -> Status:
    """Approved → posting: queue the posting when the company has an accounting system
    (without one, the voucher is held: `services/post/held_vouchers.py`)."""
    scheduled = schedule_posting(ctx, document_id=document_id, delay=delay)
    return Status.POSTING if scheduled else Status.APPROVED


PIPELINE: tuple[Transition, ...] = (
    Transition(
        Status.RECEIVED,
        _to(Status.INTERPRETED, Status.FAILED, Status.DUPLICATE),
        interpret_step,
        RunBy.DOCUMENT_TASK,
        stage="interpret",
    ),
    Transition(
        Status.INTERPRETED,
        _to(Status.SUGGESTED, Status.NEEDS_REVIEW, Status.ATTESTING),
        _suggest_step,
        RunBy.DOCUMENT_TASK,
        stage="suggest",
    ),
    Transition(
        Status.SUGGESTED,
        _to(Status.APPROVED),
        _auto_approval_step,
        RunBy.SAME_TASK,
        stage=None,
    ),
    Transition(
        Status.APPROVED,
        _to(Status.POSTING),
        after_approval,
        RunBy.APPROVAL,
        stage=None,
    ),
    Transition(
        Status.POSTING,
        _to(Status.POSTED, Status.NEEDS_REVIEW),
        post_voucher,
        RunBy.POSTING_TASK,
        stage="post",
    ),
)
STEPS: Mapping[Status, Transition] = {row.source: row for row in PIPELINE}
_IN_A_DOCUMENT_TASK = (RunBy.DOCUMENT_TASK, RunBy.SAME_TASK)


def advance(ctx: AppContext, document_id: str, status: Status) -> Status:
    """Run the document task's rows from `status` until one has no row, or stays put."""
    first = True
    while (row := STEPS.get(status)) is not None and row.run_by in _IN_A_DOCUMENT_TASK:
        if first and row.run_by is RunBy.SAME_TASK:
            break  # e.g. a requeued task finding a suggested document leaves it to people
        with telemetry.timed(row.stage) if row.stage else nullcontext():
            reached = row.step(ctx, document_id)
        assert isinstance(reached, Status)
        if reached is status:
            break
        status, first = reached, False
    return status
