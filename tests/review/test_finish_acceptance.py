"""Acceptance (issue 14): a bookkeeper finishes invoices Kontera could not finish alone, in a
real browser (Debian's Chromium), in Norwegian.

- an invoice whose total was not read: typed in Norwegian style, a line split across two
  accounts picked by name, approved, and the voucher seen in the export file;
- a sideways scan shown upright with its boxes on the words, and turned by hand;
- a false duplicate declared not a duplicate, from a link to the other document;
- an approval undone from the next page; unsaved edits are not thrown away by Esc twice;
- several files dropped on the queue at once.
"""

from __future__ import annotations

import base64
import io
import re
import time
from typing import Any

import pytest

from kontera.domain.messages import msg
from kontera.i18n import translator
from kontera.services.context import AppContext
from kontera.services.suggest.chart_fill import load_demo_chart
from kontera.store import repo
from kontera.store.db import session_scope
from tests.conftest import FIXTURES
from tests.review.conftest import LiveServer
from tests.review.conftest import make_bureau
from tests.review.invoice_pdf import invoice_pdf
from tests.review.test_acceptance_ui import sign_in
from tests.review.test_acceptance_ui import upload

pytestmark = pytest.mark.live
NB = translator("nb")
NO_TOTAL = ("Snekkerarbeid", "Sum eks", "Mva 25", "Å betale")  # no amount at all


def bureau(ctx: AppContext, *, chart: bool = True) -> Any:
    found = make_bureau(
        ctx, bureau="Fjordbyrå", company="Demo Regnskap AS", org="999999905", email="kari@fjord.no"
    )
    if chart:
        load_demo_chart(ctx, company_id=found.company.id, fixtures=FIXTURES)
    return found


def detail(page: Any, server: LiveServer, company_id: str, document_id: str) -> None:
    page.goto(f"{server.url}/c/{company_id}/d/{document_id}")


def pick(page: Any, selector: str, typed: str) -> None:
    """Type into a picker and take the first match with Enter (as a keyboard user does)."""
    page.fill(selector, "")
    page.type(selector, typed, delay=20)
    page.locator(f"{selector} ~ .picker-list li").first.wait_for()
    page.press(selector, "Enter")


def test_finish_an_invoice_whose_total_was_not_read(
    ctx: AppContext, live_server: LiveServer, chromium: Any
) -> None:
    fjord = bureau(ctx)
    document_id = upload(live_server, fjord, invoice_pdf(without=NO_TOTAL), "uten-sum.pdf")
    page = sign_in(chromium, live_server, fjord.user_email)
    detail(page, live_server, fjord.company.id, document_id)

    # The total was not read: its field is there, empty, asking to be typed in.
    due = page.locator("#f-totals\\.payable")
    assert due.input_value() == "" and "1 234,56" in (due.get_attribute("placeholder") or "")
    assert NB.text(msg("the total amount")) in page.locator(".warnings").inner_text()

    # A typo is refused in words at the field, and nothing else is lost.
    due.fill("12 5OO,00")
    page.fill("#f-totals\\.vat", "2 500,00")
    page.press("#f-totals\\.vat", "Enter")
    page.locator("#e-totals\\.payable").wait_for()
    refusal = msg("{text} is not an amount: write it as 1 234,56.", text="12 5OO,00")
    assert page.locator("#e-totals\\.payable").inner_text() == NB.text(refusal)
    assert page.locator("#f-totals\\.vat").input_value() == "2 500,00"

    # Typed the Norwegian way, the total is taken and everything follows.
    page.fill("#f-totals\\.payable", "12 500,00")
    page.press("#f-totals\\.payable", "Enter")
    page.locator("#live").get_by_text("✓").wait_for()
    assert page.locator("#f-totals\\.payable").input_value() == "12 500,00"
    assert NB.text(msg("the total amount")) not in page.locator(".warnings").inner_text()
    assert page.locator("#amount_0").input_value() == "10 000,00"  # payable − VAT

    # Line 1 gets VAT code 1, then is split 60 % / the rest, the rest to an account found
    # by its name in the company's chart.
    pick(page, "#vat_code_0", "1")
    pick(page, "#account_0", "inventar")
    assert page.locator("#account_0").input_value() == "6540"
    page.focus("#amount_0")
    page.keyboard.press("Alt+s")
    dialog = page.locator("#split-dialog")
    dialog.wait_for()
    shares = dialog.locator('[data-part="share"]')
    shares.nth(0).fill("60 %")
    pick(page, '#split-dialog [data-parts] tr:nth-child(2) [data-part="account"]', "lokaler")
    dialog.get_by_role("button", name=re.compile("^Del$")).click()
    assert page.locator("[data-line]").count() == 2
    assert [page.locator(f"#account_{i}").input_value() for i in (0, 1)] == ["6540", "6300"]
    assert [page.locator(f"#amount_{i}").input_value() for i in (0, 1)] == ["6 000,00", "4 000,00"]
    assert page.locator("#balance").get_attribute("class") == "balance ok"
    assert "Ingen regnskapssystem er koblet til" in page.locator("#plan").inner_text()

    page.keyboard.press("Escape")
    page.keyboard.press("a")
    page.wait_for_url(lambda url: f"/d/{document_id}" not in url)
    page.locator("#approved-flash").wait_for()

    # No ledger is connected: the voucher waits, and goes out as a file from the document.
    detail(page, live_server, fjord.company.id, document_id)
    with page.expect_download() as download:
        page.locator(".held-export button[value=sie4]").click()
    sie = download.value.path().read_bytes().decode("cp437")
    assert "#TRANS 6540 {} 6000.00" in sie and "#TRANS 6300 {} 4000.00" in sie
    assert "#TRANS 2400 {} -12500.00" in sie
    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=fjord.company.id, document_id=document_id)
        assert document.status == "posted" and document.gross is not None


