"""Accuracy, coverage at a precision, calibration error, and the supplier-majority baseline."""

from __future__ import annotations

from collections import Counter
from collections import defaultdict
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from kontera.suggest.evidence import FloatArray
from kontera.suggest.history import HistoryLine

BoolArray = NDArray[np.bool_]


def coverage_at(precision: float, confidence: FloatArray, correct: BoolArray) -> float:
    """Largest share of rows, taken most confident first, whose accuracy is ≥ `precision`."""
    if len(confidence) == 0:
        return 0.0
    order = np.argsort(-confidence, kind="stable")
    running = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    # Only cut between different confidences: tied rows are accepted or refused together.
    distinct = np.append(confidence[order][1:] != confidence[order][:-1], True)
    ok = np.nonzero((running >= precision) & distinct)[0]
    return float((ok.max() + 1) / len(order)) if len(ok) else 0.0


def precision_above(
    threshold: float, confidence: FloatArray, correct: BoolArray
) -> tuple[float, float]:
    """(coverage, precision) of rows with confidence ≥ threshold."""
    accepted = confidence >= threshold
    if not accepted.any():
        return 0.0, float("nan")
    return float(accepted.mean()), float(correct[accepted].mean())


def expected_calibration_error(confidence: FloatArray, correct: BoolArray, bins: int = 15) -> float:
    """Mean |confidence - accuracy| over equal-width confidence bins, weighted by bin size."""
    if len(confidence) == 0:
        return 0.0
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            gap = abs(float(confidence[members].mean()) - float(correct[members].mean()))
            total += gap * int(members.sum())
    return total / len(confidence)


def baseline_hits(
    train: Sequence[HistoryLine], test: Sequence[HistoryLine]
) -> tuple[BoolArray, BoolArray]:
    """Each supplier's most frequent past account (then the company's most used), top-1/top-3."""
    per_supplier: dict[str, Counter[str]] = defaultdict(Counter)
    for line in train:
        per_supplier[line.supplier_key][line.account] += 1
    overall = [a for a, _ in Counter(line.account for line in train).most_common(3)]
    top1 = np.zeros(len(test), bool)
    top3 = np.zeros(len(test), bool)
    for i, line in enumerate(test):
        own = [a for a, _ in per_supplier[line.supplier_key].most_common(3)]
        ranked = (own + [a for a in overall if a not in own])[:3]
        top1[i] = bool(ranked) and ranked[0] == line.account
        top3[i] = line.account in ranked
    return top1, top3


RELIABILITY_EDGES = (0.0, 0.4, 0.6, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 1.0)


def reliability(
    confidence: FloatArray, correct: BoolArray, edges: Sequence[float] = RELIABILITY_EDGES
) -> list[dict[str, float]]:
    """The reliability diagram as rows: per confidence bin, how many, how sure, how right.

    The bins are narrow at the top, where auto-approval decides: a model that says 99 % and
    is right 97 % of the time there posts three times as many wrong vouchers as it promises.
    """
    rows = []
    for low, high in pairwise(edges):
        last = high >= edges[-1]
        members = (confidence >= low) & ((confidence <= high) if last else (confidence < high))
        count = int(members.sum())
        rows.append(
            {
                "low": low,
                "high": high,
                "count": count,
                "confidence": float(confidence[members].mean()) if count else float("nan"),
                "accuracy": float(correct[members].mean()) if count else float("nan"),
            }
        )
    return rows
