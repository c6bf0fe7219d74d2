"""Field-by-field accuracy of reading PDFs and scans without templates.

    .venv/bin/python benchmarks/pdf_accuracy.py --leave-family-out   # generated layout families
    .venv/bin/python benchmarks/pdf_accuracy.py                  # corpus PDFs, text layer
    .venv/bin/python benchmarks/pdf_accuracy.py --ocr            # the same, rasterised + degraded
    .venv/bin/python benchmarks/pdf_accuracy.py --rules          # … with the hand-weighted reader
    .venv/bin/python benchmarks/pdf_accuracy.py --fixtures DIR   # own NO/SE fixtures (text + scans)
    .venv/bin/python benchmarks/pdf_accuracy.py --fixtures DIR --fit   # refit calibration.json

`--leave-family-out` is the figure the README reports: for each of the layout families of
`fixtures/families`, the learned reader is trained on all the other families and scored on
that one (text layer, and 200 dpi degraded scans through OCR), with its confidence calibrated
on the other families' held-out predictions; printed per field and per family, beside the
in-sample figure (trained on every family) and the hand-weighted rules.

Corpus: every PDF in ../shared/corpus/pdf/zugferd with embedded CII XML. Only the visible PDF
is read (the PdfTextInterpreter path, which never looks at attachments); the embedded XML is
the truth.
Amounts are compared by absolute value (the domain signs credit notes; the XML may not).
The last column is the precision of the fields reported at confidence ≥ 0.95.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import sys
import time
from collections.abc import Callable
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("OMP_NUM_THREADS", "1")  # OpenMP spinning on a shared 2-core machine
sys.path.insert(0, str(ROOT))  # run as a script too: the fixtures import as a package
sys.path.insert(0, str(ROOT / "fixtures"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _zugferd_truth import FIELDS  # noqa: E402
from _zugferd_truth import FINDINGS  # noqa: E402
from _zugferd_truth import corpus_pdfs  # noqa: E402
from _zugferd_truth import embedded_xml  # noqa: E402
from _zugferd_truth import truth  # noqa: E402
from generate import degrade  # noqa: E402
from generate import rasterise  # noqa: E402

from kontera.domain.fields import Source  # noqa: E402
from kontera.domain.invoice import Invoice  # noqa: E402
from kontera.domain.invoice import read_path  # noqa: E402
from kontera.interpret.base import InterpretContext  # noqa: E402
from kontera.interpret.fields.assemble import assemble_scored  # noqa: E402
from kontera.interpret.fields.calibration import TABLE_FILE  # noqa: E402
from kontera.interpret.fields.calibration import fit  # noqa: E402
from kontera.interpret.fields.choice import GROUPS  # noqa: E402
from kontera.interpret.fields.extract import RULES  # noqa: E402
from kontera.interpret.pages.image import load_pages  # noqa: E402
from kontera.interpret.pages.ocr import OcrSettings  # noqa: E402
from kontera.interpret.pages.ocr import PageImage  # noqa: E402
from kontera.interpret.pages.ocr import ocr_pages  # noqa: E402
from kontera.interpret.pages.pdf import read_pdf_pages  # noqa: E402
from kontera.interpret.textpage import Page  # noqa: E402
from kontera.interpret.textpage import Word  # noqa: E402
from kontera.interpret.textpage import build_page  # noqa: E402

FIXTURE_FIELDS = [
    *FIELDS,
    "seller.org_number",
    "payment.kid",
    "payment.bank_account",
    "payment.bankgiro",
    "references.preceding_invoices",
]
HIGH = 0.95


def same(expected: Any, got: Any, path: str) -> bool:
    if got is None:
        return False
    if isinstance(expected, Decimal) or path.startswith("totals."):
        return abs(Decimal(str(got))) == abs(Decimal(str(expected)))
    if isinstance(got, date):
        return got.isoformat() == (expected.isoformat() if isinstance(expected, date) else expected)
    if isinstance(expected, list):
        return [str(v) for v in got] == [str(v) for v in expected]
    if path == "seller.name":
        return " ".join(str(got).split()).casefold() == " ".join(str(expected).split()).casefold()
    return str(got).replace(" ", "").upper() == str(expected).replace(" ", "").upper()


class Tally:
    """Per field: n, right, right excl. findings, n excl. findings; and at confidence ≥ 0.95:
    n and right (excl. findings), n and right (incl.), extras (a value where the truth has none).
    """

    def __init__(self, fields: list[str]) -> None:
        self.fields = fields
        self.rows: dict[str, dict[str, int]] = {f: dict.fromkeys(_COUNTS, 0) for f in fields}
        self.samples: list[tuple[str, float, bool]] = []
        self.misses: list[str] = []

    def add(
        self, name: str, result: tuple[Invoice, dict[str, float]], expected: dict[str, Any]
    ) -> None:
        invoice, raw = result
        for path in self.fields:
            want = expected.get(path)
            field = invoice.fields.get(path)
            row = self.rows[path]
            high = field is not None and field.confidence >= HIGH
            if want is None:
                row["extra"] += field is not None
                row["extra_high"] += high
                continue
            got = read_path(invoice, path)
            right = same(want, got, path)
            finding = (name, path) in FINDINGS
            row["n"] += 1
            row["right"] += right
            row["n_clean"] += not finding
            row["right_clean"] += right and not finding
            row["n_high_all"] += high
            row["right_high_all"] += high and right
            row["n_high"] += high and not finding
            row["right_high"] += high and right and not finding
            if field is not None and not finding:
                self.samples.append((_key(field, path), raw.get(path, 0.0), right))
            if not right:
                mark = " (finding)" if finding else ""
                self.misses.append(
                    f"{name[:44]:44} {path:20} want={want!s:24.24} got={got!s:24.24}{mark}"
                )

    def print(self, title: str) -> None:
        print(f"\n{title}")
        print(
            f"{'field':22} {'n':>4} {'right':>6} {'accuracy':>9} {'excl.findings':>14} "
            f"{'n≥0.95':>7} {'precision≥0.95':>15} {'incl.findings':>14} {'extra(≥0.95)':>13}"
        )
        total = dict.fromkeys(_COUNTS, 0)
        for path, row in self.rows.items():
            for key in _COUNTS:
                total[key] += row[key]
            print(f"{path:22} " + _row(row))
        print(f"{'all fields':22} " + _row(total))


_COUNTS = (
    "n",
    "right",
    "n_clean",
    "right_clean",
    "n_high",
    "right_high",
    "n_high_all",
    "right_high_all",
    "extra",
    "extra_high",
)


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def _row(row: dict[str, int]) -> str:
    return (
        f"{row['n']:4} {row['right']:6} {_share(row['right'], row['n']):>9} "
        f"{_share(row['right_clean'], row['n_clean']):>14} {row['n_high']:7} "
        f"{_share(row['right_high'], row['n_high']):>15} "
        f"{_share(row['right_high_all'], row['n_high_all']):>14} "
        f"{row['extra']:6}({row['extra_high']:4})"
    )


def read_text_pdf(pdf: bytes, ctx: InterpretContext) -> tuple[Invoice, dict[str, float]]:
    """What PdfTextInterpreter does, keeping the raw scores for the calibration fit."""
    return assemble_scored(read_pdf_pages(pdf, ctx), ctx)


def read_scan(
    data: bytes, ctx: InterpretContext, cache: Path | None
) -> tuple[Invoice, dict[str, float]]:
    """What ImageInterpreter does, keeping the raw scores."""
    key = hashlib.sha256(data).hexdigest()[:24]
    pages = cached(
        cache, key, lambda: ocr_pages(load_pages(data, ctx), OcrSettings(workers=ctx.ocr_workers))
    )
    return assemble_scored(pages, ctx)


def cached(cache: Path | None, key: str, compute: Callable[[], list[Page]]) -> list[Page]:
    """OCR output does not change when field extraction does: keep it between runs."""
    if cache is None:
        return compute()
    path = cache / f"{key}.json"
    if path.exists():
        raw = json.loads(path.read_text("utf-8"))
        return [
            build_page(
                p["number"],
                p["width"],
                p["height"],
                Source(p["source"]),
                [Word(*w) for w in p["words"]],
            )
            for p in raw
        ]
    pages = compute()
    cache.mkdir(parents=True, exist_ok=True)
    dump = [
        {
            "number": p.number,
            "width": p.width,
            "height": p.height,
            "source": p.source.value,
            "words": [[w.text, w.x0, w.top, w.x1, w.bottom, w.conf] for w in p.words],
        }
        for p in pages
    ]
    path.write_text(json.dumps(dump), "utf-8")
    return pages


def corpus_items() -> Iterator[tuple[str, bytes, dict[str, Any]]]:
    for path in corpus_pdfs():
        xml = embedded_xml(path)
        assert xml is not None
        yield path.name, path.read_bytes(), truth(xml)


def ocr_invoice(
    pdf: bytes, rng: random.Random, ctx: InterpretContext, cache: Path | None
) -> tuple[Invoice, dict[str, float]]:
    seed = rng.randint(0, 2**31)

    def compute() -> list[Page]:
        local = random.Random(seed)
        images = [
            PageImage(i + 1, degrade(image, local), 200.0) for i, image in enumerate(rasterise(pdf))
        ]
        return ocr_pages(images, OcrSettings(workers=ctx.ocr_workers))

    key = hashlib.sha256(pdf + str(seed).encode()).hexdigest()[:24]
    return assemble_scored(cached(cache, key, compute), ctx)


def _key(field: Any, path: str) -> str:
    return f"{field.source.value}/{GROUPS.get(path, 'amount')}"


def fixture_items(folder: Path) -> Iterator[tuple[str, Path, dict[str, Any]]]:
    for meta in sorted(folder.glob("*.json")):
        yield meta.stem, meta, json.loads(meta.read_text("utf-8"))["fields"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--ocr", action="store_true", help="rasterise + degrade the corpus, read by OCR"
    )
    parser.add_argument(
        "--fixtures", type=Path, action="append", help="folder(s) made by fixtures/generate.py"
    )
    parser.add_argument(
        "--fit", action="store_true", help="refit the calibration table from --fixtures"
    )
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--scan-limit", type=int, default=0, help="OCR at most this many scans")
    parser.add_argument("--scan-stride", type=int, default=0, help="OCR every n-th scan")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--cache", type=Path, help="keep OCR results here between runs")
    parser.add_argument(
        "--leave-family-out", action="store_true", help="train on all families but one, score it"
    )
    parser.add_argument("--per-family", type=int, default=30, help="invoices per family")
    parser.add_argument("--scans-per-family", type=int, default=6, help="of which also scanned")
    parser.add_argument("--family", action="append", help="only these families")
    parser.add_argument("--rules", action="store_true", help="the hand-weighted reader")
    parser.add_argument(
        "--text-dumps",
        type=Path,
        help="a folder of other projects' invoice text dumps (<name>.txt + <name>.json truth), "
        "set in a monospaced font as a PDF text layer; for measuring only, never committed",
    )
    args = parser.parse_args()
    if args.leave_family_out:
        families_run(args.per_family, args.scans_per_family, args.family)
        return
    if args.text_dumps:
        text_dumps(args.text_dumps, InterpretContext(field_reader=RULES if args.rules else None))
        return
    ctx = InterpretContext(field_reader=RULES if args.rules else None)
    started = time.perf_counter()
    if args.fixtures:
        tallies = [
            tally
            for folder in args.fixtures
            for tally in run_fixtures(
                folder, ctx, args.limit, args.cache, args.scan_limit, args.scan_stride
            )
        ]
    else:
        tallies = [run_corpus(ctx, args.ocr, args.limit, args.cache, args.scan_limit)]
    for title, tally in tallies:
        tally.print(title)
        if args.misses:
            print("\n".join(tally.misses))
    print(f"\n{time.perf_counter() - started:.1f} s")
    if args.fit:
        table = fit(s for _, tally in tallies for s in tally.samples)
        target = ROOT / "src" / "kontera" / "interpret" / TABLE_FILE
        target.write_text(json.dumps(table, indent=1) + "\n", "utf-8")
        print(f"wrote {target}")


def text_dumps(folder: Path, ctx: InterpretContext) -> None:
    """Invoice text as another project's PDF-to-text step left it (columns kept by spaces),
    drawn back onto a page in Courier so the reader sees the same columns."""
    from reportlab.pdfgen.canvas import Canvas

    tally = Tally(
        [
            "invoice_number",
            "issue_date",
            "currency",
            "totals.net",
            "totals.vat",
            "totals.gross",
            "totals.payable",
        ]
    )
    for path in sorted(folder.glob("*.txt")):
        lines = path.read_text("utf-8").splitlines()
        width = max((len(line) for line in lines), default=80)
        size = min(9.0, 555 / (0.6 * max(width, 1)))
        buffer = io.BytesIO()
        canvas = Canvas(buffer, invariant=1)
        canvas.setFont("Courier", size)
        for row, line in enumerate(lines):
            canvas.drawString(20, 820 - row * size * 1.25, line)
        canvas.save()
        expected = json.loads(path.with_suffix(".json").read_text("utf-8"))
        expected.setdefault("totals.payable", expected.get("totals.gross"))
        tally.add(path.stem, read_text_pdf(buffer.getvalue(), ctx), expected)
    tally.print(f"Text dumps in {folder} (set in Courier)")
    print("\n".join(tally.misses))


def families_run(per_family: int, scans_per_family: int, families: list[str] | None) -> None:
    from _lofo import build
    from _lofo import fit_all
    from _lofo import leave_family_out
    from _lofo import report

    run = build(per_family, 7, scans_per_family, families)
    leave_family_out(run)
    fit_all(run)
    report(run)


def run_corpus(
    ctx: InterpretContext, ocr: bool, limit: int, cache: Path | None, scan_limit: int = 0
) -> tuple[str, Tally]:
    tally = Tally(FIELDS)
    rng = random.Random(2)
    items = list(corpus_items())
    stride = max(1, len(items) // scan_limit) if ocr and scan_limit else 1
    for count, (name, pdf, expected) in enumerate(items):
        if count % stride:
            continue
        if limit and count >= limit:
            break
        if ocr:
            tally.add(name, ocr_invoice(pdf, rng, ctx, cache), expected)
        else:
            tally.add(name, read_text_pdf(pdf, ctx), expected)
    mode = "OCR of 200 dpi degraded rasters" if ocr else "text layer"
    return (f"Corpus pdf/zugferd ({mode})", tally)


def run_fixtures(
    folder: Path,
    ctx: InterpretContext,
    limit: int,
    cache: Path | None,
    scan_limit: int = 0,
    scan_stride: int = 0,
) -> list[tuple[str, Tally]]:
    text, scans = Tally(FIXTURE_FIELDS), Tally(FIXTURE_FIELDS)
    items = list(fixture_items(folder))
    # An even spread of layouts; a negative limit reads no scans at all.
    stride = scan_stride or (max(1, len(items) // scan_limit) if scan_limit > 0 else 1)
    for count, (name, meta, expected) in enumerate(items):
        if limit and count >= limit:
            break
        pdf = meta.with_suffix(".pdf").read_bytes()
        text.add(name, read_text_pdf(pdf, ctx), expected)
        scan = meta.with_name(f"{name}.scan.jpg")
        if scan.exists() and scan_limit >= 0 and count % stride == 0:
            scans.add(name, read_scan(scan.read_bytes(), ctx, cache), expected)
    return [(f"Fixtures {folder} (text layer)", text), (f"Fixtures {folder} (scans, OCR)", scans)]


if __name__ == "__main__":
    main()
