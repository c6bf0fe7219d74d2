"""Foreign-currency vouchers at the central bank's rate, fetched from real loopback fakes.

Norges Bank (NOK) and the Riksbank (SEK) run as HTTP servers on 127.0.0.1 serving their real
formats; the accounting systems are the fakes the other posting tests use.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from kontera.domain.errors import PermanentError
from kontera.domain.errors import TransientError
from kontera.post.connections import AppSecrets
from kontera.post.connections import Connection
from kontera.post.connections import System
from kontera.post.connections import make_connector
from kontera.post.connector import AttachmentFile
from kontera.post.exchange_rates import CentralBankRates
from kontera.post.exchange_rates import NorgesBank
from kontera.post.exchange_rates import RateQuote
from kontera.post.exchange_rates import RateSources
from kontera.post.exchange_rates import Riksbank
from kontera.post.fortnox import FortnoxMode
from kontera.post.http import CallRecord
from kontera.post.http import RetryPolicy
from kontera.post.job import PostingJob
from kontera.post.job import Step
from kontera.post.job import advance
from kontera.post.oauth import MemoryTokenStore
from kontera.post.ratelimit import RateLimiters
from kontera.post.voucher_builder import build_voucher
from kontera.store.db import make_engine
from kontera.store.migrate import upgrade
from kontera.store.rate_cache import StoredRateCache
from tests.fakes.central_banks import FakeCentralBanks
from tests.post.conftest import make_invoice
from tests.post.contract import fortnox_spec
from tests.post.contract import tripletex_spec
from tests.post.contract import validate_all
from tests.post.harness import fortnox_rig
from tests.post.harness import poweroffice_rig
from tests.post.harness import tripletex_rig
from tests.post.test_fortnox import SE
from tests.post.test_fortnox import swedish_invoice
from tests.servers import asgi_server

TODAY = date(2026, 11, 20)
MONDAY, SUNDAY = date(2026, 11, 2), date(2026, 11, 1)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakeCentralBanks, str]]:
    fake = FakeCentralBanks()
    with asgi_server(fake) as url:
        yield fake, url


@pytest.fixture
def banks(served: tuple[FakeCentralBanks, str]) -> Iterator[tuple[FakeCentralBanks, str]]:
    fake, url = served
    fake.calls.clear()
    fake.down = False
    yield fake, url


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as c:
        yield c


def no_wait() -> RetryPolicy:
    return RetryPolicy(attempts=3, sleep=lambda s: None, rng=random.Random(1))


def norges_bank(client: httpx.Client, url: str, **kwargs: object) -> CentralBankRates:
    bank = NorgesBank(f"{url}/api")
    return CentralBankRates(client, bank, today=lambda: TODAY, retry=no_wait(), **kwargs)  # type: ignore[arg-type]


def riksbank(client: httpx.Client, url: str, **kwargs: object) -> CentralBankRates:
    bank = Riksbank(f"{url}/swea/v1")
    return CentralBankRates(client, bank, today=lambda: TODAY, retry=no_wait(), **kwargs)  # type: ignore[arg-type]


def _ignore(job: PostingJob) -> None:
    pass


def attachment(pdf: bytes) -> AttachmentFile:
    return AttachmentFile(pdf, "faktura.pdf", "application/pdf")


# -- Norges Bank ----------------------------------------------------------------------------


def test_a_weekday_gets_that_days_norges_bank_rate(banks, client) -> None:  # type: ignore[no-untyped-def]
    _, url = banks
    quote = norges_bank(client, url).quote("EUR", MONDAY)
    assert (quote.rate, quote.rate_date, quote.source) == (
        Decimal("11.6810"),
        MONDAY,
        "Norges Bank",
    )
    assert quote.describe() == "1 EUR = 11.6810 NOK (Norges Bank, 2026-11-02)"


def test_a_sunday_gets_fridays_rate(banks, client) -> None:  # type: ignore[no-untyped-def]
    _, url = banks
    quote = norges_bank(client, url).quote("EUR", SUNDAY)
    assert (quote.rate, quote.rate_date) == (Decimal("11.6535"), date(2026, 10, 30))


def test_currencies_quoted_per_100_are_divided_by_their_unit_multiplier(banks, client) -> None:  # type: ignore[no-untyped-def]
    _, url = banks
    rates = norges_bank(client, url)
    assert rates("JPY", MONDAY) == Decimal("0.069012")
    assert rates("SEK", MONDAY) == Decimal("1.0642")
    assert isinstance(rates("SEK", MONDAY), Decimal)


def test_an_unknown_currency_fails_in_words(banks, client) -> None:  # type: ignore[no-untyped-def]
    _, url = banks
    with pytest.raises(PermanentError) as failure:
        norges_bank(client, url)("XYZ", MONDAY)
    assert failure.value.message == (
        "Norges Bank publishes no XYZ/NOK exchange rate for 2026-11-02 or the 7 days before "
        "it, so the invoice cannot be converted to NOK. Post it by hand in the accounting system."
    )


def test_a_bank_that_stays_down_is_a_transient_failure_after_retries(banks, client) -> None:  # type: ignore[no-untyped-def]
    fake, url = banks
    fake.down = True
    with pytest.raises(TransientError) as failure:
        norges_bank(client, url)("EUR", MONDAY)
    assert fake.count("norges-bank") == 3  # the retry policy's attempts
    assert "Could not get the EUR exchange rate from Norges Bank" in failure.value.message
    assert "will be tried again" in failure.value.message


def test_a_rate_is_fetched_once_for_many_invoices(banks, client) -> None:  # type: ignore[no-untyped-def]
    fake, url = banks
    rates = norges_bank(client, url)
    assert {rates("EUR", MONDAY) for _ in range(500)} == {Decimal("11.6810")}
    assert fake.count("norges-bank B.EUR") == 1


def test_the_database_cache_is_shared_by_every_worker(banks, client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fake, url = banks
    engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}")
    upgrade(engine)
    first = norges_bank(client, url, cache=StoredRateCache(engine))
    second = norges_bank(client, url, cache=StoredRateCache(engine))  # another process
    assert first("EUR", SUNDAY) == second("EUR", SUNDAY) == Decimal("11.6535")
    assert second.quote("EUR", SUNDAY).rate_date == date(2026, 10, 30)
    assert fake.count("norges-bank") == 1


def test_todays_rate_is_provisional_and_not_stored(banks, client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Today's fixing may not be out yet: it is used, but a later worker asks the bank again."""
    fake, url = banks
    engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}")
    upgrade(engine)
    bank = NorgesBank(f"{url}/api")
    for _ in range(2):
        rates = CentralBankRates(
            client, bank, cache=StoredRateCache(engine), today=lambda: MONDAY, retry=no_wait()
        )
        assert rates("EUR", MONDAY) == rates("EUR", MONDAY) == Decimal("11.6810")
    assert fake.count("norges-bank") == 2


