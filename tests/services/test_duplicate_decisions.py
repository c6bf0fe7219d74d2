"""A person overrules the duplicate check: not a duplicate, keep this one instead, reject."""

from __future__ import annotations

import pytest

from kontera.domain.errors import Conflict
from kontera.services.context import AppContext
from kontera.services.review import duplicates
from tests.conftest import FIXTURES
from tests.conftest import ApiClient
from tests.review.invoice_pdf import invoice_pdf


def pair(api: ApiClient) -> tuple[str, str]:
    """An invoice, then the same invoice again in other bytes (a complete re-send)."""
    first = api.upload(invoice_pdf(), "photo.pdf")["id"]
    second = api.upload(invoice_pdf(without=("Sjøgata",)), "complete-scan.pdf")["id"]
    assert api.get(f"/v1/documents/{second}")["duplicate_of"] == first
    return first, second


def approve(api: ApiClient, document_id: str) -> None:
    response = api.http.post(
        f"/v1/documents/{document_id}/approve",
        headers=api.headers,
        json={"postings": [{"account": "6540", "vat_code": "1"}]},
    )
    assert response.status_code == 200, response.text


def test_not_a_duplicate_goes_on_and_the_pair_is_never_flagged_again(
    ctx: AppContext, api: ApiClient
) -> None:
    """GIVEN a document flagged as the duplicate of another
    WHEN a person says it is not a duplicate
    THEN it is suggested like any new invoice, and correcting either one later does not flag
    the pair again."""
    first, second = pair(api)

    decided = duplicates.not_a_duplicate(
        ctx, company_id=api.company_id, document_id=second, actor="kari"
    )

    document = api.get(f"/v1/documents/{second}")
    assert decided.status.value == document["status"] in ("suggested", "needs_review")
    assert document["duplicate_of"] is None and document["suggestion"] is not None
    assert any(e["action"] == "duplicate:dismissed" for e in document["events"])
    for document_id in (second, first):
        response = api.http.patch(
            f"/v1/documents/{document_id}/fields",
            headers=api.headers,
            json={"fields": {"due_date": "01.12.2026"}},
        )
        assert response.status_code == 200, response.text
        assert api.get(f"/v1/documents/{document_id}")["status"] != "duplicate"


def test_keep_this_one_instead_swaps_the_two(ctx: AppContext, api: ApiClient) -> None:
    """The complete scan stuck as the duplicate of an incomplete photo becomes the one to
    book; the photo becomes its duplicate."""
    first, second = pair(api)

    duplicates.keep_this_instead(ctx, company_id=api.company_id, document_id=second, actor="kari")

    kept, other = api.get(f"/v1/documents/{second}"), api.get(f"/v1/documents/{first}")
    assert kept["status"] in ("suggested", "needs_review") and kept["duplicate_of"] is None
    assert other["status"] == "duplicate" and other["duplicate_of"] == second
    assert other["status_reason"] == "A person kept another copy of this invoice instead."


def test_keep_this_one_instead_is_refused_when_the_other_is_approved(
    ctx: AppContext, api: ApiClient
) -> None:
    first, second = pair(api)
    approve(api, first)

    with pytest.raises(Conflict, match="already approved or posted"):
        duplicates.keep_this_instead(
            ctx, company_id=api.company_id, document_id=second, actor="kari"
        )
    assert api.get(f"/v1/documents/{second}")["status"] == "duplicate"
    assert api.get(f"/v1/documents/{first}")["status"] == "approved"


def test_a_duplicate_can_be_rejected(api: ApiClient) -> None:
    _, second = pair(api)
    response = api.http.post(
        f"/v1/documents/{second}/reject", headers=api.headers, json={"reason": "Sent twice."}
    )
    assert response.status_code == 200, response.text
    assert api.get(f"/v1/documents/{second}")["status"] == "rejected"


def test_only_a_flagged_document_can_be_declared_not_a_duplicate(
    ctx: AppContext, api: ApiClient
) -> None:
    first, _ = pair(api)
    with pytest.raises(Conflict, match="not marked as a duplicate"):
        duplicates.not_a_duplicate(ctx, company_id=api.company_id, document_id=first, actor="k")


def test_a_supplier_recognised_by_its_bank_account_still_has_its_duplicates_found(
    api: ApiClient,
) -> None:
    """GIVEN a known supplier whose bank account an approval confirmed
    WHEN an invoice paid to that account arrives twice (its seller recognised by the account)
    THEN the second is still found to be a duplicate of the first."""
    ehf = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()  # pays to 1503.02.12344
    confirmed = api.upload(ehf)["id"]
    approve(api, confirmed)
    pair(api)  # asserts the duplicate is found
