"""No English reaches a Norwegian user: every visible text is from the nb catalogue, or data.

GIVEN a Norwegian administrator with e-invoices, a text PDF, a scan of it (a duplicate), a
damaged PDF and a file Kontera cannot read
WHEN they walk the queue, every document, the settings, suppliers, users and models pages,
notifications, the archive search, error pages, and the sign-in page, in Chromium
THEN every text node and every title/placeholder/label is a Norwegian text of the catalogue
(with its parameters filled in) or data the page shows as it is.

The check cannot pass vacuously: it must find catalogue texts in most nodes, it must flag an
English sentence planted in the page, and the same walk in English must fail it.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pypdfium2
import pytest

from kontera.services.context import AppContext
from kontera.services.review import pages as review_pages
from kontera.services.suggest.chart import company_chart
from tests.conftest import FIXTURES
from tests.review.conftest import Bureau
from tests.review.conftest import LiveServer
from tests.review.conftest import make_bureau
from tests.review.invoice_pdf import invoice_pdf
from tests.review.test_acceptance_ui import VIEWPORT
from tests.review.test_acceptance_ui import demo_invoices
from tests.review.test_acceptance_ui import sign_in
from tests.review.test_acceptance_ui import upload
from tests.review.visible_text import CataloguePatterns
from tests.review.visible_text import data_strings
from tests.review.visible_text import unexplained
from tests.review.visible_text import visible_texts

pytestmark = pytest.mark.live

# The interpretation's own words are data; what Kontera says about them is not.
NOT_DATA = frozenset({"notes", "fields", "message", "reason", "text", "status_reason"})


def _scan_of(pdf: bytes) -> bytes:
    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=200 / 72).to_pil()
    document.close()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _documents(server: LiveServer, bureau: Bureau) -> list[str]:
    pdf = invoice_pdf()
    ids = [upload(server, bureau, path.read_bytes(), path.name) for path in demo_invoices()]
    ids.append(upload(server, bureau, pdf, "fjordtre.pdf"))
    ids.append(upload(server, bureau, _scan_of(pdf), "fjordtre-skannet.png"))  # a duplicate
    ids.append(upload(server, bureau, b"%PDF-1.4\n1 0 obj <<>> broken", "skadet.pdf"))
    ids.append(upload(server, bureau, b"just some words, no invoice", "notat.txt"))
    return ids


def _data(ctx: AppContext, bureau: Bureau, ids: list[str]) -> set[str]:
    found = {bureau.company.name, bureau.company.chart, bureau.user_email, *ids}
    for document_id in ids:
        view = review_pages.document_detail(
            ctx, company_id=bureau.company.id, document_id=document_id
        )
        found |= data_strings(view.get("invoice") or {}, skip=NOT_DATA)
        found |= {v for v in (view.get("filename"), view.get("supplier_name")) if v}
        found |= {v for v in (view.get("invoice_number"), view.get("external_id")) if v}
    chart = company_chart(ctx, company_id=bureau.company.id)  # the chart's names, as kept
    found |= {a.name for a in chart.accounts.values()} | {v.name for v in chart.vat_codes.values()}
    with (FIXTURES / "demo" / "history.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):  # the company's books: supplier and line texts
            found |= {row["supplier_name"], row["description"]}
    return found


def _walk(page: Any, base: str, bureau: Bureau, ids: list[str]) -> list[str]:
    company = bureau.company.id
    paths = ["/", "/?status=all", f"/c/{company}/settings", f"/c/{company}/suppliers"]
    paths += ["/users", "/models", f"/c/{company}/d/no-such-document", f"/c/{company}/attestation"]
    paths += ["/notifications", "/archive?q=Fjordtre", "/archive?q=ingen-slik-faktura"]
    paths += [f"/c/{company}/d/{document_id}" for document_id in ids]
    texts: list[str] = []
    for path in paths:
        page.goto(base + path)
        texts += visible_texts(page)
    # An error from a form: a threshold that is not a number.
    page.goto(f"{base}/c/{company}/settings")
    page.fill("#threshold", "mye")
    with page.expect_navigation():
        page.click("form[action$='/settings'] button[type=submit]")
    texts += visible_texts(page)
    return texts


def test_no_english_reaches_a_norwegian_user(
    ctx: AppContext, live_server: LiveServer, chromium: Any
) -> None:
    fjord = make_bureau(
        ctx,
        bureau="Fjordbyrå",
        company="Demo Regnskap AS",
        org="999999905",
        email="admin@fjord.no",
        role="admin",
    )
    ids = _documents(live_server, fjord)
    data = _data(ctx, fjord, ids)
    nb = CataloguePatterns.of("nb")
    page = sign_in(chromium, live_server, fjord.user_email)

    texts = _walk(page, live_server.url, fjord, ids)
    guest = chromium.new_context(viewport=VIEWPORT, locale="nb-NO").new_page()
    guest.goto(f"{live_server.url}/login")
    texts += visible_texts(guest)

    walked = "\n".join(texts)
    for seen in ("Det gikk ikke", "Finner ikke dokumentet.", "Terskel og høyeste beløp må være"):
        assert seen in walked  # the error pages were reached, in Norwegian
    for seen in ("Varsler", "Mulig duplikat", "Arkiv", "Ingenting funnet."):
        assert seen in walked  # notifications and the archive search (hits and none)
    for seen in ("Dette ser ut som et duplikat av", "Må sjekkes:", "Merknad:", "Logg inn"):
        assert seen in walked  # warnings, notes and the sign-in page were checked too
    verdict = unexplained(texts, nb, data)
    assert verdict.unexplained == [], "\n".join(verdict.unexplained)
    assert verdict.checked > 300, "the walk saw too little to mean anything"
    assert verdict.from_catalogue > verdict.checked / 2, "most texts must come from the catalogue"

    # The check can fail: an English sentence planted in the page is caught …
    page.goto(f"{live_server.url}/")
    page.evaluate("document.querySelector('main').append('Approve the invoice')")
    planted = unexplained(visible_texts(page), nb, data)
    assert any("Approve the invoice" in t for t in planted.unexplained)


def test_the_same_walk_in_english_fails_the_norwegian_check(
    ctx: AppContext, live_server: LiveServer, chromium: Any
) -> None:
    """… and the English UI, checked against the Norwegian catalogue, is full of findings."""
    vidda = make_bureau(
        ctx, bureau="Viddabyrå", company="Vidda AS", org="999999913", email="ola@vidda.no"
    )
    upload(live_server, vidda, invoice_pdf(), "faktura.pdf")
    page = sign_in(chromium, live_server, vidda.user_email)
    with page.expect_navigation():
        page.select_option("#locale", "en")
    verdict = unexplained(visible_texts(page), CataloguePatterns.of("nb"), {"Vidda AS"})
    assert len(verdict.unexplained) >= 10
