"""Evaluating a company model the honest way: train on the past, test on the future.

The last 20 % of the history (by date; by invoice number when there are no dates) is the
test set; the model never sees it. Reported: top-1/top-3 accuracy, the supplier-majority
baseline, coverage at 99 % precision, expected calibration error, what auto-approval at a few
thresholds buys, training time and the p99 latency of suggesting a whole invoice (both as CPU
time of the work, which is what a dedicated core would see).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from pathlib import Path
from typing import IO
from typing import Any

import numpy as np

from kontera.domain.errors import InvalidInput
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import InvoiceLine
from kontera.domain.invoice import Party
from kontera.suggest.evidence import FloatArray
from kontera.suggest.features import query_from_history
from kontera.suggest.history import HistoryLine
from kontera.suggest.metrics import BoolArray
from kontera.suggest.metrics import baseline_hits
from kontera.suggest.metrics import coverage_at
from kontera.suggest.metrics import expected_calibration_error
from kontera.suggest.metrics import precision_above
from kontera.suggest.model import CompanyModel
from kontera.suggest.model import time_order
from kontera.suggest.ranking import correct_at

TEST_SHARE = 0.2
POLICY_THRESHOLDS = (0.8, 0.9, 0.95, 0.99)
LATENCY_INVOICES = 300
MAX_INVOICE_LINES = 20
JSON_KEYS = (
    "n_train", "n_test", "top1", "top3", "coverage_at_99", "baseline_top1", "baseline_top3",
    "ece", "train_seconds", "predict_ms_p99",
)  # fmt: skip


@dataclass(slots=True)
class Evaluation:
    n_train: int
    n_test: int
    top1: float
    top3: float
    coverage_at_99: float
    baseline_top1: float
    baseline_top3: float
    ece: float
    train_seconds: float
    predict_ms_p99: float
    candidate_recall: float = float("nan")
    unseen_account_share: float = 0.0
    policy: list[dict[str, float]] = field(default_factory=list)
    confidence: FloatArray = field(default_factory=lambda: np.zeros(0), repr=False)
    correct: BoolArray = field(default_factory=lambda: np.zeros(0, bool), repr=False)

    def summary(self) -> dict[str, Any]:
        values = asdict(self)
        return {k: _rounded(values[k]) for k in JSON_KEYS}


def _rounded(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else value


def split_past_future(lines: Sequence[HistoryLine]) -> tuple[list[HistoryLine], list[HistoryLine]]:
    """Oldest 80 % for training, newest 20 % for testing; a date (or invoice) never straddles."""
    ordered = sorted(lines, key=time_order)
    if not ordered:
        return [], []
    cut = int(len(ordered) * (1 - TEST_SHARE))
    boundary = _moment(ordered[min(cut, len(ordered) - 1)])
    train = [line for line in ordered if _moment(line) < boundary]
    return train, ordered[len(train) :]


def _moment(line: HistoryLine) -> tuple[int, ...]:
    """What "when" means for the split: the date, or the invoice number when there is none."""
    order = time_order(line)
    return (order[0],) if line.date else (order[0], order[1])


def evaluate(
    lines: Sequence[HistoryLine],
    *,
    seed: int = 0,
    refresh_windows: int = 0,
    retrain: bool = False,
) -> Evaluation:
    """Train on the past, suggest the future.

    refresh_windows=0: one model for the whole test period (the acceptance figure).
    refresh_windows=N: the test period is cut into N windows in time order and, before each,
    the evidence is recounted from everything before it (`CompanyModel.refresh`), as the
    feedback loop does in production when approved vouchers become history. Still never a
    line from the future.
    retrain=True (with refresh_windows): the whole model — ranker and calibrator too — is
    trained again before each window, as production does every 25 approvals.
    """
    train, test = split_past_future(lines)
    if not train or not test:
        raise InvalidInput("the history is too short to hold out its newest 20 % for testing")
    # CPU seconds (training runs on one thread): on a shared machine, wall time measures
    # the queue for a core rather than the work.
    started = time.process_time()
    model = CompanyModel.train(train, seed=seed)
    train_seconds = time.process_time() - started
    windows = np.array_split(np.arange(len(test)), max(1, refresh_windows))
    confidence, correct, correct3, unseen, base1, base3 = [], [], [], [], [], []
    for window in (w for w in windows if len(w)):
        past = [*train, *test[: window[0]]] if refresh_windows else train
        current = _model_for_window(model, past, refresh_windows, retrain, seed)
        part = [test[i] for i in window]
        # The baseline sees the same past as the model: refreshed windows refresh it too.
        hits1, hits3 = baseline_hits(past, part)
        base1.append(hits1)
        base3.append(hits3)
        labels = current.label_indices(line.account for line in part)
        ranked = current.rank_queries([query_from_history(line) for line in part])
        confidence.append(ranked.confidence)
        correct.append(correct_at(ranked, labels, 1))
        correct3.append(correct_at(ranked, labels, 3))
        unseen.append(labels < 0)
    conf, hit1, hit3 = np.concatenate(confidence), np.concatenate(correct), np.concatenate(correct3)
    return Evaluation(
        n_train=len(train),
        n_test=len(test),
        top1=float(hit1.mean()),
        top3=float(hit3.mean()),
        coverage_at_99=coverage_at(0.99, conf, hit1),
        baseline_top1=float(np.concatenate(base1).mean()),
        baseline_top3=float(np.concatenate(base3).mean()),
        ece=expected_calibration_error(conf, hit1),
        train_seconds=train_seconds,
        predict_ms_p99=invoice_latency_p99(model, test, seed),
        candidate_recall=model.fitted.candidate_recall,
        unseen_account_share=float(np.concatenate(unseen).mean()) if len(test) else 0.0,
        policy=[_policy_row(t, conf, hit1) for t in POLICY_THRESHOLDS],
        confidence=conf,
        correct=hit1,
    )


def _model_for_window(
    model: CompanyModel,
    past: list[HistoryLine],
    refresh_windows: int,
    retrain: bool,
    seed: int,
) -> CompanyModel:
    if not refresh_windows:
        return model
    if retrain:
        return CompanyModel.train(past, seed=seed)
    return model.refresh(past)


def _policy_row(threshold: float, confidence: FloatArray, correct: BoolArray) -> dict[str, float]:
    covered, precision = precision_above(threshold, confidence, correct)
    return {"threshold": threshold, "coverage": covered, "precision": precision}


def invoices_from_history(lines: Sequence[HistoryLine]) -> list[Invoice]:
    """Rebuild invoices to time: lines grouped by supplier and invoice number (else date), at
    most MAX_INVOICE_LINES each — without numbers, a supplier's whole day is not one invoice."""
    current: dict[tuple[str, str], list[HistoryLine]] = {}
    groups: list[list[HistoryLine]] = []
    for line in lines:
        key = (line.supplier_key, line.invoice_number or f"{line.date}")
        group = current.get(key)
        if group is None or len(group) == MAX_INVOICE_LINES:
            group = current[key] = []
            groups.append(group)
        group.append(line)
    return [_invoice(group) for group in groups]


