"""Supplier recognition, bank-account changes and duplicates across channels."""

from __future__ import annotations

from tests.conftest import FIXTURES
from tests.conftest import ApiClient

EHF = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()
ACCOUNT = b"<cac:PayeeFinancialAccount><cbc:ID>"


def with_number(data: bytes, number: str) -> bytes:
    """Another invoice from the same supplier: a new number and its own KID."""
    kid_start = data.index(b"<cbc:PaymentID>") + len(b"<cbc:PaymentID>")
    kid_end = data.index(b"</cbc:PaymentID>")
    data = data[:kid_start] + f"{number}0".encode() + data[kid_end:]
    return data.replace(b"<cbc:ID>10000</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>".encode(), 1)


def with_account(data: bytes, account: str) -> bytes:
    start = data.index(ACCOUNT) + len(ACCOUNT)
    end = data.index(b"</cbc:ID>", start)
    return data[:start] + account.encode() + data[end:]


def approve(api: ApiClient, document_id: str) -> None:
    response = api.http.post(
        f"/v1/documents/{document_id}/approve",
        headers=api.headers,
        json={"postings": [{"account": "6900", "vat_code": "1"}]},
    )
    assert response.status_code == 200, response.text


def test_a_known_supplier_asking_for_payment_to_a_new_account_is_flagged(api: ApiClient) -> None:
    """GIVEN an approved invoice paid to the supplier's usual account
    WHEN the next invoice from them names a different account
    THEN it goes to review with a warning that says so."""
    first = api.upload(EHF)
    approve(api, first["id"])

    second = api.upload(with_account(with_number(EHF, "10001"), "86011117947"))
    document = api.get(f"/v1/documents/{second['id']}")

    assert document["status"] == "needs_review"
    codes = [note["code"] for note in document["notes"]]
    assert "bank_account_changed" in codes
    assert "86011117947" in (document["status_reason"] or "")


def test_the_same_account_again_raises_no_warning(api: ApiClient) -> None:
    first = api.upload(EHF)
    approve(api, first["id"])
    second = api.upload(with_number(EHF, "10002"))
    codes = [note["code"] for note in api.get(f"/v1/documents/{second['id']}")["notes"]]
    assert "bank_account_changed" not in codes


def test_the_same_invoice_in_other_bytes_is_a_duplicate_of_the_first(api: ApiClient) -> None:
    """The same supplier and invoice number arriving again (say, forwarded by mail with other
    whitespace) is linked to the first document as its duplicate."""
    first = api.upload(EHF)
    again = api.upload(EHF.replace(b"<cbc:Note>", b"<cbc:Note> ") + b"\n\n")
    assert again["id"] != first["id"]
    document = api.get(f"/v1/documents/{again['id']}")
    assert document["status"] == "duplicate"
    assert document["duplicate_of"] == first["id"]
    assert "invoice number" in document["status_reason"]  # said in words, not as a code
