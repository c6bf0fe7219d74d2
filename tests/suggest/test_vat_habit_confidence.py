"""How sure a VAT code taken from the account's habit is: the account's own record counts."""

from __future__ import annotations

from collections import Counter

import pytest

from kontera.domain.suggestion import LineSuggestion
from kontera.domain.vat_rules import VatRule
from kontera.suggest.vat_choice import CONFIDENCE
from kontera.suggest.vat_choice import habit_confidence
from kontera.suggest.vat_choice import settle_line

NO_FACTS = VatRule(None, "the invoice gives no VAT rate for the line")


def _settled(habits: dict[str, Counter[str]]) -> LineSuggestion:
    return settle_line(LineSuggestion(0, "6300", None, 0.99), NO_FACTS, habits)


def test_an_account_that_always_got_one_code_is_surer_than_habits_in_general() -> None:
    """GIVEN 400 earlier lines on the account, every one with code 1 and no VAT facts on the
    invoice THEN code 1 is proposed as surely as an invoice's own VAT facts would make it."""
    line = _settled({"6300": Counter({"1": 400})})
    assert line.vat_code == "1"
    assert line.vat_confidence == CONFIDENCE["rule"]


def test_an_account_split_between_codes_is_less_sure_than_habits_in_general() -> None:
    """GIVEN an account whose 100 lines split 60/40 THEN its usual code is about 65 % sure
    ((60 + 20 × 0.9) / (100 + 20)), well below the 90 % habits earn on average."""
    line = _settled({"6300": Counter({"1": 60, "11": 40})})
    assert line.vat_code == "1"
    assert line.vat_confidence == pytest.approx(78 / 120)
    assert line.vat_confidence < CONFIDENCE["habit"]


def test_a_short_record_stays_close_to_the_general_figure() -> None:
    """Two lines of one code are little evidence: (2 + 18) / 22 ≈ 0.909."""
    assert habit_confidence(Counter({"1": 2}), "1") == pytest.approx(20 / 22)
    assert habit_confidence(None, "1") == CONFIDENCE["habit"]
    assert habit_confidence(Counter({"1": 5}), "11") < CONFIDENCE["habit"]
