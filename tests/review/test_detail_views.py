"""What the detail page warns about and shows, from real EHF invoices through the pipeline."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kontera.services.admin import companies
from kontera.services.admin import users
from kontera.services.context import AppContext
from kontera.services.pipeline.documents import receive_document
from kontera.services.review import approvals
from kontera.services.review import pages as review_pages
from kontera.services.review import supplier_views
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.web import create_web_app
from tests.conftest import FIXTURES
from tests.review.conftest import PASSWORD
from tests.review.ui_client import UiClient

EHF = (FIXTURES / "demo" / "ehf-02.xml").read_bytes()
BANK = b"<cbc:ID>15031298765</cbc:ID>"


def variant(number: str, bank_account: str) -> bytes:
    data = EHF.replace(b"<cbc:ID>10007</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>".encode(), 1)
    return data.replace(BANK, f"<cbc:ID>{bank_account}</cbc:ID>".encode())


def test_a_changed_bank_account_of_a_known_supplier_is_a_warning(ctx: AppContext) -> None:
    """GIVEN an approved invoice from a supplier paid to one account
    WHEN the next invoice from that supplier asks for payment to another account
    THEN the detail view warns, naming both; an invoice with the known account does not."""
    company = companies.create_company(ctx, name="Fjord AS", org_number="999999905")
    first = receive_document(ctx, company_id=company.id, data=EHF, filename="1.xml").document
    approvals.approve(
        ctx,
        company_id=company.id,
        document_id=first.id,
        actor="kari@fjord.no",
        lines=[approvals.ApprovedLine(account="6340", vat_code="1")],
    )
    changed = receive_document(
        ctx, company_id=company.id, data=variant("10008", "12345678903"), filename="2.xml"
    ).document
    same = receive_document(
        ctx, company_id=company.id, data=variant("10009", "15031298765"), filename="3.xml"
    ).document
    warned = review_pages.document_detail(ctx, company_id=company.id, document_id=changed.id)
    assert warned["bank_warning"] == {"account": "12345678903", "known": ["15031298765"]}
    calm = review_pages.document_detail(ctx, company_id=company.id, document_id=same.id)
    assert calm["bank_warning"] is None


def test_an_einvoice_without_a_rendering_is_shown_as_html(ctx: AppContext) -> None:
    company = companies.create_company(ctx, name="Fjord AS", org_number="999999905")
    document = receive_document(ctx, company_id=company.id, data=EHF, filename="1.xml").document
    with session_scope(ctx.engine) as session:
        row = repo.latest_interpretation(session, document_id=document.id)
        assert row is not None
        row.rendering_sha256 = None  # as an interpreter that renders no PDF leaves it
        session.add(row)
    users.create_user(ctx, email="kari@fjord.no", password=PASSWORD, company_ids=[company.id])
    with TestClient(create_web_app(ctx)) as web:
        UiClient(web, "kari@fjord.no", PASSWORD)
        page = web.get(f"/c/{company.id}/d/{document.id}").text
    assert 'class="einvoice"' in page and "<img" not in page
    assert "Nordlys Kraft AS" in page and "1\u00a0836,25 NOK" in page  # no-break space
    assert "Strøm januar" in page and "Nettleie" in page


def test_the_suppliers_page_lists_known_suppliers_with_their_accounts(ctx: AppContext) -> None:
    company = companies.create_company(ctx, name="Fjord AS", org_number="999999905")
    first = receive_document(ctx, company_id=company.id, data=EHF, filename="1.xml").document
    approvals.approve(
        ctx,
        company_id=company.id,
        document_id=first.id,
        actor="kari@fjord.no",
        lines=[approvals.ApprovedLine(account="6340", vat_code="1")],
    )
    receive_document(ctx, company_id=company.id, data=variant("10008", "12345678903"), filename="2")
    [supplier] = supplier_views.suppliers(ctx, company_id=company.id)
    assert supplier.name == "Nordlys Kraft AS" and supplier.documents == 2
    assert supplier.default_account == "6340"  # learned from the approval
    assert ("15031298765", True) in supplier.bank_accounts
