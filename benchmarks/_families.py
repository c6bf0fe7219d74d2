"""The generated layout families as the benchmarks and the reader's training read them.

`read_samples` turns each generated invoice into pages of positioned words twice: from its
text layer, and from a 200 dpi degraded scan of it through Tesseract (cached on disk by the
scan's seed, since OCR output does not change when the reader does). `Scores` counts right
answers per field and family and prints the tables.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "fixtures"))

from families.generate import Sample  # noqa: E402
from families.generate import rasterise  # noqa: E402
from families.generate import samples  # noqa: E402
from generate import degrade  # noqa: E402

from kontera.domain.invoice import Invoice  # noqa: E402
from kontera.domain.invoice import read_path  # noqa: E402
from kontera.interpret.base import InterpretContext  # noqa: E402
from kontera.interpret.pages.ocr import OcrSettings  # noqa: E402
from kontera.interpret.pages.ocr import PageImage  # noqa: E402
from kontera.interpret.pages.ocr import ocr_pages  # noqa: E402
from kontera.interpret.pages.pdf import read_pdf_pages  # noqa: E402
from kontera.interpret.textpage import Page  # noqa: E402
from kontera.interpret.textpage import pages_from_json  # noqa: E402
from kontera.interpret.textpage import pages_to_json  # noqa: E402
from kontera.suggest.voucher_confidence import VOUCHER_FIELDS  # noqa: E402
from kontera.suggest.voucher_confidence import reading_confidence  # noqa: E402

OCR_CACHE = ROOT / "benchmarks" / "out" / "ocr-cache"
FIELDS = [
    "invoice_number",
    "issue_date",
    "due_date",
    "currency",
    "seller.name",
    "seller.vat_id",
    "seller.org_number",
    "totals.net",
    "totals.vat",
    "totals.gross",
    "totals.payable",
    "payment.iban",
    "payment.kid",
    "payment.bank_account",
    "payment.bankgiro",
]
HIGH = 0.95


@dataclass
class ReadSample:
    sample: Sample
    source: str  # "text" or "scan"
    pages: list[Page]

    @property
    def family(self) -> str:
        return self.sample.family


def read_samples(
    per_family: int,
    seed: int,
    *,
    scans_per_family: int = 0,
    families: list[str] | None = None,
    workers: int = 1,
) -> Iterator[ReadSample]:
    """Every sample's text layer; the first `scans_per_family` of each family also as a scan."""
    ctx = InterpretContext()
    for sample in samples(per_family, seed, families):
        yield ReadSample(sample, "text", read_pdf_pages(sample.pdf, ctx))
        index = int(sample.seed.rsplit("-", 1)[-1])
        if index < scans_per_family:
            yield ReadSample(sample, "scan", scan_pages(sample, workers))


def scan_pages(sample: Sample, workers: int = 1) -> list[Page]:
    # v3: tinted backgrounds flattened before OCR; the languages are part of the reading.
    settings = OcrSettings(workers=workers)
    key = hashlib.sha256(
        f"v3:{settings.languages}:{sample.seed}:{hashlib.sha256(sample.pdf).hexdigest()}".encode()
    ).hexdigest()[:24]
    path = OCR_CACHE / f"{key}.json"
    if path.exists():
        return pages_from_json(json.loads(path.read_text("utf-8")))
    images = [
        PageImage(n, degrade(image, random.Random(f"scan-{sample.seed}-{n}")), 200.0)
        for n, image in enumerate(rasterise(sample.pdf), start=1)
    ]
    kept = pages_to_json(ocr_pages(images, settings))
    OCR_CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(kept), "utf-8")
    # Read back as a later run will read it, so that a first run and a second are the same.
    return pages_from_json(kept)


