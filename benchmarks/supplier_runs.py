"""Is a supplier's run in the books a calibrated probability? A time split on every history.

    .venv/bin/python -m benchmarks.supplier_runs [--only NAME] [--split 0.8]

A supplier whose last n invoices went to one account earns confidence for that account
(`kontera.suggest.supplier_habit`). Here, per posting history of the shared corpus: lines in
time order, the oldest 80 % are the books the calibration is fitted on, the newest 20 % the
invoices it is tested on (each invoice's run is counted from every invoice before it, as the
service counts approvals). Prints, per dataset and pooled, the test period's reliability
diagram (held out) beside the fitted period's (in sample), and what auto-approval on the run
alone would give at each threshold. Grouping is the service's: lines of one supplier on one
day are one invoice (without dates, one invoice number).
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import _runs_with_model
from benchmarks.suggest_accuracy import CORPUS
from benchmarks.suggest_accuracy import DATASETS
from kontera.suggest.csv_history import parse_mapping
from kontera.suggest.history import HistoryLine
from kontera.suggest.importers import read_history
from kontera.suggest.model import time_order
from kontera.suggest.supplier_habit import RUN_BINS
from kontera.suggest.supplier_habit import BookedLine
from kontera.suggest.supplier_habit import RunCalibration
from kontera.suggest.supplier_habit import RunObservation
from kontera.suggest.supplier_habit import fit_runs
from kontera.suggest.supplier_habit import invoices_of
from kontera.suggest.supplier_habit import observations

BINS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99, 1.0001)
THRESHOLDS = (0.8, 0.9, 0.95, 0.97)
SKIPPED = {"calderdale-expense-type"}  # the same lines as calderdale, a coarser target


@dataclass
class Split:
    fitted: list[RunObservation]
    tested: list[RunObservation]
    test_invoices: int


def split_observations(lines: Sequence[HistoryLine], share: float, recent: float) -> Split:
    """Observations of the fitted period (only its newest `recent` share of lines, when given)
    and of the test period."""
    cut = int(len(lines) * share)
    start = int(len(lines) * (share - recent)) if recent else 0
    by_supplier: dict[str, list[tuple[int, HistoryLine]]] = {}
    for index, line in enumerate(lines):
        by_supplier.setdefault(line.supplier_key, []).append((index, line))
    fitted: list[RunObservation] = []
    tested: list[RunObservation] = []
    test_invoices = 0
    for indexed in by_supplier.values():
        everything = invoices_of(_booked(line) for _, line in indexed)
        older = invoices_of(_booked(line) for index, line in indexed if index < cut)
        oldest = len(invoices_of(_booked(line) for index, line in indexed if index < start))
        test_invoices += len(everything) - len(older)
        for observation in observations(everything):
            if observation.position >= len(older):
                tested.append(observation)
            elif observation.position >= oldest:
                fitted.append(observation)
    return Split(fitted, tested, test_invoices)


def _booked(line: HistoryLine) -> BookedLine:
    return BookedLine(
        day=line.date,
        invoice="" if line.date else (line.invoice_number or ""),
        account=line.account,
        amount=line.amount,
    )


Scored = list[tuple[float | None, bool]]


def scored(calibration: RunCalibration, found: Sequence[RunObservation]) -> Scored:
    return [(calibration.probability(o.run) if o.usual else None, o.continued) for o in found]


def reliability(scored: Scored) -> list[str]:
    rows = []
    for low, high in itertools.pairwise(BINS):
        inside = [(p, right) for p, right in scored if p is not None and low <= p < high]
        if inside:
            mean = sum(p for p, _ in inside) / len(inside)
            rate = sum(right for _, right in inside) / len(inside)
            rows.append(
                f"{low:.2f}–{min(high, 1):.2f} | {len(inside):6d} | {mean:.3f} | {rate:.3f}"
            )
    return rows


def threshold_rows(scored: Scored, invoices: int) -> list[str]:
    rows = []
    for threshold in THRESHOLDS:
        chosen = [right for p, right in scored if p is not None and p >= threshold]
        right = sum(chosen)
        precision = f"{right / len(chosen):.1%}" if chosen else "–"
        rows.append(
            f"≥ {threshold:.2f} | {len(chosen) / max(1, invoices):.1%} of test invoices "
            f"({len(chosen)}) | {precision} right"
        )
    return rows


@dataclass
class Scores:
    held_out: Scored
    in_sample: Scored
    test_invoices: int


def score(split: Split) -> tuple[RunCalibration, Scores]:
    calibration = fit_runs([split.fitted])
    return calibration, Scores(
        scored(calibration, split.tested), scored(calibration, split.fitted), split.test_invoices
    )


def report(name: str, scores: Scores, calibration: RunCalibration | None) -> dict[str, object]:
    print(f"\n== {name}: {len(scores.in_sample)} runs fitted, {len(scores.held_out)} tested")
    if calibration is not None:
        pairs = zip(RUN_BINS, calibration.continued, strict=True)
        print(
            "   run ≥ n: continued / observed (fitted period): "
            + ", ".join(f"{n}: {hits}/{seen}" for n, (hits, seen) in pairs)
        )
    print("   held out (test period): P bin | invoices | mean P | continued")
    for row in reliability(scores.held_out):
        print("     " + row)
    print("   in sample (fitted period): P bin | invoices | mean P | continued")
    for row in reliability(scores.in_sample):
        print("     " + row)
    print("   auto-approval on the run alone (held out):")
    for row in threshold_rows(scores.held_out, scores.test_invoices):
        print("     " + row)
    at95 = [right for p, right in scores.held_out if p is not None and p >= 0.95]
    return {
        "dataset": name,
        "tested": len(scores.held_out),
        "test_invoices": scores.test_invoices,
        "coverage_at_95": len(at95) / max(1, scores.test_invoices),
        "precision_at_95": (sum(at95) / len(at95)) if at95 else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], help="dataset name(s)")
    parser.add_argument("--split", type=float, default=0.8, help="share of lines fitted on")
    parser.add_argument(
        "--with-model", action="store_true", help="also the run beside the account model"
    )
    parser.add_argument(
        "--recent", type=float, default=0.0, help="fit on only the newest share of all lines"
    )
    args = parser.parse_args()
    pooled = Scores([], [], 0)
    results = []
    for name, (relative, mapping) in DATASETS.items():
        if name in SKIPPED or (args.only and name not in args.only):
            continue
        path = Path(CORPUS) / relative
        lines = sorted(read_history(path, None, parse_mapping(mapping)), key=time_order)
        if args.with_model:
            results.append(_runs_with_model.measure(name, lines))
            continue
        calibration, scores = score(split_observations(lines, args.split, args.recent))
        results.append(report(name, scores, calibration))
        pooled.held_out += scores.held_out
        pooled.in_sample += scores.in_sample
        pooled.test_invoices += scores.test_invoices
    if not args.with_model:
        results.append(report("all datasets, each scored by its own fit", pooled, None))
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
