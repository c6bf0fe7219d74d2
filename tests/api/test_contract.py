"""The API contract an integrator codes against: the OpenAPI document says everything the
API does (body, auth, responses, errors), `external_id` is an idempotency key, and lists are
bounded, counted and pollable."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import FIXTURES
from tests.conftest import ApiClient

EHF = FIXTURES / "demo" / "ehf-01.xml"
OTHER_EHF = FIXTURES / "demo" / "ehf-02.xml"


@pytest.fixture
def spec(app_client: TestClient) -> dict[str, Any]:
    response = app_client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if path.startswith("/v1/")
    ]


def test_the_upload_declares_its_multipart_body(spec: dict[str, Any]) -> None:
    body = spec["paths"]["/v1/documents"]["post"]["requestBody"]
    schema = body["content"]["multipart/form-data"]["schema"]
    assert schema["required"] == ["file"]
    file = schema["properties"]["file"]
    assert (file["type"], file["format"], file["minLength"]) == ("string", "binary", 1)
    assert {"source", "external_id"} <= set(schema["properties"])


def test_every_v1_operation_needs_the_api_key(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["ApiKey"]["description"],
    }
    operations = _operations(spec)
    assert len(operations) >= 8
    for path, method, operation in operations:
        assert operation.get("security") == [{"ApiKey": []}], (method, path)
        assert "401" in operation["responses"], (method, path)


def test_responses_are_models_and_errors_are_declared(spec: dict[str, Any]) -> None:
    error = {"$ref": "#/components/schemas/ErrorOut"}
    for path, method, operation in _operations(spec):
        responses = operation["responses"]
        for status, response in responses.items():
            content = response.get("content", {})
            if status.startswith(("4", "5")):
                assert content["application/json"]["schema"] == error, (method, path, status)
        if "{document_id}" in path:
            assert "404" in responses, (method, path)
        if method in ("post", "patch") and "{document_id}" in path:
            assert "409" in responses, (method, path)
    documents = spec["paths"]["/v1/documents"]
    assert {"409", "413", "422"} <= set(documents["post"]["responses"])
    listing = documents["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listing == {"$ref": "#/components/schemas/DocumentListOut"}
    detail = spec["paths"]["/v1/documents/{document_id}"]["get"]["responses"]["200"]
    assert detail["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DocumentOut"
    }
    assert "total" in spec["components"]["schemas"]["DocumentListOut"]["required"]


def test_the_same_external_id_with_other_bytes_is_a_conflict_naming_the_first(
    api: ApiClient,
) -> None:
    first = api.upload(EHF.read_bytes(), "a.xml", external_id="scan-0001")
    again = api.upload(EHF.read_bytes(), "a.xml", external_id="scan-0001")
    assert again == {"id": first["id"], "status": again["status"], "duplicate": True}

    other = api.http.post(
        "/v1/documents",
        headers=api.headers,
        files={"file": ("b.xml", OTHER_EHF.read_bytes())},
        data={"external_id": "scan-0001"},
    )
    assert other.status_code == 409, other.text
    assert other.json()["error"] == "conflict"
    assert other.json()["document_id"] == first["id"]
    assert api.get("/v1/documents")["total"] == 1


def test_external_id_is_per_company(api: ApiClient, ctx: Any, app_client: TestClient) -> None:
    from tests.conftest import make_api_client

    other_company = make_api_client(ctx, app_client, "Annen Kunde AS", "974760673")
    mine = api.upload(EHF.read_bytes(), "a.xml", external_id="scan-0001")
    theirs = other_company.upload(OTHER_EHF.read_bytes(), "b.xml", external_id="scan-0001")
    assert theirs["duplicate"] is False and theirs["id"] != mine["id"]


def test_documents_are_found_by_external_id_and_counted(api: ApiClient) -> None:
    wanted = api.upload(EHF.read_bytes(), "a.xml", external_id="scan-0001")
    api.upload(OTHER_EHF.read_bytes(), "b.xml", external_id="scan-0002")
    found = api.get("/v1/documents?external_id=scan-0001")
    assert [item["id"] for item in found["items"]] == [wanted["id"]]
    assert found["total"] == 1
    page = api.get("/v1/documents?limit=1")
    assert len(page["items"]) == 1 and page["total"] == 2


def test_changed_since_returns_what_changed_after_the_last_poll(api: ApiClient) -> None:
    document = api.upload(EHF.read_bytes(), "a.xml")
    updated = datetime.fromisoformat(api.get(f"/v1/documents/{document['id']}")["updated_at"])
    before = (updated - timedelta(seconds=1)).astimezone(UTC).isoformat()
    after = (updated + timedelta(seconds=1)).astimezone(UTC).isoformat()
    assert (
        api.http.get("/v1/documents", params={"changed_since": before}, headers=api.headers).json()[
            "total"
        ]
        == 1
    )
    assert (
        api.http.get("/v1/documents", params={"changed_since": after}, headers=api.headers).json()[
            "total"
        ]
        == 0
    )
    naive = (updated - timedelta(seconds=1)).astimezone(UTC).replace(tzinfo=None).isoformat()
    assert (
        api.http.get("/v1/documents", params={"changed_since": naive}, headers=api.headers).json()[
            "total"
        ]
        == 1
    ), "a moment without an offset is UTC"


@pytest.mark.parametrize(
    "query",
    [
        "offset=99999999999999999999",
        "offset=-1",
        "limit=0",
        "limit=501",
        "limit=abc",
        "changed_since=yesterday",
        "status=paid",
        "external_id=" + "x" * 201,
    ],
)
def test_bad_list_parameters_are_a_422_never_a_500(api: ApiClient, query: str) -> None:
    response = api.http.get(f"/v1/documents?{query}", headers=api.headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_request"


def test_an_overlong_external_id_on_upload_is_refused(api: ApiClient) -> None:
    response = api.http.post(
        "/v1/documents",
        headers=api.headers,
        files={"file": ("a.xml", EHF.read_bytes())},
        data={"external_id": "x" * 201},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_input"
