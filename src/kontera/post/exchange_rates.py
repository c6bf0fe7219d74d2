"""Official exchange rates for foreign-currency vouchers: Norges Bank (NOK), Riksbank (SEK).

A voucher in EUR is booked in the company's base currency at the central bank's rate for the
voucher date; on a weekend or holiday, the last rate published before it (looking back up to
`LOOKBACK_DAYS`). Rates are `Decimal` from the first parse. A rate for a day that has passed
never changes, so it is cached for good (`RateCache`: in process, or the store's table); a rate
for today or later is provisional (today's fixing may not be out yet) and kept only briefly.

Failures are said in a bookkeeper's words: a currency the bank does not quote is a
`PermanentError` (someone must act); a bank that cannot be reached after retries is a
`TransientError`, and the posting is tried again later. A rate is never guessed.

    Norges Bank  GET {url}/data/EXR/B.{CUR}.NOK.SP?format=csv&startPeriod=…&endPeriod=…&locale=en
                 semicolon CSV with UNIT_MULT (JPY, SEK, DKK … are quoted per 100)
    Riksbank     GET {url}/Observations/SEK{CUR}PMI/{from}/{to}   JSON [{"date", "value"}]
"""

from __future__ import annotations

import csv
import io
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any
from typing import Protocol
from urllib.parse import urlencode

import httpx

from kontera.domain.errors import PermanentError
from kontera.domain.errors import TransientError
from kontera.domain.messages import msg
from kontera.post.http import ApiClient
from kontera.post.http import CallObserver
from kontera.post.http import RemoteNotFound
from kontera.post.http import RetryPolicy

log = logging.getLogger("kontera.post.exchange_rates")

NORGES_BANK_URL = "https://data.norges-bank.no/api"
RIKSBANK_URL = "https://api.riksbank.se/swea/v1"
LOOKBACK_DAYS = 7  # covers Easter: Maundy Thursday to Easter Monday is five days
PROVISIONAL_SECONDS = 15 * 60.0

Observation = tuple[date, Decimal]  # (publication day, base currency per ONE unit)


@dataclass(frozen=True, slots=True)
class RateQuote:
    """The rate a voucher was booked at, and where it came from: for the audit trail."""

    currency: str
    base_currency: str
    rate: Decimal  # base currency per one unit of `currency`
    rate_date: date  # the day the bank published it
    voucher_date: date
    source: str

    def describe(self) -> str:
        return (
            f"1 {self.currency} = {self.rate} {self.base_currency} "
            f"({self.source}, {self.rate_date.isoformat()})"
        )

    def to_json(self) -> dict[str, str]:
        return {
            "currency": self.currency,
            "base_currency": self.base_currency,
            "rate": str(self.rate),
            "rate_date": self.rate_date.isoformat(),
            "voucher_date": self.voucher_date.isoformat(),
            "source": self.source,
        }


RateObserver = Callable[[RateQuote], None]


class RateCache(Protocol):
    """Final rates by (source, currency, voucher date); the store implements it as a table."""

    def get(self, source: str, currency: str, day: date) -> Observation | None: ...

    def put(self, source: str, currency: str, day: date, observation: Observation) -> None: ...


class MemoryRateCache:
    """A process-wide `RateCache`; thread-safe, since worker threads share it."""

    def __init__(self) -> None:
        self._rates: dict[tuple[str, str, date], Observation] = {}
        self._lock = threading.Lock()

    def get(self, source: str, currency: str, day: date) -> Observation | None:
        with self._lock:
            return self._rates.get((source, currency, day))

    def put(self, source: str, currency: str, day: date, observation: Observation) -> None:
        with self._lock:
            self._rates[(source, currency, day)] = observation


