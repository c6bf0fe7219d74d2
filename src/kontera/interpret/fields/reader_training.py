"""Training the learned field reader: labelled rows, the model, its calibration, its files.

The data are pages with known truth (generated layout families, see
`benchmarks/train_reader.py`, which is the command that makes `models/field_reader`). A row
is positive when its value is the field's true value. Calibration is fitted on predictions
for layout families the model did not see (leave-one-family-out), so that a reported 0.95
means 0.95 on a new layout, not on a familiar one.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import Decimal
from decimal import InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Any

from kontera.domain import identifiers as ids
from kontera.interpret.fields import reader_files
from kontera.interpret.fields import reader_model
from kontera.interpret.fields.calibration import fit as fit_calibration
from kontera.interpret.fields.calibration import tables_from_json
from kontera.interpret.fields.choice import Choice
from kontera.interpret.fields.reader_document import Document
from kontera.interpret.fields.reader_features import FEATURES
from kontera.interpret.fields.reader_features import Candidate
from kontera.interpret.fields.reader_features import candidates
from kontera.interpret.fields.reader_hits import FIELD_KIND
from kontera.interpret.fields.reader_model import Reader
from kontera.interpret.fields.reader_model import breakdown_sums
from kontera.interpret.fields.reader_model import choose_fields
from kontera.interpret.textpage import Page

SEED = 20261204


@dataclass
class Example:
    """One read document: its candidates and their labels (kept, since features do not
    change while models are fitted and compared)."""

    name: str
    group: str  # the layout family, for leave-one-out
    source: str  # "text" or "scan"
    pages: list[Page]
    truth: dict[str, Any]
    document: Document
    found: list[Candidate]
    labels: list[int]


def example(
    name: str, group: str, source: str, pages: list[Page], truth: dict[str, Any]
) -> Example:
    document = Document.of(pages, extra=breakdown_sums(pages))
    found = candidates(document)
    labels = [int(matches(c.field, c.hit.value, truth.get(c.field))) for c in found]
    return Example(name, group, source, pages, truth, document, found, labels)


def matches(field: str, value: Any, expected: Any) -> bool:
    """Is `value` (as read) the truth `expected` (as the generator wrote it)?"""
    if expected is None or value is None:
        return False
    if field.startswith("totals."):
        try:
            return abs(Decimal(str(value))) == abs(Decimal(str(expected)))
        except InvalidOperation:
            return False
    if isinstance(value, date):
        return value.isoformat() == str(expected)
    if isinstance(value, Enum):
        return str(value.value) == str(expected)
    if field == "seller.vat_id":
        return ids.normalise_vat_id(str(value)) == ids.normalise_vat_id(str(expected))
    if field in ("seller.org_number", "payment.bank_account", "payment.kid"):
        return ids.digits(str(value)) == ids.digits(str(expected))
    return str(value).replace(" ", "").upper() == str(expected).replace(" ", "").upper()


@dataclass(frozen=True)
class Models:
    """The values' model and the seller-name model, fitted on the same documents."""

    values: Any
    names: Any


def fit_model(examples: Iterable[Example], seed: int = SEED) -> Models:
    items = list(examples)
    return Models(_fit(items, seed, names=False), _fit(items, seed, names=True))


def _fit(items: list[Example], seed: int, *, names: bool) -> Any:
    """One model for the typed values (the field a categorical feature) or one for the
    seller's name (without the field column, which would be constant)."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    rows, labels = [], []
    for item in items:
        for candidate, label in zip(item.found, item.labels, strict=True):
            # A re-read reference is ranked like the reference it was read from: it adds no
            # rows, so the values' model is fitted on what it was fitted on before.
            if candidate.hit.reread:
                continue
            if (candidate.field == reader_model.NAME_FIELD) == names:
                rows.append(candidate.row[1:] if names else candidate.row)
                labels.append(label)
    model = HistGradientBoostingClassifier(
        # 150 rounds at 0.12 rather than 250 at 0.08: held-out accuracy within 0.3 points
        # (text 97.5 % against 97.6 %, scans 92.6 % against 92.9 %), a model file of 425 kB
        # instead of 676 kB, and 18 fits per training run that a busy two-core machine affords.
        max_iter=150,
        learning_rate=0.12,
        max_leaf_nodes=31,
        min_samples_leaf=30,
        l2_regularization=1.0,
        categorical_features=None if names else [0],
        random_state=seed,
    )
    matrix = np.asarray(rows, dtype=np.float64)
    # A column that is empty for every row (the name features of the values) cannot be binned;
    # constant, it is never split on, whatever the rows it meets later hold.
    matrix[:, np.isnan(matrix).all(axis=0)] = 0.0
    # One thread: an OpenMP reduction need not add in a fixed order, and where two candidates
    # score alike one rounding can flip a whole layout's documents. On one thread a seed
    # makes one model.
    with threadpool_limits(limits=1, user_api="openmp"):
        model.fit(matrix, np.asarray(labels))
    return model


def uncalibrated(models: Models, floor: float = 0.2) -> Reader:
    return Reader(models.values, {}, floor, FEATURES, models.names)


def choices(item: Example, reader: Reader) -> dict[str, Choice]:
    if not item.found:
        return {}
    scores = reader.probabilities(item.found)
    return choose_fields(item.pages, item.document, item.found, scores, reader)


def calibration_samples(item: Example, chosen: dict[str, Choice]) -> list[tuple[str, float, bool]]:
    """(source/group, raw score, right?) for every field the reader answered."""
    samples = []
    for field, choice in chosen.items():
        if field not in FIELD_KIND and field != "document_type":
            continue
        source = next(
            (p.source.value for p in item.pages if p.number == choice.page),
            item.pages[0].source.value,
        )
        right = matches(field, choice.value, item.truth.get(field))
        samples.append((f"{source}/{choice.group}", choice.raw, right))
    return samples


def calibration_table(samples: Iterable[tuple[str, float, bool]]) -> dict[str, Any]:
    return fit_calibration(samples)


def with_calibration(reader: Reader, table: dict[str, Any]) -> Reader:
    return Reader(
        reader.model, tables_from_json(table), reader.floor, reader.features, reader.name_model
    )


def data_hash(examples: Iterable[Example]) -> str:
    digest = hashlib.sha256(f"features={len(FEATURES)}".encode())
    for item in examples:
        digest.update(f"{item.name}|{item.source}|{sum(item.labels)}|{len(item.labels)}\n".encode())
    return digest.hexdigest()


def save_reader(
    directory: Path, models: Models, calibration: dict[str, Any], card: dict[str, Any]
) -> None:
    """Model, calibration and card, each written to a `.part` file and renamed."""
    import sklearn
    import skops
    import skops.io as sio

    directory.mkdir(parents=True, exist_ok=True)
    meta = {
        **card,
        "format_version": reader_files.FORMAT_VERSION,
        "sklearn_version": sklearn.__version__,
        "skops_version": str(skops.__version__),
        "features": FEATURES,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    for name, model in (
        (reader_files.MODEL_FILE, models.values),
        (reader_files.NAME_MODEL_FILE, models.names),
    ):
        _atomic(directory / name, sio.dumps(model, compression=zipfile.ZIP_DEFLATED))
    _atomic(
        directory / reader_files.CALIBRATION_FILE,
        (json.dumps(calibration, indent=1) + "\n").encode(),
    )
    _atomic(
        directory / reader_files.CARD_FILE,
        (json.dumps(meta, indent=2, default=str) + "\n").encode(),
    )


def _atomic(path: Path, payload: bytes) -> None:
    partial = path.with_name(path.name + ".part")
    with partial.open("wb") as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)
