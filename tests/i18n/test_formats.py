"""Numbers, amounts and dates the way Norwegian, Swedish and English readers write them."""

from __future__ import annotations

import json
from datetime import date
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from kontera.domain.errors import InvalidInput
from kontera.domain.messages import Message
from kontera.domain.messages import msg
from kontera.domain.messages import msg_n
from kontera.i18n import render
from kontera.i18n import translator
from kontera.i18n.formats import format_amount
from kontera.i18n.formats import format_date
from kontera.i18n.formats import parse_amount
from kontera.i18n.formats import parse_date

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("nb", f"1{NBSP}234,56"), ("sv", f"1{NBSP}234,56"), ("en", "1,234.56")],
)
def test_amounts_are_grouped_and_use_the_locales_decimal_mark(locale: str, expected: str) -> None:
    assert format_amount(Decimal("1234.56"), locale) == expected


def test_a_negative_amount_has_one_minus_sign() -> None:
    """The issue: a credit note showed "−-153 709,97"."""
    assert format_amount(Decimal("-153709.97"), "nb", "NOK") == f"-153{NBSP}709,97 NOK"


@pytest.mark.parametrize(
    ("locale", "expected"), [("nb", "15.12.2017"), ("sv", "2017-12-15"), ("en", "2017-12-15")]
)
def test_dates_follow_the_locale(locale: str, expected: str) -> None:
    assert format_date(date(2017, 12, 15), locale) == expected
    assert format_date("2017-12-15", locale) == expected


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("1 234,56", "nb", "1234.56"),
        (f"1{NBSP}234,56", "sv", "1234.56"),
        ("1.234,56", "nb", "1234.56"),
        ("1,234.56", "en", "1234.56"),
        ("1234.56", "nb", "1234.56"),
        ("-75", "nb", "-75"),
        ("−153 709,97", "nb", "-153709.97"),
        ("1.234", "nb", "1234"),
        ("1.234", "en", "1.234"),
        ("12,5", "nb", "12.5"),
    ],
)
def test_amounts_are_read_as_people_write_them(text: str, locale: str, expected: str) -> None:
    assert parse_amount(text, locale) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "12 34,5"])
def test_what_is_not_an_amount_is_a_clear_error(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_amount(text, "nb")
    assert isinstance(caught.value.text, Message)
    assert "er ikke et beløp" in render(caught.value.text, "nb")


@pytest.mark.parametrize("text", ["15.12.2017", "15/12/2017", "2017-12-15", "15.12.17"])
def test_dates_are_read_in_every_common_form(text: str) -> None:
    assert parse_date(text) == date(2017, 12, 15)


def test_an_impossible_date_is_refused() -> None:
    with pytest.raises(InvalidInput):
        parse_date("31.02.2017")


def test_a_message_is_translated_and_its_parameters_formatted() -> None:
    message = msg(
        "The sum of line amounts is {computed}, the invoice says {stated}",
        computed=Decimal("1234.50"),
        stated=Decimal("1200.00"),
    )
    assert str(message) == "The sum of line amounts is 1234.50, the invoice says 1200.00"
    nb = render(message, "nb")
    assert f"1{NBSP}234,50" in nb and f"1{NBSP}200,00" in nb


def test_nested_messages_dates_and_lists_are_rendered_in_the_readers_language() -> None:
    inner = msg("Invoice number")
    outer = msg("Could not find {what} on the document.", what=inner)
    assert str(outer) == "Could not find Invoice number on the document."
    t = translator("nb")
    assert t.param(date(2017, 12, 15)) == "15.12.2017"
    assert t.param(datetime(2017, 12, 15, 9, 30)) == "15.12.2017 09:30"
    assert t.param((msg("Invoice number"), "KID")) == "Fakturanummer, KID"


def test_a_message_survives_json() -> None:
    message = msg("Page {n} of {total}", n=1, total=msg("Due"), when=(date(2020, 1, 2),))
    again = Message.from_json(message.to_json())
    assert again == message


def test_an_untyped_librarys_value_is_stored_as_its_text() -> None:
    error: Any = ValueError("Failed to load document (PDFium: Data format error).")
    message = msg("The PDF cannot be opened ({e}).", e=error)
    stored = json.loads(json.dumps(message.to_json()))
    assert str(Message.from_json(stored)) == str(message)


def test_plural_forms() -> None:
    one = msg_n("{n} line", "{n} lines", 1)
    many = msg_n("{n} line", "{n} lines", 3)
    assert (str(one), str(many)) == ("1 line", "3 lines")


def test_a_translation_with_a_wrong_placeholder_falls_back_to_english() -> None:
    message = msg("Due {when}", when="x")
    assert message.format("Forfall {whenn}", str) == "Due x"


def test_an_unknown_text_stays_english_and_a_known_one_is_translated() -> None:
    assert render("Approve and next", "nb") == "Godkjenn og neste"
    assert render("Approve and next", "sv") == "Godkänn och nästa"
    assert render("Approve and next", "en") == "Approve and next"
    assert render("no such text anywhere", "nb") == "no such text anywhere"
