"""The run beside the account model, held out: what the service does, measured in time order.

The model is trained on the oldest 80 % of a history and suggests the newest 20 % (as
`benchmarks/suggest_accuracy.py`); the run calibration is fitted on the same oldest 80 %; each
test line's run is counted from every invoice before its own. Where the run's account is the
model's and the invoice's amount is usual, the account's confidence is the larger of the two
(as `kontera.suggest.supplier_habit.strengthen` makes it); elsewhere the model's alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import numpy as np

from kontera.suggest.evaluate import split_past_future
from kontera.suggest.features import query_from_history
from kontera.suggest.history import HistoryLine
from kontera.suggest.model import CompanyModel
from kontera.suggest.supplier_habit import RANGE_WINDOW
from kontera.suggest.supplier_habit import BookedInvoice
from kontera.suggest.supplier_habit import BookedLine
from kontera.suggest.supplier_habit import RunCalibration
from kontera.suggest.supplier_habit import fit_runs
from kontera.suggest.supplier_habit import invoices_of
from kontera.suggest.supplier_habit import observations
from kontera.suggest.supplier_habit import usual_totals
from kontera.suggest.supplier_habit import within_usual_range

BINS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 1.0001)
THRESHOLDS = (0.9, 0.95, 0.97, 0.98, 0.99)
MARGIN = Decimal("0.25")

Key = tuple[date, str]


def _key(line: HistoryLine) -> Key:
    return (line.date or date.min, "" if line.date else (line.invoice_number or ""))


def _booked(line: HistoryLine) -> BookedLine:
    return BookedLine(
        day=line.date, invoice=_key(line)[1], account=line.account, amount=line.amount
    )


def _run_before(invoices: Sequence[BookedInvoice], index: int) -> tuple[str | None, int]:
    if index == 0 or invoices[index - 1].account is None:
        return None, 0
    account = invoices[index - 1].account
    run = 0
    for invoice in reversed(invoices[:index]):
        if invoice.account != account:
            break
        run += 1
    return account, run


def run_probabilities(
    train: Sequence[HistoryLine], test: Sequence[HistoryLine]
) -> list[tuple[str | None, float | None]]:
    """Per test line: the run's account and its probability (None where it gives no evidence)."""
    per_supplier: dict[str, list[HistoryLine]] = {}
    for line in itertools.chain(train, test):
        per_supplier.setdefault(line.supplier_key, []).append(line)
    older: dict[str, list[BookedLine]] = {}
    for line in train:
        older.setdefault(line.supplier_key, []).append(_booked(line))
    calibration: RunCalibration = fit_runs(observations(invoices_of(b)) for b in older.values())
    tested_keys: dict[str, set[Key]] = {}
    for line in test:
        tested_keys.setdefault(line.supplier_key, set()).add(_key(line))
    found: dict[tuple[str, Key], tuple[str | None, float | None]] = {}
    for supplier, lines in per_supplier.items():
        tested = tested_keys.get(supplier, set())
        if not tested:
            continue
        keys = sorted({_key(line) for line in lines})
        invoices = invoices_of(_booked(line) for line in lines)
        for index, key in enumerate(keys):
            if key not in tested:
                continue
            account, run = _run_before(invoices, index)
            before = usual_totals(invoices[max(0, index - RANGE_WINDOW) : index])
            usual = within_usual_range(invoices[index].total, before, MARGIN)
            probability = calibration.probability(run) if usual else None
            found[(supplier, key)] = (account, probability)
    return [found.get((line.supplier_key, _key(line)), (None, None)) for line in test]


def measure(name: str, lines: Sequence[HistoryLine]) -> dict[str, object]:
    train, test = split_past_future(lines)
    model = CompanyModel.train(train, seed=0)
    ranked = model.rank_queries([query_from_history(line) for line in test])
    top = [model.accounts[i] if i >= 0 else None for i in ranked.accounts[:, 0]]
    model_conf = np.asarray(ranked.confidence, float)
    right = np.array([a == line.account for a, line in zip(top, test, strict=True)])
    runs = run_probabilities(train, test)
    agree = np.array(
        [p is not None and a == account for (a, p), account in zip(runs, top, strict=True)]
    )
    run_p = np.array([p if p is not None else 0.0 for _, p in runs])
    combined = np.where(agree, np.maximum(model_conf, run_p), model_conf)
    print(
        f"\n== {name}: {len(test)} test lines; the run agrees with the model on {agree.mean():.1%}"
    )
    print("   held out: P(account) bin | lines | mean P | right   (model + run, agreeing lines)")
    for low, high in itertools.pairwise(BINS):
        inside = agree & (combined >= low) & (combined < high)
        if inside.any():
            print(
                f"     {low:.3f}–{min(high, 1):.3f} | {inside.sum():6d} | "
                f"{combined[inside].mean():.3f} | {right[inside].mean():.3f}"
            )
    print("   threshold | model alone: lines, right | model + run: lines, right")
    rows = {}
    for threshold in THRESHOLDS:
        alone, both = model_conf >= threshold, combined >= threshold
        rows[str(threshold)] = {
            "model_coverage": float(alone.mean()),
            "model_precision": float(right[alone].mean()) if alone.any() else None,
            "combined_coverage": float(both.mean()),
            "combined_precision": float(right[both].mean()) if both.any() else None,
        }
        print(
            f"     ≥ {threshold:.2f} | {alone.mean():6.1%}, {_share(right, alone)} | "
            f"{both.mean():6.1%}, {_share(right, both)}"
        )
    return {"dataset": name, "test_lines": len(test), "thresholds": rows}


def _share(right: np.ndarray, chosen: np.ndarray) -> str:
    return f"{right[chosen].mean():.2%}" if chosen.any() else "–"
