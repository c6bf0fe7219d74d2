"""Counted evidence from a company's history: supplier habits and word/name associations.

Everything here is counting, so fitting it on a million lines takes seconds and it can be
refitted on every approved voucher. The learned ranker (`ranker.py`) then weighs this
evidence; it is the counts that make the model "this company's".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from kontera.suggest.features import Encoded

ALPHA = 0.1  # additive smoothing of the word/name associations
HALF_LIFE_DAYS = 180.0  # recent habits count more; a half-year-old posting counts half
LAST_N = 5  # "the supplier's last few invoices"

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(slots=True)
class Table:
    """Counts per (group, account), groups found by a string key."""

    index: dict[str, int]
    counts: sparse.csr_matrix  # groups × accounts
    totals: FloatArray

    def rows(self, keys: Sequence[str]) -> IntArray:
        return np.fromiter((self.index.get(k, -1) for k in keys), np.int64, len(keys))


@dataclass(slots=True)
class Association:
    """Naive-Bayes-style token → account association on hashed tokens."""

    log_ratio: sparse.csr_matrix  # tokens × accounts: log(1 + count / ALPHA)
    class_bias: FloatArray  # per account: log(ALPHA) - log(total + ALPHA * vocabulary)

    def log_scores(self, matrix: sparse.csr_matrix) -> FloatArray:
        """Rows × accounts scores (up to a per-row constant); dense, so call it in chunks."""
        lengths = np.asarray(matrix.sum(axis=1)).ravel()
        scores = (matrix @ self.log_ratio).toarray()
        return np.asarray(scores + np.outer(lengths, self.class_bias), dtype=np.float64)


@dataclass(slots=True)
class Evidence:
    n_accounts: int
    newest: int  # date ordinal of the newest posting counted (0 when undated)
    prior: FloatArray
    supplier: Table
    recent: Table  # supplier counts weighted by recency
    latest: Table  # supplier counts over its LAST_N newest postings
    recent_prior: FloatArray  # company-wide account shares weighted by recency
    log_amount_sum: sparse.csr_matrix  # supplier × account sum of log10|amount|
    last_account: IntArray  # per supplier row: the account of its latest posting
    supplier_bin: Table
    supplier_exact: Table
    text: Association
    name: Association
    # When each (supplier, account) and each account was last used (date ordinals, 0 = never
    # or undated): accounts are renamed and retired over the years, suppliers move on.
    pair_last: sparse.csr_matrix
    account_last: IntArray
    supplier_month: Table  # seasonality: the supplier's accounts per calendar month
    supplier_text: Table  # the supplier's accounts for exactly this wording ("Gas - Depot")


def fit_evidence(batch: Encoded, labels: IntArray, n_accounts: int) -> Evidence:
    newest = int(batch.ordinals.max()) if len(batch) else 0
    age = np.where(batch.ordinals > 0, newest - batch.ordinals, 0).astype(np.float64)
    recency = np.power(0.5, age / HALF_LIFE_DAYS)
    supplier = _table(batch.suppliers, labels, n_accounts)
    return Evidence(
        n_accounts=n_accounts,
        newest=newest,
        prior=np.bincount(labels, minlength=n_accounts) / max(1, len(labels)),
        supplier=supplier,
        recent=_table(batch.suppliers, labels, n_accounts, recency),
        latest=_table(batch.suppliers, labels, n_accounts, _latest(supplier, batch)),
        recent_prior=np.bincount(labels, recency, n_accounts) / max(1e-9, float(recency.sum())),
        log_amount_sum=_sums(supplier, batch, labels),
        last_account=_last_accounts(supplier, batch, labels),
        supplier_bin=_table(batch.bin_keys, labels, n_accounts),
        supplier_exact=_table(batch.exact_keys, labels, n_accounts),
        text=_association(batch.text, labels, n_accounts),
        name=_association(batch.name, labels, n_accounts),
        pair_last=_pair_last(supplier, batch, labels),
        account_last=_account_last(batch, labels, n_accounts),
        supplier_month=_table(batch.month_keys, labels, n_accounts),
        supplier_text=_table(batch.text_keys, labels, n_accounts),
    )


def _pair_last(supplier: Table, batch: Encoded, labels: IntArray) -> sparse.csr_matrix:
    rows = supplier.rows(batch.suppliers)
    shape = supplier.counts.shape
    width = shape[1]
    keys = rows * width + labels
    order = np.lexsort((batch.ordinals, keys))
    last_of_key = np.ones(len(order), bool)
    last_of_key[:-1] = keys[order][1:] != keys[order][:-1]
    picked = order[last_of_key]
    return sparse.csr_matrix(
        (batch.ordinals[picked].astype(np.float64), (rows[picked], labels[picked])),
        shape=shape,
        dtype=np.float64,
    )


def _account_last(batch: Encoded, labels: IntArray, n_accounts: int) -> IntArray:
    last = np.zeros(n_accounts, np.int64)
    np.maximum.at(last, labels, batch.ordinals)
    return last


def _table(
    keys: Sequence[str], labels: IntArray, n_accounts: int, weights: FloatArray | None = None
) -> Table:
    index: dict[str, int] = {}
    rows = np.fromiter((index.setdefault(k, len(index)) for k in keys), np.int64, len(keys))
    values = np.ones(len(keys)) if weights is None else weights
    counts = sparse.csr_matrix(
        (values, (rows, labels)), shape=(max(1, len(index)), n_accounts), dtype=np.float64
    )
    counts.sum_duplicates()
    return Table(index, counts, np.asarray(counts.sum(axis=1)).ravel())


def _newest_first(supplier: Table, batch: Encoded) -> tuple[IntArray, IntArray]:
    rows = supplier.rows(batch.suppliers)
    # Within each supplier, newest first; ties (undated history) keep file order.
    order = np.lexsort((np.arange(len(rows)), -batch.ordinals, rows))
    return rows, np.asarray(order, np.int64)


def _latest(supplier: Table, batch: Encoded) -> FloatArray:
    """Weight 1 for each supplier's LAST_N newest postings, 0 for the rest."""
    rows, order = _newest_first(supplier, batch)
    sorted_rows = rows[order]
    starts = np.searchsorted(sorted_rows, sorted_rows)
    rank = np.arange(len(order)) - starts
    weights = np.zeros(len(rows), np.float64)
    weights[order[rank < LAST_N]] = 1.0
    return weights


