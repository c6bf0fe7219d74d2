"""PDFium is not thread-safe; the in-process worker reads PDFs on several threads at once.

Without the process-wide lock this crashed the whole process with a corrupted heap (seen
running `make run`, whose demo loads several PDFs at once).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kontera.interpret import interpret_bytes
from kontera.interpret.einvoice.visible import visible_text

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "pdf"


def test_many_threads_read_pdfs_at_once() -> None:
    pdfs = [p.read_bytes() for p in sorted(FIXTURES.glob("*.pdf"))]
    assert pdfs, "the generated PDF fixtures are part of the repository"

    def read(data: bytes) -> tuple[str | None, int]:
        return interpret_bytes(data).invoice.invoice_number, len(visible_text(data))

    work = pdfs * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(read, work))
    alone = [read(data) for data in pdfs]
    assert results == alone * 4