def test_every_bank_call_and_every_rate_used_is_reported(banks, client) -> None:  # type: ignore[no-untyped-def]
    _, url = banks
    calls: list[CallRecord] = []
    used: list[RateQuote] = []
    rates = norges_bank(client, url, observer=calls.append, on_rate=used.append)
    rates("EUR", MONDAY)
    rates("EUR", MONDAY)  # cached: no call, but still a rate used
    assert [(c.system, c.method, c.outcome) for c in calls] == [("Norges Bank", "GET", "200")]
    assert "B.EUR.NOK.SP" in calls[0].url and "startPeriod=2026-10-26" in calls[0].url
    assert [q.to_json()["rate"] for q in used] == ["11.6810", "11.6810"]


# -- Riksbank -------------------------------------------------------------------------------


def test_riksbank_weekday_and_weekend_rates(banks, client) -> None:  # type: ignore[no-untyped-def]
    _, url = banks
    rates = riksbank(client, url)
    assert rates("EUR", MONDAY) == Decimal("10.9760")
    quote = rates.quote("EUR", SUNDAY)
    assert (quote.rate, quote.rate_date, quote.base_currency) == (
        Decimal("10.9580"),
        date(2026, 10, 30),
        "SEK",
    )


def test_riksbank_quotes_nok_per_100(banks, client) -> None:  # type: ignore[no-untyped-def]
    _, url = banks
    assert riksbank(client, url)("NOK", MONDAY) == Decimal("0.9397")


