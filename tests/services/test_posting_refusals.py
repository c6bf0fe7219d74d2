"""A ledger's refusal reaches the review queue in the ledger's own plain words.

The fake Tripletex runs on a loopback port; its books are changed the way a bookkeeper might
change them after approval (an account set inactive, an account locked to no VAT, the period
closed). The approved invoice then goes back to the queue (`needs_review`) with the reason,
and the voucher stays `failed` until someone retries. The refusals themselves, for all three
ledgers, are in tests/post/test_ledger_refusals.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kontera.config import Settings
from kontera.services.context import AppContext
from kontera.services.post import connections
from tests.conftest import DEMO_BUYER_ORG
from tests.conftest import FIXTURES
from tests.conftest import ApiClient
from tests.conftest import make_api_client
from tests.fakes.tripletex import FakeTripletex
from tests.servers import asgi_server

EHF = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()


@pytest.fixture
def tripletex() -> Iterator[tuple[FakeTripletex, str]]:
    fake = FakeTripletex()
    with asgi_server(fake) as url:
        yield fake, f"{url}/v2"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        immediate_jobs=True,
        log_json=False,
        tripletex_consumer_token=FakeTripletex().consumer_token,
    )


@pytest.fixture
def connected(
    ctx: AppContext, tripletex: tuple[FakeTripletex, str]
) -> Iterator[tuple[ApiClient, FakeTripletex]]:
    from kontera.api.app import create_app

    fake, base_url = tripletex
    with TestClient(create_app(ctx)) as client:
        api = make_api_client(ctx, client, "Avvist Kunde AS", DEMO_BUYER_ORG)
        connections.connect(
            ctx,
            company_name="Avvist Kunde AS",
            system="tripletex",
            secret=fake.employee_token,
            settings={"base_url": base_url},
        )
        yield api, fake


REFUSALS: dict[str, tuple[dict[str, Any], str]] = {
    "inactive account": ({"inactive_accounts": {"6900"}}, "Konto 6900 er inaktiv"),
    "VAT code the account does not take": (
        {"vat_locked": {"6900": "0"}},
        "Mva-koden 1 er ikke gyldig for konto 6900",
    ),
    "closed period": ({"closed_until": date(2026, 11, 30)}, "Perioden er lukket"),
}


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_the_refusal_is_the_reason_in_the_queue(
    connected: tuple[ApiClient, FakeTripletex], refusal: str
) -> None:
    api, fake = connected
    books, words = REFUSALS[refusal]
    for name, value in books.items():
        setattr(fake, name, value)
    created = api.upload(EHF)
    response = api.http.post(
        f"/v1/documents/{created['id']}/approve",
        headers=api.headers,
        json={"postings": [{"account": "6900", "vat_code": "1"}]},
    )
    assert response.status_code == 200, response.text
    document = api.get(f"/v1/documents/{created['id']}")
    assert document["status"] == "needs_review"
    assert document["status_reason"].startswith("Posting to tripletex failed:")
    assert words in document["status_reason"]
    assert document["voucher"]["state"] == "failed"
    assert fake.vouchers == {}
