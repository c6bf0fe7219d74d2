"""Connect once: the chart, VAT codes, suppliers, dimensions and history come from the ledger.

GIVEN a company connected to a fake Tripletex, PowerOffice Go or Fortnox that holds three
years of books generated from real public posting history (a few thousand lines here; the
full size, ≥ 50 000 lines, in `test_ledger_sync_full.py` and `benchmarks/ledger_sync.py`),
WHEN it syncs, THEN everything the ledger holds arrives through the published APIs (every
request checked against the spec), within the call budget, the model trains on it, and an
e-invoice from a supplier the books know is suggested from that history — no file touched.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col
from sqlmodel import func
from sqlmodel import select

from kontera.config import Settings
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.suggest.chart import company_chart
from kontera.services.sync.ledger_sync import sync_company
from kontera.store.db import session_scope
from kontera.store.tables import PostingHistory
from kontera.store.tables_dimensions import Dimension
from kontera.store.tables_interpret import Supplier
from kontera.store.tables_interpret import SupplierBankAccount
from tests.fakes.books import Books
from tests.fakes.books import BookSpec
from tests.fakes.books import generate_books
from tests.fakes.books_invoices import next_invoice
from tests.fakes.books_invoices import steady_supplier
from tests.fakes.books_invoices import usual_account
from tests.fakes.books_sources import available
from tests.fakes.ledger_rig import SOURCES
from tests.fakes.ledger_rig import connected_rig
from tests.fakes.ledger_rig import rig_settings

SYSTEMS = ["tripletex", "poweroffice", "fortnox"]
LINES = 2500
ORG = {"NO": "923609016", "SE": "5560360793"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return rig_settings(tmp_path / "data")


def books_for(system: str, lines: int | None = LINES) -> Books:
    if not available(SOURCES[system]):
        pytest.skip("the corpus's posting history is not present")
    return generate_books(BookSpec(source=SOURCES[system], max_lines=lines, seed=1))


def company_for(ctx: AppContext, books: Books) -> str:
    company = companies.create_company(
        ctx, name=f"Bok {books.country}", org_number=ORG[books.country], country=books.country
    )
    return company.id


def history_count(ctx: AppContext, company_id: str, source: str) -> tuple[int, int]:
    with session_scope(ctx.engine) as session:
        total = session.exec(
            select(func.count()).where(
                PostingHistory.company_id == company_id, PostingHistory.source == source
            )
        ).one()
        distinct = session.exec(
            select(func.count(func.distinct(PostingHistory.external_id))).where(
                PostingHistory.company_id == company_id, PostingHistory.source == source
            )
        ).one()
    return int(total), int(distinct)


@pytest.fixture(params=SYSTEMS)
def system(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_connect_once_and_everything_arrives(ctx: AppContext, system: str) -> None:
    connect_once_and_check(ctx, system, books_for(system))


def connect_once_and_check(ctx: AppContext, system: str, books: Books) -> None:
    """The acceptance, at any size: `test_ledger_sync_full.py` runs it on every line."""
    company_id = company_for(ctx, books)
    with connected_rig(ctx, company_id, system, books) as rig:
        outcome = sync_company(
            ctx, company_id=company_id, client=rig.client, today=books.end + timedelta(days=1)
        )
        assert outcome.state == "succeeded", outcome.error
        assert_registers_arrived(ctx, company_id, books)
        total, distinct = history_count(ctx, company_id, system)
        assert total == distinct == books.cost_lines == outcome.counts["history_new"]
        assert rig.spec_violations == [] and rig.spec_checked >= rig.calls
        if system == "tripletex":
            assert rig.calls <= len(rig.served.postings) / 1000 + 20
        if system == "fortnox":
            assert rig.calls <= len(books.years()) + 20
    assert (ctx.settings.models_dir / company_id / "model.skops").exists()
    supplier = steady_supplier(books)
    document = upload(ctx, company_id, next_invoice(books, supplier, ORG[books.country]))
    lines = document["suggestion"]["lines"]
    assert lines and lines[0]["account"] == usual_account(books, supplier), lines[0]["reason"]


def assert_registers_arrived(ctx: AppContext, company_id: str, books: Books) -> None:
    chart = company_chart(ctx, company_id=company_id)
    assert set(chart.accounts) == set(books.accounts)
    closed = {n for n, a in books.accounts.items() if not a.active}
    assert closed and {n for n, a in chart.accounts.items() if not a.active} == closed
    if books.country == "NO":
        assert set(chart.vat_codes) == set(books.vat_codes)
        locked = [a for a in books.accounts.values() if a.vat_locked]
        assert all(chart.accounts[a.number].vat_codes == {a.vat_code} for a in locked)
    with session_scope(ctx.engine) as session:
        suppliers = session.exec(
            select(Supplier).where(
                Supplier.company_id == company_id, col(Supplier.ledger_id).is_not(None)
            )
        ).all()
        accounts = session.exec(
            select(SupplierBankAccount).where(SupplierBankAccount.source == "ledger")
        ).all()
        dimensions = session.exec(select(Dimension).where(Dimension.company_id == company_id)).all()
    assert {s.org_number for s in suppliers} == {s.org_number for s in books.suppliers.values()}
    assert len(accounts) == sum(len(s.bank_accounts) for s in books.suppliers.values())
    assert len(dimensions) == len(books.departments) + len(books.projects)


def upload(ctx: AppContext, company_id: str, data: bytes) -> dict:  # type: ignore[type-arg]
    from kontera.api.app import create_app
    from kontera.store import repo

    with session_scope(ctx.engine) as session:
        slug = repo.get_company(session, company_id=company_id).slug
    key = companies.create_api_key(ctx, company_name=slug).key
    headers = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(ctx)) as client:
        response = client.post("/v1/documents", headers=headers, files={"file": ("i.xml", data)})
        assert response.status_code in (200, 202), response.text
        document = client.get(f"/v1/documents/{response.json()['id']}", headers=headers)
    assert document.status_code == 200
    return document.json()  # type: ignore[no-any-return]
