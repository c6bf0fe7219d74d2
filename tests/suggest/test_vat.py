"""VAT code choice: rules from the invoice first, the company's habits where they choose."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kontera.suggest.vat import STANDARD_PURCHASE_CODES
from kontera.suggest.vat import allowed_standard_codes
from kontera.suggest.vat import learn_vat_habits


@pytest.mark.parametrize(
    ("category", "rate", "country", "expected"),
    [
        ("S", Decimal(25), "NO", "1"),
        ("S", Decimal(15), "NO", "11"),
        ("S", Decimal(12), "NO", "13"),
        ("E", Decimal(0), "NO", "0"),
        ("Z", None, "NO", "0"),
        ("AE", Decimal(25), "NO", "86"),
        ("S", Decimal(25), "SE", "86"),
    ],
)
def test_rules_from_category_rate_and_country(
    category: str, rate: Decimal | None, country: str, expected: str
) -> None:
    allowed = allowed_standard_codes(category, rate, country)
    assert allowed[0] == expected
    assert all(code in STANDARD_PURCHASE_CODES for code in allowed)


def test_history_decides_where_the_rules_leave_a_choice() -> None:
    """Foreign services: deductible (86) or not (87) is the company's business, not the
    invoice's; an account that always used 87 keeps getting 87."""
    habits = learn_vat_habits([("6790", "87")] * 4 + [("6790", "86")])
    choice = habits.choose("6790", "S", Decimal(25), "SE")
    assert choice.code == "87"
    assert "usually" in str(choice.reason)


def test_company_codes_are_mapped_to_and_from_standard_codes() -> None:
    habits = learn_vat_habits([("6300", "I25")], to_standard={"I25": "1", "I15": "11"})
    assert habits.choose("6300", "S", Decimal(25), "NO").code == "I25"
    fresh = habits.choose("6800", "S", Decimal(15), "NO")
    assert (fresh.code, fresh.standard_code) == ("I15", "11")


def test_history_never_overrides_the_rules() -> None:
    habits = learn_vat_habits([("4000", "1")] * 10)
    assert habits.choose("4000", "E", Decimal(0), "NO").standard_code == "0"