def test_riksbank_unknown_currency_fails_in_words_without_a_call(banks, client) -> None:  # type: ignore[no-untyped-def]
    fake, url = banks
    with pytest.raises(PermanentError, match="cannot convert XYZ to SEK"):
        riksbank(client, url)("XYZ", MONDAY)
    assert fake.calls == []


# -- end to end through the accounting systems ----------------------------------------------


def test_eur_invoice_posted_to_tripletex_in_nok_at_norges_banks_rate(  # type: ignore[no-untyped-def]
    banks, client, pdf_bytes: bytes
) -> None:
    _, url = banks
    rig = tripletex_rig()
    rig.connector.exchange_rate = norges_bank(client, url)
    invoice, approved = make_invoice([("1000.00", "25", "6300"), ("80.00", "15", "4000")])
    invoice.currency = "EUR"

    voucher = build_voucher(invoice, approved)
    job = advance(
        PostingJob("eur-1", "tripletex"), rig.connector, voucher, attachment(pdf_bytes), _ignore
    )

    assert job.step is Step.POSTED, job.last_error
    postings = rig.fake.vouchers[int(job.external_id or 0)]["postings"]
    assert [p["amountGrossCurrency"] for p in postings] == [1250.0, 92.0, -1342.0]
    assert [p["amountGross"] for p in postings] == [14601.25, 1074.65, -15675.9]
    assert sum(Decimal(str(p["amountGross"])) for p in postings) == 0
    assert {p["currency"]["id"] for p in postings} == {rig.fake.currency_ids["EUR"]}
    requests = [without_posting_currency(r) for r in rig.recorder.requests]
    assert validate_all(tripletex_spec(), requests) == len(rig.recorder.requests)


def without_posting_currency(request: httpx.Request) -> httpx.Request:
    """The voucher minus `postings[].currency`: the one field the published spec marks
    read-only yet a foreign-currency posting must carry (see `post/tripletex.py`). Every
    other field of every request is still checked against the spec."""
    if request.method != "POST" or request.url.path != "/v2/ledger/voucher":
        return request
    body = json.loads(request.content)
    body["postings"] = [{k: v for k, v in p.items() if k != "currency"} for p in body["postings"]]
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
    return httpx.Request("POST", request.url, json=body, headers=headers)


def test_tripletex_posting_with_an_unknown_currency_fails_in_words(  # type: ignore[no-untyped-def]
    banks, client, pdf_bytes: bytes
) -> None:
    _, url = banks
    rig = tripletex_rig()
    rig.connector.exchange_rate = norges_bank(client, url)
    invoice, approved = make_invoice([("10.00", "25", "6300")], currency="XYZ")
    voucher = build_voucher(invoice, approved)
    job = advance(
        PostingJob("xyz", "tripletex"), rig.connector, voucher, attachment(pdf_bytes), _ignore
    )
    assert job.step is Step.FAILED
    assert job.last_error is not None and "Norges Bank publishes no XYZ/NOK" in job.last_error
    assert rig.fake.vouchers == {}


