"""The contract validator refuses requests that break the specs, so a pass means something."""

from __future__ import annotations

import httpx
import pytest

from tests.post.contract import fortnox_spec
from tests.post.contract import tripletex_spec
from tests.post.contract import validate_all


def test_fortnox_voucher_row_with_a_text_account_is_refused() -> None:
    rows = [{"Account": "kassa", "Debit": 1.0}]
    voucher = {"Description": "x", "TransactionDate": "2026-01-01", "VoucherSeries": "A"}
    body = {"Voucher": {**voucher, "Year": 2026, "VoucherRows": rows}}
    request = httpx.Request("POST", "https://api.fortnox.se/3/vouchers", json=body)
    with pytest.raises(AssertionError, match="InvalidRequestBody"):
        validate_all(fortnox_spec(), [request])


def test_tripletex_voucher_with_a_text_row_is_refused() -> None:
    body = {"date": "2026-01-01", "postings": [{"row": "first", "amountGross": 1.0}]}
    auth = {"Authorization": "Basic MDpzZXNzaW9u"}  # "0:session"
    request = httpx.Request(
        "POST", "https://tripletex.no/v2/ledger/voucher", json=body, headers=auth
    )
    with pytest.raises(AssertionError, match="InvalidRequestBody"):
        validate_all(tripletex_spec(), [request])


def test_tripletex_session_without_employee_token_is_refused() -> None:
    url = "https://tripletex.no/v2/token/session/:create?consumerToken=a&expirationDate=2026-01-02"
    with pytest.raises(AssertionError, match="MissingRequiredParameter"):
        validate_all(tripletex_spec(), [httpx.Request("PUT", url)])


def test_unknown_path_is_refused() -> None:
    with pytest.raises(AssertionError):
        validate_all(fortnox_spec(), [httpx.Request("GET", "https://api.fortnox.se/3/nothing")])
