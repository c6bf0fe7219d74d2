"""Page images from real PDFs and the detail page's arithmetic."""

from __future__ import annotations

import io

from PIL import Image

from kontera.review import detail
from kontera.review import pages
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.pipeline.documents import receive_document
from kontera.services.review import pages as review_pages
from tests.review.invoice_pdf import invoice_pdf


def test_pdf_pages_are_rendered_once_and_sized_in_points(ctx: AppContext) -> None:
    company = companies.create_company(ctx, name="Fjord AS", org_number="999999905")
    received = receive_document(ctx, company_id=company.id, data=invoice_pdf(), filename="f.pdf")
    source = review_pages.page_source(ctx, company_id=company.id, document_id=received.document.id)
    assert source.kind == "pdf"
    [(width, height)] = pages.page_sizes(ctx, source)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    png = pages.page_png(ctx, source, 1)
    with Image.open(io.BytesIO(png)) as image:
        assert image.width == round(width * pages.SCALE)
    key = pages.cache_key(received.document.sha256, "1.png")
    rendered = ctx.blobs.version(key)
    assert rendered is not None  # kept in the document store, not on the web host's disk
    assert pages.page_png(ctx, source, 1) == png
    assert ctx.blobs.version(key) == rendered  # from the store, not rendered again


def test_an_invoice_without_lines_offers_one_line_for_the_net_amount() -> None:
    view = {"invoice": {"seller": {"name": "Fjordtre AS"}, "totals": {"net": "10000.00"}}}
    [row] = detail.posting_rows(view)
    assert (row.account, row.amount, row.description) == ("", "10000.00", "Fjordtre AS")


def test_a_scan_is_shown_in_the_same_points_the_reader_used(ctx: AppContext) -> None:
    """GIVEN the invoice rasterised to a 200 dpi PNG without DPI metadata (a typical scan)
    WHEN it is read by OCR and shown on the detail page
    THEN the page is A4 in points and the invoice number's box sits where the PDF has it."""
    import io

    import pypdfium2

    pdf = invoice_pdf()
    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=200 / 72).to_pil()
    document.close()
    scan = io.BytesIO()
    image.save(scan, format="PNG")  # no dpi= : the reader must assume its default
    company = companies.create_company(ctx, name="Fjord AS", org_number="999999905")
    from_pdf = receive_document(ctx, company_id=company.id, data=pdf, filename="f.pdf").document
    from_scan = receive_document(
        ctx, company_id=company.id, data=scan.getvalue(), filename="f.png"
    ).document

    source = review_pages.page_source(ctx, company_id=company.id, document_id=from_scan.id)
    [(width, height)] = pages.page_sizes(ctx, source)
    assert (round(width), round(height)) == (595, 842)
    with Image.open(io.BytesIO(pages.page_png(ctx, source, 1))) as shown:
        # at the scale of a PDF page, not the scan's 200 dpi: what the browser would show
        assert shown.format == "PNG"
        assert shown.width == round(width * pages.SCALE)

    def box(document_id: str) -> list[float]:
        view = review_pages.document_detail(ctx, company_id=company.id, document_id=document_id)
        return view["invoice"]["fields"]["invoice_number"]["box"]  # type: ignore[no-any-return]

    for scanned, printed in zip(box(from_scan.id), box(from_pdf.id), strict=True):
        assert abs(scanned - printed) < 6  # points: OCR boxes are a little looser than text
