"""Coverage at a precision and calibration error on small, hand-checked cases."""

from __future__ import annotations

import numpy as np

from kontera.suggest.metrics import coverage_at
from kontera.suggest.metrics import expected_calibration_error
from kontera.suggest.metrics import precision_above


def test_coverage_is_the_longest_confident_prefix_that_keeps_the_precision() -> None:
    confidence = np.array([0.99, 0.98, 0.97, 0.6, 0.5])
    correct = np.array([True, True, True, False, True])
    assert coverage_at(1.0, confidence, correct) == 0.6
    assert coverage_at(0.8, confidence, correct) == 1.0
    assert coverage_at(1.0, confidence, ~correct) == 0.0


def test_tied_confidences_are_accepted_or_refused_together() -> None:
    confidence = np.array([0.9, 0.9])
    assert coverage_at(1.0, confidence, np.array([True, False])) == 0.0


def test_a_calibrated_model_has_small_ece_and_an_overconfident_one_large() -> None:
    rng = np.random.default_rng(1)
    confidence = rng.uniform(0, 1, 20000)
    calibrated = rng.uniform(0, 1, 20000) < confidence
    assert expected_calibration_error(confidence, calibrated) < 0.02
    assert expected_calibration_error(np.full(20000, 0.95), calibrated) > 0.4
    coverage, precision = precision_above(0.9, confidence, calibrated)
    assert 0.08 < coverage < 0.12 and precision > 0.9
