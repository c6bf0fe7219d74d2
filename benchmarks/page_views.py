"""Server time of a document page image: the first view (render, encode, store) and later ones.

    python benchmarks/page_views.py [--repeat 3]

For a text PDF, a 200 dpi JPEG scan (the project's fixtures) and a 300 dpi PNG scan (the same
PDF rasterised here), each round stores the original in a fresh document store and times
`kontera.review.pages.page_png` twice: the first call renders the page and keeps the PNG in
the store, the second reads it back. Prints the median over the rounds, the PNG's size and
its pixels. Issue 14 measured the first view of a scan page at 17 s in the UI (12–13 s of it
encoding the scan at full resolution with `optimize=True`); the target is well under a second.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._harness import table  # noqa: E402
from kontera.config import Settings  # noqa: E402
from kontera.review import pages  # noqa: E402
from kontera.services.context import build_context  # noqa: E402
from kontera.services.review.pages import PageSource  # noqa: E402

FIXTURES = REPO / "fixtures" / "pdf"
PDF = FIXTURES / "no-english-001.pdf"
JPEG_SCAN = FIXTURES / "no-left_labels-006.scan.jpg"


def png_scan(pdf: bytes, dpi: int) -> bytes:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72).to_pil().convert("L")
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def originals() -> list[tuple[str, str, bytes]]:
    pdf = PDF.read_bytes()
    return [
        ("text PDF", "pdf", pdf),
        ("JPEG scan, 200 dpi", "image", JPEG_SCAN.read_bytes()),
        ("PNG scan, 300 dpi", "image", png_scan(pdf, 300)),
    ]


def one_round(kind: str, data: bytes) -> tuple[float, float, bytes]:
    with tempfile.TemporaryDirectory(prefix="kontera-page-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp), log_json=False, log_level="WARNING")
        ctx = build_context(settings)
        source = PageSource(ctx.blobs.put(data), kind, 1)
        started = time.perf_counter()
        png = pages.page_png(ctx, source, 1)
        first = time.perf_counter() - started
        started = time.perf_counter()
        assert pages.page_png(ctx, source, 1) == png
        cached = time.perf_counter() - started
        ctx.engine.dispose()
        return first, cached, png


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from PIL import Image

    rows: list[list[object]] = []
    for name, kind, data in originals():
        firsts, cached = [], []
        png = b""
        for _ in range(args.repeat):
            first, again, png = one_round(kind, data)
            firsts.append(first)
            cached.append(again)
        with Image.open(io.BytesIO(png)) as image:
            pixels = f"{image.width}×{image.height} {image.mode}"
        rows.append(
            [
                name,
                f"{len(data) // 1024} KiB",
                f"{statistics.median(firsts) * 1000:.0f}",
                f"{statistics.median(cached) * 1000:.1f}",
                f"{len(png) // 1024} KiB",
                pixels,
            ]
        )
    headers = ["original", "size", "first view ms", "cached ms", "PNG", "pixels"]
    print(table(headers, rows))


if __name__ == "__main__":
    main()
