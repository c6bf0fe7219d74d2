"""Model files: skops (never pickle), with a JSON sidecar that says what is inside.

`<dir>/model.skops` holds the model's state as plain containers, numpy/scipy arrays and two
scikit-learn estimators; `<dir>/model.json` holds FORMAT_VERSION, the scikit-learn and skops
versions, the training-data hash, the metrics and the sha256 of the model file. A "dir" is a
`ModelFolder`: a directory on disk (`LocalFolder`, for the command line and tests) or a folder
of the document store (`kontera.store.blobs.BlobFolder`, what the service uses, so every
worker on every host reads the same models). Each file is written atomically, the model
before its sidecar, and loading checks the model against the sidecar's sha256 (reading again
when a retrain replaced it in between), so a crash or a concurrent save never yields half a
model. Loading refuses a file whose format or scikit-learn version differs from the running
code (retrain instead), and refuses any type in the file that is not on the allow-list below.

FORMAT_VERSION changelog:
  1 — evidence tables + HistGradientBoosting ranker + isotonic calibrator.
  2 — + last-use dates, supplier×month and supplier×wording tables; the calibrator is a
      dict of isotonic curves per staleness band (edges: numpy array, curves: list).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any
from typing import Protocol

from kontera.domain.errors import Conflict
from kontera.domain.errors import NotFound
from kontera.domain.messages import msg
from kontera.suggest.history import HistoryLine

FORMAT_VERSION = 2
MODEL_FILE = "model.skops"
SIDECAR_FILE = "model.json"
_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.sparse.", "builtins.", "collections.")


class ModelFolder(Protocol):
    """Where a model's two files live; `str()` names it for people."""

    def read(self, name: str) -> bytes | None: ...

    def write(self, name: str, data: bytes) -> None: ...

    def version(self, name: str) -> str | None: ...


class LocalFolder:
    """A directory on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __str__(self) -> str:
        return str(self.path)

    def read(self, name: str) -> bytes | None:
        try:
            return (self.path / name).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def write(self, name: str, data: bytes) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.path / name, data)

    def version(self, name: str) -> str | None:
        try:
            stat = (self.path / name).stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return f"{stat.st_mtime_ns}-{stat.st_size}-{stat.st_ino}"


def as_folder(where: Path | ModelFolder) -> ModelFolder:
    return LocalFolder(where) if isinstance(where, Path) else where


class ModelIncompatible(Conflict):
    """The saved model was made by another version of Kontera or scikit-learn; retrain it."""

    code = "model_incompatible"


@dataclass(frozen=True, slots=True)
class ModelInfo:
    path: str  # the model file, for people: a path on disk or a storage URL
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


def read_sidecar(where: Path | ModelFolder) -> dict[str, Any] | None:
    raw = as_folder(where).read(SIDECAR_FILE)
    if raw is None:
        return None
    try:
        loaded = json.loads(raw)
    except ValueError:
        return None
    return loaded if isinstance(loaded, dict) else None


def is_current(where: Path | ModelFolder, fingerprint: str) -> bool:
    """True when the saved model was trained on this data by this code."""
    folder = as_folder(where)
    sidecar = read_sidecar(folder)
    return (
        sidecar is not None
        and folder.version(MODEL_FILE) is not None
        and sidecar.get("format_version") == FORMAT_VERSION
        and sidecar.get("sklearn_version") == sklearn_version()
        and sidecar.get("data_hash") == fingerprint
    )


def save_state(
    state: dict[str, Any], where: Path | ModelFolder, sidecar: dict[str, Any]
) -> ModelInfo:
    import skops
    import skops.io as sio

    folder = as_folder(where)
    payload = sio.dumps(state, compression=zipfile.ZIP_DEFLATED)
    meta = {
        **sidecar,
        "format_version": FORMAT_VERSION,
        "sklearn_version": sklearn_version(),
        "skops_version": str(skops.__version__),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "model_sha256": hashlib.sha256(payload).hexdigest(),
    }
    # The model first: a sidecar never names a model file that is not there yet.
    folder.write(MODEL_FILE, payload)
    folder.write(SIDECAR_FILE, json.dumps(meta, indent=2).encode())
    return info_from_sidecar(folder, meta)


def load_state(where: Path | ModelFolder) -> tuple[dict[str, Any], dict[str, Any]]:
    import skops.io as sio

    folder = as_folder(where)
    sidecar, data = _matching_pair(folder)
    if sidecar.get("format_version") != FORMAT_VERSION:
        raise ModelIncompatible(
            msg(
                "the model in {folder} has format {value}, this Kontera reads format "
                "{FORMAT_VERSION}; retrain it",
                folder=str(folder),
                value=sidecar.get("format_version"),
                FORMAT_VERSION=FORMAT_VERSION,
            )
        )
    if sidecar.get("sklearn_version") != sklearn_version():
        raise ModelIncompatible(
            msg(
                "the model in {folder} was made with scikit-learn {value}, this is "
                "{sklearn_version}; retrain it",
                folder=str(folder),
                value=sidecar.get("sklearn_version"),
                sklearn_version=sklearn_version(),
            )
        )
    untrusted = sio.get_untrusted_types(data=data)
    refused = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
    if refused:
        raise ModelIncompatible(
            msg(
                "the model file contains types Kontera does not load: {refused}",
                refused=tuple(refused),
            )
        )
    state = sio.loads(data, trusted=untrusted)
    if not isinstance(state, dict):
        raise ModelIncompatible(
            msg("the model file in {folder} is not a Kontera model", folder=str(folder))
        )
    return state, sidecar


def _matching_pair(folder: ModelFolder, attempts: int = 3) -> tuple[dict[str, Any], bytes]:
    """The sidecar and the model file it describes: a save between the two reads is retried."""
    for _ in range(attempts):
        sidecar = read_sidecar(folder)
        data = folder.read(MODEL_FILE)
        if sidecar is None or data is None:
            raise NotFound(msg("no trained model in {folder}", folder=str(folder)))
        expected = sidecar.get("model_sha256")
        if expected is None or hashlib.sha256(data).hexdigest() == expected:
            return sidecar, data
    raise ModelIncompatible(
        msg("the model in {folder} does not match its description; retrain it", folder=str(folder))
    )


def info_from_sidecar(
    where: Path | ModelFolder, sidecar: dict[str, Any], skipped: bool = False
) -> ModelInfo:
    return ModelInfo(
        path=f"{as_folder(where)}/{MODEL_FILE}",
        format_version=int(sidecar.get("format_version", 0)),
        sklearn_version=str(sidecar.get("sklearn_version", "")),
        data_hash=str(sidecar.get("data_hash", "")),
        n_lines=int(sidecar.get("n_lines", 0)),
        metrics=dict(sidecar.get("metrics", {})),
        trained_at=str(sidecar.get("trained_at", "")),
        skipped=skipped,
    )


def _atomic_write(path: Path, payload: bytes) -> None:
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        Path(partial).replace(path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
