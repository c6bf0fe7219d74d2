"""Candidate accounts for each line and the features that let a learned ranker choose.

For every query the candidates are the supplier's own accounts, the accounts its words and
its supplier name point to, and the company's most used accounts. Each (query, candidate)
pair gets a short vector of evidence — share of the supplier's postings, recency, amount fit,
word and name association — and a gradient-boosted classifier learns how much each is worth
for this company. Scores are normalised over a query's candidates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from kontera.suggest.evidence import Evidence
from kontera.suggest.evidence import FloatArray
from kontera.suggest.evidence import IntArray
from kontera.suggest.evidence import Table
from kontera.suggest.features import Encoded

SUPPLIER_CANDIDATES = 12
TEXT_CANDIDATES = 5
NAME_CANDIDATES = 3
PRIOR_CANDIDATES = 3
CHUNK = 2048

FEATURE_NAMES = (
    "supplier_known",
    "supplier_lines_log",
    "supplier_share",
    "supplier_recent_share",
    "supplier_last",
    "pair_lines_log",
    "bin_share",
    "bin_lines_log",
    "exact_share",
    "exact_lines_log",
    "amount_distance",
    "text_posterior",
    "text_rank",
    "has_text",
    "name_posterior",
    "prior",
    "recent_prior",
    "latest_share",
    "supplier_rank",
    "recent_rank",
    "bin_rank",
    "name_rank",
    "pair_days_since",
    "account_days_since",
    "month_share",
    "month_lines_log",
    "wording_share",
    "wording_lines_log",
)
# Within-query ranks of these columns: a pointwise classifier cannot compare candidates of
# one line with each other, so "is this the supplier's most used account?" is given to it.
_RANKED = {
    "supplier_rank": "supplier_share",
    "recent_rank": "supplier_recent_share",
    "bin_rank": "bin_share",
    "name_rank": "name_posterior",
}


@dataclass(slots=True)
class Pairs:
    """All (query, candidate) pairs of a batch with their feature rows."""

    query: IntArray  # index of the query each pair belongs to
    account: IntArray  # candidate account index
    features: NDArray[np.float32]


def pairs_for(evidence: Evidence, batch: Encoded) -> Pairs:
    if 0 < len(batch) <= CHUNK:
        return _chunk_pairs(evidence, batch, 0)  # an invoice: no slicing, no copying
    parts = [
        _chunk_pairs(evidence, batch.take(slice(start, start + CHUNK)), start)
        for start in range(0, len(batch), CHUNK)
    ]
    if not parts:
        return Pairs(
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
            np.zeros((0, len(FEATURE_NAMES)), np.float32),
        )
    return Pairs(
        np.concatenate([p.query for p in parts]),
        np.concatenate([p.account for p in parts]),
        np.vstack([p.features for p in parts]),
    )


def _posterior(scores: FloatArray) -> FloatArray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True), np.float64)


def _top(scores: FloatArray, k: int) -> IntArray:
    k = min(k, scores.shape[1])
    return np.asarray(np.argpartition(-scores, k - 1, axis=1)[:, :k], np.int64)


def _chunk_pairs(evidence: Evidence, batch: Encoded, offset: int) -> Pairs:
    text_post = _posterior(evidence.text.log_scores(batch.text))
    name_post = _posterior(evidence.name.log_scores(batch.name))
    sup_rows = evidence.supplier.rows(batch.suppliers)
    local, accounts = _candidates(evidence, sup_rows, text_post, name_post)
    features = _features(evidence, batch, local, accounts, sup_rows, text_post, name_post)
    features[:, FEATURE_NAMES.index("has_text")] = batch.has_text[local]
    for target, source in _RANKED.items():
        column = features[:, FEATURE_NAMES.index(source)]
        features[:, FEATURE_NAMES.index(target)] = _rank_within(local, column)
    return Pairs(local + offset, accounts, features)


def _rank_within(groups: IntArray, values: NDArray[np.float32]) -> NDArray[np.float32]:
    """0 for the highest value of its group, 1 for the next … (ties share the better rank)."""
    order = np.lexsort((-values, groups))
    sorted_groups, sorted_values = groups[order], values[order]
    starts = np.searchsorted(sorted_groups, sorted_groups)
    new_value = np.ones(len(order), bool)
    new_value[1:] = (sorted_values[1:] != sorted_values[:-1]) | (
        sorted_groups[1:] != sorted_groups[:-1]
    )
    position = np.arange(len(order))
    first_of_value = np.maximum.accumulate(np.where(new_value, position, 0))
    ranks = np.empty(len(order), np.float32)
    ranks[order] = np.minimum(first_of_value - starts, 20)
    return ranks


def _candidates(
    evidence: Evidence, sup_rows: IntArray, text_post: FloatArray, name_post: FloatArray
) -> tuple[IntArray, IntArray]:
    text_top = _top(text_post, TEXT_CANDIDATES)
    name_top = _top(name_post, NAME_CANDIDATES)
    prior_top = np.argsort(-evidence.prior)[:PRIOR_CANDIDATES]
    counts = evidence.supplier.counts
    local: list[IntArray] = []
    accounts: list[IntArray] = []
    for i, row in enumerate(sup_rows):
        own = np.zeros(0, np.int64)
        if row >= 0:
            start, end = counts.indptr[row], counts.indptr[row + 1]
            own = counts.indices[start:end]
            if len(own) > SUPPLIER_CANDIDATES:
                own = own[np.argsort(-counts.data[start:end])[:SUPPLIER_CANDIDATES]]
        chosen = np.unique(np.concatenate([own, text_top[i], name_top[i], prior_top]))
        local.append(np.full(len(chosen), i, np.int64))
        accounts.append(chosen.astype(np.int64))
    return np.concatenate(local), np.concatenate(accounts)


_KEYS_ATTRIBUTE = "_kontera_lookup_keys"


def _keys(table: sparse.csr_matrix) -> IntArray:
    """row * width + column of every stored value, in order (canonical CSR is sorted).

    Cached on the matrix itself: evidence tables never change after fitting.
    """
    keys: IntArray | None = getattr(table, _KEYS_ATTRIBUTE, None)
    if keys is None:
        table.sum_duplicates()
        rows = np.repeat(np.arange(table.shape[0], dtype=np.int64), np.diff(table.indptr))
        keys = rows * table.shape[1] + table.indices.astype(np.int64)
        setattr(table, _KEYS_ATTRIBUTE, keys)
    return keys


def _lookup(table: sparse.csr_matrix, rows: IntArray, cols: IntArray) -> FloatArray:
    """table[rows[i], cols[i]] for every i (0 where rows[i] < 0), by binary search."""
    values = np.zeros(len(rows), np.float64)
    keys = _keys(table)
    if len(keys) == 0:
        return values
    wanted = rows * table.shape[1] + cols
    found = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    hit = (keys[found] == wanted) & (rows >= 0)
    values[hit] = table.data[found[hit]]
    return values


def _share(counts: FloatArray, totals: FloatArray) -> FloatArray:
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


NEVER_USED_DAYS = 20.0  # log1p-days standing in for "never" (e^20 days is forever)


def _days_since(now: IntArray, last: FloatArray) -> FloatArray:
    """log1p of the days between a line and the last use; NEVER_USED_DAYS when never used.
    Undated history (ordinal 0) gives 0: no time has passed as far as the model knows."""
    dated = (now > 0) & (last > 0)
    days = np.where(dated, np.maximum(now - last, 0.0), 0.0)
    return np.where(last > 0, np.log1p(days), np.where(now > 0, NEVER_USED_DAYS, 0.0))


def _rank_in_row(matrix: FloatArray, rows: IntArray, values: FloatArray) -> IntArray:
    """How many entries of matrix[rows[i]] are greater than values[i], for every i.

    One sort of the (small) query × account matrix instead of comparing every pair with
    its whole row: rows are laid end to end with an offset of 2 (values are in [0, 1]).
    """
    n_rows, width = matrix.shape
    offsets = np.arange(n_rows, dtype=np.float64)[:, None] * 2.0
    flat = np.sort(matrix + offsets, axis=1).ravel()
    row_end = (rows + 1) * width
    return np.asarray(row_end - np.searchsorted(flat, values + rows * 2.0, side="right"), np.int64)


def _totals(table: Table, rows: IntArray) -> FloatArray:
    """Each row's total (0 for a key the table has never seen)."""
    return np.where(rows >= 0, table.totals[np.maximum(rows, 0)], 0.0)


