"""Line items: Kontera's column reader against pdfplumber's table finder, measured.

    .venv/bin/python -m benchmarks.line_items                 # corpus + generated families
    .venv/bin/python -m benchmarks.line_items --limit 10 --per-family 2

The design card names pdfplumber for ruled line-item tables; this measures whether it beats
the reader Kontera has (`interpret/fields/line_items.py`: a header row names the columns, each
number goes to the column it sits under, rows run until the totals, a table goes on over a
page break after a carried-forward sum or a repeated header).

Truth: the ZUGFeRD corpus PDFs' embedded XML (each line's LineTotalAmount; the XML is never
shown to either reader) and the generated families' own lines. A document counts as read
when the list of line amounts is exactly the truth's; "sums to net" counts documents whose
read lines add up to the net total (what Kontera requires before it shows any line). pdfplumber
is tried both ways: ruled tables (its default, lines) and text alignment ("text" strategy);
for each table row the rightmost number is taken as the line amount.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

from _zugferd_truth import corpus_pdfs
from _zugferd_truth import embedded_xml
from _zugferd_truth import line_totals
from _zugferd_truth import truth
from families.generate import samples

from kontera.interpret.base import InterpretContext
from kontera.interpret.fields.line_items import read_line_items
from kontera.interpret.fields.parse_text import parse_amount
from kontera.interpret.pages.pdf import read_pdf_pages

Reader = Callable[[bytes], list[Decimal]]


def kontera(pdf: bytes) -> list[Decimal]:
    return [abs(r.net) for r in read_line_items(read_pdf_pages(pdf, InterpretContext()))]


def plumber(strategy: str) -> Reader:
    def read(pdf: bytes) -> list[Decimal]:
        import pdfplumber

        settings = {"vertical_strategy": strategy, "horizontal_strategy": strategy}
        found: list[Decimal] = []
        with pdfplumber.open(io.BytesIO(pdf)) as document:
            for page in document.pages:
                for table in page.extract_tables(settings):
                    found += _row_amounts(table)
        return found

    return read


def _row_amounts(table: list[list[str | None]]) -> list[Decimal]:
    """The rightmost amount of each row that has a description and at least two numbers."""
    amounts = []
    for row in table:
        cells = [(c or "").strip() for c in row]
        numbers = [
            v for v in (parse_amount(c.replace("%", "")) for c in cells if c) if v is not None
        ]
        texts = [c for c in cells if c and parse_amount(c.replace("%", "")) is None]
        if len(numbers) >= 2 and texts:
            amounts.append(abs(numbers[-1]))
    return amounts


def corpus_cases(limit: int) -> list[tuple[str, bytes, list[Decimal], Decimal | None]]:
    cases = []
    for path in corpus_pdfs()[: limit or None]:
        xml = embedded_xml(path)
        assert xml is not None
        lines = line_totals(xml)
        if lines:
            net = truth(xml)["totals.net"]
            cases.append((path.name, path.read_bytes(), [abs(v) for v in lines], net))
    return cases


def family_cases(per_family: int) -> list[tuple[str, bytes, list[Decimal], Decimal | None]]:
    return [
        (
            s.name,
            s.pdf,
            [abs(Decimal(line["net"])) for line in s.lines],
            abs(Decimal(s.truth["totals.net"])) if s.truth.get("totals.net") else None,
        )
        for s in samples(per_family, seed=7)
        if s.lines
    ]


def measure(title: str, cases: list[tuple[str, bytes, list[Decimal], Decimal | None]]) -> None:
    readers: dict[str, Reader] = {
        "Kontera (columns under a header)": kontera,
        "pdfplumber, ruled tables": plumber("lines"),
        "pdfplumber, text alignment": plumber("text"),
    }
    print(f"\n{title}: {len(cases)} documents with line items")
    print(f"{'reader':36} {'all lines exact':>16} {'sums to net':>12} {'ms/document':>12}")
    for name, read in readers.items():
        exact = sums = 0
        started = time.process_time()
        for _, pdf, expected, net in cases:
            got = read(pdf)
            exact += sorted(got) == sorted(expected)
            sums += bool(got) and net is not None and sum(got) == abs(net)
        elapsed = (time.process_time() - started) * 1000 / max(len(cases), 1)
        print(
            f"{name:36} {exact:5} ({exact / len(cases):6.1%}) {sums:4} ({sums / len(cases):5.1%}) "
            f"{elapsed:12.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, default=0, help="at most this many corpus PDFs")
    parser.add_argument("--per-family", type=int, default=4)
    args = parser.parse_args()
    corpus = corpus_cases(args.limit)
    if corpus:
        measure("ZUGFeRD corpus (XML hidden)", corpus)
    measure("Generated layout families", family_cases(args.per_family))


if __name__ == "__main__":
    main()
