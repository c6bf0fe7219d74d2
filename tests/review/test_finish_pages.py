"""The finishing pages through the real application (no browser): pickers, notes, archive,
notifications, upload without JavaScript, the connection test, Fortnox in words, and every
new route closed to another bureau."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kontera.services.context import AppContext
from kontera.services.pipeline.documents import receive_document
from kontera.services.post import connections
from kontera.services.post import posting
from kontera.services.suggest.chart_fill import load_demo_chart
from kontera.store import repo
from kontera.store.db import session_scope
from tests.conftest import FIXTURES
from tests.review.conftest import PASSWORD
from tests.review.conftest import Bureau
from tests.review.conftest import make_bureau
from tests.review.invoice_pdf import invoice_pdf
from tests.review.ui_client import UiClient


@pytest.fixture
def web(ctx: AppContext) -> Iterator[TestClient]:
    from kontera.web import create_web_app

    with TestClient(create_web_app(ctx)) as client:
        yield client


@pytest.fixture
def fjord(ctx: AppContext) -> Bureau:
    found = make_bureau(
        ctx,
        bureau="Fjordbyrå",
        company="Demo Regnskap AS",
        org="999999905",
        email="kari@fjord.no",
        role="admin",
    )
    load_demo_chart(ctx, company_id=found.company.id, fixtures=FIXTURES)
    return found


def receive(ctx: AppContext, bureau: Bureau, data: bytes, name: str) -> str:
    return receive_document(ctx, company_id=bureau.company.id, data=data, filename=name).document.id


def test_the_pickers_find_accounts_and_vat_codes_by_number_or_name(
    web: TestClient, fjord: Bureau
) -> None:
    UiClient(web, fjord.user_email, PASSWORD)
    base = f"/c/{fjord.company.id}/chart"
    by_name = web.get(f"{base}/accounts", params={"q": "strøm"}).json()
    assert by_name[0] == {"value": "6340", "name": "Strøm og oppvarming"}
    by_number = web.get(f"{base}/accounts", params={"q": "63"}).json()
    assert [a["value"] for a in by_number][:2] == ["6300", "6320"]
    assert all(a["value"].startswith("63") for a in by_number)
    vat = web.get(f"{base}/vat-codes", params={"q": "1"}).json()
    assert vat[0]["value"] == "1" and vat[0]["name"]


def test_a_note_is_kept_shown_and_found_in_the_archive(
    ctx: AppContext, web: TestClient, fjord: Bureau
) -> None:
    ui = UiClient(web, fjord.user_email, PASSWORD)
    document_id = receive(ctx, fjord, invoice_pdf(), "fjordtre.pdf")
    base = f"/c/{fjord.company.id}/d/{document_id}"
    assert ui.post(f"{base}/notes", {"text": "Spurt om rabatten"}).status_code == 303
    page = web.get(base).text
    assert "Spurt om rabatten" in page and "kari@fjord.no" in page

    found = web.get("/archive", params={"q": "rabatten"}).text
    assert base in found and "1 funnet" in found
    by_amount = web.get("/archive", params={"q": "12 500,00"}).text
    assert base in by_amount
    assert "Ingenting funnet." in web.get("/archive", params={"q": "finnes-ikke"}).text


def test_notifications_list_what_needs_the_person_and_the_badge_counts_it(
    ctx: AppContext, web: TestClient, fjord: Bureau
) -> None:
    UiClient(web, fjord.user_email, PASSWORD)
    receive(ctx, fjord, invoice_pdf(), "a.pdf")
    duplicate = receive(ctx, fjord, invoice_pdf(without=("Sjøgata",)), "b.pdf")
    receive(ctx, fjord, b"%PDF-1.4 broken", "broken.pdf")
    queue = web.get("/").text
    assert 'class="badge"' in queue and ">2<" in queue  # a duplicate and an unreadable file
    page = web.get("/notifications").text
    assert "Mulig duplikat" in page and f"/d/{duplicate}" in page
    assert "Kontera kunne ikke lese dokumentet" in page
    assert "fakturaer venter på kontroll" in page
    assert 'class="tag">ny<' not in web.get("/notifications").text  # seen now


def test_upload_without_javascript_takes_several_files(
    ctx: AppContext, web: TestClient, fjord: Bureau
) -> None:
    ui = UiClient(web, fjord.user_email, PASSWORD)
    files = [
        ("files", ("a.pdf", invoice_pdf("UP-1"), "application/pdf")),
        ("files", ("b.pdf", invoice_pdf("UP-2"), "application/pdf")),
        ("files", ("empty.pdf", b"", "application/pdf")),
    ]
    response = web.post(
        "/upload",
        data={"csrf_token": ui.csrf, "company": fjord.company.id},
        files=files,
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/?uploaded=2&again=0&refused=1"
    assert "2 lastet opp" in web.get(response.headers["location"]).text


def test_the_connection_test_and_fortnox_speak_to_the_bookkeeper(
    web: TestClient, fjord: Bureau
) -> None:
    ui = UiClient(web, fjord.user_email, PASSWORD)
    settings = web.get(f"/c/{fjord.company.id}/settings").text
    assert 'id="fortnox-unavailable"' in settings and "KONTERA_" not in settings
    refused = ui.post(f"/c/{fjord.company.id}/connection/fortnox")
    assert refused.status_code == 409
    assert "Ask whoever runs your Kontera" in refused.text and "KONTERA_" not in refused.text

    ui.post(f"/c/{fjord.company.id}/connection", {"system": "tripletex", "secret": "token"})
    tested = ui.post(f"/c/{fjord.company.id}/connection/test")
    assert tested.status_code == 303
    page = web.get(tested.headers["location"]).text
    assert 'id="connection-result"' in page and "Virker ikke" in page
    assert "KONTERA_" not in page


def test_another_bureau_reaches_none_of_the_new_routes(
    ctx: AppContext, web: TestClient, fjord: Bureau
) -> None:
    document_id = receive(ctx, fjord, invoice_pdf(), "fjordtre.pdf")
    make_bureau(
        ctx,
        bureau="Vidda",
        company="Vidda Kunde AS",
        org="923609016",
        email="ola@vidda.no",
        history=False,
    )
    ui = UiClient(web, "ola@vidda.no", PASSWORD)
    company = f"/c/{fjord.company.id}"
    base = f"{company}/d/{document_id}"
    for path in (f"{company}/chart/accounts", f"{base}/exported-file"):
        assert web.get(path).status_code == 404, path
    for path, form in (
        (f"{base}/not-duplicate", {}),
        (f"{base}/keep-instead", {}),
        (f"{base}/reject-duplicate", {}),
        (f"{base}/undo", {}),
        (f"{base}/notes", {"text": "x"}),
        (f"{base}/page/1/turn", {"by": "1"}),
        (f"{company}/held-export", {"fmt": "sie4"}),
        (f"{company}/connection/test", {}),
    ):
        assert ui.post(path, form).status_code == 404, path
    assert f"/d/{document_id}" not in web.get("/archive", params={"q": "fjordtre"}).text
    upload = web.post(
        "/upload",
        data={"csrf_token": ui.csrf, "company": fjord.company.id},
        files=[("files", ("x.pdf", invoice_pdf("X-1"), "application/pdf"))],
        follow_redirects=False,
    )
    assert upload.status_code == 404


def test_a_credit_note_carries_one_minus_sign_and_dates_are_typed_the_norwegian_way(
    ctx: AppContext, web: TestClient, fjord: Bureau
) -> None:
    """GIVEN a credit note read from a PDF (it pays back 153 709,97)
    WHEN a Norwegian bookkeeper opens it and types a due date as 15.12.2017
    THEN every amount shows one minus sign, the type says "Kreditnota", and the date is taken
    and shown as typed."""
    ui = UiClient(web, fjord.user_email, PASSWORD)
    pdf = (FIXTURES / "pdf" / "no-labels_above-000.pdf").read_bytes()
    document_id = receive(ctx, fjord, pdf, "kreditnota.pdf")
    base = f"/c/{fjord.company.id}/d/{document_id}"
    page = web.get(base).text
    assert 'value="−153 709,97"' in page  # the amount due, in its field
    for doubled in ("−-", "-−", "−−", "--1"):
        assert doubled not in page.replace("<!--", "").replace("-->", "")
    assert '<option value="credit_note" selected>Kreditnota</option>' in page
    queue = web.get("/", params={"status": "all"}).text
    assert re.search(r"(?<![−-])[−-]153\u00a0709,97", queue)  # the queue: one sign too

    answer = ui.post(f"{base}/fields", {"f:due_date": "15.12.2017", "o:due_date": ""})
    assert answer.status_code == 303
    assert 'id="f-due_date" name="f:due_date" value="15.12.2017"' in web.get(base).text
    refused = ui.post(f"{base}/fields", {"f:due_date": "31.02.2017", "o:due_date": ""})
    assert refused.status_code == 422
    assert "31.02.2017 er ikke en dato: skriv den som 15.12.2017." in refused.text


def test_a_duplicate_is_swapped_or_rejected_from_its_page(
    ctx: AppContext, web: TestClient, fjord: Bureau
) -> None:
    """GIVEN a complete invoice flagged as the duplicate of an earlier, poorer copy
    WHEN the bookkeeper keeps this one instead
    THEN it goes on to review and the earlier copy becomes the duplicate (linked back);
    AND a third copy, rejected as a duplicate, is rejected with the reason in Norwegian."""
    ui = UiClient(web, fjord.user_email, PASSWORD)
    poor = receive(ctx, fjord, invoice_pdf(without=("Sjøgata",)), "foto.pdf")
    full = receive(ctx, fjord, invoice_pdf(), "skann.pdf")
    company = fjord.company.id
    page = web.get(f"/c/{company}/d/{full}").text
    assert f'href="/c/{company}/d/{poor}" data-other-document' in page

    assert ui.post(f"/c/{company}/d/{full}/keep-instead").status_code == 303
    assert 'id="duplicate"' not in web.get(f"/c/{company}/d/{full}").text
    swapped = web.get(f"/c/{company}/d/{poor}").text
    assert f'href="/c/{company}/d/{full}" data-other-document' in swapped

    third = receive(ctx, fjord, invoice_pdf(), "kopi.pdf")
    assert ui.post(f"/c/{company}/d/{third}/reject-duplicate").status_code == 303
    rejected = web.get(f"/c/{company}/d/{third}").text
    assert "Et duplikat av en faktura som alt er mottatt." in rejected
    assert 'id="approve"' not in rejected


def test_an_approval_into_the_export_folder_names_the_file_it_wrote(
    ctx: AppContext, web: TestClient, fjord: Bureau, tmp_path: Path
) -> None:
    """GIVEN a company whose connection is the export folder (as the demo company's)
    WHEN an invoice is approved on its page as suggested
    THEN the voucher is written into the folder and the page names that file."""
    folder = tmp_path / "export"
    settings = {"folder": str(folder), "format": "csv", "currency": "NOK"}
    connections.connect(ctx, company_name=fjord.company.name, system="export", settings=settings)
    ui = UiClient(web, fjord.user_email, PASSWORD)
    document_id = receive(ctx, fjord, (FIXTURES / "demo" / "ehf-02.xml").read_bytes(), "e.xml")
    base = f"/c/{fjord.company.id}/d/{document_id}"
    assert "eksportmappen" in web.get(base).text  # what approval will do, said beforehand
    assert ui.post(f"{base}/approve").status_code == 303
    with session_scope(ctx.engine) as session:
        voucher = repo.voucher_for(session, document_id=document_id)
        assert voucher is not None and voucher.id is not None
        voucher_id = voucher.id
    assert (
        posting.post_voucher(ctx, voucher_id) == "posted"
    )  # as the worker does when the undo window is over

    written = sorted(p.name for p in folder.iterdir())
    assert f"kontera-{document_id}.csv" in written
    page = web.get(base).text
    assert f"Bilaget ble skrevet til eksportmappen som kontera-{document_id}.csv." in page
