"""Fitting the confidence tables: held-out precision per raw score, never over-claimed."""

from __future__ import annotations

import random

from kontera.interpret.fields.calibration import calibrate_with
from kontera.interpret.fields.calibration import fit
from kontera.interpret.fields.calibration import tables_from_json


def _tables(samples: list[tuple[float, bool]]) -> dict[str, list[tuple[float, float]]]:
    return tables_from_json(fit(("pdf_text/g", raw, right) for raw, right in samples))


def test_confidence_never_falls_as_the_score_rises() -> None:
    """GIVEN noisy held-out answers whose precision rises with the score, in blocks of very
    different sizes WHEN the table is fitted THEN a higher score never reports less."""
    rng = random.Random(3)
    samples = [(s, rng.random() < 0.5 + s / 2.1) for s in (rng.random() for _ in range(3000))]
    samples += [(0.999, True)] * 7 + [(0.9991, False)]
    table = _tables(samples)["pdf_text/g"]
    probabilities = [p for _, p in table]
    assert probabilities == sorted(probabilities)
    scores = [i / 1000 for i in range(1001)]
    reported = [calibrate_with(_tables(samples), s, "g", "pdf_text") for s in scores]
    assert reported == sorted(reported)


def test_a_thin_block_borrows_from_below_instead_of_claiming_its_own_precision() -> None:
    """GIVEN 1 000 answers right 90 % of the time and, above them, 6 answers all right
    WHEN fitted THEN the 6 report the bound the pooled 1 006 support (about 0.88), neither
    the 0.61 six answers alone give nor anything near certainty."""
    samples = [(0.5 + i / 4000, i % 10 != 0) for i in range(1000)] + [(0.99, True)] * 6
    top = calibrate_with(_tables(samples), 0.99, "g", "pdf_text")
    assert 0.87 < top < 0.92


def test_high_confidence_needs_enough_right_answers() -> None:
    """GIVEN only right answers WHEN fitted THEN 0.99 is reported only with some 400 of them
    (the 95 % lower bound of 400 of 400 is 0.9905; of 100 of 100, 0.963)."""
    few = calibrate_with(_tables([(0.9, True)] * 100), 0.9, "g", "pdf_text")
    many = calibrate_with(_tables([(0.9, True)] * 400), 0.9, "g", "pdf_text")
    assert 0.95 < few < 0.97
    assert many > 0.99


def test_equal_scores_get_one_confidence_and_small_groups_none() -> None:
    """GIVEN answers at two scores WHEN fitted THEN each score maps to one probability, and a
    group of fewer than 40 answers gets no table (the unfitted ceiling of 0.9 applies)."""
    samples = [(0.8, i % 2 == 0) for i in range(60)] + [(0.95, True)] * 60
    tables = _tables(samples)
    assert [edge for edge, _ in tables["pdf_text/g"]] == [0.8, 0.95]
    assert "pdf_text/g" not in _tables([(0.99, True)] * 39)
    assert calibrate_with(_tables([(0.99, True)] * 39), 0.99, "g", "pdf_text") == 0.891
