"""Dimension accuracy, and account accuracy with and without the buyer's reference.

The public posting histories carry no buyer's reference, but three carry the department that
ordered (GLA `directorate`, Harrogate `service_label`, Calderdale `expense_area`) and a finer
unit (GLA `service_expenditure_analysis`, Harrogate `service_code`, Calderdale
`cost_centre`). Measured, each newest 20 % from the oldest 80 %:

1. **held out, no buyer's reference**: department and cost centre suggested from supplier,
   words and the *suggested* account (as for a new invoice), against each supplier's most
   frequent code;
2. **in-sample** (a sample of the training lines, their own counts included), beside it, so
   nobody takes one for the other;
3. **held out, department column as the buyer's reference**: the account, and the cost
   centre, when the invoice names the ordering department — the department column is
   assigned at posting time in these files, so this is what a buyer's reference that names
   the department can add at most, not what every invoice gives.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from kontera.suggest.dimension_eval import KindScore
from kontera.suggest.dimension_eval import score_dimensions
from kontera.suggest.dimensions import DimensionModel
from kontera.suggest.features import query_from_history
from kontera.suggest.history import HistoryLine
from kontera.suggest.metrics import baseline_hits
from kontera.suggest.metrics import coverage_at
from kontera.suggest.metrics import expected_calibration_error
from kontera.suggest.model import CompanyModel

TEST_SHARE = 0.2
IN_SAMPLE_LINES = 20_000

# dataset → (extra column mapping, the column that stands for the buyer's reference)
DIMENSION_COLUMNS = {
    "harrogate": (["department=service_label", "cost_centre=service_code"], "service_label"),
    "calderdale": (["department=expense_area", "cost_centre=cost_centre"], "expense_area"),
    "greater-london-authority": (
        ["department=directorate", "cost_centre=service_expenditure_analysis"],
        "directorate",
    ),
}


def measure(name: str, lines: Sequence[HistoryLine]) -> list[dict[str, Any]]:
    """All rows for one dataset; `lines` oldest first, with department, cost centre and the
    buyer's reference (the department column) filled."""
    cut = int(len(lines) * (1 - TEST_SHARE))
    plain = [dataclasses.replace(line, buyer_reference=None) for line in lines]
    train, test = plain[:cut], plain[cut:]
    started = time.process_time()
    accounts_model = CompanyModel.train(train)
    plain_accounts = _account_row(name, "account, without the buyer's reference", accounts_model,
                                  train, test)  # fmt: skip
    suggested = plain_accounts.pop("_suggested")
    dims = DimensionModel.train(train)
    rows = [plain_accounts]
    rows += [_dim_row(name, "held out", s) for s in score_dimensions(dims, train, test, suggested)]
    sample = random.Random(0).sample(list(train), min(IN_SAMPLE_LINES, len(train)))
    in_sample = score_dimensions(dims, train, sample, [[(line.account, 1.0)] for line in sample])
    rows += [_dim_row(name, "in-sample (training lines, true account)", s) for s in in_sample]

    with_ref_train, with_ref_test = list(lines[:cut]), list(lines[cut:])
    referenced = CompanyModel.train(with_ref_train)
    row = _account_row(name, "account, department column as the buyer's reference",
                       referenced, with_ref_train, with_ref_test)  # fmt: skip
    ref_suggested = row.pop("_suggested")
    rows.append(row)
    ref_dims = DimensionModel.train(with_ref_train)
    for s in score_dimensions(ref_dims, with_ref_train, with_ref_test, ref_suggested):
        if s.kind == "cost_centre":
            rows.append(_dim_row(name, "held out, department column as the buyer's reference", s))
    print(f"   ({name}: {time.process_time() - started:.0f} s CPU)")
    return rows


def _account_row(
    name: str,
    label: str,
    model: CompanyModel,
    train: Sequence[HistoryLine],
    test: Sequence[HistoryLine],
) -> dict[str, Any]:
    ranked = model.rank_queries([query_from_history(line) for line in test])
    labels = model.label_indices(line.account for line in test)
    right = ranked.accounts[:, 0] == labels
    confidence = ranked.confidence
    base1, _ = baseline_hits(train, test)
    return {
        "dataset": name,
        "what": label,
        "split": "held out",
        "n_test": len(test),
        "top1": float(right.mean()),
        "baseline_top1": float(np.mean(base1)),
        "coverage_high": float((confidence >= 0.9).mean()),
        "precision_high": float(right[confidence >= 0.9].mean()) if (confidence >= 0.9).any()
        else 0.0,
        "coverage_at_99": coverage_at(0.99, confidence, right),
        "ece": expected_calibration_error(confidence, right),
        "_suggested": [
            [(model.accounts[int(a)], float(p)) for a, p in zip(row, probs, strict=True) if a >= 0]
            for row, probs in zip(ranked.accounts, ranked.probabilities, strict=True)
        ],
    }  # fmt: skip


def _dim_row(name: str, split: str, score: KindScore) -> dict[str, Any]:
    return {
        "dataset": name,
        "what": score.kind,
        "split": split,
        "n_test": score.n_test,
        "top1": score.top1,
        "baseline_top1": score.baseline_top1,
        "coverage_high": score.coverage_high,
        "precision_high": score.precision_high,
        "coverage_at_99": score.coverage_at_99,
        "ece": score.ece,
        "with_code": score.with_code_share,
        "top1_with_code": score.top1_with_code,
    }


def print_table(rows: Sequence[dict[str, Any]]) -> None:
    print("\n## Dimensions (and accounts with / without the buyer's reference)")
    print("| dataset | what | split | lines | top-1 | supplier-majority top-1 | "
          "suggested at ≥ 90 % (right) | coverage at 99 % | ECE |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['dataset']} | {r['what']} | {r['split']} | {r['n_test']} | {r['top1']:.3f} | "
            f"{r['baseline_top1']:.3f} | {r['coverage_high']:.3f} ({r['precision_high']:.3f}) | "
            f"{r['coverage_at_99']:.3f} | {r['ece']:.3f} |"
        )
