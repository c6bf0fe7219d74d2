"""The JSON API as a scanning tool or integrator meets it."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi.testclient import TestClient

from kontera.services.context import AppContext
from tests.conftest import FIXTURES
from tests.conftest import ApiClient
from tests.conftest import make_api_client

EHF = FIXTURES / "demo" / "ehf-01.xml"


def test_an_uploaded_ehf_invoice_is_interpreted_and_waits_for_review(api: ApiClient) -> None:
    created = api.upload(EHF.read_bytes(), "ehf-01.xml")
    assert created["duplicate"] is False

    document = api.get(f"/v1/documents/{created['id']}")

    assert document["status"] in ("suggested", "needs_review")
    invoice = document["invoice"]
    assert invoice["invoice_number"] == "10000"
    assert invoice["seller"]["vat_id"] == "NO912345688MVA"
    assert invoice["currency"] == "NOK"
    actions = [event["action"] for event in document["events"]]
    assert actions[0] == "received"
    assert "status:interpreted" in actions


def test_the_same_bytes_twice_give_the_first_document(api: ApiClient) -> None:
    first = api.upload(EHF.read_bytes())
    second = api.upload(EHF.read_bytes(), "again.xml")
    assert second == {"id": first["id"], "status": second["status"], "duplicate": True}
    assert len(api.get("/v1/documents")["items"]) == 1


def test_approving_with_edited_postings_records_history(api: ApiClient, ctx: AppContext) -> None:
    created = api.upload(EHF.read_bytes())
    response = api.http.post(
        f"/v1/documents/{created['id']}/approve",
        headers=api.headers,
        json={"postings": [{"account": "6900", "vat_code": "1", "amount": "5479.00"}]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "approved"
    assert body["voucher"]["lines"][0]["account"] == "6900"
    # A second approval is refused: the document has moved on.
    again = api.http.post(f"/v1/documents/{created['id']}/approve", headers=api.headers, json={})
    assert again.status_code == 409
    assert again.json()["error"] == "conflict"


def test_approval_without_an_account_is_refused_with_a_reason(api: ApiClient) -> None:
    created = api.upload(EHF.read_bytes())
    response = api.http.post(
        f"/v1/documents/{created['id']}/approve",
        headers=api.headers,
        json={"postings": [{"account": "6900"}, {"account": " "}]},
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Choose an account for line 2 before approving."
    assert api.get(f"/v1/documents/{created['id']}")["status"] != "approved"


def test_reject(api: ApiClient) -> None:
    created = api.upload(EHF.read_bytes())
    response = api.http.post(
        f"/v1/documents/{created['id']}/reject", headers=api.headers, json={"reason": "Not ours"}
    )
    assert response.json()["status"] == "rejected"
    assert response.json()["status_reason"] == "Not ours"


def test_random_bytes_become_a_failed_document_with_a_readable_reason(api: ApiClient) -> None:
    created = api.upload(os.urandom(4096), "scan.bin")
    document = api.get(f"/v1/documents/{created['id']}")
    assert document["status"] == "failed"
    assert "cannot read this kind of file" in document["status_reason"]
    # The original is kept, byte for byte.
    original = api.http.get(f"/v1/documents/{created['id']}/original", headers=api.headers)
    assert len(original.content) == 4096


def test_an_empty_upload_is_refused(api: ApiClient) -> None:
    response = api.http.post(
        "/v1/documents", headers=api.headers, files={"file": ("empty.pdf", b"")}
    )
    assert response.status_code == 422
    assert response.json() == {"error": "empty_document", "message": "The file is empty (0 bytes)."}


def test_a_missing_file_field_is_explained(api: ApiClient) -> None:
    response = api.http.post("/v1/documents", headers=api.headers, data={"source": "scanner"})
    assert response.status_code == 400
    assert "'file'" in response.json()["message"]


def test_uploads_over_the_limit_are_refused(ctx: AppContext, tmp_path: Path) -> None:
    from kontera.api.app import create_app

    small = AppContext(
        ctx.settings.model_copy(update={"max_upload_bytes": 1024 * 1024}),
        ctx.engine,
        ctx.blobs,
        ctx.queue,
    )
    with TestClient(create_app(small)) as client:
        api = make_api_client(small, client, "Liten AS", "923609016")
        response = client.post(
            "/v1/documents",
            headers=api.headers,
            files={"file": ("big.pdf", b"%PDF" + b"0" * 2_000_000)},
        )
        assert response.status_code == 413
        assert response.json()["error"] == "document_too_large"
        assert client.get("/healthz").status_code == 200


def test_a_wrong_api_key_is_unauthorized(app_client: TestClient, api: ApiClient) -> None:
    for header in ({"Authorization": "Bearer kt_wrong"}, {"Authorization": "Basic abc"}, {}):
        response = app_client.get("/v1/documents", headers=header)
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"


def test_another_companys_document_is_not_found(
    ctx: AppContext, app_client: TestClient, api: ApiClient
) -> None:
    theirs = make_api_client(ctx, app_client, "Annen Kunde AS", "974760673")
    created = theirs.upload(EHF.read_bytes())
    for method, path in (
        ("get", f"/v1/documents/{created['id']}"),
        ("get", f"/v1/documents/{created['id']}/original"),
        ("post", f"/v1/documents/{created['id']}/approve"),
        ("post", f"/v1/documents/{created['id']}/reject"),
    ):
        response = getattr(app_client, method)(path, headers=api.headers)
        assert response.status_code == 404, path
        assert response.json()["error"] == "not_found"
    assert api.get("/v1/documents")["items"] == []


def test_listing_filters_by_status(api: ApiClient) -> None:
    api.upload(EHF.read_bytes())
    api.upload(b"not an invoice at all", "x.txt")
    failed = api.get("/v1/documents?status=failed")["items"]
    assert [d["filename"] for d in failed] == ["x.txt"]
    bad = api.http.get("/v1/documents?status=nonsense", headers=api.headers)
    assert bad.status_code == 422


def test_the_openapi_document_is_served(app_client: TestClient) -> None:
    spec = app_client.get("/openapi.json").json()
    assert "/v1/documents" in spec["paths"]
    assert app_client.get("/docs").status_code == 200


def test_a_whitespace_only_file_fails_with_a_reason(api: ApiClient) -> None:
    created = api.upload(b"   \n\t  \n", "blank.pdf")
    document = api.get(f"/v1/documents/{created['id']}")
    assert document["status"] == "failed"
    assert document["status_reason"] == "The file is empty."


def test_a_60_mb_upload_is_refused_by_the_default_limit(api: ApiClient) -> None:
    response = api.http.post(
        "/v1/documents",
        headers=api.headers,
        files={"file": ("huge.pdf", b"%PDF-1.7\n" + b"0" * (60 * 1024 * 1024))},
    )
    assert response.status_code == 413
    assert response.json()["message"] == "The upload is larger than the 25 MB limit."
    assert api.get("/v1/documents")["items"] == []
