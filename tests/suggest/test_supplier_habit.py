"""A supplier's run in the books: counted from earlier invoices only, calibrated on them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kontera.suggest.supplier_habit import MIN_OBSERVATIONS
from kontera.suggest.supplier_habit import RUN_BINS
from kontera.suggest.supplier_habit import BookedInvoice
from kontera.suggest.supplier_habit import BookedLine
from kontera.suggest.supplier_habit import RunCalibration
from kontera.suggest.supplier_habit import fit_runs
from kontera.suggest.supplier_habit import habit
from kontera.suggest.supplier_habit import invoices_of
from kontera.suggest.supplier_habit import observations
from kontera.suggest.supplier_habit import within_usual_range


def _line(day: int, account: str, amount: str = "100", invoice: str = "") -> BookedLine:
    return BookedLine(date(2026, 1, day), invoice, account, Decimal(amount))


def test_lines_of_one_day_are_one_invoice_and_a_split_invoice_breaks_the_run() -> None:
    lines = [
        _line(3, "6300", "50"),
        _line(3, "6300", "70"),
        _line(1, "6900"),
        _line(2, "6300", "40"),
        _line(2, "6900", "40"),
    ]
    invoices = invoices_of(lines)
    assert invoices == [
        BookedInvoice("6900", Decimal("100")),
        BookedInvoice(None, Decimal("80")),  # two accounts: no one account's habit
        BookedInvoice("6300", Decimal("120")),
    ]
    found = habit(invoices)
    assert (found.account, found.run) == ("6300", 1)
    assert found.totals == (Decimal("120"), Decimal("80"), Decimal("100"))


def test_the_run_counts_the_newest_invoices_in_a_row() -> None:
    invoices = invoices_of([_line(1, "6900"), _line(2, "6300"), _line(3, "6900"), _line(4, "6900")])
    assert (habit(invoices).account, habit(invoices).run) == ("6900", 2)
    assert habit([]).run == 0


def test_the_usual_range_is_the_recent_amounts_widened_by_the_margin() -> None:
    totals = (Decimal("800"), Decimal("1200"))
    margin = Decimal("0.25")
    assert within_usual_range(Decimal("1500"), totals, margin)
    assert not within_usual_range(Decimal("1501"), totals, margin)
    assert within_usual_range(Decimal("600"), totals, margin)
    assert not within_usual_range(Decimal("-1000"), totals, margin)  # no credit notes before
    assert not within_usual_range(Decimal("1000"), (), margin)
    assert not within_usual_range(None, totals, margin)


def test_each_observation_sees_only_the_invoices_before_it() -> None:
    """6900, 6900, 6900, 6300: the second continues a run of 1, the third one of 2, the
    fourth breaks a run of 3."""
    invoices = invoices_of([_line(1, "6900"), _line(2, "6900"), _line(3, "6900"), _line(4, "6300")])
    found = [(o.run, o.continued) for o in observations(invoices)]
    assert found == [(1, True), (2, True), (3, False)]


def test_an_unusual_amount_is_left_out_of_the_fit() -> None:
    invoices = invoices_of([_line(1, "6900"), _line(2, "6900", "100000")])
    (only,) = observations(invoices)
    assert only.continued and not only.usual
    assert fit_runs([[only]]).continued[0] == (0, 0)


def test_the_probability_is_the_share_that_continued_with_enough_observations() -> None:
    bins = [(0, 0)] * len(RUN_BINS)
    bins[RUN_BINS.index(6)] = (97, 100)
    bins[RUN_BINS.index(10)] = (5, MIN_OBSERVATIONS - 1)
    calibration = RunCalibration(tuple(bins))
    assert calibration.probability(7) == pytest.approx(98 / 102)
    assert calibration.probability(12) is None  # too few runs that long to say
    assert calibration.probability(0) is None
    again = RunCalibration.from_json(calibration.to_json())
    assert again == calibration
    assert (
        RunCalibration.from_json({"bins": [1, 2], "continued": [[1, 1], [1, 1]]}).probability(1)
        is None
    )  # fitted with other bins: not used
