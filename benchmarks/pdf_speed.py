"""Speed of reading PDFs and scans.

    .venv/bin/python benchmarks/pdf_speed.py            # all four tables
    .venv/bin/python benchmarks/pdf_speed.py --pages 6  # fewer OCR pages (quicker)

1. Text-layer PDFs: milliseconds per page, end to end (`PdfTextInterpreter.interpret`), over
   the corpus PDFs (../shared/corpus/pdf/zugferd), the committed fixtures and two invoices of
   each generated layout family (some of several pages); the field model is loaded first.
2. Scans: Kontera's time per page (`ImageInterpreter.interpret`, one worker, fields included)
   against bare `tesseract` CLI on the same PNG files with the same languages.
3. Throughput: pages per minute with both cores (`ocr_pages`, 2 workers).
4. Resolution: field accuracy and time per page when a PDF page without text is rendered at
   150, 200 or 300 dpi for OCR — the resolution that pays off.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "fixtures"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _zugferd_truth import CORPUS  # noqa: E402
from families.generate import samples  # noqa: E402
from generate import degrade  # noqa: E402
from generate import generate  # noqa: E402
from generate import rasterise  # noqa: E402
from PIL import Image  # noqa: E402

from kontera.domain.invoice import read_path  # noqa: E402
from kontera.interpret.base import InterpretContext  # noqa: E402
from kontera.interpret.fields.assemble import assemble_invoice  # noqa: E402
from kontera.interpret.pages.image import ImageInterpreter  # noqa: E402
from kontera.interpret.pages.ocr import OcrSettings  # noqa: E402
from kontera.interpret.pages.ocr import PageImage  # noqa: E402
from kontera.interpret.pages.ocr import ocr_pages  # noqa: E402
from kontera.interpret.pages.pdf import PdfTextInterpreter  # noqa: E402

LANGUAGES = "swe+nor+eng"
KEY_FIELDS = [
    "invoice_number",
    "issue_date",
    "due_date",
    "totals.net",
    "totals.vat",
    "totals.gross",
    "payment.kid",
]


def text_layer(ctx: InterpretContext) -> None:
    files = sorted(CORPUS.rglob("*.pdf")) + sorted((ROOT / "fixtures" / "pdf").glob("*.pdf"))
    documents = [path.read_bytes() for path in files]
    documents += [sample.pdf for sample in samples(2, seed=101)]  # the layout families
    per_page, cpu_per_page, total_pages = [], [], 0
    interpreter = PdfTextInterpreter()
    interpreter.interpret(documents[0], ctx)  # the field model loads once per process
    for data in documents:
        started, cpu = time.perf_counter(), time.process_time()
        result = interpreter.interpret(data, ctx)
        elapsed, cpu_used = time.perf_counter() - started, time.process_time() - cpu
        per_page.append(elapsed * 1000 / max(result.page_count, 1))
        cpu_per_page.append(cpu_used * 1000 / max(result.page_count, 1))
        total_pages += result.page_count
    per_page.sort()
    print(f"\n1. Text-layer PDFs, end to end (load average {os.getloadavg()[0]:.1f} on this host)")
    print(
        f"{'documents':>10} {'pages':>6} {'mean ms/page':>13} {'median':>7} {'p95':>7} "
        f"{'max':>7} {'CPU ms/page':>12}"
    )
    p95 = per_page[int(0.95 * (len(per_page) - 1))]
    print(
        f"{len(documents):10} {total_pages:6} {statistics.mean(per_page):13.1f} "
        f"{statistics.median(per_page):7.1f} {p95:7.1f} {per_page[-1]:7.1f} "
        f"{statistics.mean(cpu_per_page):12.1f}"
    )


def scan_images(count: int, folder: Path) -> list[Path]:
    """Degraded 200 dpi page images of generated invoices, as PNG files."""
    made = generate(folder / "pdf", count, seed=21, scans=False)
    images = []
    for index, pdf in enumerate(made):
        import random

        image = degrade(rasterise(pdf.read_bytes())[0], random.Random(index))
        path = folder / f"page-{index:02d}.png"
        image.save(path, dpi=(200, 200))
        images.append(path)
    return images


def bare_tesseract(path: Path, out: Path) -> float:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    started = time.perf_counter()
    subprocess.run(
        ["tesseract", str(path), str(out), "-l", LANGUAGES, "--psm", "3", "tsv"],
        check=True,
        env=env,
        capture_output=True,
    )
    return time.perf_counter() - started


def against_tesseract(images: list[Path], folder: Path) -> None:
    ctx = InterpretContext(ocr_workers=1)
    interpreter = ImageInterpreter()
    rows = []
    for path in images:
        bare = bare_tesseract(path, folder / path.stem)
        data = path.read_bytes()
        started = time.perf_counter()
        interpreter.interpret(data, ctx)
        ours = time.perf_counter() - started
        rows.append((bare, ours))
    bare_total = sum(b for b, _ in rows)
    ours_total = sum(o for _, o in rows)
    print("\n2. Scans: Kontera (ImageInterpreter, 1 worker, fields included) vs bare tesseract CLI")
    print(f"{'pages':>6} {'tesseract s/page':>17} {'Kontera s/page':>15} {'ratio':>6}")
    print(
        f"{len(rows):6} {bare_total / len(rows):17.2f} {ours_total / len(rows):15.2f} "
        f"{ours_total / bare_total:6.3f}"
    )


def throughput(images: list[Path]) -> None:
    pages = [PageImage(i + 1, Image.open(p).convert("L"), 200.0) for i, p in enumerate(images)]
    print("\n3. OCR throughput (ocr_pages)")
    print(f"{'workers':>8} {'pages':>6} {'seconds':>8} {'pages/minute':>13}")
    for workers in (1, 2):
        started = time.perf_counter()
        ocr_pages(pages, OcrSettings(workers=workers))
        elapsed = time.perf_counter() - started
        print(f"{workers:8} {len(pages):6} {elapsed:8.1f} {len(pages) * 60 / elapsed:13.1f}")


def resolution(count: int, folder: Path) -> None:
    made = generate(folder / "dpi", count, seed=31, scans=False)
    print("\n4. Rendering resolution for PDF pages without text (clean renders, OCR, 1 worker)")
    print(f"{'dpi':>4} {'pages':>6} {'s/page':>7} {'key fields right':>17}")
    for dpi in (150, 200, 300):
        right = total = 0
        elapsed = 0.0
        for pdf in made:
            truth = json.loads(pdf.with_suffix(".json").read_text("utf-8"))["fields"]
            image = rasterise(pdf.read_bytes(), dpi)[0]
            started = time.perf_counter()
            pages = ocr_pages([PageImage(1, image, float(dpi))], OcrSettings(workers=1))
            invoice = assemble_invoice(pages, InterpretContext())
            elapsed += time.perf_counter() - started
            for path in KEY_FIELDS:
                got = read_path(invoice, path)
                total += 1
                right += str(got) == str(truth[path]) or (
                    hasattr(got, "isoformat") and got.isoformat() == truth[path]
                )
        print(f"{dpi:4} {len(made):6} {elapsed / len(made):7.2f} {right / total:17.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=12, help="OCR pages to time")
    parser.add_argument("--text-only", action="store_true", help="table 1 only")
    args = parser.parse_args()
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    text_layer(InterpretContext())
    if args.text_only:
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        images = scan_images(args.pages, folder)
        against_tesseract(images, folder)
        throughput(images)
        resolution(max(4, args.pages // 2), folder)


if __name__ == "__main__":
    main()
