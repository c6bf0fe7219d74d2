"""The archive finds documents in any status by invoice number, KID, amount, supplier and
text (lines, file name, people's notes); another company's documents never."""

from __future__ import annotations

import pytest

from kontera.domain.errors import InvalidInput
from kontera.services.context import AppContext
from kontera.services.review import archive
from kontera.services.review import comments
from tests.conftest import FIXTURES
from tests.conftest import ApiClient
from tests.conftest import make_api_client
from tests.review.invoice_pdf import invoice_pdf

EHF = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()


def found(ctx: AppContext, api: ApiClient, query: str) -> set[str]:
    page = archive.search(ctx, company_ids=frozenset({api.company_id}), query=query)
    return {row.id for row in page.rows}


@pytest.fixture
def documents(ctx: AppContext, api: ApiClient) -> dict[str, str]:
    pdf = api.upload(invoice_pdf(), "fjordtre-oktober.pdf")["id"]
    ehf = api.upload(EHF, "ehf-01.xml")["id"]
    return {"pdf": pdf, "ehf": ehf}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("2024-118", {"pdf"}),  # invoice number
        ("000100008", {"ehf"}),  # KID
        ("12 500,00", {"pdf"}),  # amount, Norwegian style
        ("12500", {"pdf"}),
        ("fjordtre", {"pdf"}),  # supplier, any case
        ("fjellnett", {"ehf"}),
        ("oktober", {"pdf"}),  # file name
        ("snekkerarbeid kontor", set()),  # words of a line the reader did not keep
        ("no such thing", set()),
    ],
)
def test_search_by_number_kid_amount_supplier_and_text(
    ctx: AppContext, api: ApiClient, documents: dict[str, str], query: str, expected: set[str]
) -> None:
    assert found(ctx, api, query) == {documents[k] for k in expected}


def test_a_note_on_a_document_is_found(
    ctx: AppContext, api: ApiClient, documents: dict[str, str]
) -> None:
    comments.add_comment(
        ctx,
        company_id=api.company_id,
        document_id=documents["ehf"],
        author="kari@byraa.no",
        text="Spurt Fjellnett om rabatten",
    )
    assert found(ctx, api, "rabatten") == {documents["ehf"]}
    [note] = comments.comments(ctx, company_id=api.company_id, document_id=documents["ehf"])
    assert note.author == "kari@byraa.no" and note.text == "Spurt Fjellnett om rabatten"
    with pytest.raises(InvalidInput):
        comments.add_comment(
            ctx, company_id=api.company_id, document_id=documents["ehf"], author="k", text=" "
        )


def test_another_companys_documents_are_not_found(
    ctx: AppContext, api: ApiClient, app_client: object, documents: dict[str, str]
) -> None:
    other = make_api_client(ctx, api.http, "Annen Kunde AS", "914778271")
    other.upload(invoice_pdf(number="2024-118"), "annen.pdf")
    assert found(ctx, api, "2024-118") == {documents["pdf"]}
