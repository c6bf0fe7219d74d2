"""The VAT code an invoice line calls for, in Norway and Sweden."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kontera.domain.vat_rules import rule_for_line


@pytest.mark.parametrize(
    ("category", "rate", "supplier", "home", "code"),
    [
        ("S", Decimal(25), "NO", "NO", "1"),
        ("S", Decimal(15), "NO", "NO", "11"),
        ("S", Decimal(12), "NO", "NO", "13"),
        ("Z", Decimal(0), "NO", "NO", "0"),
        ("E", None, "NO", "NO", "0"),
        ("AE", Decimal(0), "SE", "NO", "86"),  # services from abroad: reverse charge
        ("S", Decimal(19), "DE", "NO", "0"),  # German VAT: a cost here, never Norwegian VAT
        ("S", Decimal(25), "SE", "SE", "SE25"),  # the Swedish domestic invoice of the issue
        ("S", Decimal(12), "SE", "SE", "SE12"),
        ("S", Decimal(6), "SE", "SE", "SE6"),
        ("AE", Decimal(0), "DE", "SE", "SERC25"),
        ("K", Decimal(0), "DE", "SE", "SEGEU25"),
        ("AE", Decimal(0), "SE", "SE", "SEDRC25"),
        ("H", Decimal(15), "NO", "NO", "11"),  # EHF 2.0's reduced-rate category
        (None, None, "NO", "NO", None),  # nothing to go by: abstain
    ],
)
def test_rule(
    category: str | None, rate: Decimal | None, supplier: str, home: str, code: str | None
) -> None:
    assert rule_for_line(category, rate, supplier, home).code == code


def test_foreign_vat_is_flagged_as_a_cost() -> None:
    rule = rule_for_line("S", Decimal(19), "DE", "NO")
    assert rule.foreign_vat and "not deductible" in rule.why