def same(expected: Any, got: Any, path: str) -> bool:
    if got is None:
        return False
    if path.startswith("totals."):
        try:
            return abs(Decimal(str(got))) == abs(Decimal(str(expected)))
        except ArithmeticError:
            return False
    if isinstance(got, date):
        return got.isoformat() == str(expected)
    if isinstance(expected, list):
        return [str(v) for v in got] == [str(v) for v in expected]
    if path == "seller.name":
        return " ".join(str(got).split()).casefold() == " ".join(str(expected).split()).casefold()
    return str(got).replace(" ", "").upper() == str(expected).replace(" ", "").upper()


class Scores:
    """Right answers per (source, family, field), and the precision of confident answers."""

    def __init__(self, fields: list[str] = FIELDS) -> None:
        self.fields = fields
        self.n: dict[tuple[str, str, str], int] = {}
        self.right: dict[tuple[str, str, str], int] = {}
        self.high: dict[tuple[str, str, str], int] = {}
        self.high_right: dict[tuple[str, str, str], int] = {}
        self.extra: dict[tuple[str, str, str], int] = {}
        # (source, confidence bucket) → [answers, right, sum of confidences]
        self.buckets: dict[tuple[str, int], list[float]] = {}
        self.misses: list[str] = []
        # per document: (source, P as independent fields, P as Kontera reckons it, all right)
        self.documents: list[tuple[str, float, float, bool]] = []

    def add(
        self, source: str, family: str, name: str, invoice: Invoice, truth: dict[str, Any]
    ) -> None:
        for path in self.fields:
            key = (source, family, path)
            want = truth.get(path)
            field = invoice.fields.get(path)
            if want is None:
                self.extra[key] = self.extra.get(key, 0) + (field is not None)
                continue
            got = read_path(invoice, path)
            right = same(want, got, path)
            self.n[key] = self.n.get(key, 0) + 1
            self.right[key] = self.right.get(key, 0) + right
            if field is not None and field.confidence >= HIGH:
                self.high[key] = self.high.get(key, 0) + 1
                self.high_right[key] = self.high_right.get(key, 0) + right
            if field is not None:
                bucket = self.buckets.setdefault((source, _bucket(field.confidence)), [0, 0, 0.0])
                bucket[0] += 1
                bucket[1] += right
                bucket[2] += field.confidence
            if not right:
                self.misses.append(
                    f"{source:4} {name[:34]:34} {path:20} want={want!s:22.22} got={got!s:22.22}"
                )

    def add_document(self, source: str, invoice: Invoice, truth: dict[str, Any]) -> None:
        """Whether every field a voucher carries was read right, beside the two ways of
        combining the fields' confidences into one."""
        paths = [p for p in VOUCHER_FIELDS if p in self.fields]
        right = all(
            same(truth[p], read_path(invoice, p), p)
            if truth.get(p) is not None
            else p not in PAID_TO or invoice.fields.get(p) is None
            for p in paths
        )
        independent = 1.0
        for path in paths:
            if (found := invoice.fields.get(path)) is not None:
                independent *= found.confidence
        self.documents.append((source, independent, reading_confidence(invoice), right))

    def print_document_reliability(self, title: str) -> None:
        """Per band of P(every field right): documents, mean P, share entirely right."""
        for source in self.sources():
            docs = [d for d in self.documents if d[0] == source]
            right = sum(d[3] for d in docs)
            print(f"\n{title} — {source}: documents read entirely right {right}/{len(docs)}")
            print(f"{'P band':>12} | {'independent fields':>26} | {'Kontera (sums once)':>34}")
            for low, high in zip(DOC_BANDS, [*DOC_BANDS[1:], 1.01], strict=True):
                cells = [_band_cell(docs, index, low, high) for index in (1, 2)]
                print(
                    f"{low:.2f}–{min(high, 1.0):.2f}".rjust(12)
                    + f" | {cells[0]:>26} | {cells[1]:>34}"
                )
            brier = [sum((d[index] - d[3]) ** 2 for d in docs) / len(docs) for index in (1, 2)]
            print(f"{'Brier score':>12} | {brier[0]:>26.4f} | {brier[1]:>34.4f}")

    def sources(self) -> list[str]:
        return sorted({k[0] for k in self.n})

    def families(self) -> list[str]:
        return sorted({k[1] for k in self.n})

    def _sum(
        self,
        table: dict[tuple[str, str, str], int],
        source: str,
        family: str | None,
        path: str | None,
    ) -> int:
        return sum(
            v
            for (s, f, p), v in table.items()
            if s == source and family in (None, f) and path in (None, p)
        )

    def accuracy(
        self, source: str, family: str | None = None, path: str | None = None
    ) -> float | None:
        n = self._sum(self.n, source, family, path)
        return self._sum(self.right, source, family, path) / n if n else None

    def print_matrix(self, title: str) -> None:
        short = {p: _short(p) for p in self.fields}
        for source in self.sources():
            print(f"\n{title} — {source}: accuracy per family × field")
            print(
                f"{'family':22} " + " ".join(f"{short[p]:>6}" for p in self.fields) + f" {'all':>6}"
            )
            for family in self.families():
                cells = [
                    _pct(self.accuracy(source, family, p), 0)
                    if self._sum(self.n, source, family, p)
                    else ""
                    for p in self.fields
                ]
                print(
                    f"{family:22} "
                    + " ".join(f"{c:>6}" for c in cells)
                    + f" {_pct(self.accuracy(source, family), 1):>6}"
                )

    def print_reliability(self, title: str) -> None:
        """Per band of reported confidence: how many answers, their mean confidence, and how
        often they were right (a read field counts; a field not read does not)."""
        for source in self.sources():
            print(f"\n{title} — {source}: reliability of the reported confidence")
            print(f"{'confidence':>12} {'answers':>8} {'mean':>7} {'right':>7}")
            for index, (low, high) in enumerate(zip(BANDS, [*BANDS[1:], 1.0], strict=True)):
                n, right, total = self.buckets.get((source, index), [0, 0, 0.0])
                band = f"{low:.2f}–{high:.2f}"
                mean = _pct(total / n if n else None)
                print(f"{band:>12} {int(n):8} {mean:>7} {_pct(right / n if n else None):>7}")

    def summary(self) -> dict[str, Any]:
        return {
            source: {
                path: self.accuracy(source, None, path)
                for path in self.fields
                if self._sum(self.n, source, None, path)
            }
            for source in self.sources()
        }


