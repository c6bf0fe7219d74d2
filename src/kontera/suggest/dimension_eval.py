"""Measuring dimension suggestions the honest way: older lines train, newer lines test.

The model is trained on the oldest 80 % (`DimensionModel.train`, which itself calibrates on
the newest fifth of those), and suggests for the newest 20 % with the account the account
model suggests for each test line — not the account the line was really posted to, which a
new invoice does not have. The baseline is each supplier's most frequent code (no code
counts as a code), then the company's. A line is right when the suggestion's likeliest code,
"no code" included, is the one the line was posted with.
"""

from __future__ import annotations

from collections import Counter
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kontera.suggest.dimensions import NO_CODE
from kontera.suggest.dimensions import Accounts
from kontera.suggest.dimensions import DimensionModel
from kontera.suggest.features import query_from_history
from kontera.suggest.history import HistoryLine
from kontera.suggest.metrics import coverage_at
from kontera.suggest.metrics import expected_calibration_error

HIGH_CONFIDENCE = 0.9


@dataclass(frozen=True, slots=True)
class KindScore:
    kind: str
    n_test: int
    top1: float
    baseline_top1: float
    with_code_share: float  # test lines that have a code of this kind
    top1_with_code: float  # right among those
    coverage_high: float  # share of test lines with a code suggested at ≥ HIGH_CONFIDENCE
    precision_high: float
    coverage_at_99: float
    ece: float


def score_dimensions(
    model: DimensionModel,
    train: Sequence[HistoryLine],
    test: Sequence[HistoryLine],
    accounts: Sequence[Accounts],
) -> list[KindScore]:
    """Per kind the model learnt: how right it is on `test` (`accounts`: each test line's
    likely accounts with their probabilities, as the account suggestion gives them)."""
    queries = [query_from_history(line) for line in test]
    best: dict[str, list[str]] = defaultdict(list)
    confidence: dict[str, list[float]] = defaultdict(list)
    suggested: dict[str, list[bool]] = defaultdict(list)
    for line, query, account in zip(test, queries, accounts, strict=True):
        display = line.supplier_name or line.supplier_key
        for guess in model.guess(query, account, display):
            best[guess.kind].append(guess.best)
            confidence[guess.kind].append(guess.confidence)
            suggested[guess.kind].append(guess.code is not None)
    scores = []
    for kind in model.kinds:
        truth = [getattr(line, kind) or NO_CODE for line in test]
        right = np.array([b == t for b, t in zip(best[kind], truth, strict=True)], np.bool_)
        conf = np.array(confidence[kind], np.float64)
        has_code = np.array([t != NO_CODE for t in truth], np.bool_)
        high = conf >= HIGH_CONFIDENCE
        coded_high = high & np.array(suggested[kind], np.bool_)
        baseline = supplier_majority(train, test, kind)
        scores.append(
            KindScore(
                kind=kind,
                n_test=len(test),
                top1=float(right.mean()) if len(right) else 0.0,
                baseline_top1=float(np.mean(baseline)) if baseline else 0.0,
                with_code_share=float(has_code.mean()) if len(has_code) else 0.0,
                top1_with_code=float(right[has_code].mean()) if has_code.any() else 0.0,
                coverage_high=float(coded_high.mean()) if len(conf) else 0.0,
                precision_high=float(right[coded_high].mean()) if coded_high.any() else 0.0,
                coverage_at_99=coverage_at(0.99, conf, right),
                ece=expected_calibration_error(conf, right),
            )
        )
    return scores


def supplier_majority(
    train: Sequence[HistoryLine], test: Sequence[HistoryLine], kind: str
) -> list[bool]:
    """Each supplier's most frequent past code of `kind` (then the company's): right or not."""
    per_supplier: dict[str, Counter[str]] = defaultdict(Counter)
    overall: Counter[str] = Counter()
    for line in train:
        code = getattr(line, kind) or NO_CODE
        per_supplier[line.supplier_key][code] += 1
        overall[code] += 1
    fallback = overall.most_common(1)[0][0] if overall else NO_CODE
    hits = []
    for line in test:
        counts = per_supplier.get(line.supplier_key)
        guess = counts.most_common(1)[0][0] if counts else fallback
        hits.append(guess == (getattr(line, kind) or NO_CODE))
    return hits
