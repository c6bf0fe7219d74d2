"""The ledger's own inbox: each waiting invoice becomes a document once, and approving it
completes that invoice in the ledger — no second voucher.

GIVEN a company connected to a fake Tripletex, Fortnox or PowerOffice Go holding generated
      books, with e-invoices from the corpus (readdressed to the company, from suppliers in
      its books) waiting in the ledger's inbox
WHEN the inbox is read, twice
THEN each invoice is fetched once (the second run fetches none) and becomes a document with
     source `ledger` and the ledger's id; WHEN one is approved as suggested, THEN the
     ledger's own invoice carries Kontera's postings and is booked, and no voucher is made.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from kontera.config import Settings
from kontera.domain.status import Status
from kontera.services.context import AppContext
from kontera.services.sync.ledger_sync import INBOX_ONLY
from kontera.services.sync.ledger_sync import sync_company
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables_inbox import InboxItem
from tests.fakes.inbox_documents import corpus_invoices
from tests.fakes.ledger_rig import rig_settings
from tests.inbox.rig import approve_as_a_person
from tests.inbox.rig import inbox_rig
from tests.inbox.rig import posted_as_suggested
from tests.services.test_ledger_sync import books_for

LINES = 600


@pytest.fixture
def settings(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return rig_settings(tmp_path / "data")


def documents(ctx: AppContext, company_id: str) -> list[Document]:
    with session_scope(ctx.engine) as session:
        query = select(Document).where(Document.company_id == company_id)
        return list(session.exec(query).all())


def items(ctx: AppContext, company_id: str) -> list[InboxItem]:
    with session_scope(ctx.engine) as session:
        return list(session.exec(select(InboxItem).where(InboxItem.company_id == company_id)).all())


@pytest.mark.parametrize("system", ["tripletex", "fortnox", "poweroffice"])
def test_inbox_taken_once_and_completed_in_place(ctx: AppContext, system: str) -> None:
    books = books_for(system, LINES)
    with inbox_rig(ctx, system, books) as rig:
        country = books.country
        invoices = corpus_invoices(country, 4, buyer=rig.buyer, sellers=rig.sellers())
        rig.deliver(invoices)
        first = sync_company(ctx, company_id=rig.company_id, client=rig.client)
        assert first.state == "succeeded", first.error
        assert first.counts["inbox_new"] == 4
        again = sync_company(ctx, company_id=rig.company_id, client=rig.client, parts=INBOX_ONLY)
        assert again.state == "succeeded", again.error
        assert again.counts["inbox_new"] == 0 and again.counts["inbox_known"] == 4
        assert sorted(rig.inbox.downloads.values()) == [1, 1, 1, 1]
        taken = documents(ctx, rig.company_id)
        assert {d.source for d in taken} == {"ledger"}
        assert all(d.external_id and d.external_id.startswith(f"{system}:") for d in taken)
        document = next(d for d in taken if d.status in ("suggested", "needs_review"))
        approve_as_a_person(ctx, rig.company_id, document.id)
        with session_scope(ctx.engine) as session:
            posted = session.get(Document, document.id)
            assert posted is not None and posted.status == Status.POSTED.value, posted.status_reason
        item = next(i for i in items(ctx, rig.company_id) if i.document_id == document.id)
        assert item.state == "completed"
        if system == "tripletex":
            voucher_id = int(item.details["voucher_id"])
            assert rig.inbox.booked(voucher_id) and rig.inbox.approved(voucher_id)
            assert rig.inbox.debit_postings(voucher_id)
            assert rig.fake.vouchers == {}
        elif system == "poweroffice":
            voucher_id = item.details["voucher_id"]
            assert rig.inbox.approved(voucher_id) and rig.inbox.posted(voucher_id)
            posted_as_suggested(ctx, rig, document.id, voucher_id)
            assert rig.fake.vouchers == {}
        else:
            invoice = rig.inbox.invoice(item.details["given_number"])
            assert invoice["Booked"] is True
            assert "kontera:" in invoice["Comments"]
            assert rig.fake.vouchers == {}
            assert len(rig.fake.invoices) == 4
        assert rig.spec_violations == []
        assert rig.spec_checked > 0
