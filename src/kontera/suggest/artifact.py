"""Model files: skops (never pickle), with a JSON sidecar that says what is inside.

`<dir>/model.skops` holds the model's state as plain containers, numpy/scipy arrays and two
scikit-learn estimators; `<dir>/model.json` holds FORMAT_VERSION, the scikit-learn and skops
versions, the training-data hash and the metrics. Both are written to `.part` files and
renamed, so a crash never leaves half a model. Loading refuses a file whose format or
scikit-learn version differs from the running code (retrain instead), and refuses any type
in the file that is not on the allow-list below.

FORMAT_VERSION changelog:
  1 — evidence tables + HistGradientBoosting ranker + isotonic calibrator.
  2 — + last-use dates, supplier×month and supplier×wording tables; the calibrator is a
      dict of isotonic curves per staleness band (edges: numpy array, curves: list).
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

from kontera.domain.errors import Conflict
from kontera.domain.errors import NotFound
from kontera.suggest.history import HistoryLine

FORMAT_VERSION = 2
MODEL_FILE = "model.skops"
SIDECAR_FILE = "model.json"
_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.sparse.", "builtins.", "collections.")


class ModelIncompatible(Conflict):
    """The saved model was made by another version of Kontera or scikit-learn; retrain it."""

    code = "model_incompatible"


@dataclass(frozen=True, slots=True)
class ModelInfo:
    path: Path
    format_version: int
    sklearn_version: str
    data_hash: str
    n_lines: int
    metrics: dict[str, Any] = field(default_factory=dict)
    trained_at: str = ""
    skipped: bool = False


def data_hash(lines: Iterable[HistoryLine]) -> str:
    """A fingerprint of everything training reads, so unchanged data is not retrained."""
    digest = hashlib.sha256(f"format={FORMAT_VERSION}".encode())
    for line in lines:
        digest.update(repr(line).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def sklearn_version() -> str:
    import sklearn

    return str(sklearn.__version__)


def read_sidecar(directory: Path) -> dict[str, Any] | None:
    path = directory / SIDECAR_FILE
    if not path.exists():
        return None
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def is_current(directory: Path, fingerprint: str) -> bool:
    """True when the saved model was trained on this data by this code."""
    sidecar = read_sidecar(directory)
    return (
        sidecar is not None
        and (directory / MODEL_FILE).exists()
        and sidecar.get("format_version") == FORMAT_VERSION
        and sidecar.get("sklearn_version") == sklearn_version()
        and sidecar.get("data_hash") == fingerprint
    )


def save_state(state: dict[str, Any], directory: Path, sidecar: dict[str, Any]) -> ModelInfo:
    import skops
    import skops.io as sio

    directory.mkdir(parents=True, exist_ok=True)
    meta = {
        **sidecar,
        "format_version": FORMAT_VERSION,
        "sklearn_version": sklearn_version(),
        "skops_version": str(skops.__version__),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    _atomic_write(directory / MODEL_FILE, sio.dumps(state, compression=zipfile.ZIP_DEFLATED))
    _atomic_write(directory / SIDECAR_FILE, json.dumps(meta, indent=2).encode())
    return info_from_sidecar(directory, meta)


def load_state(directory: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    import skops.io as sio

    sidecar = read_sidecar(directory)
    if sidecar is None or not (directory / MODEL_FILE).exists():
        raise NotFound(f"no trained model in {directory}")
    if sidecar.get("format_version") != FORMAT_VERSION:
        raise ModelIncompatible(
            f"the model in {directory} has format {sidecar.get('format_version')}, "
            f"this Kontera reads format {FORMAT_VERSION}; retrain it"
        )
    if sidecar.get("sklearn_version") != sklearn_version():
        raise ModelIncompatible(
            f"the model in {directory} was made with scikit-learn "
            f"{sidecar.get('sklearn_version')}, this is {sklearn_version()}; retrain it"
        )
    data = (directory / MODEL_FILE).read_bytes()
    untrusted = sio.get_untrusted_types(data=data)
    refused = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
    if refused:
        raise ModelIncompatible(f"the model file contains types Kontera does not load: {refused}")
    state = sio.loads(data, trusted=untrusted)
    if not isinstance(state, dict):
        raise ModelIncompatible(f"the model file in {directory} is not a Kontera model")
    return state, sidecar


def info_from_sidecar(directory: Path, sidecar: dict[str, Any], skipped: bool = False) -> ModelInfo:
    return ModelInfo(
        path=directory / MODEL_FILE,
        format_version=int(sidecar.get("format_version", 0)),
        sklearn_version=str(sidecar.get("sklearn_version", "")),
        data_hash=str(sidecar.get("data_hash", "")),
        n_lines=int(sidecar.get("n_lines", 0)),
        metrics=dict(sidecar.get("metrics", {})),
        trained_at=str(sidecar.get("trained_at", "")),
        skipped=skipped,
    )


def _atomic_write(path: Path, payload: bytes) -> None:
    partial = path.with_name(path.name + ".part")
    with partial.open("wb") as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)
