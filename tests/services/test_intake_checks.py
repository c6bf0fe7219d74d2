"""Intake checks that protect the money, through the API and "approve the safe ones".

- an invoice addressed to another company's org.nr waits for a person ("addressed to someone
  else"), the company's own does not;
- a supplier with the name of a known one but another org.nr is another supplier (warned),
  never filed under the known one;
- an account already registered to another supplier is warned.
Each warning keeps the invoice out of bulk approval.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from kontera.services.context import AppContext
from kontera.services.review import queue as review_queue
from kontera.store import repo
from kontera.store.db import session_scope
from tests.conftest import DEMO_BUYER_ORG as DEMO_BUYER
from tests.conftest import FIXTURES
from tests.conftest import ApiClient
from tests.conftest import make_api_client

FJELLNETT = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()  # Fjellnett Telekom AS, 912345688
NORDLYS = (FIXTURES / "demo" / "ehf-02.xml").read_bytes()  # Nordlys Kraft AS, 923456783


@pytest.fixture
def demo(api: ApiClient) -> ApiClient:
    """The company the demo invoices are addressed to."""
    return api


@pytest.fixture
def other(ctx: AppContext, app_client: TestClient) -> ApiClient:
    """A company the demo invoices are not addressed to."""
    return make_api_client(ctx, app_client, "Annen Kunde AS", "923609016")


def codes(api: ApiClient, document_id: str) -> list[str]:
    return [note["code"] for note in api.get(f"/v1/documents/{document_id}")["notes"]]


def approve(api: ApiClient, document_id: str, account: str = "6900") -> None:
    response = api.http.post(
        f"/v1/documents/{document_id}/approve",
        headers=api.headers,
        json={"postings": [{"account": account, "vat_code": "1"}]},
    )
    assert response.status_code == 200, response.text


def renumbered(data: bytes, number: str) -> bytes:
    return data.replace(b"<cbc:ID>10000</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>".encode(), 1)


def assert_kept_from_bulk(ctx: AppContext, api: ApiClient, document_id: str) -> None:
    """Even made to look confident and suggested, a document with a warning is not offered
    for bulk approval, and bulk approval of it is skipped."""
    with session_scope(ctx.engine) as session:
        row = repo.get_document(session, company_id=api.company_id, document_id=document_id)
        assert row.warnings > 0
        row.status, row.confidence = "suggested", 1.0
        session.add(row)
    ids = frozenset({api.company_id})
    assert review_queue.confident_documents(ctx, company_ids=ids, document_ids=[document_id]) == []
    result = review_queue.bulk_approve(ctx, company_ids=ids, document_ids=[document_id], actor="t")
    assert result.approved == [] and document_id in result.skipped


def test_an_invoice_addressed_to_another_org_number_waits_for_a_person(
    ctx: AppContext, other: ApiClient
) -> None:
    """GIVEN a company with org.nr 923609016 WHEN an EHF for 999999905 arrives
    THEN it needs review, the reason says it is addressed to someone else and names both."""
    document = other.upload(FJELLNETT)
    found = other.get(f"/v1/documents/{document['id']}")
    assert found["status"] == "needs_review"
    assert "addressed_to_someone_else" in codes(other, document["id"])
    assert "addressed to someone else" in found["status_reason"]
    assert DEMO_BUYER in found["status_reason"] and "923609016" in found["status_reason"]
    assert_kept_from_bulk(ctx, other, document["id"])


def test_the_companys_own_invoice_is_not_called_someone_elses(demo: ApiClient) -> None:
    document = demo.upload(FJELLNETT)
    assert "addressed_to_someone_else" not in codes(demo, document["id"])
    reason = demo.get(f"/v1/documents/{document['id']}")["status_reason"] or ""
    assert "someone else" not in reason


def test_a_buyer_named_only_by_peppol_endpoint_is_checked_too(other: ApiClient) -> None:
    """The endpoint (0192:<org.nr>) alone names the buyer: another company's is warned."""
    only_endpoint = FJELLNETT.replace(b"<cbc:CompanyID>999999905</cbc:CompanyID>", b"").replace(
        b"<cbc:RegistrationName>Demo Regnskap AS</cbc:RegistrationName>", b""
    )
    document = other.upload(only_endpoint)
    assert "addressed_to_someone_else" in codes(other, document["id"])


def test_same_name_with_another_org_number_is_another_supplier(
    ctx: AppContext, demo: ApiClient
) -> None:
    """GIVEN Fjellnett Telekom AS (912345688) known from an approved invoice
    WHEN an invoice from "Fjellnett Telekom AS" with org.nr 987784792 arrives
    THEN it is filed under 987784792, not under the known supplier, and a warning names both."""
    first = demo.upload(FJELLNETT)
    approve(demo, first["id"])
    impostor = renumbered(FJELLNETT, "20001").replace(b"912345688", b"987784792")
    second = demo.upload(impostor)
    found = demo.get(f"/v1/documents/{second['id']}")
    assert found["status"] == "needs_review"
    assert "same_name_other_org" in codes(demo, second["id"])
    assert "987784792" in found["status_reason"] and "912345688" in found["status_reason"]
    with session_scope(ctx.engine) as session:
        row = repo.get_document(session, company_id=demo.company_id, document_id=second["id"])
        assert row.supplier_key == "org:987784792"
    assert_kept_from_bulk(ctx, demo, second["id"])


def test_an_account_registered_to_another_supplier_is_warned(
    ctx: AppContext, demo: ApiClient
) -> None:
    """GIVEN Fjellnett's account 15030212344 registered (its invoice approved)
    WHEN Nordlys Kraft AS asks to be paid into that same account
    THEN the invoice waits for a person with a warning that names the account's owner."""
    first = demo.upload(FJELLNETT)
    approve(demo, first["id"])
    borrowed = NORDLYS.replace(b"15031298765", b"15030212344")
    second = demo.upload(borrowed)
    found = demo.get(f"/v1/documents/{second['id']}")
    assert found["status"] == "needs_review"
    assert "bank_account_of_other_supplier" in codes(demo, second["id"])
    assert "Fjellnett Telekom AS" in found["status_reason"]
    assert "15030212344" in found["status_reason"]
    assert_kept_from_bulk(ctx, demo, second["id"])


def test_an_account_seen_on_another_suppliers_unapproved_invoice_counts_too(
    demo: ApiClient,
) -> None:
    """Registered means seen: the first invoice need not be approved yet."""
    demo.upload(FJELLNETT)
    second = demo.upload(NORDLYS.replace(b"15031298765", b"15030212344"))
    assert "bank_account_of_other_supplier" in codes(demo, second["id"])