def sideways_scan() -> bytes:
    """The demo invoice printed, scanned at 150 dpi and fed in sideways (OCR turns it)."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(invoice_pdf("SIDE-7"))
    image = pdf[0].render(scale=150 / 72).to_pil().convert("L").rotate(90, expand=True)
    pdf.close()
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(150, 150))
    return out.getvalue()


def until(page: Any, expression: str, timeout: float = 30) -> None:
    """Poll with page.evaluate: the page's CSP forbids the eval that wait_for_function uses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.1)


def turned_image_loaded(page: Any, landscape: bool) -> None:
    compare = ">" if landscape else "<"
    until(
        page,
        "(() => { const i = document.querySelector('#page-1 img'); return i.complete && "
        f"i.naturalWidth > 0 && i.naturalWidth {compare} i.naturalHeight; }})()",
    )


def where_on_page(page: Any, box: str) -> tuple[float, float]:
    """The centre of a field's box, as a share of the shown page's width and height."""
    found = page.evaluate(
        """(box) => {
          const img = document.querySelector('#page-1 img').getBoundingClientRect();
          const b = document.getElementById(box).getBoundingClientRect();
          return [(b.left + b.width / 2 - img.left) / img.width,
                  (b.top + b.height / 2 - img.top) / img.height];
        }""",
        box,
    )
    return float(found[0]), float(found[1])


def boxes_inside_image(page: Any) -> bool:
    return bool(
        page.evaluate(
            """() => {
              const img = document.querySelector('#page-1 img').getBoundingClientRect();
              const rects = Array.from(document.querySelectorAll('#page-1 svg rect'));
              return rects.length > 3 && rects.every(r => {
                const b = r.getBoundingClientRect();
                return b.left >= img.left - 1 && b.right <= img.right + 1
                  && b.top >= img.top - 1 && b.bottom <= img.bottom + 1;
              });
            }"""
        )
    )


def test_a_sideways_scan_is_shown_upright_and_can_be_turned(
    ctx: AppContext, live_server: LiveServer, chromium: Any
) -> None:
    fjord = bureau(ctx, chart=False)
    document_id = upload(live_server, fjord, sideways_scan(), "skannet.png")
    page = sign_in(chromium, live_server, fjord.user_email)
    detail(page, live_server, fjord.company.id, document_id)
    # OCR read it turned, and the page is shown as it was read: upright, boxes on the words.
    turned_image_loaded(page, landscape=False)
    assert boxes_inside_image(page)
    x, y = where_on_page(page, "box-invoice_number")
    assert x < 0.5 and y < 0.4  # "Fakturanummer" is printed top left

    # Turned right by hand: the picture and its boxes turn together, and it is kept.
    page.get_by_role("button", name="Snu side 1 mot høyre").click()
    turned_image_loaded(page, landscape=True)
    assert boxes_inside_image(page)
    turned_x, turned_y = where_on_page(page, "box-invoice_number")
    assert abs(turned_x - (1 - y)) < 0.03 and abs(turned_y - x) < 0.03
    detail(page, live_server, fjord.company.id, document_id)
    turned_image_loaded(page, landscape=True)
    viewbox = page.locator("#page-1 svg").get_attribute("viewBox") or ""
    width, height = (float(v) for v in viewbox.split()[2:])
    assert width > height
    assert boxes_inside_image(page)


