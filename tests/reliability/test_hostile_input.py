"""Bombs and tricks sent to the API end as readable `failed` documents, never as a crash.

GIVEN a running API (jobs inline)
WHEN  XML bombs (entity expansion, XXE, external DTD, parameter entity, 100 000-deep nesting),
      a PDF whose stream inflates to 300 MB, a PDF with a 10-gigapixel image, a 10 000-page
      PDF, a PNG announcing 3.6 gigapixels and a 200 MB ZIP bomb are uploaded
THEN  each upload is accepted (the original is kept) and its document ends `failed` with a
      reason a bookkeeper can read; nothing answers 500.
AND   path-traversal file names never reach the file system, and over-sized uploads get 413.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kontera.api.app import create_app
from kontera.config import Settings
from kontera.jobs.queue import attach_queue
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.context import build_context
from tests.conftest import FIXTURES
from tests.reliability import bombs
from tests.reliability.invoices import demo_invoices
from tests.reliability.test_fuzz import assert_readable

HOSTILE_XML = sorted((FIXTURES / "einvoice").glob("*.xml"))


@pytest.fixture
def client(ctx: AppContext) -> Iterator[TestClient]:
    company = companies.create_company(ctx, name="Angrepet AS")
    key = companies.create_api_key(ctx, company_name=company.name).key
    with TestClient(create_app(ctx)) as http:
        http.headers["Authorization"] = f"Bearer {key}"
        yield http


def upload_and_follow(client: TestClient, data: bytes, filename: str) -> dict:  # type: ignore[type-arg]
    response = client.post("/v1/documents", files={"file": (filename, data)})
    assert response.status_code == 202, response.text
    document = client.get(f"/v1/documents/{response.json()['id']}")
    assert document.status_code == 200, document.text
    return document.json()  # type: ignore[no-any-return]


def assert_failed_readably(document: dict) -> None:  # type: ignore[type-arg]
    assert document["status"] == "failed", document["status"]
    assert_readable(document["status_reason"])
    assert document["events"][0]["action"] == "received", "the original was recorded first"


@pytest.mark.parametrize("path", HOSTILE_XML, ids=lambda p: p.name)
def test_xml_bombs_fail_readably(client: TestClient, path: Path) -> None:
    document = upload_and_follow(client, path.read_bytes(), path.name)
    assert_failed_readably(document)
    assert "root:" not in document["status_reason"], "no local file content may leak"


MADE: dict[str, Callable[[Path], bytes]] = {
    "deeply-nested.xml": lambda _: bombs.deeply_nested_xml(),
    "flate-bomb-40mb.pdf": lambda tmp: bombs.pdf_flate_bomb(tmp, 40),
    "huge-image.pdf": lambda tmp: bombs.pdf_huge_image(tmp),
    "10000-pages.pdf": lambda tmp: bombs.pdf_with_pages(tmp, 10_000),
    "pixel-bomb.png": lambda _: bombs.png_pixel_bomb(),
    "zip-bomb.zip": lambda _: bombs.zip_bomb(),
}


@pytest.mark.parametrize("name", MADE)
def test_bombs_made_on_the_fly_fail_readably(client: TestClient, tmp_path: Path, name: str) -> None:
    document = upload_and_follow(client, MADE[name](tmp_path), name)
    assert_failed_readably(document)


def test_a_10000_page_pdf_is_refused_for_its_page_count(client: TestClient, tmp_path: Path) -> None:
    document = upload_and_follow(client, bombs.pdf_with_pages(tmp_path, 10_000), "long.pdf")
    assert_failed_readably(document)
    reason = document["status_reason"].replace("\u00a0", " ")
    assert "10000" in reason.replace(" ", "") and "page" in reason


TRAVERSAL = [
    "../../../../etc/passwd",
    "..\\..\\..\\windows\\win.ini",
    "/etc/cron.d/kontera",
    "originals/../../kontera.db",
    "faktura\x00.xml",
    "....//....//faktura.xml",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
]


@pytest.mark.parametrize("filename", TRAVERSAL)
def test_path_traversal_names_stay_names(
    client: TestClient, ctx: AppContext, tmp_path: Path, filename: str
) -> None:
    before = {p for p in tmp_path.parent.rglob("*")}
    data = demo_invoices()[0] + filename.encode("utf-8", "replace")
    response = client.post("/v1/documents", files={"file": (filename, data)})
    assert response.status_code in (200, 202, 422), response.text
    if response.status_code == 422:
        return
    document = client.get(f"/v1/documents/{response.json()['id']}").json()
    stored = document["filename"] or ""
    assert "/" not in stored and "\\" not in stored and "\x00" not in stored
    assert not stored.startswith("..")
    created = {p for p in tmp_path.parent.rglob("*")} - before
    data_dir = ctx.settings.data_dir.resolve()
    assert all(p.resolve().is_relative_to(data_dir) for p in created), created
    original = client.get(f"/v1/documents/{document['id']}/original")
    assert original.content == data


@pytest.fixture
def small_limit_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path / "small", immediate_jobs=True, max_upload_bytes=100_000)
    ctx, _ = attach_queue(build_context(settings))
    company = companies.create_company(ctx, name="Liten AS")
    key = companies.create_api_key(ctx, company_name=company.name).key
    with TestClient(create_app(ctx)) as http:
        http.headers["Authorization"] = f"Bearer {key}"
        yield http
    ctx.engine.dispose()


def test_oversized_uploads_are_refused_before_they_are_stored(
    small_limit_client: TestClient, tmp_path: Path
) -> None:
    response = small_limit_client.post("/v1/documents", files={"file": ("big.pdf", bytes(300_000))})
    assert response.status_code == 413
    assert "limit" in response.json()["message"]
    originals = tmp_path / "small" / "originals"
    assert not originals.exists() or not any(p.is_file() for p in originals.rglob("*"))


def test_chunked_oversized_uploads_are_refused(small_limit_client: TestClient) -> None:
    def body() -> Iterator[bytes]:
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n'
        for _ in range(40):
            yield bytes(10_000)
        yield b"\r\n--x--\r\n"

    response = small_limit_client.post(
        "/v1/documents",
        content=body(),
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert response.status_code == 413


def test_an_empty_upload_is_refused_with_a_reason(client: TestClient) -> None:
    response = client.post("/v1/documents", files={"file": ("empty.pdf", b"")})
    assert response.status_code == 422
    assert "empty" in response.json()["message"].lower()
