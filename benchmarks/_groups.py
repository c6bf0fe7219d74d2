"""Account accuracy split by what the model knew of the supplier, and coverage at a precision.

Groups of the held-out lines, by the training history (the model's past):
(a) known supplier that went to one account only, (b) known supplier with several accounts,
(c) new supplier. Per group: lines, top-1 accuracy, share confident ≥ 0.95 and how right those
were; overall: coverage at 99 % and 99.5 % precision and the precision of lines at ≥ 0.95.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from kontera.suggest.evaluate import split_past_future
from kontera.suggest.history import HistoryLine
from kontera.suggest.metrics import coverage_at
from kontera.suggest.metrics import precision_above

GROUPS = ("a one account", "b several", "c new")
BAR = 0.95
EHF_BAR = 0.96  # the account confidence an e-invoice needs to post itself (bureau-month.md)


def supplier_groups(lines: Sequence[HistoryLine]) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Per test line (in the order `evaluate` scores them): 0, 1 or 2 as in GROUPS."""
    train, test = split_past_future(lines)
    accounts: dict[str, set[str]] = defaultdict(set)
    for line in train:
        accounts[line.supplier_key].add(line.account)
    sizes = [len(accounts.get(line.supplier_key, ())) for line in test]
    return np.array([2 if n == 0 else (0 if n == 1 else 1) for n in sizes], np.int64)


def group_rows(groups: Any, confidence: Any, correct: Any) -> dict[str, Any]:
    """The figures the report table needs, as one JSON-able dict."""
    out: dict[str, Any] = {
        "cov99": round(coverage_at(0.99, confidence, correct), 4),
        "cov995": round(coverage_at(0.995, confidence, correct), 4),
    }
    share, precision = precision_above(BAR, confidence, correct)
    out["at95"] = [round(share, 4), round(precision, 4)]
    share, precision = precision_above(EHF_BAR, confidence, correct)
    out["at96"] = [round(share, 4), round(precision, 4)]
    for g, name in enumerate(GROUPS):
        members = groups == g
        n = int(members.sum())
        if not n:
            continue
        sure = members & (confidence >= BAR)
        right_unsure = members & correct & (confidence < BAR)
        out[name] = {
            "n": n,
            "top1": round(float(correct[members].mean()), 4),
            "sure": round(float(sure.sum() / n), 4),
            "sure_right": round(float(correct[sure].mean()), 4) if sure.any() else None,
            "right_unsure": round(float(right_unsure.sum() / n), 4),
        }
    return out


def print_groups(figures: dict[str, Any]) -> None:
    share, precision = figures["at95"]
    share96, precision96 = figures["at96"]
    print(
        f"   coverage at 99 % {figures['cov99']:.3f}, at 99.5 % {figures['cov995']:.3f}; "
        f"≥ {BAR}: {share:.1%} of lines, {precision:.1%} right; "
        f"≥ {EHF_BAR}: {share96:.1%}, {precision96:.1%} right"
    )
    print("   group | lines | top-1 | ≥0.95 share | ≥0.95 right | right but < 0.95")
    for name in GROUPS:
        row = figures.get(name)
        if row:
            right = "-" if row["sure_right"] is None else f"{row['sure_right']:.3f}"
            print(
                f"     {name:14s} | {row['n']:6d} | {row['top1']:.3f} | {row['sure']:.3f} | "
                f"{right} | {row['right_unsure']:.3f}"
            )
