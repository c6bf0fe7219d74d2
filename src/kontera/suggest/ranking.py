"""Turning pair scores into calibrated top-k per query, vectorised over a batch."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kontera.suggest.evidence import FloatArray
from kontera.suggest.evidence import IntArray
from kontera.suggest.ranker import FEATURE_NAMES
from kontera.suggest.ranker import Pairs

TOP_K = 3


@dataclass(slots=True)
class Ranked:
    """Per query: up to TOP_K accounts (-1 = none) with calibrated probabilities."""

    accounts: NDArray[np.int64]  # queries × TOP_K
    probabilities: FloatArray  # queries × TOP_K
    raw_top: FloatArray  # uncalibrated top-1 share (what the calibrator maps)

    @property
    def confidence(self) -> FloatArray:
        return np.asarray(self.probabilities[:, 0], np.float64)


def pair_scores(ranker: Any | None, pairs: Pairs) -> FloatArray:
    """The ranker's probability that each candidate is right (a fixed blend without one)."""
    if len(pairs.account) == 0:
        return np.zeros(0, np.float64)
    if ranker is not None:
        with one_thread():
            return np.asarray(ranker.predict_proba(pairs.features)[:, 1], np.float64)
    column = {name: pairs.features[:, i] for i, name in enumerate(FEATURE_NAMES)}
    blend = (
        0.6 * column["supplier_recent_share"]
        + 0.3 * column["text_posterior"]
        + 0.1 * column["name_posterior"]
        + 0.01 * column["prior"]
    )
    return np.asarray(blend, np.float64) + 1e-9


@functools.cache
def _threadpools() -> Any:
    """Scanning the loaded thread pools is slow (it reads /proc); do it once per process."""
    from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

    return ThreadpoolController()


def one_thread() -> Any:
    """A context in which OpenMP (the gradient-boosting trees) uses one thread.

    Workers run one process per core; threads inside them only fight each other, and for an
    invoice's few candidates the thread start-up costs more than the work.
    """
    return _threadpools().limit(limits=1, user_api="openmp")


def rank(
    pairs: Pairs,
    scores: FloatArray,
    n_queries: int,
    calibrator: Any | None,
    staleness: FloatArray | None = None,
    allowed: NDArray[np.bool_] | None = None,
) -> Ranked:
    """Top-k per query. `allowed` (per pair) leaves candidates out of the ranking — accounts
    the ledger has closed — while their scores still count in every share, so that passing
    over the likeliest account lowers the confidence instead of inflating the next one's."""
    totals = np.bincount(pairs.query, weights=scores, minlength=n_queries)
    share = scores / np.maximum(totals[pairs.query], 1e-12)
    queries, accounts_of = pairs.query, pairs.account
    if allowed is not None:
        queries, accounts_of, share = queries[allowed], accounts_of[allowed], share[allowed]
    order = np.lexsort((-share, queries))
    query_sorted = queries[order]
    starts = np.searchsorted(query_sorted, np.arange(n_queries))
    position = np.arange(len(order)) - starts[query_sorted]
    keep = position < TOP_K
    accounts = np.full((n_queries, TOP_K), -1, np.int64)
    shares = np.zeros((n_queries, TOP_K), np.float64)
    accounts[query_sorted[keep], position[keep]] = accounts_of[order][keep]
    shares[query_sorted[keep], position[keep]] = share[order][keep]
    raw_top = shares[:, 0].copy()
    if staleness is None:
        staleness = np.zeros(n_queries, np.float64)
    calibrated = calibrate(calibrator, raw_top, staleness)
    scale = np.divide(calibrated, raw_top, out=np.zeros_like(raw_top), where=raw_top > 0)
    probabilities = np.minimum(shares * scale[:, None], 1.0)
    probabilities[:, 1:] = np.minimum(probabilities[:, 1:], (1.0 - calibrated)[:, None])
    return Ranked(accounts, probabilities, raw_top)


def calibrate(calibrator: Any | None, raw_top: FloatArray, staleness: FloatArray) -> FloatArray:
    """The probability that the top candidate is right, from its share of the scores and
    how stale the evidence is (see `staleness`)."""
    if calibrator is None or len(raw_top) == 0:
        return raw_top
    curves = calibrator["curves"]
    band = np.searchsorted(calibrator["edges"], staleness, side="left")
    calibrated = np.empty(len(raw_top), np.float64)
    for b in np.unique(band):
        members = band == b
        calibrated[members] = curves[min(int(b), len(curves) - 1)].predict(raw_top[members])
    return np.clip(calibrated, 0.0, 1.0)


def staleness(ordinals: IntArray, newest: int) -> FloatArray:
    """log1p of the days between the evidence's newest posting and each line (0 if undated).

    A model that has not seen an approval for years is less right than one refreshed
    yesterday: suppliers change what they sell and charts are renumbered. Measured on
    Calderdale, accuracy halves over four years without a refresh; the calibrator learns
    this decay so that confidence falls with it.
    """
    dated = (ordinals > 0) & (newest > 0)
    days = np.where(dated, np.maximum(ordinals - newest, 0), 0)
    return np.asarray(np.log1p(days), np.float64)


def correct_at(ranked: Ranked, labels: IntArray, k: int) -> NDArray[np.bool_]:
    return np.asarray((ranked.accounts[:, :k] == labels[:, None]).any(axis=1), np.bool_)
