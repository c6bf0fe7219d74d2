"""Turn a field's raw score into a probability that it is right.

The table is fitted on generated fixtures with known answers (`fixtures/generate.py`, then
`python -m kontera.interpret.fields.calibration fit …` via `benchmarks/pdf_accuracy.py --fit`): raw
scores are binned per (source, field group), each bin's precision is made monotone (pool
adjacent violators) and replaced by its Wilson lower bound, so that a field reported at ≥ 0.95
is right at least that often even in a small bin. A group with no fitted table never reports
more than 0.9: confidence has to be earned on data.
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
_MIN_BIN = 40
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
        key: _fit_group(sorted(rows)) for key, rows in by_key.items() if len(rows) >= _MIN_BIN
    }
    return {"format_version": FORMAT_VERSION, "groups": groups}


def _fit_group(rows: list[tuple[float, bool]]) -> list[list[float]]:
    bins = _bins(rows)
    merged = _pool_adjacent_violators([(lo, sum(r for _, r in b), len(b)) for lo, b in bins])
    return [[round(lo, 4), round(_wilson_lower(right, total), 4)] for lo, right, total in merged]


def _bins(rows: list[tuple[float, bool]]) -> list[tuple[float, list[tuple[float, bool]]]]:
    """Bins of at least _MIN_BIN samples that never split equal raw scores."""
    bins: list[tuple[float, list[tuple[float, bool]]]] = []
    current: list[tuple[float, bool]] = []
    for i, row in enumerate(rows):
        current.append(row)
        boundary = i + 1 == len(rows) or rows[i + 1][0] != row[0]
        if len(current) >= _MIN_BIN and boundary:
            bins.append((current[0][0], current))
            current = []
    if current:
        if bins:
            lo, last = bins.pop()
            bins.append((lo, last + current))
        else:
            bins.append((current[0][0], current))
    return bins


def _pool_adjacent_violators(
    bins: list[tuple[float, int, int]],
) -> list[tuple[float, int, int]]:
    merged: list[tuple[float, int, int]] = []
    for lo, right, total in bins:
        merged.append((lo, right, total))
        while len(merged) > 1 and merged[-2][1] / merged[-2][2] >= merged[-1][1] / merged[-1][2]:
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
