"""The one amount parser: Norwegian, Swedish and English writing, files and people."""

from __future__ import annotations

from decimal import Decimal

import pytest
from starlette.datastructures import QueryParams

from kontera.domain.amounts import NotAnAmount
from kontera.domain.amounts import parse_amount
from kontera.domain.errors import InvalidInput
from kontera.review.queue_routes import parse_filters


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1\u202f234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1'234.56", "1234.56"),
        ("kr 1 250,-", "1250"),
        ("1 250,- kr", "1250"),
        ("SEK 99,50", "99.50"),
        ("100,00-", "-100.00"),
        ("−153 709,97", "-153709.97"),
        ("- 75", "-75"),
        ("(12.00)", "-12.00"),
        ("1 234 567", "1234567"),
        ("1.234.567", "1234567"),
        ("0.125", "0.125"),
    ],
)
def test_the_ways_people_and_exports_write_money(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)
    assert parse_amount(text, locale="nb") == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("1.234", "nb", "1234"),
        ("1.234", "sv", "1234"),
        ("1.234", "en", "1.234"),
        ("1,234", "en", "1234"),
        ("1,234", "nb", "1.234"),
        ("1.234", None, "1.234"),  # a file writes one mark only as the decimal mark
        ("1,234", None, "1.234"),
    ],
)
def test_one_mark_before_three_digits_depends_on_who_wrote_it(
    text: str, locale: str | None, expected: str
) -> None:
    assert parse_amount(text, locale=locale) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["", "-", "abc", "1,2,3", "12 34,5", "1,234,56", "1.234.56", "1e5", "NaN", "12 kg"]
)
def test_what_is_not_an_amount_is_refused_as_both_error_kinds(text: str) -> None:
    with pytest.raises(NotAnAmount) as caught:
        parse_amount(text)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, InvalidInput)


def test_the_queue_filter_reads_amounts_as_norwegians_write_them() -> None:
    filters = parse_filters(QueryParams("min_amount=1.000&max_amount=2 500,50"))
    assert (filters.min_amount, filters.max_amount) == (Decimal("1000"), Decimal("2500.50"))
    with pytest.raises(InvalidInput, match="filter"):
        parse_filters(QueryParams("min_amount=abc"))
