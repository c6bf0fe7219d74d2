"""An approval can be taken back until posting has started, and not after."""

from __future__ import annotations

import pytest
from sqlmodel import select

from kontera.domain.errors import Conflict
from kontera.services.context import AppContext
from kontera.services.post import connections
from kontera.services.post import posting
from kontera.services.post.lease import Lease
from kontera.services.review import approvals
from kontera.services.review.approval_undo import undo_approval
from kontera.services.review.approvals import ApprovedLine
from kontera.store.db import session_scope
from kontera.store.tables import PostingHistory
from kontera.store.tables import VoucherRecord
from tests.conftest import FIXTURES
from tests.conftest import ApiClient

EHF = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()
LINES = [ApprovedLine(account="6900", vat_code="1")]


class HeldQueue:
    """Takes the posting task and keeps it, as a real queue does during the delay."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, float]] = []

    def process_document(self, document_id: str) -> None: ...

    def post_voucher(self, voucher_id: str, delay: float = 0.0) -> None:
        self.posts.append((voucher_id, delay))

    def train_company(self, company_id: str) -> None: ...

    def refresh_company(self, company_id: str, supplier_key: str | None) -> None: ...

    def deliver_webhook(self, delivery_id: str) -> None: ...


def approve(ctx: AppContext, api: ApiClient, document_id: str, delay: float = 0.0) -> None:
    approvals.approve(
        ctx,
        company_id=api.company_id,
        document_id=document_id,
        actor="kari",
        lines=LINES,
        posting_delay=delay,
    )


def learned(ctx: AppContext, document_id: str) -> int:
    with session_scope(ctx.engine) as session:
        query = select(PostingHistory).where(PostingHistory.document_id == document_id)
        return len(session.exec(query).all())


def test_an_approval_held_for_want_of_a_ledger_is_undone(ctx: AppContext, api: ApiClient) -> None:
    """GIVEN an approved invoice waiting in Kontera (no accounting system connected)
    WHEN the person undoes the approval
    THEN it waits for review again, its voucher and what the approval taught are gone, and it
    can be approved again."""
    document_id = api.upload(EHF)["id"]
    approve(ctx, api, document_id)
    assert learned(ctx, document_id) == 1

    undo_approval(ctx, company_id=api.company_id, document_id=document_id, actor="kari")

    document = api.get(f"/v1/documents/{document_id}")
    assert document["status"] == "needs_review" and document["voucher"] is None
    assert "undone by kari" in document["status_reason"]
    assert learned(ctx, document_id) == 0
    approve(ctx, api, document_id)
    assert api.get(f"/v1/documents/{document_id}")["status"] == "approved"


def test_an_approval_waiting_out_its_posting_delay_is_undone_and_nothing_is_posted(
    ctx: AppContext, api: ApiClient
) -> None:
    """GIVEN a connected company and an approval whose posting waits its delay in the queue
    WHEN the person undoes it
    THEN the queued posting task finds no voucher and sends nothing."""
    connections.connect(
        ctx, company_name="Fjordbyrå Kunde AS", system="tripletex", secret="employee-token"
    )
    held = HeldQueue()
    document_id = api.upload(EHF)["id"]
    approve(ctx.with_queue(held), api, document_id, delay=10)
    assert api.get(f"/v1/documents/{document_id}")["status"] == "posting"
    [(voucher_id, delay)] = held.posts
    assert delay == 10

    undo_approval(ctx, company_id=api.company_id, document_id=document_id, actor="kari")

    assert api.get(f"/v1/documents/{document_id}")["status"] == "needs_review"
    assert posting.post_voucher(ctx, voucher_id) == "gone"


def test_once_posting_has_started_the_approval_stands(ctx: AppContext, api: ApiClient) -> None:
    """A run that holds the voucher, or one that has recorded a step, has started posting."""
    connections.connect(
        ctx, company_name="Fjordbyrå Kunde AS", system="tripletex", secret="employee-token"
    )
    document_id = api.upload(EHF)["id"]
    approve(ctx.with_queue(HeldQueue()), api, document_id, delay=10)
    with session_scope(ctx.engine) as session:
        voucher_id = session.exec(select(VoucherRecord)).one().id
    lease = Lease.take(ctx.engine, voucher_id)
    assert lease is not None
    with pytest.raises(Conflict, match="Posting to tripletex has started"):
        undo_approval(ctx, company_id=api.company_id, document_id=document_id, actor="kari")
    lease.release()

    with session_scope(ctx.engine) as session:
        record = session.get(VoucherRecord, voucher_id)
        assert record is not None
        record.state, record.external_id = "voucher_created", "4711"
        session.add(record)
    with pytest.raises(Conflict, match="has started"):
        undo_approval(ctx, company_id=api.company_id, document_id=document_id, actor="kari")
    assert api.get(f"/v1/documents/{document_id}")["status"] == "posting"


def test_a_document_not_approved_cannot_be_undone(ctx: AppContext, api: ApiClient) -> None:
    document_id = api.upload(EHF)["id"]
    with pytest.raises(Conflict, match="Only an approved invoice"):
        undo_approval(ctx, company_id=api.company_id, document_id=document_id, actor="kari")
