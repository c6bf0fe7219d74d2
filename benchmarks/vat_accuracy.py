"""VAT code accuracy, printed per country.

1. **E-invoice lines** (every corpus e-invoice): the truth is the code the line's own VAT
   category and rate call for, read straight from the XML with XPath (UBL
   `ClassifiedTaxCategory`, CII `ApplicableTradeTax`); the prediction is what Kontera's
   pipeline makes of the file — interpretation, then `suggest.vat_choice.settle_vat` with no
   history (cold start). Measures reading plus the rule, not the rule against itself.
2. **Histories** (time split, held out): the SAF-T example (NO, its tax codes mapped to
   standard codes) and the SIE type-4 files (SE, the code implied by each voucher's 264x VAT
   row against its cost rows). Habits (account → code) are learned from the oldest 80 % of
   each file's supplier lines and the newest 20 % are predicted — with the invoice facts the
   history carries (SAF-T's tax percentage; SIE has none, so only habits).

    python -m benchmarks.vat_accuracy [--limit N]
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

from lxml import etree

from kontera.domain.suggestion import LineSuggestion
from kontera.domain.suggestion import Suggestion
from kontera.domain.vat_rules import rule_for_line
from kontera.interpret.registry import interpret_bytes
from kontera.suggest.saft import SaftSupplier
from kontera.suggest.saft import SaftTaxCode
from kontera.suggest.saft import SaftTransaction
from kontera.suggest.saft import iter_saft
from kontera.suggest.sie import SieVoucher
from kontera.suggest.sie import iter_sie
from kontera.suggest.sie import read_sie_lines
from kontera.suggest.vat_choice import settle_line
from kontera.suggest.vat_choice import settle_vat

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
EINVOICE_GLOBS = [
    "ehf/peppol-bis3/examples/*.xml",
    "ehf/peppol-bis3/national-examples/*/*.xml",
    "ehf/ehf-g3/docs/billing-3.0/norway/files/*.xml",
    "ehf/ehf-g2/rules/*/example/*.xml",
    "en16931/ubl/examples/*",
    "en16931/cii/examples/*",
    "en16931/test/testfiles/*.xml",
]
_UBL_LINE = "//*[local-name()='InvoiceLine' or local-name()='CreditNoteLine']"
_CII_LINE = "//*[local-name()='IncludedSupplyChainTradeLineItem']"


@dataclass
class Score:
    right: int = 0
    total: int = 0
    abstained: int = 0
    by_confidence: Counter[tuple[float, bool]] = field(default_factory=Counter)

    def add(self, truth: str | None, predicted: str | None, confidence: float) -> None:
        self.total += 1
        if predicted is None:
            self.abstained += 1
            return
        self.right += truth == predicted
        self.by_confidence[(confidence, truth == predicted)] += 1

    @property
    def accuracy(self) -> float:
        return self.right / max(1, self.total - self.abstained)


def raw_lines(data: bytes) -> list[tuple[str | None, Decimal | None]]:
    """(category, rate) of each line, straight from the XML."""
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    found = []
    for line in root.xpath(_UBL_LINE):
        category = line.xpath(
            "string(.//*[local-name()='ClassifiedTaxCategory']/*[local-name()='ID'])"
        )
        rate = line.xpath(
            "string(.//*[local-name()='ClassifiedTaxCategory']/*[local-name()='Percent'])"
        )
        found.append((category or None, Decimal(rate) if rate else None))
    for line in root.xpath(_CII_LINE):
        tax = ".//*[local-name()='ApplicableTradeTax']"
        category = line.xpath(f"string({tax}/*[local-name()='CategoryCode'])")
        rate = line.xpath(f"string({tax}/*[local-name()='RateApplicablePercent'])")
        found.append((category or None, Decimal(rate) if rate else None))
    return found


def einvoice_scores(limit: int) -> dict[str, Score]:
    scores: dict[str, Score] = {}
    paths = sorted(p for g in EINVOICE_GLOBS for p in CORPUS.glob(g) if p.is_file())[:limit]
    for path in paths:
        data = path.read_bytes()
        invoice = interpret_bytes(data).invoice
        home = "SE" if (invoice.buyer.country or "").upper() == "SE" else "NO"
        raw = raw_lines(data)
        if len(raw) != len(invoice.lines):
            continue
        blank = Suggestion(
            [LineSuggestion(i, "6300", None, 0.9) for i in range(len(invoice.lines))], "bench"
        )
        settled = settle_vat(blank, invoice, home)
        score = scores.setdefault(home, Score())
        for (category, rate), line in zip(raw, settled.lines, strict=True):
            rate = rate if rate is not None else _breakdown_rate(invoice, category)
            truth = rule_for_line(category, rate, invoice.seller.country, home).code
            if truth is None:
                continue
            score.add(truth, line.vat_code, line.vat_confidence)
    return scores


def _breakdown_rate(invoice: object, category: str | None) -> Decimal | None:
    rates = {b.rate for b in invoice.vat_breakdown if b.category == category}  # type: ignore[attr-defined]
    return rates.pop() if len(rates) == 1 else None


@dataclass(frozen=True)
class HistoryCase:
    account: str
    truth: str
    rate: Decimal | None = None
    supplier_country: str | None = None


def saft_cases(path: Path) -> Iterator[HistoryCase]:
    to_standard: dict[str, str] = {}
    countries: dict[str, str | None] = {}
    for record in iter_saft(path):
        if isinstance(record, SaftTaxCode):
            to_standard[record.code] = record.standard_code or record.code
        elif isinstance(record, SaftSupplier):
            countries[record.supplier_id] = record.country
        elif isinstance(record, SaftTransaction):
            supplier = next((line.supplier_id for line in record.lines if line.supplier_id), None)
            if supplier is None:
                continue
            for line in record.lines:
                if (
                    line.supplier_id
                    or line.account_id.startswith(("24", "27"))
                    or not line.tax_code
                ):
                    continue
                yield HistoryCase(
                    line.account_id,
                    to_standard.get(line.tax_code, line.tax_code),
                    line.tax_percentage,
                    countries.get(supplier),
                )


def sie_cases(path: Path) -> Iterator[HistoryCase]:
    for record in iter_sie(read_sie_lines(path), path.name):
        if not isinstance(record, SieVoucher):
            continue
        if not any(t.account.startswith("244") and t.amount < 0 for t in record.transactions):
            continue
        vat = sum(
            (t.amount for t in record.transactions if t.account.startswith("264")), Decimal(0)
        )
        costs = [t for t in record.transactions if t.account[:1] in "4567" and t.amount > 0]
        net = sum((t.amount for t in costs), Decimal(0))
        if not costs or net == 0:
            continue
        code = _se_code(vat / net * 100)
        if code is None:
            continue
        for cost in costs:
            yield HistoryCase(cost.account, code)


def _se_code(percent: Decimal) -> str | None:
    for rate, code in ((25, "SE25"), (12, "SE12"), (6, "SE6"), (0, "SE0")):
        if abs(percent - rate) <= Decimal("0.6"):
            return code
    return None


def history_score(cases: list[HistoryCase], home: str) -> Score:
    cut = int(len(cases) * 0.8)
    habits: dict[str, Counter[str]] = {}
    for case in cases[:cut]:
        habits.setdefault(case.account, Counter())[case.truth] += 1
    score = Score()
    for case in cases[cut:]:
        category = None if case.rate is None else ("S" if case.rate > 0 else "Z")
        rule = rule_for_line(category, case.rate, case.supplier_country, home)
        line = LineSuggestion(0, case.account, None, 0.9)
        settled = settle_line(line, rule, habits)
        score.add(case.truth, settled.vat_code, settled.vat_confidence)
    return score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=10_000, help="at most this many e-invoices")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print("the shared corpus is absent: nothing to measure")
        return
    rows: list[tuple[str, str, Score]] = []
    for country, score in sorted(einvoice_scores(args.limit).items()):
        rows.append((country, "corpus e-invoice lines (cold start)", score))
    saft = CORPUS / "saft-no/Example Files/ExampleFile SAF-T Financial_888888888_20180228235959.xml"
    rows.append(
        ("NO", "SAF-T history, newest 20 % held out", history_score(list(saft_cases(saft)), "NO"))
    )
    sie_cases_all: list[HistoryCase] = []
    for path in sorted((CORPUS / "sie-se/sie_test_files").glob("*")):
        if path.suffix.lower() in {".se", ".si"}:
            sie_cases_all += list(sie_cases(path))
    rows.append(("SE", "SIE histories, newest 20 % held out", history_score(sie_cases_all, "SE")))
    print(f"{'country':8} {'what':42} {'lines':>6} {'abstained':>9} {'accuracy':>9}")
    for country, what, score in rows:
        print(f"{country:8} {what:42} {score.total:6d} {score.abstained:9d} {score.accuracy:9.1%}")
    print("\ncalibration (confidence → observed accuracy, all rows):")
    pooled: Counter[tuple[float, bool]] = Counter()
    for _, _, score in rows:
        pooled.update(score.by_confidence)
    # Bins, since a habit's confidence is its account's own record (many distinct values).
    edges = (0.0, 0.8, 0.9, 0.95, 0.98, 0.99, 1.0)
    for low, high in pairwise(edges):
        inside = [
            (c, ok, n)
            for (c, ok), n in pooled.items()
            if low <= c < high or (high == edges[-1] and c == high)
        ]
        right = sum(n for _, ok, n in inside if ok)
        total = sum(n for _, _, n in inside)
        if total:
            mean = sum(c * n for c, _, n in inside) / total
            print(
                f"  {low:.2f}–{high:.2f} (mean {mean:.3f}): {right}/{total} = {right / total:.1%}"
            )


if __name__ == "__main__":
    main()
