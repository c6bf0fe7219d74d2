"""Turn a field's raw score into a probability that it is right.

The table is fitted on predictions with known answers (the learned reader's: layout families
it was not trained on; the rules': `fixtures/generate.py` via `benchmarks/pdf_accuracy.py
--fit`), per (source, field group). Precision is assumed to rise with the raw score: isotonic
regression (pool adjacent violators over the samples, equal scores kept together) finds the
blocks of equal precision, and each block reports a lower confidence bound (Wilson, 95 %) on
its precision rather than the precision itself, so that a field reported at ≥ 0.95 is right at
least that often even where a block holds few samples. Under the same assumption the samples
of a block and of every block below it are all at most as often right as the block itself, so
the bound of a block is the best of the bounds of it pooled with the blocks below: a thin
block borrows the weight of its neighbours instead of reporting a bound its handful of samples
cannot support, and the reported confidence never falls as the score rises. A group with no
fitted table never reports more than 0.9: confidence has to be earned on data.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

TABLE_FILE = "calibration.json"
FORMAT_VERSION = 1  # 1: per "source/group" lists of [raw lower edge, probability]
_UNFITTED_CEILING = 0.9
_MIN_SAMPLES = 40  # fewer samples of a group: no table, the 0.9 ceiling
_Z = 1.96


Tables = dict[str, list[tuple[float, float]]]


def calibrate(raw: float, group: str, source: str) -> float:
    return calibrate_with(_table(), raw, group, source)


def calibrate_with(tables: Tables, raw: float, group: str, source: str) -> float:
    """`raw` → probability by the table of (source, group), else the group over all sources."""
    table = tables.get(f"{source}/{group}") or tables.get(f"any/{group}")
    if not table:
        return round(min(_UNFITTED_CEILING, 0.9 * raw), 4)
    if raw < table[0][0]:
        # Below the weakest evidence seen in fitting: no data, so no earned confidence.
        return round(min(_UNFITTED_CEILING, 0.9 * raw, table[0][1]), 4)
    probability = table[0][1]
    for edge, value in table:
        if raw >= edge:
            probability = value
    return round(probability, 4)


@cache
def _table() -> Tables:
    try:
        text = resources.files("kontera.interpret.fields").joinpath(TABLE_FILE).read_text("utf-8")
    except FileNotFoundError:
        return {}
    return tables_from_json(json.loads(text))


def tables_from_json(data: dict[str, Any]) -> Tables:
    if data.get("format_version") != FORMAT_VERSION:
        return {}
    return {key: [(float(e), float(p)) for e, p in rows] for key, rows in data["groups"].items()}


def fit(samples: Iterable[tuple[str, float, bool]]) -> dict[str, Any]:
    """samples: (key "source/group", raw score, was it right) → the JSON table."""
    by_key: dict[str, list[tuple[float, bool]]] = {}
    for key, raw, right in samples:
        by_key.setdefault(key, []).append((raw, right))
        # Pooled over sources too: the fallback for a source with too few samples of a group.
        by_key.setdefault("any/" + key.split("/", 1)[1], []).append((raw, right))
    groups = {
        key: _fit_group(sorted(rows)) for key, rows in by_key.items() if len(rows) >= _MIN_SAMPLES
    }
    return {"format_version": FORMAT_VERSION, "groups": groups}


def _fit_group(rows: list[tuple[float, bool]]) -> list[list[float]]:
    """rows sorted by raw score → [raw lower edge, calibrated probability], nondecreasing."""
    blocks = _pool_adjacent_violators(_ties(rows))
    table: list[list[float]] = []
    best = 0.0
    for k, (lo, _, _) in enumerate(blocks):
        best = max(best, _pooled_lower(blocks[: k + 1]))
        if not table or round(best, 4) > table[-1][1]:
            table.append([round(lo, 4), round(best, 4)])
    return table


def _ties(rows: list[tuple[float, bool]]) -> list[tuple[float, int, int]]:
    """(raw, right, total) per distinct raw score: equal scores get one probability."""
    units: list[tuple[float, int, int]] = []
    for raw, right in rows:
        if units and units[-1][0] == raw:
            lo, r, t = units[-1]
            units[-1] = (lo, r + int(right), t + 1)
        else:
            units.append((raw, int(right), 1))
    return units


def _pooled_lower(blocks: list[tuple[float, int, int]]) -> float:
    """The best lower bound for the last block: pooled with 0, 1, … of the blocks below it
    (each pooling is at most as often right as the last block, precision rising)."""
    best, right, total = 0.0, 0, 0
    for _, r, t in reversed(blocks):
        right, total = right + r, total + t
        best = max(best, _wilson_lower(right, total))
    return best


def _pool_adjacent_violators(
    blocks: list[tuple[float, int, int]],
) -> list[tuple[float, int, int]]:
    """Merge neighbours until precision rises strictly from block to block."""
    merged: list[tuple[float, int, int]] = []
    for lo, right, total in blocks:
        merged.append((lo, right, total))
        while len(merged) > 1 and merged[-2][1] * merged[-1][2] >= merged[-1][1] * merged[-2][2]:
            (lo_a, r_a, t_a), (_, r_b, t_b) = merged[-2], merged[-1]
            merged[-2:] = [(lo_a, r_a + r_b, t_a + t_b)]
    return merged


def _wilson_lower(right: int, total: int) -> float:
    if total == 0:
        return 0.0
    p = right / total
    denominator = 1 + _Z**2 / total
    centre = p + _Z**2 / (2 * total)
    margin = _Z * math.sqrt(p * (1 - p) / total + _Z**2 / (4 * total**2))
    return max(0.0, (centre - margin) / denominator)
