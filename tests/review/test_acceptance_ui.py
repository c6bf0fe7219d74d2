"""Acceptance: a bookkeeper works the review queue in a real browser (Debian's Chromium).

GIVEN two bureaus, each with a client company and a user, and invoices uploaded through the API
WHEN the first bureau's user signs in, opens the queue and an invoice, corrects a field and an
     account and approves with the keyboard
THEN the document is approved, the audit trail shows who did what, and the corrected account
     became posting history — while the other bureau's user cannot open any of it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from kontera.domain.codec import invoice_from_json
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import PostingHistory
from tests.conftest import FIXTURES
from tests.review.conftest import PASSWORD
from tests.review.conftest import Bureau
from tests.review.conftest import LiveServer
from tests.review.conftest import make_bureau
from tests.review.invoice_pdf import invoice_pdf

pytestmark = pytest.mark.live
VIEWPORT = {"width": 1366, "height": 768}


def upload(server: LiveServer, bureau: Bureau, data: bytes, filename: str) -> str:
    response = httpx.post(
        f"{server.url}/v1/documents",
        headers={"Authorization": f"Bearer {bureau.api_key}"},
        files={"file": (filename, data)},
        timeout=60,
    )
    assert response.status_code in (200, 202), response.text
    return str(response.json()["id"])


def upload_demo_set(server: LiveServer, bureau: Bureau) -> dict[str, str]:
    ids = {p.name: upload(server, bureau, p.read_bytes(), p.name) for p in demo_invoices()}
    ids["fjordtre.pdf"] = upload(server, bureau, invoice_pdf(), "fjordtre.pdf")
    return ids


def demo_invoices() -> list[Path]:
    return sorted((FIXTURES / "demo").glob("ehf-*.xml"))


def leave_input(page: Any) -> None:
    """Escape out of the field being typed in, as a person would.

    On a slow machine the account picker may have opened its list by then: the first Escape
    only closes the list, as it should, and the field keeps the focus.
    """
    page.keyboard.press("Escape")
    if page.evaluate("document.activeElement.matches('input, select, textarea')"):
        page.keyboard.press("Escape")


def sign_in(
    browser: Any, server: LiveServer, email: str, viewport: dict[str, int] = VIEWPORT
) -> Any:
    page = browser.new_context(viewport=viewport, locale="nb-NO").new_page()
    page.goto(f"{server.url}/")
    assert "/login" in page.url
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"{server.url}/")
    return page


def test_bookkeeper_corrects_and_approves_with_the_keyboard(
    ctx: AppContext, live_server: LiveServer, chromium: Any, screenshots: Path
) -> None:
    fjord = make_bureau(
        ctx, bureau="Fjordbyrå", company="Demo Regnskap AS", org="999999905", email="kari@fjord.no"
    )
    ids = upload_demo_set(live_server, fjord)
    page = sign_in(chromium, live_server, fjord.user_email)

    # The queue lists every uploaded invoice; j + Enter opens the first row.
    rows = page.locator("tr.row")
    assert rows.count() == len(ids)
    page.screenshot(path=str(screenshots / "queue.png"))
    first = rows.nth(0).get_attribute("data-href")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(first.split("?")[0])))

    # A PDF invoice shows its rendered page with the interpreted fields boxed on it.
    page.goto(f"{live_server.url}/c/{fjord.company.id}/d/{ids['fjordtre.pdf']}")
    image = page.locator("figure.page img")
    image.wait_for()
    page.wait_for_function("document.querySelector('figure.page img').naturalWidth > 0")
    assert page.locator("svg.boxes rect").count() >= 5
    # The boxes' layer lies exactly over the page image, so a box sits on its words.
    image_box = image.bounding_box()
    layer_box = page.locator("figure.page svg.boxes").first.bounding_box()
    assert image_box is not None and layer_box is not None
    for key in ("x", "y", "width", "height"):
        assert abs(image_box[key] - layer_box[key]) < 1, (key, image_box, layer_box)
    # Each field is coloured by its confidence: green ≥ 95 %, amber ≥ 80 %, red below.
    shown = page.evaluate(
        """Array.from(document.querySelectorAll('#fields .field')).map(el =>
             [el.className, el.querySelector('.conf').textContent])"""
    )
    assert shown
    for classes, percent in shown:
        if percent.strip() == "–":
            continue
        value = int(percent.replace("%", "").strip())
        expected = "conf-high" if value >= 95 else "conf-mid" if value >= 80 else "conf-low"
        assert expected in classes.split(), (classes, percent)
    page.screenshot(path=str(screenshots / "detail.png"))

    # An e-invoice from a known supplier: correct the due date and an account, approve with "a".
    document_id = ids["ehf-02.xml"]
    page.goto(f"{live_server.url}/c/{fjord.company.id}/d/{document_id}")
    assert page.locator("#account_0").input_value() == "6340"
    page.fill("#f-due_date", "2026-12-01")
    page.press("#f-due_date", "Enter")
    page.locator("#audit").get_by_text("rettet").wait_for()  # "corrected", for a nb user
    page.fill("#account_0", "6360")
    leave_input(page)  # keys now act on the page
    page.keyboard.press("a")
    page.wait_for_url(lambda url: f"/d/{document_id}" not in url)

    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=fjord.company.id, document_id=document_id)
        events = repo.document_events(session, document_id=document_id)
        learned = session.exec(
            select(PostingHistory).where(PostingHistory.document_id == document_id)
        ).all()
        interpretation = repo.latest_interpretation(session, document_id=document_id)
    assert document.status == "approved"
    by_action = {e.action: e for e in events}
    assert by_action["corrected"].actor == fjord.user_email
    approved = by_action["status:approved"]
    assert approved.actor == fjord.user_email and approved.detail["edited"] is True
    assert sorted(line.account for line in learned) == ["6340", "6360"]  # line 1 corrected
    assert all(line.source == "approval" for line in learned)
    assert interpretation is not None
    due = invoice_from_json(interpretation.payload).fields["due_date"]
    assert str(due.value) == "2026-12-01" and due.source.value == "person"

    # The audit trail on the page tells the same story.
    page.goto(f"{live_server.url}/c/{fjord.company.id}/d/{document_id}")
    audit = page.locator("#audit").inner_text()
    assert "rettet" in audit and "→ Godkjent" in audit and fjord.user_email in audit


def test_a_user_of_another_bureau_cannot_open_the_company(
    ctx: AppContext, live_server: LiveServer, chromium: Any
) -> None:
    fjord = make_bureau(
        ctx, bureau="Fjordbyrå", company="Demo Regnskap AS", org="999999905", email="kari@fjord.no"
    )
    other = make_bureau(
        ctx,
        bureau="Vidda Regnskap",
        company="Vidda Kunde AS",
        org="923609016",
        email="ola@vidda.no",
        history=False,
    )
    pdf_id = upload(live_server, fjord, invoice_pdf(), "fjordtre.pdf")
    page = sign_in(chromium, live_server, other.user_email)
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    base = f"{live_server.url}/c/{fjord.company.id}/d/{pdf_id}"

    assert page.goto(base).status == 404
    for fragment in ("/fields", "/audit", "/page/1.png"):
        assert page.request.get(base + fragment).status == 404, fragment
    headers = {"X-CSRF-Token": csrf, "X-Requested-With": "fetch"}
    for action, form in (
        ("/approve", {}),
        ("/reject", {"reason": "x"}),
        ("/fields", {"f:invoice_number": "1"}),
    ):
        response = page.request.post(base + action, headers=headers, form=form)
        assert response.status == 404, action
    assert page.goto(f"{live_server.url}/c/{fjord.company.id}/settings").status == 404
    assert page.goto(f"{live_server.url}/c/{fjord.company.id}/suppliers").status == 404
    page.goto(f"{live_server.url}/?company={fjord.company.id}&status=all")
    assert page.locator("tr.row").count() == 0

    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=fjord.company.id, document_id=pdf_id)
        assert document.status == "needs_review"


@pytest.mark.parametrize(
    "viewport", [VIEWPORT, {"width": 820, "height": 1180}], ids=["laptop", "tablet"]
)
def test_queue_and_detail_fit_the_screen_without_sideways_scrolling(
    ctx: AppContext, live_server: LiveServer, chromium: Any, viewport: dict[str, int]
) -> None:
    fjord = make_bureau(
        ctx, bureau="Fjordbyrå", company="Demo Regnskap AS", org="999999905", email="kari@fjord.no"
    )
    pdf_id = upload(live_server, fjord, invoice_pdf(), "fjordtre.pdf")
    upload(live_server, fjord, demo_invoices()[0].read_bytes(), "ehf.xml")
    page = sign_in(chromium, live_server, fjord.user_email, viewport)
    overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert page.evaluate(overflow) <= 1
    page.goto(f"{live_server.url}/c/{fjord.company.id}/d/{pdf_id}")
    page.locator("figure.page img").wait_for()
    assert page.evaluate(overflow) <= 1
    # Every input on the page has a label a screen reader can announce.
    unlabelled = page.evaluate(
        """Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
             .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
             .map(el => el.name)"""
    )
    assert unlabelled == []


def test_approve_and_reject_from_the_queue_with_the_keyboard(
    ctx: AppContext, live_server: LiveServer, chromium: Any
) -> None:
    fjord = make_bureau(
        ctx, bureau="Fjordbyrå", company="Demo Regnskap AS", org="999999905", email="kari@fjord.no"
    )
    for path in demo_invoices()[:2]:
        upload(live_server, fjord, path.read_bytes(), path.name)
    page = sign_in(chromium, live_server, fjord.user_email)
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.keyboard.press("Escape")
    rows = page.locator("tr.row")
    first, second = (rows.nth(i).get_attribute("data-id") for i in range(2))
    page.keyboard.press("j")
    page.keyboard.press("a")  # approve the selected row with its suggested postings
    page.locator("tr.row.done.approve").wait_for()
    page.once("dialog", lambda dialog: dialog.accept("Not our invoice"))
    page.keyboard.press("r")  # the selection moved on to the second row
    page.locator("tr.row.done.reject").wait_for()
    with session_scope(ctx.engine) as session:
        approved = repo.get_document(session, company_id=fjord.company.id, document_id=first)
        rejected = repo.get_document(session, company_id=fjord.company.id, document_id=second)
    assert approved.status == "approved"
    assert (rejected.status, rejected.status_reason) == ("rejected", "Not our invoice")


def test_approving_without_an_account_is_refused_on_the_page_and_edits_stay(
    ctx: AppContext, live_server: LiveServer, chromium: Any
) -> None:
    fjord = make_bureau(
        ctx, bureau="Fjordbyrå", company="Demo Regnskap AS", org="999999905", email="kari@fjord.no"
    )
    pdf_id = upload(live_server, fjord, invoice_pdf(), "fjordtre.pdf")
    page = sign_in(chromium, live_server, fjord.user_email)
    page.goto(f"{live_server.url}/c/{fjord.company.id}/d/{pdf_id}")
    page.fill("#description_0", "Snekkerarbeid kontor")
    leave_input(page)
    page.keyboard.press("a")
    page.locator("#live").get_by_text("Velg en konto for linje 1").wait_for()  # in Norwegian
    assert page.input_value("#description_0") == "Snekkerarbeid kontor"
    page.fill("#account_0", "6620")
    leave_input(page)
    page.keyboard.press("a")
    page.wait_for_url(lambda url: f"/d/{pdf_id}" not in url)
    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=fjord.company.id, document_id=pdf_id)
        voucher = repo.voucher_for(session, document_id=pdf_id)
    assert document.status == "approved"
    assert voucher is not None
    [line] = voucher.payload["lines"]
    assert (line["account"], line["description"]) == ("6620", "Snekkerarbeid kontor")
    assert line["amount"] == "10000.00"  # the net amount offered for an invoice without lines
