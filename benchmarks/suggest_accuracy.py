"""Posting-suggestion accuracy on every posting-history dataset of the shared corpus.

    .venv/bin/python benchmarks/suggest_accuracy.py [--limit N] [--plots DIR] [--only NAME]
        [--refresh-windows N [--retrain]] [--dimensions-only | --no-dimensions]

Each dataset: oldest 80 % trains, newest 20 % tests (by date; Örebro has no dates and is
split by invoice number). Prints a table per dataset and its JSON line, then a summary.
With --refresh-windows N the test period is cut into N windows and the model is brought up
to date before each (evidence recounted; with --retrain, trained again), as the feedback loop
does in production — each window still sees only its past.
Columns follow each folder's SOURCE.txt and the corpus README; columns assigned at posting
time (cost centre, expense area, service, directorate, the account's own description) are
never used. Harrogate's file mixes several bodies (mostly Harrogate Borough Council); it is
evaluated as the README gives it. Calderdale's `expense_code` is cost centre + account, so
its target is the `account` part (and, for comparison, the coarse `expense_type`).

Then, on the datasets with department / cost-centre columns, the dimension suggestions and
the account with and without the buyer's reference (`benchmarks/_dimensions.py` says how;
there those columns are the *targets*, or stand for a buyer's reference, each row labelled).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from kontera.suggest.csv_history import parse_mapping
from kontera.suggest.evaluate import evaluate
from kontera.suggest.evaluate import plot_accuracy_coverage
from kontera.suggest.importers import read_history
from kontera.suggest.metrics import reliability
from kontera.suggest.model import time_order

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _dimensions
import _groups

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "posting-history"

DATASETS = {
    "harrogate": (
        "harrogate-council/harrogate_spend_2015_2022.csv.gz",
        # Later files moved the account's name to expenditure_code_t and put a number in
        # expenditure_code: the name, where given, is the account.
        ["account=expenditure_code_t|expenditure_code", "description=narrative"],
    ),
    "calderdale": (
        "calderdale-council/calderdale_ap_2010_2022.csv.gz",
        ["account=account", "supplier_id=supplier_id", "supplier_name=supplier_name",
         "description=extended_description"],
    ),
    "calderdale-expense-type": (
        "calderdale-council/calderdale_ap_2010_2022.csv.gz",
        ["account=expense_type", "supplier_id=supplier_id", "supplier_name=supplier_name",
         "description=extended_description"],
    ),
    "greater-london-authority": (
        "greater-london-authority/gla_spend_2013_2023.csv.gz",
        ["supplier_id=vendor_id", "supplier_name=vendor_name", "account=cost_element"],
    ),
    "orebro": (
        "orebro-kommun-sambruk/Orebro.2016-03.xlsx",
        ["supplier_name=LEVERANTÖR", "supplier_org_number=ORGANISATIO",
         "invoice_number=FAKT NR", "account=KONTO", "amount=UTFALL"],
    ),
}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="newest N lines per dataset")
    parser.add_argument("--plots", type=Path, default=None, help="directory for PNG plots")
    parser.add_argument("--only", action="append", default=[], help="dataset name(s)")
    parser.add_argument(
        "--refresh-windows", type=int, default=0,
        help="recount evidence before each of N test windows (the feedback loop)",
    )  # fmt: skip
    parser.add_argument(
        "--retrain", action="store_true",
        help="with --refresh-windows: retrain the whole model before each window",
    )  # fmt: skip
    parser.add_argument(
        "--dimensions-only", action="store_true", help="only the dimension measurements"
    )
    parser.add_argument("--no-dimensions", action="store_true", help="skip them")
    parser.add_argument("--corpus", type=Path, default=None, help="posting-history folder")
    args = parser.parse_args()
    if args.corpus is not None:  # a worktree inside the checkout is one level deeper
        global CORPUS
        CORPUS = args.corpus
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}; nothing to measure")
        return 0
    if not args.dimensions_only:
        _accounts(args)
    if not args.no_dimensions:
        _dimension_figures(args)
    return 0


def _dimension_figures(args: argparse.Namespace) -> None:
    rows = []
    for name, (extra, buyer_column) in _dimensions.DIMENSION_COLUMNS.items():
        if args.only and name not in args.only:
            continue
        relative, mapping = DATASETS[name]
        columns = [*mapping, *extra, f"buyer_reference={buyer_column}"]
        lines = sorted(
            read_history(CORPUS / relative, None, parse_mapping(columns)), key=time_order
        )
        if args.limit:
            lines = lines[-args.limit :]
        rows += _dimensions.measure(name, lines)
        sys.stdout.flush()
    if rows:
        _dimensions.print_table(rows)


def _accounts(args: argparse.Namespace) -> None:
    results = {}
    for name, (relative, mapping) in DATASETS.items():
        if args.only and name not in args.only:
            continue
        lines = sorted(
            read_history(CORPUS / relative, None, parse_mapping(mapping)), key=time_order
        )
        if args.limit:
            lines = lines[-args.limit :]
        started = time.process_time()
        result = evaluate(lines, refresh_windows=args.refresh_windows, retrain=args.retrain)
        cpu = time.process_time() - started
        summary = result.summary()
        results[name] = summary
        print(f"\n== {name} ({len(lines)} lines; evaluation CPU {cpu:.0f} s)")
        print(
            f"   unseen test accounts {result.unseen_account_share:.1%}, "
            f"candidate recall {result.candidate_recall:.1%}"
        )
        for row in result.policy:
            print(
                f"   auto-approve ≥ {row['threshold']:.0%}: {row['coverage']:.1%} of lines, "
                f"{row['precision']:.1%} right"
            )
        print_reliability(result.confidence, result.correct)
        groups = _groups.supplier_groups(lines)
        figures = _groups.group_rows(groups, result.confidence, result.correct)
        _groups.print_groups(figures)
        print(json.dumps({**summary, "groups": figures}))
        if args.plots:
            args.plots.mkdir(parents=True, exist_ok=True)
            plot_accuracy_coverage(result, args.plots / f"{name}.png", name)
        sys.stdout.flush()
    _table(results)


def print_reliability(confidence: Any, correct: Any) -> None:
    """The reliability diagram of the test period (out of sample: later than training)."""
    print("   reliability (test period): confidence bin | lines | mean confidence | right")
    for row in reliability(confidence, correct):
        if row["count"]:
            print(
                f"     {row['low']:.3f}–{row['high']:.3f} | {row['count']:6d} | "
                f"{row['confidence']:.3f} | {row['accuracy']:.3f}"
            )


def _table(results: dict[str, dict[str, float]]) -> None:
    header = ("dataset", "n_test", "top1", "base1", "top3", "base3", "cov@99", "ece", "err÷base")
    print("\n" + " | ".join(header))
    for name, s in results.items():
        ratio = (1 - s["top1"]) / max(1e-9, 1 - s["baseline_top1"])
        print(" | ".join([
            name, str(s["n_test"]), f"{s['top1']:.3f}", f"{s['baseline_top1']:.3f}",
            f"{s['top3']:.3f}", f"{s['baseline_top3']:.3f}", f"{s['coverage_at_99']:.3f}",
            f"{s['ece']:.3f}", f"{ratio:.2f}",
        ]))  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
