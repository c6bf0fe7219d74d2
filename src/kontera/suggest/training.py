"""Fitting a company's model from its history, trained only on the past.

History is put in time order and cut into blocks. For each block the evidence is counted from
the blocks before it, so the ranker learns from features that look exactly like the ones it
will see in production — evidence from the past, a line from the future. The last block is
held out to calibrate the confidence (isotonic regression on a time-ordered holdout); the
final evidence is then counted from all of the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kontera.suggest.evidence import Evidence
from kontera.suggest.evidence import IntArray
from kontera.suggest.evidence import fit_evidence
from kontera.suggest.features import Encoded
from kontera.suggest.features import Query
from kontera.suggest.features import encode
from kontera.suggest.ranker import Pairs
from kontera.suggest.ranker import pairs_for
from kontera.suggest.ranking import one_thread
from kontera.suggest.ranking import pair_scores
from kontera.suggest.ranking import rank

BLOCKS = 6  # 0-1: evidence only; 2-4: the ranker learns; 5: calibration
FIRST_RANKER_BLOCK = 2  # with less evidence before it, a block teaches the wrong lessons
MIN_LINES_FOR_RANKER = 200
MAX_RANKER_QUERIES = 24_000
MAX_CALIBRATION_QUERIES = 20_000


@dataclass(slots=True)
class Fitted:
    evidence: Evidence
    ranker: Any | None
    calibrator: Any | None
    candidate_recall: float


def fit(queries: Sequence[Query], labels: IntArray, n_accounts: int, seed: int = 0) -> Fitted:
    """Queries must already be in time order."""
    rng = np.random.default_rng(seed)
    batch = encode(queries)
    ranker = calibrator = None
    recall = float("nan")
    if len(queries) >= MIN_LINES_FOR_RANKER:
        edges = np.linspace(0, len(queries), BLOCKS + 1).astype(int)
        per_block = MAX_RANKER_QUERIES // (BLOCKS - 1 - FIRST_RANKER_BLOCK)
        train_parts = [
            _block_pairs(batch, labels, n_accounts, edges, k, rng, per_block)
            for k in range(FIRST_RANKER_BLOCK, BLOCKS - 1)
        ]
        ranker = _fit_ranker(train_parts, seed)
        calib_labels, calib_pairs = _block_pairs(
            batch, labels, n_accounts, edges, BLOCKS - 1, rng, MAX_CALIBRATION_QUERIES
        )
        calibrator, recall = _fit_calibrator(ranker, calib_labels, calib_pairs)
    return Fitted(fit_evidence(batch, labels, n_accounts), ranker, calibrator, recall)


def _block_pairs(
    batch: Encoded,
    labels: IntArray,
    n_accounts: int,
    edges: Any,
    k: int,
    rng: np.random.Generator,
    budget: int,
) -> tuple[IntArray, Pairs]:
    evidence = fit_evidence(batch.take(slice(0, edges[k])), labels[: edges[k]], n_accounts)
    block = np.arange(edges[k], edges[k + 1])
    if len(block) > budget:
        block = np.sort(rng.choice(block, budget, replace=False))
    return labels[block], pairs_for(evidence, batch.take(block))


def _fit_ranker(parts: list[tuple[IntArray, Pairs]], seed: int) -> Any | None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    features = np.vstack([pairs.features for _, pairs in parts])
    target = np.concatenate([(pairs.account == labels[pairs.query]) for labels, pairs in parts])
    if target.all() or not target.any():
        return None
    # Small, regularised trees: the ranker must carry over to a future it has not seen, and
    # deeper trees learnt block-specific quirks (measured: less stable top-1 and calibration).
    model = HistGradientBoostingClassifier(
        max_iter=60,
        learning_rate=0.1,
        max_leaf_nodes=8,
        min_samples_leaf=200,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=seed,
    )
    with one_thread():
        model.fit(features, target)
    return model


def _fit_calibrator(ranker: Any | None, labels: IntArray, pairs: Pairs) -> tuple[Any | None, float]:
    from sklearn.isotonic import IsotonicRegression

    ranked = rank(pairs, pair_scores(ranker, pairs), len(labels), None)
    correct = (ranked.accounts[:, 0] == labels).astype(np.float64)
    in_candidates = np.zeros(len(labels), bool)
    in_candidates[pairs.query[pairs.account == labels[pairs.query]]] = True
    recall = float(in_candidates.mean()) if len(labels) else float("nan")
    if len(labels) < 50 or correct.all() or not correct.any():
        return None, recall
    calibrator = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    calibrator.fit(ranked.raw_top, correct)
    return calibrator, recall
