"""Check digits of what a payment goes to, with numbers from the published rules.

- Norwegian account numbers: 11 digits, mod 11 with weights 5 4 3 2 7 6 5 4 3 2 (python-stdnum).
- KID (Nets / Mastercard Payment Services): 2–25 characters, mod 10 (Luhn) or mod 11 with
  weights 2–7 from the right, where a remainder of 10 is written "-" (norwegian-numbers).
- Swedish bank accounts (Bankgirot, "Bankernas kontonummeruppbyggnad"): the clearing number
  says the bank and its rule — type 1: the last 3 (footnote 1) or all 4 (footnote 2) digits of
  the clearing number and a 7-digit account, mod 11 with weights 1–10; type 2: a 9–10 digit
  account alone, mod 10 (footnotes 1, 3) or mod 11 (footnote 2) (bankkonto).
- Bankgiro (7–8 digits) and plusgiro (2–8 digits): Luhn (python-stdnum).
"""

from __future__ import annotations

import pytest

from kontera.domain import identifiers as ids

VALID_NO_ACCOUNTS = ["86011117947", "1503.02.12344", "1234 56 78903"]
INVALID_NO_ACCOUNTS = ["86011117948", "15030212345", "1234567890"]


@pytest.mark.parametrize("account", VALID_NO_ACCOUNTS)
def test_norwegian_account_numbers_that_hold(account: str) -> None:
    assert ids.valid_no_bank_account(account)


@pytest.mark.parametrize("account", INVALID_NO_ACCOUNTS)
def test_norwegian_account_numbers_with_a_wrong_digit(account: str) -> None:
    assert not ids.valid_no_bank_account(account)


@pytest.mark.parametrize(
    "kid",
    [
        "12345678903",  # mod 10: the Luhn digit of 1234567890 is 3
        "0003434323213239",  # the Norwegian EHF example's KID with its digit mended
        "0000123455",  # mod 11: 2·5+3·4+4·3+5·2+6·1 = 50, 11 − 50 mod 11 = 5
        "000006-",  # mod 11: 2·6 = 12, 11 − 12 mod 11 = 10, written "-"
        "18",  # shortest KID
    ],
)
def test_kids_that_hold(kid: str) -> None:
    assert ids.valid_kid(kid)


@pytest.mark.parametrize(
    "kid",
    [
        "12345678904",
        "0003434323213231",  # the national example's KID as published: neither mod 10 nor 11
        "1",  # too short
        "1" * 26,  # too long
        "12A45",
        "-",
    ],
)
def test_kids_that_fail(kid: str) -> None:
    assert not ids.valid_kid(kid)


@pytest.mark.parametrize(
    "account",
    [
        "5000-1234560",  # SEB, type 1 footnote 1: 000 + 1234560, mod 11
        "5491 123 456 3",
        "1200-7654326",  # Danske Bank, type 1 footnote 1
        "9029-5735211",  # Länsförsäkringar, type 1 footnote 2: all four clearing digits
        "6000-123456789",  # Handelsbanken, type 2 footnote 2: 9 digits, mod 11
        "3300-8112189876",  # Nordea personkonto: the personnummer, mod 10
        "8327-9, 992 394 242-0",  # Swedbank, 5-digit clearing, type 2 footnote 3: mod 10
    ],
)
def test_swedish_accounts_by_their_banks_rules(account: str) -> None:
    assert ids.valid_se_bank_account(account)


@pytest.mark.parametrize(
    "account",
    [
        "5000-1234561",  # SEB, wrong check digit
        "9029-5735214",  # Länsförsäkringar, wrong check digit
        "6000-123456788",  # Handelsbanken, wrong check digit
        "3300-8112189877",  # Nordea personkonto, wrong check digit
        "5000-123456",  # SEB accounts have 7 digits
        "0999-1234567",  # no bank has clearing numbers below 1000
        "NO9386011117947",
    ],
)
def test_swedish_accounts_that_break_their_banks_rules(account: str) -> None:
    assert not ids.valid_se_bank_account(account)


def test_an_eleven_digit_swedish_account_is_not_judged_by_the_norwegian_rule() -> None:
    """The fault this guards against: 4 clearing + 7 account digits look like a Norwegian
    account, and fail mod 11 with Norwegian weights though they are right."""
    assert ids.valid_se_bank_account("50001234560")
    assert not ids.valid_no_bank_account("50001234560")


@pytest.mark.parametrize("number", ["5050-1055", "991-2346", "50501055"])
def test_bankgiro_numbers_that_hold(number: str) -> None:
    assert ids.valid_bankgiro(number)


@pytest.mark.parametrize("number", ["5050-1056", "123-4567", "50-1055", "5050-10550", "BG 1"])
def test_bankgiro_numbers_that_fail(number: str) -> None:
    assert not ids.valid_bankgiro(number)


@pytest.mark.parametrize("number", ["90 20 03-3", "4711-8", "18"])
def test_plusgiro_numbers_that_hold(number: str) -> None:
    assert ids.valid_plusgiro(number)


@pytest.mark.parametrize("number", ["90 20 03-4", "4711-2", "1", "123456789-7"])
def test_plusgiro_numbers_that_fail(number: str) -> None:
    assert not ids.valid_plusgiro(number)


def test_iban_by_its_mod_97() -> None:
    assert ids.valid_iban("NO9386011117947")
    assert ids.valid_iban("SE45 5000 0000 0583 9825 7466")
    assert not ids.valid_iban("NO9386011117948")
    assert not ids.valid_iban("SE45 5000 0000 0583 9825 7467")
