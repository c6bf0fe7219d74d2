"""The learned field reader's files: the shipped model in `models/field_reader`, loaded only
when it was made for this reader (format, scikit-learn version, features) and holds nothing
but scikit-learn's own types.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from pathlib import Path
from typing import Any

from kontera.interpret.fields.calibration import tables_from_json
from kontera.interpret.fields.reader_features import FEATURES
from kontera.interpret.fields.reader_model import Reader

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parents[4] / "models" / "field_reader"
# 1: HistGradientBoosting over reader_features.FEATURES + calibration tables
# 2: a second model for the seller's name (its own file), the values' model beside it
FORMAT_VERSION = 2
MODEL_FILE = "model.skops"
NAME_MODEL_FILE = "name_model.skops"
CARD_FILE = "model.json"
CALIBRATION_FILE = "calibration.json"


@cache
def shipped_reader() -> Reader | None:
    """The model in `models/field_reader`, or None (with a warning) when it is missing or was
    made by another version; then the rule-based reader is used."""
    try:
        return load_reader(MODEL_DIR)
    except (OSError, ValueError, KeyError) as e:
        log.warning("learned field reader not available: %s", e)
        return None


def load_reader(directory: Path) -> Reader:
    import sklearn

    card = json.loads((directory / CARD_FILE).read_text("utf-8"))
    if card.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"model format {card.get('format_version')}, reader {FORMAT_VERSION}")
    if card.get("sklearn_version") != sklearn.__version__:
        raise ValueError(
            f"made with scikit-learn {card.get('sklearn_version')}, not {sklearn.__version__}"
        )
    if card.get("features") != FEATURES:
        raise ValueError("the model was trained on other features than this reader computes")
    model = _load_model(directory / MODEL_FILE)
    name_model = _load_model(directory / NAME_MODEL_FILE)
    calibration = tables_from_json(json.loads((directory / CALIBRATION_FILE).read_text("utf-8")))
    floor = float(card.get("floor", 0.2))
    return Reader(model, calibration, floor, list(card.get("features", [])), name_model)


def _load_model(path: Path) -> Any:
    import skops.io as sio

    data = path.read_bytes()
    untrusted = sio.get_untrusted_types(data=data)
    # functools.partial: how a fitted HistGradientBoosting keeps sklearn's own check_array.
    trusted = ("sklearn.", "numpy.", "builtins.", "functools.partial")
    refused = [t for t in untrusted if not t.startswith(trusted)]
    if refused:
        raise ValueError(f"the model file holds types Kontera does not load: {refused}")
    return sio.loads(data, trusted=untrusted)
