"""Template-free field reading: formats, identifiers by check digit, labels and arithmetic."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from kontera.domain.fields import Source
from kontera.domain.invoice import read_path
from kontera.interpret.base import InterpretContext
from kontera.interpret.fields import parse_ids
from kontera.interpret.fields.extract import extract_fields
from kontera.interpret.fields.parse_text import find_amounts
from kontera.interpret.fields.parse_text import find_dates
from kontera.interpret.fields.parse_text import parse_amount
from kontera.interpret.pages.pdf import PdfTextInterpreter
from kontera.interpret.textpage import Word
from kontera.interpret.textpage import build_page

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "pdf"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 234,56", "1234.56"),  # NO/SE
        ("1.234,56", "1234.56"),  # DE/DA
        ("1,234.56", "1234.56"),  # EN
        ("1234.56", "1234.56"),
        ("-7,67", "-7.67"),
        ("100,00-", "-100.00"),
        ("kr 1 250,-", "1250"),
        ("€ 529,87", "529.87"),
        ("NOK8 989,75", "8989.75"),  # OCR glued the currency to the number
        ("0.025", "0.025"),  # a leading zero never starts a thousands group
    ],
)
def test_amounts_in_nordic_german_and_english_formats(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)


def test_a_phone_number_is_not_an_amount() -> None:
    assert find_amounts("Telefon +47 22 33 44 55", whole=False) == []


def test_column_gap_separates_numbers_that_a_space_would_join() -> None:
    """GIVEN a rate column and a tax column with a wide gap WHEN read THEN two values."""
    assert [f.value for f in find_amounts("19  163,16", whole=True)] == [
        Decimal(19),
        Decimal("163.16"),
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("05.03.2018", date(2018, 3, 5)),
        ("2024-11-29", date(2024, 11, 29)),
        ("17. Dezember 2018", date(2018, 12, 17)),
        ("22 July 2024", date(2024, 7, 22)),
        ("3. mars 2025", date(2025, 3, 3)),
        ("1er janvier 2024", date(2024, 1, 1)),
        ("December 17, 2018", date(2018, 12, 17)),
    ],
)
def test_dates_in_the_supported_locales(text: str, value: date) -> None:
    assert [f.value for f in find_dates(text)] == [value]


def test_impossible_dates_are_not_dates() -> None:
    assert find_dates("31.02.2024 and 13/13/2024") == []


def test_iban_needs_its_check_digits_unless_printed_in_groups() -> None:
    assert [f.value for f in parse_ids.find_ibans("IBAN NO93 8601 1117 947")] == ["NO9386011117947"]
    # A wrong check digit is still read as printed (and believed less by the scorer) …
    assert [f.value for f in parse_ids.find_ibans("IBAN : DE5467894567876500")] == [
        "DE5467894567876500"
    ]
    # … but a country code and a few digits are not an IBAN.
    assert parse_ids.find_ibans("NO94 8601") == []


def test_norwegian_org_number_followed_by_mva_is_a_vat_id() -> None:
    found = parse_ids.find_vat_ids("Org.nr. 923 609 016 MVA")
    assert [f.value for f in found] == ["NO923609016MVA"]


def test_kid_and_bank_account_are_checked_by_their_check_digits() -> None:
    assert [f.value for f in parse_ids.find_kids("KID 4518197")] == ["4518197"]
    assert parse_ids.find_kids("KID 4518198") == []
    assert [f.value for f in parse_ids.find_no_bank_accounts("Konto 8601.11.17947")] == [
        "86011117947"
    ]
    assert parse_ids.find_no_bank_accounts("Konto 8601.11.17948") == []


def _page(rows: list[list[tuple[str, float]]]) -> list[Word]:
    """Words laid out in rows 20 pt apart, each (text, x) at 10 pt height."""
    words = []
    for row, items in enumerate(rows):
        top = 100 + 20 * row
        for text, x in items:
            words.append(Word(text, x, top, x + 5.5 * len(text), top + 10))
    return words


def test_totals_are_chosen_as_a_set_that_adds_up() -> None:
    """GIVEN a VAT table whose rows also carry 'MVA' and amounts
    WHEN the totals are chosen THEN net + VAT = gross picks the printed totals."""
    words = _page(
        [
            [("MVA", 300), ("Grunnlag", 360), ("MVA", 450)],
            [("25", 300), ("%", 315), ("800,00", 360), ("200,00", 450)],
            [("15", 300), ("%", 315), ("200,00", 360), ("30,00", 450)],
            [("Sum", 300), ("eks.", 325), ("mva", 350), ("1", 440), ("000,00", 447)],
            [("Sum", 300), ("mva", 325), ("230,00", 450)],
            [("Å", 300), ("betale", 310), ("1", 440), ("230,00", 447)],
        ]
    )
    choices = extract_fields([build_page(1, 595, 842, Source.PDF_TEXT, words)])
    assert choices["totals.net"].value == Decimal("1000.00")
    assert choices["totals.vat"].value == Decimal("230.00")
    assert choices["totals.payable"].value == Decimal("1230.00")


def test_buyer_vat_id_is_not_taken_for_the_sellers() -> None:
    """GIVEN seller and buyer blocks side by side, each with a VAT id
    WHEN the seller VAT id is chosen THEN it is the one under the seller heading."""
    words = _page(
        [
            [("Leverandør", 40), ("Kunde", 320)],
            [("Fjord", 40), ("AS", 75), ("Kunde", 320), ("AS", 355)],
            [
                ("NO", 40),
                ("923609016", 58),
                ("MVA", 115),
                ("NO", 320),
                ("974760673", 338),
                ("MVA", 395),
            ],
        ]
    )
    choices = extract_fields([build_page(1, 595, 842, Source.PDF_TEXT, words)])
    assert choices["seller.vat_id"].value == "NO923609016MVA"
    assert choices["seller.name"].value == "Fjord AS"


def _fixtures() -> list[Path]:
    return sorted(FIXTURES.glob("*.json"))


@pytest.mark.parametrize("meta", _fixtures(), ids=lambda p: p.stem)
def test_generated_invoice_reads_like_its_ground_truth(meta: Path) -> None:
    """Golden pairs: each committed fixture PDF against the truth written beside it."""
    truth = json.loads(meta.read_text("utf-8"))["fields"]
    invoice = (
        PdfTextInterpreter()
        .interpret(meta.with_suffix(".pdf").read_bytes(), InterpretContext())
        .invoice
    )
    for path, expected in truth.items():
        if expected is None or path == "document_type":
            continue
        got = read_path(invoice, path)
        if path.startswith("totals."):
            assert got == Decimal(expected), path
        elif isinstance(got, date):
            assert got.isoformat() == expected, path
        else:
            assert got == expected, path
    assert invoice.document_type.value == truth["document_type"]


@pytest.mark.parametrize("form", ["B.V.", "N.V."])
def test_a_dutch_company_form_marks_the_letterhead_as_the_sellers_name(form: str) -> None:
    """GIVEN a letterhead "Zuiderzee ICT B.V." in large type with no seller heading
    WHEN the seller's name is read THEN it is that name (B.V./N.V. are company forms)."""
    words = [
        Word("Zuiderzee", 40, 50, 110, 66),
        Word("ICT", 115, 50, 140, 66),
        Word(form, 145, 50, 175, 66),
        *_page([[("Havenweg", 40), ("8", 95)], [("FACTUUR", 40)]]),
    ]
    choices = extract_fields([build_page(1, 595, 842, Source.PDF_TEXT, words)])
    assert choices["seller.name"].value == f"Zuiderzee ICT {form}"