class Bank(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def base_currency(self) -> str: ...

    def observations(
        self, api: ApiClient, currency: str, start: date, end: date
    ) -> list[Observation]:
        """Published rates between start and end (inclusive); [] when there are none."""
        ...


@dataclass(frozen=True, slots=True)
class NorgesBank:
    url: str = NORGES_BANK_URL
    timeout: float = 20.0
    name: str = "Norges Bank"
    base_currency: str = "NOK"

    def observations(
        self, api: ApiClient, currency: str, start: date, end: date
    ) -> list[Observation]:
        params = {
            "format": "csv",
            "startPeriod": start.isoformat(),
            "endPeriod": end.isoformat(),
            "locale": "en",
        }
        # The query in the URL itself, so the audit trail's call record shows the dates asked.
        url = f"{self.url.rstrip('/')}/data/EXR/B.{currency}.NOK.SP?{urlencode(params)}"
        try:
            response = api.request("GET", url, timeout=self.timeout)
        except RemoteNotFound:
            return []  # "No results found": an unknown currency or no fixing in the window
        return parse_norges_bank_csv(response.text, currency)


# Units the Riksbank quotes in, per currency. Neighbouring and low-value currencies are quoted
# per 100 (as the Riksbank has always published them); a currency missing here is refused
# rather than booked at a rate that might be off by a factor of 100.
RIKSBANK_UNITS: dict[str, int] = {
    "EUR": 1,
    "USD": 1,
    "GBP": 1,
    "CHF": 1,
    "CAD": 1,
    "AUD": 1,
    "NOK": 100,
    "DKK": 100,
    "JPY": 100,
}


@dataclass(frozen=True, slots=True)
class Riksbank:
    url: str = RIKSBANK_URL
    api_key: str = ""  # optional: a registered key raises the anonymous call quota
    timeout: float = 20.0
    name: str = "Sveriges Riksbank"
    base_currency: str = "SEK"

    def observations(
        self, api: ApiClient, currency: str, start: date, end: date
    ) -> list[Observation]:
        unit = RIKSBANK_UNITS.get(currency)
        if unit is None:
            raise PermanentError(
                msg(
                    "Kontera cannot convert {currency} to SEK yet: the unit the Riksbank quotes "
                    "{currency} in is not confirmed. Post the invoice by hand in the accounting "
                    "system.",
                    currency=currency,
                )
            )
        url = f"{self.url.rstrip('/')}/Observations/SEK{currency}PMI/{start}/{end}"
        headers = {"Ocp-Apim-Subscription-Key": self.api_key} if self.api_key else {}
        try:
            response = api.request("GET", url, headers=headers, timeout=self.timeout)
        except RemoteNotFound:
            return []
        if response.status_code == 204 or not response.content:
            return []
        return parse_riksbank_json(response.json(parse_float=Decimal), unit)


def parse_norges_bank_csv(text: str, currency: str) -> list[Observation]:
    """Norges Bank's SDMX CSV (locale=en): one row per business day, per UNIT_MULT power of 10."""
    rows = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")
    found = []
    for row in rows:
        if row.get("BASE_CUR") != currency or not row.get("OBS_VALUE"):
            continue
        value = _decimal(row["OBS_VALUE"].replace(",", ""))  # "1,145.56": a thousands comma
        power = int(row.get("UNIT_MULT") or 0)
        found.append((date.fromisoformat(row["TIME_PERIOD"]), value.scaleb(-power)))
    return found


def parse_riksbank_json(data: Any, unit: int) -> list[Observation]:
    """SWEA observations, `[{"date": "2026-11-02", "value": 11.4025}, …]`, SEK per `unit`."""
    if not isinstance(data, list):
        raise PermanentError("The Riksbank answered in an unexpected format.")
    return [
        (date.fromisoformat(item["date"]), _decimal(str(item["value"])) / unit)
        for item in data
        if item.get("value") is not None
    ]


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise PermanentError(
            msg("The central bank sent a rate that is not a number: {text}.", text=repr(text))
        ) from None
    if not value.is_finite() or value <= 0:
        raise PermanentError(
            msg("The central bank sent an impossible rate: {text}.", text=repr(text))
        )
    return value


class CentralBankRates:
    """The `exchange_rate(currency, day) -> Decimal` the connectors take, from one bank.

    Every bank call goes through `ApiClient` (retries, timeouts, the call observer); every rate
    used is reported to `on_rate`, cached or not."""

    def __init__(
        self,
        client: httpx.Client,
        bank: Bank,
        *,
        cache: RateCache | None = None,
        observer: CallObserver | None = None,
        on_rate: RateObserver | None = None,
        retry: RetryPolicy | None = None,
        today: Callable[[], date] = date.today,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bank = bank
        self.api = ApiClient(client, system=bank.name, retry=retry, observer=observer)
        self.cache: RateCache = cache if cache is not None else MemoryRateCache()
        self.on_rate = on_rate
        self.today = today
        self.clock = clock
        self._provisional: dict[tuple[str, date], tuple[float, Observation]] = {}

    @property
    def base_currency(self) -> str:
        return self.bank.base_currency

    def __call__(self, currency: str, day: date) -> Decimal:
        return self.quote(currency, day).rate

    def quote(self, currency: str, day: date) -> RateQuote:
        currency = currency.upper()
        rate_date, rate = self._observation(currency, day)
        quote = RateQuote(currency, self.base_currency, rate, rate_date, day, self.bank.name)
        log.info("exchange rate for %s: %s", day.isoformat(), quote.describe())
        if self.on_rate is not None:
            self.on_rate(quote)
        return quote

    def _observation(self, currency: str, day: date) -> Observation:
        final = day < self.today()  # a past day's rate is published and never changes
        if final and (cached := self.cache.get(self.bank.name, currency, day)):
            return cached
        if not final and (fresh := self._fresh_provisional(currency, day)):
            return fresh
        observation = self._fetch(currency, day)
        if final:
            self.cache.put(self.bank.name, currency, day, observation)
        else:
            self._provisional[(currency, day)] = (self.clock(), observation)
        return observation

    def _fresh_provisional(self, currency: str, day: date) -> Observation | None:
        held = self._provisional.get((currency, day))
        if held is None or self.clock() - held[0] > PROVISIONAL_SECONDS:
            return None
        return held[1]

    def _fetch(self, currency: str, day: date) -> Observation:
        start = day - timedelta(days=LOOKBACK_DAYS)
        try:
            found = self.bank.observations(self.api, currency, start, day)
        except TransientError as e:
            raise TransientError(
                msg(
                    "Could not get the {currency} exchange rate from {name} ({message}); the "
                    "posting will be tried again.",
                    currency=currency,
                    name=self.bank.name,
                    message=e.message,
                ),
                retry_after=e.retry_after,
            ) from e
        usable = [obs for obs in found if start <= obs[0] <= day]
        if usable:
            return max(usable)
        if day > self.today():
            raise TransientError(
                msg(
                    "{name} has not yet published a {currency} rate for {isoformat}; the posting "
                    "will be tried again.",
                    name=self.bank.name,
                    currency=currency,
                    isoformat=day.isoformat(),
                )
            )
        raise PermanentError(
            msg(
                "{name} publishes no {currency}/{base_currency} exchange rate for {isoformat} or "
                "the {LOOKBACK_DAYS} days before it, so the invoice cannot be converted to "
                "{base_currency}. Post it by hand in the accounting system.",
                name=self.bank.name,
                currency=currency,
                base_currency=self.base_currency,
                isoformat=day.isoformat(),
                LOOKBACK_DAYS=LOOKBACK_DAYS,
            )
        )


@dataclass(frozen=True, slots=True)
class RateSources:
    """Where the central banks are, and the cache their rates share (process-wide)."""

    norges_bank_url: str = NORGES_BANK_URL
    riksbank_url: str = RIKSBANK_URL
    riksbank_api_key: str = ""
    timeout_seconds: float = 20.0
    cache: RateCache = field(default_factory=MemoryRateCache)

    def __repr__(self) -> str:  # never print the API key
        return f"RateSources({self.norges_bank_url!r}, {self.riksbank_url!r})"

    def bank_for(self, base_currency: str) -> Bank:
        if base_currency == "SEK":
            return Riksbank(self.riksbank_url, self.riksbank_api_key, self.timeout_seconds)
        if base_currency == "NOK":
            return NorgesBank(self.norges_bank_url, self.timeout_seconds)
        raise PermanentError(
            msg(
                "Kontera has no exchange-rate source for {base_currency}.",
                base_currency=base_currency,
            )
        )

    def rates(
        self,
        client: httpx.Client,
        base_currency: str,
        *,
        observer: CallObserver | None = None,
        on_rate: RateObserver | None = None,
    ) -> CentralBankRates:
        bank = self.bank_for(base_currency)
        return CentralBankRates(client, bank, cache=self.cache, observer=observer, on_rate=on_rate)
