"""The ledgers the bureau's companies keep their books in: the project's loopback fakes of
Tripletex, Fortnox and PowerOffice Go, each serving that company's books (chart, VAT codes,
suppliers, past vouchers) to Kontera's ledger sync, plus the central banks for
foreign-currency invoices.

The fakes refuse what the real systems refuse (unknown accounts, a VAT code the account does
not take, unbalanced vouchers, a missing supplier…) against the company's own chart.
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
from tests.fakes.books import Books as LedgerBooks
from tests.fakes.fortnox import FakeFortnox
from tests.fakes.ledger_rig import make_fake
from tests.fakes.poweroffice import FakePowerOffice
from tests.servers import asgi_server

KEY = re.compile(r"kontera-[0-9a-f]{8,}")


@dataclass
class Ledger:
    company: str
    system: str
    fake: Any
    served: Any  # the books as the fake serves them (read calls counted)
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

    @property
    def read_calls(self) -> int:
        return int(self.served.total_calls)


def exchange_rates(first: date, last: date) -> None:
    """Publish a rate for every business day of the month (the fake knows a few of 2026)."""
    day = first - timedelta(days=10)
    nok, sek = central_banks.NORGES_BANK_RATES, central_banks.RIKSBANK_RATES
    while day <= last:
        if day.weekday() < 5:
            wobble = Decimal(day.toordinal() % 17) / 1000
            nok["EUR"][1].setdefault(day.isoformat(), str(Decimal("11.55") + wobble))
            sek["SEKEURPMI"].setdefault(day.isoformat(), str(Decimal("10.95") + wobble))
        day += timedelta(days=1)


@dataclass
class Services:
    ledgers: dict[str, Ledger]
    env: dict[str, str]


@contextmanager
def running(
    companies: dict[str, tuple[str, LedgerBooks]], month: tuple[date, date]
) -> Iterator[Services]:
    """One fake per company on its own loopback port, and the central banks."""
    exchange_rates(*month)
    with ExitStack() as stack:
        ledgers = {}
        for company, (system, books) in companies.items():
            fake, served = make_fake(system, books)
            url = stack.enter_context(asgi_server(fake))
            ledgers[company] = Ledger(company, system, fake, served, url)
        banks_url = stack.enter_context(asgi_server(central_banks.FakeCentralBanks()))
        env = {
            "KONTERA_NORGES_BANK_URL": f"{banks_url}/api",
            "KONTERA_RIKSBANK_URL": f"{banks_url}/swea/v1",
            "KONTERA_FORTNOX_CLIENT_ID": FakeFortnox.client_id,
            "KONTERA_FORTNOX_CLIENT_SECRET": FakeFortnox.client_secret,
            "KONTERA_POWEROFFICE_APPLICATION_KEY": FakePowerOffice.application_key,
            "KONTERA_POWEROFFICE_SUBSCRIPTION_KEY": FakePowerOffice.subscription_key,
        }
        # Fortnox's token endpoint is one setting for the whole service: the first Fortnox
        # company's fake. Others connect through their own and would refresh there (after an
        # hour, longer than a run).
        fortnox = [x.url for x in ledgers.values() if x.system == "fortnox"]
        if fortnox:
            env["KONTERA_FORTNOX_AUTH_URL"] = f"{fortnox[0]}/oauth-v1"
        yield Services(ledgers, env)