BANDS = [0.0, 0.5, 0.8, 0.9, 0.95, 0.99]
# A payment reference read where the invoice has none sends the money wrong; an org.nr or a
# currency the page shows but the generated truth does not list changes nothing.
PAID_TO = ("payment.kid", "payment.bank_account", "payment.iban", "payment.bankgiro")
DOC_BANDS = [0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98]


def _band_cell(
    docs: list[tuple[str, float, float, bool]], index: int, low: float, high: float
) -> str:
    """'n, mean P, right' for the documents whose P (column `index`) falls in the band."""
    band = [d for d in docs if low <= d[index] < high]
    if not band:
        return "–"
    mean = sum(d[index] for d in band) / len(band)
    right = sum(d[3] for d in band) / len(band)
    return f"{len(band)}: mean {mean:.3f}, right {right:.3f}"


def _bucket(confidence: float) -> int:
    return max(i for i, low in enumerate(BANDS) if confidence >= low)


def _short(path: str) -> str:
    names = {
        "invoice_number": "number",
        "issue_date": "issue",
        "due_date": "due",
        "currency": "cur",
        "seller.name": "name",
        "seller.vat_id": "vatid",
        "seller.org_number": "org",
        "totals.net": "net",
        "totals.vat": "vat",
        "totals.gross": "gross",
        "totals.payable": "pay",
        "payment.iban": "iban",
        "payment.kid": "kid",
        "payment.bank_account": "acct",
        "payment.bankgiro": "bg",
    }
    return names.get(path, path[-6:])


def _pct(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}%}"


def grouped(reads: Iterable[ReadSample]) -> dict[str, list[ReadSample]]:
    found: dict[str, list[ReadSample]] = {}
    for read in reads:
        found.setdefault(read.family, []).append(read)
    return found
