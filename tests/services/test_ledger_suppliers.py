"""The ledger's supplier register is what invoices are checked against.

GIVEN a company synced from a fake Tripletex, WHEN the first invoice from a supplier the
ledger knows asks to be paid into an account that is not the one the ledger has on file,
THEN the changed-bank-account warning fires (without the ledger Kontera would have nothing to
compare with); the same supplier's invoice with the ledger's account raises no warning, and
is filed under the ledger's supplier, not as a new one.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from kontera.config import Settings
from kontera.services.context import AppContext
from kontera.services.sync.ledger_sync import sync_company
from tests.fakes.books_invoices import next_invoice
from tests.fakes.books_invoices import steady_supplier
from tests.fakes.ledger_rig import connected_rig
from tests.fakes.ledger_rig import rig_settings
from tests.services.test_ledger_sync import ORG
from tests.services.test_ledger_sync import books_for
from tests.services.test_ledger_sync import company_for
from tests.services.test_ledger_sync import upload


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return rig_settings(tmp_path / "data")


def codes(document: dict) -> set[str]:  # type: ignore[type-arg]
    return {note.get("code") for note in document["invoice"]["notes"]}


def test_an_account_the_ledger_does_not_have_on_file_is_warned(ctx: AppContext) -> None:
    books = books_for("tripletex", lines=600)
    company_id = company_for(ctx, books)
    with connected_rig(ctx, company_id, "tripletex", books) as rig:
        outcome = sync_company(
            ctx, company_id=company_id, client=rig.client, today=books.end + timedelta(days=1)
        )
        assert outcome.state == "succeeded", outcome.error
    supplier = steady_supplier(books, min_lines=5, share=0.5)
    stranger = next(s for s in books.suppliers.values() if s.number != supplier.number)
    usual = next_invoice(books, supplier, ORG["NO"], number="A-1")
    diverted = next_invoice(books, supplier, ORG["NO"], number="A-2").replace(
        supplier.bank_accounts[0].encode(), stranger.bank_accounts[0].encode()
    )
    first = upload(ctx, company_id, diverted)
    assert "bank_account_changed" in codes(first)
    assert "new_supplier" not in codes(first)
    second = upload(ctx, company_id, usual)
    assert "bank_account_changed" not in codes(second)
