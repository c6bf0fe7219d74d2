"""The ledgers the bureau's companies keep their books in: the project's loopback fakes of
Tripletex, Fortnox and PowerOffice Go, each holding that company's chart of accounts, plus
the central banks for foreign-currency invoices.

The fakes refuse what the real systems refuse (unknown accounts, VAT on a balance account,
unbalanced vouchers, a missing supplier…); here each knows the company's own chart, so an
account Kontera invents is refused as it would be.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from decimal import Decimal
from typing import Any

from tests.fakes import central_banks
from tests.fakes import fortnox as fortnox_fake
from tests.fakes.common import Quota
from tests.fakes.fortnox import FakeFortnox
from tests.fakes.poweroffice import FakePowerOffice
from tests.fakes.tripletex import FakeTripletex
from tests.servers import asgi_server

KEY = re.compile(r"kontera-[0-9a-f]{8,}")


@dataclass
class Ledger:
    company: str
    system: str
    fake: Any  # one Fortnox fake serves every Fortnox company (its OAuth is one app)
    url: str

    def entries(self) -> list[dict[str, Any]]:
        if self.system == "fortnox":
            return [*self.fake.vouchers.values(), *self.fake.invoices.values()]
        return list(self.fake.vouchers.values())

    def keys(self) -> Counter[str]:
        """Idempotency keys (`kontera-<document id>`) per ledger entry, to count doubles."""
        found: Counter[str] = Counter()
        for entry in self.entries():
            found.update(set(KEY.findall(json.dumps(entry, default=str))))
        return found


def make_fake(
    system: str, chart: dict[str, str], years: tuple[int, int], shared: dict[str, Any]
) -> Any:
    if system == "tripletex":
        fake = FakeTripletex(quota=Quota(calls=1_000_000, period=60.0))
        _replace(fake.account_ids, {number: 100 + i for i, number in enumerate(chart)})
        return fake
    if system == "poweroffice":
        power = FakePowerOffice()
        _replace(power.account_ids, {number: 7000 + i for i, number in enumerate(chart)})
        return power
    # Fortnox checks rows against a module-level chart: this run's companies' accounts join it.
    fortnox_fake.BAS_ACCOUNTS.update(int(n) for n in chart if n.isdigit())
    if "fortnox" not in shared:
        first, last = years
        spans = {i + 1: (f"{y}-01-01", f"{y}-12-31") for i, y in enumerate(range(first, last + 1))}
        shared["fortnox"] = FakeFortnox(years=spans, codes=set())
    shared["fortnox"].codes.add(f"auth-code-{len(shared['fortnox'].codes) + 1}")
    return shared["fortnox"]


def _replace(table: dict[str, int], chart: dict[str, int]) -> None:
    """In place: the fakes' routes hold on to the table they were built with."""
    table.clear()
    table.update(chart)


def exchange_rates(days: tuple[date, date]) -> None:
    """Publish a rate for every business day of the month (the fake knows a few of 2026)."""
    start, end = days
    day = start - timedelta(days=10)
    nok, sek = central_banks.NORGES_BANK_RATES, central_banks.RIKSBANK_RATES
    while day <= end:
        if day.weekday() < 5:
            wobble = Decimal(day.toordinal() % 17) / 1000
            nok["EUR"][1].setdefault(day.isoformat(), str(Decimal("10.95") + wobble))
            sek["SEKEURPMI"].setdefault(day.isoformat(), str(Decimal("10.60") + wobble))
        day += timedelta(days=1)


@dataclass
class Services:
    ledgers: dict[str, Ledger]
    banks_url: str
    env: dict[str, str]


@contextmanager
def running(
    companies: dict[str, tuple[str, dict[str, str]]], month: tuple[date, date]
) -> Iterator[Services]:
    """One fake per company on its own loopback port, and the central banks."""
    exchange_rates(month)
    years = (min(month[0].year, month[1].year) - 1, max(month[0].year, month[1].year) + 1)
    with ExitStack() as stack:
        ledgers, shared, urls = {}, {}, {}  # type: ignore[var-annotated]
        for company, (system, chart) in companies.items():
            fake = make_fake(system, chart, years, shared)
            if id(fake) not in urls:
                urls[id(fake)] = stack.enter_context(asgi_server(fake))
            ledgers[company] = Ledger(company, system, fake, urls[id(fake)])
        banks = central_banks.FakeCentralBanks()
        banks_url = stack.enter_context(asgi_server(banks))
        env = {
            "KONTERA_NORGES_BANK_URL": f"{banks_url}/api",
            "KONTERA_RIKSBANK_URL": f"{banks_url}/swea/v1",
            "KONTERA_FORTNOX_CLIENT_ID": FakeFortnox.client_id,
            "KONTERA_FORTNOX_CLIENT_SECRET": FakeFortnox.client_secret,
            "KONTERA_POWEROFFICE_APPLICATION_KEY": FakePowerOffice.application_key,
            "KONTERA_POWEROFFICE_SUBSCRIPTION_KEY": FakePowerOffice.subscription_key,
        }
        fortnox_auth = [x.url for x in ledgers.values() if x.system == "fortnox"]
        if fortnox_auth:
            env["KONTERA_FORTNOX_AUTH_URL"] = f"{fortnox_auth[0]}/oauth-v1"
        yield Services(ledgers, banks_url, env)