def _keyed(
    table: Table, keys: list[str], local: IntArray, accounts: IntArray
) -> tuple[FloatArray, FloatArray]:
    """For a table keyed by something of the line (supplier|amount band, |month …): the
    candidate's share of the key's postings, and how many postings the key has."""
    rows = table.rows(keys)[local]
    total = _totals(table, rows)
    return _share(_lookup(table.counts, rows, accounts), total), total


def _features(
    evidence: Evidence,
    batch: Encoded,
    local: IntArray,
    accounts: IntArray,
    sup_rows: IntArray,
    text_post: FloatArray,
    name_post: FloatArray,
) -> NDArray[np.float32]:
    rows = sup_rows[local]
    sup_total = _totals(evidence.supplier, rows)
    pair = _lookup(evidence.supplier.counts, rows, accounts)
    bin_share, bin_total = _keyed(evidence.supplier_bin, batch.bin_keys, local, accounts)
    exact_share, exact_total = _keyed(evidence.supplier_exact, batch.exact_keys, local, accounts)
    month_share, month_total = _keyed(evidence.supplier_month, batch.month_keys, local, accounts)
    text_share, text_total = _keyed(evidence.supplier_text, batch.text_keys, local, accounts)
    mean_log = _share(_lookup(evidence.log_amount_sum, rows, accounts), pair)
    amounts = batch.log_amounts[local]
    last = np.where(rows >= 0, evidence.last_account[np.maximum(rows, 0)], -1)
    text_rank = _rank_in_row(text_post, local, text_post[local, accounts])
    columns = [
        rows >= 0,
        np.log1p(sup_total),
        _share(pair, sup_total),
        _share(_lookup(evidence.recent.counts, rows, accounts), _totals(evidence.recent, rows)),
        last == accounts,
        np.log1p(pair),
        bin_share,
        np.log1p(bin_total),
        exact_share,
        np.log1p(exact_total),
        np.where(pair > 0, np.abs(amounts - mean_log), 9.0),
        text_post[local, accounts],
        np.minimum(text_rank, 50),
        np.zeros(len(local)),
        name_post[local, accounts],
        evidence.prior[accounts],
        evidence.recent_prior[accounts],
        _share(_lookup(evidence.latest.counts, rows, accounts), _totals(evidence.latest, rows)),
        *([np.zeros(len(local))] * len(_RANKED)),
        _days_since(batch.ordinals[local], _lookup(evidence.pair_last, rows, accounts)),
        _days_since(batch.ordinals[local], evidence.account_last[accounts].astype(np.float64)),
        month_share,
        np.log1p(month_total),
        text_share,
        np.log1p(text_total),
    ]
    return np.column_stack(columns).astype(np.float32)
