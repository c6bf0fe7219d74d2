"""A correction carries through to everything derived from the fields it changes.

One test per symptom of issue 14's "Corrections do not carry through": the queue and the API
keep showing "–" for a corrected invoice number, the status reason stays stale, and the
duplicate check is not rerun (the same invoice sent again is not flagged).
"""

from __future__ import annotations

import pytest

from kontera.services.context import AppContext
from kontera.services.review import queue as review_queue
from kontera.services.review.queue import QueueFilter
from tests.conftest import ApiClient
from tests.review.invoice_pdf import invoice_pdf

# The reader finds no invoice number when the number, account and KID lines are missing.
NO_NUMBER = ("Fakturanummer", "Kontonummer", "KID")
# …and no total when the sums are missing.
NO_TOTAL = ("Sum eks", "Mva 25", "Å betale")


def correct(api: ApiClient, document_id: str, fields: dict[str, str]) -> dict:  # type: ignore[type-arg]
    response = api.http.patch(
        f"/v1/documents/{document_id}/fields", headers=api.headers, json={"fields": fields}
    )
    assert response.status_code == 200, response.text
    return api.get(f"/v1/documents/{document_id}")


def test_a_corrected_invoice_number_shows_in_the_queue_and_the_api(
    ctx: AppContext, api: ApiClient
) -> None:
    """GIVEN a PDF whose invoice number line is missing (not read, or misread: the field
    reader may take another number of the page for it)
    WHEN a person types it in
    THEN the API's list and the review queue show the number, not "–" or the misreading."""
    created = api.upload(invoice_pdf(without=NO_NUMBER), "faktura.pdf")
    assert api.get(f"/v1/documents/{created['id']}")["invoice_number"] != "2024-118"

    correct(api, created["id"], {"invoice_number": "2024-118"})

    listed = api.get("/v1/documents?status=needs_review")["items"]
    assert [d["invoice_number"] for d in listed if d["id"] == created["id"]] == ["2024-118"]
    page = review_queue.queue_page(
        ctx, company_ids=frozenset({api.company_id}), filters=QueueFilter(status="all")
    )
    assert [r.invoice_number for r in page.rows if r.id == created["id"]] == ["2024-118"]


def test_the_status_reason_follows_the_correction(api: ApiClient) -> None:
    """GIVEN a PDF waiting for review because its total was not found
    WHEN a person types the total (Norwegian style) and the currency
    THEN the reason no longer says the total is missing, and the amount is in the queue."""
    created = api.upload(invoice_pdf(without=NO_TOTAL), "faktura.pdf")
    before = api.get(f"/v1/documents/{created['id']}")
    assert before["status"] == "needs_review"
    assert "total amount" in before["status_reason"]

    after = correct(
        api,
        created["id"],
        {"totals.payable": "12 500,00", "totals.gross": "12 500,00", "currency": "nok"},
    )

    assert "total amount" not in (after["status_reason"] or "")
    assert not [n for n in after["notes"] if n["code"] == "missing_field"]
    assert after["gross"] == "12500.00" and after["currency"] == "NOK"
    corrected = [e for e in after["events"] if e["action"] == "corrected"]
    assert corrected and after["events"][-1]["action"].startswith("status:")


def test_the_same_invoice_sent_again_after_a_correction_is_a_duplicate(api: ApiClient) -> None:
    """GIVEN an invoice whose number was not read, and a person typed it in
    WHEN the same invoice arrives again, this time readable
    THEN the second is flagged as a duplicate of the first (no double payment)."""
    first = api.upload(invoice_pdf(without=NO_NUMBER), "scan.pdf")
    correct(api, first["id"], {"invoice_number": "2024-118"})

    again = api.upload(invoice_pdf(), "faktura-2024-118.pdf")

    document = api.get(f"/v1/documents/{again['id']}")
    assert document["status"] == "duplicate"
    assert document["duplicate_of"] == first["id"]


def test_correcting_a_misread_number_reruns_the_duplicate_check(api: ApiClient) -> None:
    """GIVEN an invoice already received, and the same invoice again whose number the reader
    got wrong (it took the account number), so it was not recognised
    WHEN a person corrects the number
    THEN the check runs again and finds the first invoice."""
    first = api.upload(invoice_pdf(), "faktura.pdf")
    second = api.upload(invoice_pdf(without=("Fakturanummer", "KID")), "forwarded.pdf")
    misread = api.get(f"/v1/documents/{second['id']}")
    assert misread["status"] != "duplicate" and misread["invoice_number"] != "2024-118"

    after = correct(api, second["id"], {"invoice_number": "2024-118"})

    assert after["status"] == "duplicate"
    assert after["duplicate_of"] == first["id"]
    assert "same invoice number" in after["status_reason"]


@pytest.mark.parametrize(
    ("field", "typed", "words"),
    [
        ("issue_date", "32.13.2017", "is not a date: write it as 15.12.2017"),
        ("totals.payable", "12,50,0x", "is not an amount"),
        ("currency", "KRONER", "is not a currency code"),
        ("payment.kid", "0001000086", "KID 0001000086 is not valid"),
        ("payment.bank_account", "1503.02.12345", "is not a Norwegian account number"),
    ],
)
def test_a_value_that_does_not_fit_is_refused_in_words_and_nothing_changes(
    api: ApiClient, field: str, typed: str, words: str
) -> None:
    created = api.upload(invoice_pdf(), "faktura.pdf")
    before = api.get(f"/v1/documents/{created['id']}")

    response = api.http.patch(
        f"/v1/documents/{created['id']}/fields",
        headers=api.headers,
        json={"fields": {field: typed, "invoice_number": "X-1"}},
    )

    assert response.status_code == 422, response.text
    assert words in response.json()["message"]
    after = api.get(f"/v1/documents/{created['id']}")
    assert after["invoice"] == before["invoice"] and after["status"] == before["status"]