def test_a_false_duplicate_is_marked_not_a_duplicate(
    ctx: AppContext, live_server: LiveServer, chromium: Any
) -> None:
    fjord = bureau(ctx)
    first = upload(live_server, fjord, invoice_pdf(), "foto.pdf")
    second = upload(live_server, fjord, invoice_pdf(without=("Sjøgata",)), "skann.pdf")
    page = sign_in(chromium, live_server, fjord.user_email)
    detail(page, live_server, fjord.company.id, second)

    link = page.locator("[data-other-document]")
    assert link.get_attribute("href") == f"/c/{fjord.company.id}/d/{first}"
    assert "Fjordtre Snekkeri AS 2024-118" in link.inner_text()
    assert first not in page.locator("#duplicate").inner_text()  # a link, not a raw id

    page.get_by_role("button", name="Ikke et duplikat").click()
    page.wait_for_url(re.compile(f"/d/{second}"))
    assert page.locator("#duplicate").count() == 0
    assert page.locator("#approve").is_visible()
    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=fjord.company.id, document_id=second)
    assert document.status in ("suggested", "needs_review") and document.duplicate_of_id is None


def test_an_approval_is_undone_and_esc_twice_keeps_unsaved_edits(
    ctx: AppContext, live_server: LiveServer, chromium: Any
) -> None:
    fjord = bureau(ctx)
    ehf = (FIXTURES / "demo" / "ehf-02.xml").read_bytes()
    document_id = upload(live_server, fjord, ehf, "ehf-02.xml")
    page = sign_in(chromium, live_server, fjord.user_email)
    detail(page, live_server, fjord.company.id, document_id)

    # An edit, then Esc twice: the page asks instead of throwing the edit away.
    page.fill("#description_0", "Strøm kontoret")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    dialog = page.locator("#discard")
    dialog.wait_for()
    assert f"/d/{document_id}" in page.url
    dialog.locator("[data-stay]").click()
    assert page.input_value("#description_0") == "Strøm kontoret"
    assert page.evaluate("document.activeElement.id") == "description_0"  # back to the edit
    page.keyboard.press("Escape")

    page.keyboard.press("a")
    page.wait_for_url(lambda url: f"/d/{document_id}" not in url)
    page.locator("#undo-approval").click()
    page.wait_for_url(re.compile(f"/d/{document_id}.*undone=1"))
    assert "Godkjenningen er angret" in page.locator("main").inner_text()
    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=fjord.company.id, document_id=document_id)
        assert document.status == "needs_review"
        assert repo.voucher_for(session, document_id=document_id) is None


def test_several_files_dropped_on_the_queue_become_documents(
    ctx: AppContext, live_server: LiveServer, chromium: Any
) -> None:
    fjord = bureau(ctx, chart=False)
    page = sign_in(chromium, live_server, fjord.user_email)
    files = [
        ("faktura-1.pdf", "application/pdf", invoice_pdf("DROP-1")),
        ("faktura-2.pdf", "application/pdf", invoice_pdf("DROP-2")),
        ("ehf-03.xml", "application/xml", (FIXTURES / "demo" / "ehf-03.xml").read_bytes()),
    ]
    page.locator("#upload summary").click()
    page.evaluate(
        """(files) => {
          const dt = new DataTransfer();
          for (const [name, type, b64] of files) {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            dt.items.add(new File([bytes], name, { type }));
          }
          const zone = document.querySelector('[data-drop-zone]');
          zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true }));
        }""",
        [[name, kind, base64.b64encode(data).decode()] for name, kind, data in files],
    )
    page.wait_for_url(re.compile(r"uploaded=3"))
    assert "3 lastet opp" in page.locator("main").inner_text()
    page.goto(f"{live_server.url}/?status=all")
    assert page.locator("tr.row").count() == 3