def _invoice(group: list[HistoryLine]) -> Invoice:
    first = group[0]
    return Invoice(
        invoice_number=first.invoice_number,
        issue_date=first.date,
        currency=first.currency,
        seller=Party(
            name=first.supplier_name,
            org_number=first.supplier_org_number,
            country=first.supplier_country,
        ),
        lines=[
            InvoiceLine(description=line.description, net=line.amount or Decimal(0))
            for line in group
        ],
    )


def invoice_latency_p99(model: CompanyModel, test: Sequence[HistoryLine], seed: int) -> float:
    invoices = invoices_from_history(test)
    rng = np.random.default_rng(seed)
    if len(invoices) > LATENCY_INVOICES:
        invoices = [invoices[i] for i in rng.choice(len(invoices), LATENCY_INVOICES, False)]
    timings = []
    for invoice in invoices:
        # CPU time of this process: on a shared machine, wall time mostly measures the queue.
        started = time.thread_time()
        model.suggest(invoice, "unknown")
        timings.append((time.thread_time() - started) * 1000)
    return float(np.percentile(timings, 99)) if timings else 0.0


def plot_accuracy_coverage(result: Evaluation, path: Path | IO[bytes], title: str) -> None:
    """Accuracy of the accepted suggestions against the share accepted, plus reliability."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    order = np.argsort(-result.confidence, kind="stable")
    accepted = np.arange(1, len(order) + 1) / max(1, len(order))
    accuracy = np.cumsum(result.correct[order]) / np.arange(1, len(order) + 1)
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    left.plot(accepted, accuracy, label="Kontera")
    left.axhline(0.99, color="grey", linestyle="--", label="99 % precision")
    left.axvline(result.coverage_at_99, color="green", linestyle=":", label="coverage at 99 %")
    left.set(xlabel="share of lines auto-suggested (most confident first)", ylabel="accuracy")
    left.legend(loc="lower left")
    _reliability(right, result)
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _reliability(axis: Any, result: Evaluation, bins: int = 15) -> None:
    which = np.minimum((result.confidence * bins).astype(int), bins - 1)
    centres, accuracies = [], []
    for b in range(bins):
        members = which == b
        if members.any():
            centres.append(float(result.confidence[members].mean()))
            accuracies.append(float(result.correct[members].mean()))
    axis.plot([0, 1], [0, 1], color="grey", linestyle="--")
    axis.plot(centres, accuracies, marker="o")
    axis.set(xlabel="confidence", ylabel="accuracy", title=f"calibration (ECE {result.ece:.3f})")