def _sums(supplier: Table, batch: Encoded, labels: IntArray) -> sparse.csr_matrix:
    rows = supplier.rows(batch.suppliers)
    shape = supplier.counts.shape
    sums = sparse.csr_matrix((batch.log_amounts, (rows, labels)), shape=shape, dtype=np.float64)
    sums.sum_duplicates()
    return sums


def _last_accounts(supplier: Table, batch: Encoded, labels: IntArray) -> IntArray:
    last = np.full(supplier.counts.shape[0], -1, np.int64)
    rows, order = _newest_first(supplier, batch)
    # Assign oldest first so that each supplier's newest posting wins.
    last[rows[order[::-1]]] = labels[order[::-1]]
    return last


def _association(matrix: sparse.csr_matrix, labels: IntArray, n_accounts: int) -> Association:
    onehot = sparse.csr_matrix(
        (np.ones(len(labels)), (np.arange(len(labels)), labels)),
        shape=(len(labels), n_accounts),
    )
    counts = (matrix.T @ onehot).tocsr()
    totals = np.asarray(counts.sum(axis=0)).ravel()
    vocabulary = max(1, int(np.count_nonzero(np.asarray(counts.sum(axis=1)).ravel())))
    log_ratio = counts.copy()
    log_ratio.data = np.log1p(log_ratio.data / ALPHA)
    bias = np.log(ALPHA) - np.log(totals + ALPHA * vocabulary)
    return Association(log_ratio.tocsr(), bias)
