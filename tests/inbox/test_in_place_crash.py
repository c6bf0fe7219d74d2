"""Completing the ledger's own invoice is exactly once, like posting: kill the worker at every
write, before the request leaves and after the ledger acted, and run the posting again.

GIVEN invoices waiting in a fake Tripletex's (Fortnox's) inbox or sent by a fake PowerOffice Go
      for approval, taken by Kontera and approved
WHEN the worker dies at the postings/update request or at the approval/booking request (in
     Go: removing its line, adding Kontera's, approving) —
     before it is sent, or after the ledger acted but before the answer came back — and a new
     worker runs the posting again from what was saved
THEN each invoice ends booked once, approved once, with one set of Kontera's postings, no
     voucher made beside it, and the document is posted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from kontera.config import Settings
from kontera.domain.status import Status
from kontera.services.context import AppContext
from kontera.services.post import posting
from kontera.services.sync.ledger_sync import sync_company
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables import VoucherRecord
from tests.fakes.inbox_documents import corpus_invoices
from tests.fakes.ledger_rig import rig_settings
from tests.fakes.poweroffice import signed_amount
from tests.fakes.transport import Crash
from tests.inbox.rig import InboxRig
from tests.inbox.rig import approve_as_a_person
from tests.inbox.rig import inbox_rig
from tests.services.test_ledger_sync import books_for

WRITES = {
    "tripletex": (r"/postings$", r"/:approve$"),
    "fortnox": (r"/3/supplierinvoices/\d+$", r"/bookkeep$"),
    # Go's pre-coded line removed, Kontera's line added, the voucher approved.
    "poweroffice": (r"/VoucherLines/\d+$", r"/VoucherLines$", r"/VoucherApproval/[0-9a-f-]+$"),
}


def cases(system: str) -> list[tuple[str, bool]]:
    return [(write, after) for write in WRITES[system] for after in (False, True)]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return rig_settings(tmp_path / "data")


class DieAt(httpx.BaseTransport):
    """The worker dies at the first write whose path holds `part`: before sending it, or
    after the ledger acted on it."""

    def __init__(self, part: str, after: bool) -> None:
        self.inner = httpx.HTTPTransport()
        self.part, self.after, self.died = part, after, False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        hit = request.method != "GET" and re.search(self.part, request.url.path) is not None
        if hit and not self.died:
            self.died = True
            if self.after:
                self.inner.handle_request(request)
            raise Crash(f"killed {'after' if self.after else 'before'} {request.url.path}")
        return self.inner.handle_request(request)


@pytest.fixture
def dying(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[DieAt]]:
    armed: list[DieAt] = []

    def client(_: AppContext) -> httpx.Client:
        transport = armed.pop() if armed else httpx.HTTPTransport()
        return httpx.Client(transport=transport, timeout=30)

    monkeypatch.setattr(posting, "_http_client", client)
    yield armed


@pytest.mark.parametrize("system", ["tripletex", "fortnox", "poweroffice"])
def test_a_worker_killed_at_each_write_completes_each_invoice_once(
    ctx: AppContext, system: str, dying: list[DieAt]
) -> None:
    books = books_for(system, 600)
    with inbox_rig(ctx, system, books) as rig:
        invoices = corpus_invoices(
            books.country, len(cases(system)), buyer=rig.buyer, sellers=rig.sellers()
        )
        rig.deliver(invoices)
        outcome = sync_company(ctx, company_id=rig.company_id, client=rig.client)
        assert outcome.state == "succeeded", outcome.error
        with session_scope(ctx.engine) as session:
            waiting = session.exec(
                select(Document).where(Document.company_id == rig.company_id)
            ).all()
            ids = sorted(d.id for d in waiting)
        for document_id, (write, after) in zip(ids, cases(system), strict=True):
            dying.append(DieAt(write, after))
            with pytest.raises(Crash):
                approve_as_a_person(ctx, rig.company_id, document_id)
            assert not dying, "the armed worker did not run"
            with session_scope(ctx.engine) as session:
                voucher = session.exec(
                    select(VoucherRecord).where(VoucherRecord.document_id == document_id)
                ).one()
                voucher_id = voucher.id
            assert posting.post_voucher(ctx, voucher_id) == "posted"  # a new worker
            with session_scope(ctx.engine) as session:
                document = session.get(Document, document_id)
                assert document is not None and document.status == Status.POSTED.value
        _assert_each_completed_once(rig, system, len(cases(system)))
        assert rig.spec_violations == []


def _assert_each_completed_once(rig: InboxRig, system: str, count: int) -> None:
    assert rig.fake.vouchers == {}
    if system == "tripletex":
        booked = [v for v in rig.inbox.vouchers.values() if v["number"]]
        assert len(booked) == count
        assert len({v["number"] for v in booked}) == count
        for invoice in rig.inbox.invoices.values():
            assert len(invoice["approvalListElements"]) == 1
        assert all(v["_debits"] for v in booked)
    elif system == "poweroffice":
        vouchers = list(rig.inbox.vouchers.values())
        assert len(vouchers) == count
        assert all(v["_approvals"] == ["Approve"] and v["VoucherNo"] for v in vouchers)
        assert len({v["VoucherNo"] for v in vouchers}) == count
        for voucher in vouchers:  # Kontera's lines once each: they add up to the invoice
            lines = voucher["SupplierVoucherLines"]
            total = sum((signed_amount("Debit", line) for line in lines), Decimal(0))
            assert total == Decimal(str(voucher["CurrencyAmount"]))
    else:
        invoices = list(rig.fake.invoices.values())
        assert len(invoices) == count
        assert all(i["Booked"] and "kontera:" in i["Comments"] for i in invoices)
        # Booking twice is refused by the fake (as by Fortnox): booked means booked once.
