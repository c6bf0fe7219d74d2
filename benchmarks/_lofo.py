"""Leave-one-family-out: train the field reader on every layout family but one, read the one.

Shared by `pdf_accuracy.py --leave-family-out` (which prints the tables) and
`train_reader.py` (which also saves the model trained on all families, with the calibration
fitted on the held-out predictions).

For each family F: a model is fitted on the other families' documents (text layers and
scans); F's documents are read with it. Its calibration is fitted on the held-out predictions
of the *other* families, so neither the ranking nor the confidence of F's fields has seen F.
"""

from __future__ import annotations

import hashlib
import sys
import time
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _families import ReadSample
from _families import Scores
from _families import read_samples

from kontera.interpret.base import InterpretContext
from kontera.interpret.fields import reader_training as rt
from kontera.interpret.fields.assemble import assemble_scored
from kontera.interpret.fields.extract import RULES
from kontera.interpret.fields.reader_model import Reader


@dataclass
class Run:
    examples: list[tuple[ReadSample, rt.Example]]
    held_out: Scores = field(default_factory=Scores)
    in_sample: Scores = field(default_factory=Scores)
    rules: Scores = field(default_factory=Scores)
    samples: list[tuple[str, str, float, bool]] = field(
        default_factory=list
    )  # family, key, raw, right
    model: Any = None
    calibration: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def families(self) -> list[str]:
        return sorted({e.group for _, e in self.examples})


def build(
    per_family: int, seed: int, scans_per_family: int, families: list[str] | None = None
) -> Run:
    started = time.perf_counter()
    examples = [
        (
            read,
            rt.example(read.sample.name, read.family, read.source, read.pages, read.sample.truth),
        )
        for read in read_samples(
            per_family, seed, scans_per_family=scans_per_family, families=families
        )
    ]
    run = Run(examples)
    run.seconds["read"] = time.perf_counter() - started
    return run


def leave_family_out(run: Run, *, rules: bool = True) -> None:
    started = time.perf_counter()
    models = {}
    for family in run.families:
        model = rt.fit_model(e for _, e in run.examples if e.group != family)
        models[family] = model
        reader = rt.uncalibrated(model)
        for _, item in run.examples:
            if item.group == family:
                chosen = rt.choices(item, reader)
                run.samples += [
                    (family, key, raw, right)
                    for key, raw, right in rt.calibration_samples(item, chosen)
                ]
    run.seconds["fit"] = time.perf_counter() - started
    for family in run.families:
        table = rt.calibration_table((k, r, ok) for f, k, r, ok in run.samples if f != family)
        reader = rt.with_calibration(rt.uncalibrated(models[family]), table)
        for read, item in run.examples:
            if item.group == family:
                _score(run.held_out, read, item, reader)
    if rules:
        for read, item in run.examples:
            _score(run.rules, read, item, RULES)
    run.seconds["held_out"] = time.perf_counter() - started - run.seconds["fit"]


def fit_all(run: Run) -> Reader:
    """The model on every family, calibrated on the held-out predictions of all of them."""
    run.model = rt.fit_model(e for _, e in run.examples)
    run.calibration = rt.calibration_table((k, r, ok) for _, k, r, ok in run.samples)
    reader = rt.with_calibration(rt.uncalibrated(run.model), run.calibration)
    for read, item in run.examples:
        _score(run.in_sample, read, item, reader)
    return reader


def _score(scores: Scores, read: ReadSample, item: rt.Example, reader: Any) -> None:
    ctx = replace(InterpretContext(), field_reader=reader)
    for page in read.pages:
        page.derived.clear()  # the rule-based reader caches its own views
    invoice, _ = assemble_scored(read.pages, ctx)
    scores.add(read.source, read.family, read.sample.name, invoice, read.sample.truth)
    scores.add_document(read.source, invoice, read.sample.truth)


def report(run: Run) -> None:
    """Per field: held-out beside in-sample beside today's rules; then per family × field."""
    for source in run.held_out.sources():
        families = len(run.families)
        print(f"\nPer field, {_SOURCE[source]} (leave-one-family-out over {families} families)")
        print(
            f"{'field':22} {'n':>5} {'held-out':>9} {'worst family (held-out)':>32} "
            f"{'in-sample':>10} {'rules':>7} {'n≥0.95':>7} {'right≥0.95':>11}"
        )
        for path in run.held_out.fields:
            n = run.held_out._sum(run.held_out.n, source, None, path)
            if not n:
                continue
            worst = min(
                (run.held_out.accuracy(source, f, path) or 0.0, f)
                for f in run.families
                if run.held_out._sum(run.held_out.n, source, f, path)
            )
            high = run.held_out._sum(run.held_out.high, source, None, path)
            right = run.held_out._sum(run.held_out.high_right, source, None, path)
            print(
                f"{path:22} {n:5} {_pct(run.held_out.accuracy(source, None, path)):>9} "
                f"{_pct(worst[0]) + ' ' + worst[1][:24]:>32} "
                f"{_pct(run.in_sample.accuracy(source, None, path)):>10} "
                f"{_pct(run.rules.accuracy(source, None, path)):>7} {high:7} "
                f"{_pct(right / high if high else None):>11}"
            )
        high = run.held_out._sum(run.held_out.high, source, None, None)
        right = run.held_out._sum(run.held_out.high_right, source, None, None)
        print(
            f"{'all fields':22} {run.held_out._sum(run.held_out.n, source, None, None):5} "
            f"{_pct(run.held_out.accuracy(source)):>9} {'':>32} "
            f"{_pct(run.in_sample.accuracy(source)):>10} {_pct(run.rules.accuracy(source)):>7} "
            f"{high:7} {_pct(right / high if high else None):>11}"
        )
    run.held_out.print_matrix("Held out (leave-one-family-out)")
    run.held_out.print_reliability("Held out (leave-one-family-out)")
    run.held_out.print_document_reliability("Held out (leave-one-family-out)")
    if run.in_sample.n:
        run.in_sample.print_matrix("In sample (trained on every family)")
    print(f"\nheld-out fingerprint (equal in two runs = reproduced): {fingerprint(run)}")
    print("\nseconds: " + ", ".join(f"{k} {v:.0f}" for k, v in run.seconds.items()))


def fingerprint(run: Run) -> str:
    """A digest of every held-out (field, raw score, right) and of the final model's scores:
    two trainings that agree on it made the same models."""
    digest = hashlib.sha256()
    for sample in run.samples:
        digest.update(repr(sample).encode())
    if run.model is not None:
        for _, item in run.examples:
            digest.update(repr(rt.uncalibrated(run.model).probabilities(item.found)).encode())
    return digest.hexdigest()[:16]


_SOURCE = {"text": "text layer", "scan": "200 dpi degraded scans through OCR"}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"