def test_posting_waits_and_retries_while_the_bank_is_down(  # type: ignore[no-untyped-def]
    banks, client, pdf_bytes: bytes
) -> None:
    fake, url = banks
    fake.down = True
    rig = tripletex_rig()
    rig.connector.exchange_rate = norges_bank(client, url)
    invoice, approved = make_invoice([("10.00", "25", "6300")], currency="EUR")
    voucher = build_voucher(invoice, approved)
    job = advance(
        PostingJob("down", "tripletex"), rig.connector, voucher, attachment(pdf_bytes), _ignore
    )
    assert job.step is Step.PENDING and job.next_attempt_at is not None
    assert job.last_error is not None and "Norges Bank" in job.last_error

    fake.down = False
    job = advance(job, rig.connector, voucher, attachment(pdf_bytes), _ignore)
    assert job.step is Step.POSTED, job.last_error


def test_eur_supplier_invoice_posted_to_fortnox_at_the_riksbanks_rate(  # type: ignore[no-untyped-def]
    banks, client, pdf_bytes: bytes
) -> None:
    _, url = banks
    rig = fortnox_rig(mode=FortnoxMode.SUPPLIER_INVOICE)
    rig.connector.exchange_rate = riksbank(client, url)
    invoice, approved = swedish_invoice()
    invoice.currency = "EUR"
    invoice.issue_date = SUNDAY
    voucher = build_voucher(invoice, approved, SE)

    job = advance(
        PostingJob("eur", "fortnox"), rig.connector, voucher, attachment(pdf_bytes), _ignore
    )

    assert job.step is Step.POSTED, job.last_error
    stored = rig.fake.invoices[job.external_id or ""]
    assert (stored["Currency"], stored["CurrencyRate"], stored["CurrencyUnit"]) == (
        "EUR",
        "10.9580",
        1,
    )
    payable = next(r for r in stored["SupplierInvoiceRows"] if r["Account"] == 2440)
    assert payable["CreditCurrency"] == 1362.0
    assert payable["Credit"] == 14924.80  # 1362.00 × 10.9580, the Friday before
    assert validate_all(fortnox_spec(), rig.recorder.requests) == len(rig.recorder.requests)


def test_eur_invoice_posted_to_poweroffice_with_norges_banks_rate(  # type: ignore[no-untyped-def]
    banks, client, pdf_bytes: bytes
) -> None:
    _, url = banks
    rig = poweroffice_rig()
    rig.connector.exchange_rate = norges_bank(client, url)
    invoice, approved = make_invoice([("1000.00", "25", "6300")], currency="EUR")
    voucher = build_voucher(invoice, approved)

    job = advance(
        PostingJob("eur", "poweroffice"), rig.connector, voucher, attachment(pdf_bytes), _ignore
    )

    assert job.step is Step.POSTED, job.last_error
    stored = rig.fake.vouchers[job.external_id or ""]
    assert (stored["CurrencyCode"], stored["CurrencyExchangeRate"]) == ("EUR", 11.681)


# -- wiring ---------------------------------------------------------------------------------


def test_every_connector_gets_the_central_bank_of_its_base_currency(banks, client) -> None:  # type: ignore[no-untyped-def]
    _, url = banks
    sources = RateSources(norges_bank_url=f"{url}/api", riksbank_url=f"{url}/swea/v1")
    secrets = AppSecrets(
        tripletex_consumer_token="c",
        fortnox_client_id="id",
        fortnox_client_secret="s",
        poweroffice_application_key="a",
        poweroffice_subscription_key="k",
    )
    limiters = RateLimiters()
    banks_of = {}
    for system in (System.TRIPLETEX, System.FORTNOX, System.POWEROFFICE):
        connector = make_connector(
            Connection("acme", system, secret="t"),
            secrets,
            client=client,
            limiters=limiters,
            token_store=MemoryTokenStore(),
            rates=sources,
        )
        rates = connector.exchange_rate  # type: ignore[attr-defined]
        banks_of[system.value] = (rates.bank.name, rates.base_currency)
    assert banks_of == {
        "tripletex": ("Norges Bank", "NOK"),
        "fortnox": ("Sveriges Riksbank", "SEK"),
        "poweroffice": ("Norges Bank", "NOK"),
    }
