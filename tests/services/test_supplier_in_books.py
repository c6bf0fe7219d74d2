"""A supplier's first invoice in Kontera is not called its first when the books know it."""

from __future__ import annotations

from typing import Any

from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.pipeline.documents import receive_document
from kontera.services.review import queries
from kontera.services.suggest.history import import_history_file
from tests.conftest import DEMO_BUYER_ORG
from tests.conftest import FIXTURES


def new_supplier_notes(ctx: AppContext, company_id: str, name: str) -> list[dict[str, Any]]:
    data = (FIXTURES / "pdf" / name).read_bytes()
    received = receive_document(ctx, company_id=company_id, data=data, filename=name)
    view = queries.document_view(ctx, company_id=company_id, document_id=received.document.id)
    return [n for n in view["invoice"]["notes"] if n.get("code") == "new_supplier"]


def test_the_note_on_a_new_supplier_says_whether_the_books_know_it(ctx: AppContext) -> None:
    """GIVEN a company whose imported posting history has Bergen Byggevarer AS in it
    WHEN the first invoice from Bergen Byggevarer AS arrives, then one from a supplier the
    books do not know (Tromsø Transport AS)
    THEN the first is not called the supplier's first invoice, only its bank account is to be
    checked; the second is a first invoice from a new supplier."""
    company = companies.create_company(ctx, name="Bok AS", org_number=DEMO_BUYER_ORG)
    import_history_file(
        ctx, company_id=company.id, path=FIXTURES / "demo" / "history.csv", history_format="csv"
    )

    [known] = new_supplier_notes(ctx, company.id, "no-labels_above-004.pdf")
    [unknown] = new_supplier_notes(ctx, company.id, "no-labels_above-007.pdf")

    assert known["text"]["msgid"].startswith("{supplier} is in the company's books")
    assert "Bergen Byggevarer AS" in known["message"]
    assert unknown["text"]["msgid"].startswith("First invoice from {supplier}")
    assert "Tromsø Transport AS" in unknown["message"]
