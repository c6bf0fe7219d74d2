"""Wire a connector to its fake: recorder → faults → in-process app, with a shared fake clock."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx

from kontera.domain.voucher import Voucher
from kontera.post.connector import AttachmentFile
from kontera.post.fortnox import FortnoxConnector
from kontera.post.fortnox import FortnoxMode
from kontera.post.fortnox import FortnoxSettings
from kontera.post.http import ApiClient
from kontera.post.http import RetryPolicy
from kontera.post.oauth import MemoryTokenStore
from kontera.post.oauth import OAuthApp
from kontera.post.oauth import TokenManager
from kontera.post.oauth import exchange_code
from kontera.post.poweroffice import PowerOfficeConnector
from kontera.post.poweroffice import PowerOfficeCredentials
from kontera.post.ratelimit import FORTNOX_QUOTA
from kontera.post.ratelimit import POWEROFFICE_QUOTA
from kontera.post.ratelimit import RateLimiter
from kontera.post.ratelimit import RateLimiters
from kontera.post.tripletex import TripletexConnector
from kontera.post.tripletex import TripletexCredentials
from kontera.post.voucher_builder import ApprovedPosting
from kontera.post.voucher_builder import VoucherOptions
from kontera.post.voucher_builder import build_voucher
from tests.fakes.campaign import Outcome
from tests.fakes.campaign import run_campaign
from tests.fakes.common import FakeClock
from tests.fakes.fortnox import FakeFortnox
from tests.fakes.poweroffice import FakePowerOffice
from tests.fakes.transport import AppTransport
from tests.fakes.transport import Faults
from tests.fakes.transport import FaultyTransport
from tests.fakes.tripletex import FakeTripletex
from tests.post.conftest import make_invoice
from tests.post.conftest import render_pdf
from tests.post.contract import RecordingTransport

TRIPLETEX_URL = "https://tripletex.no/v2"
FORTNOX_URL = "https://api.fortnox.se"
FORTNOX_APP = OAuthApp(
    "kontera-client",
    "client-secret",
    "https://kontera.example/connect/fortnox/callback",
    token_url="https://apps.fortnox.se/oauth-v1/token",
)


@dataclass
class Rig:
    fake: Any
    connector: Any
    recorder: RecordingTransport
    faults: Faults
    clock: FakeClock
    client: httpx.Client
    store: MemoryTokenStore | None = None
    # One per system and tenant for the whole process, as RateLimiters hands them out.
    limiters: RateLimiters | None = None

    def limiter(self, system: str, quota: tuple[int, float]) -> RateLimiter:
        if self.limiters is None:
            self.limiters = RateLimiters(clock=self.clock, sleep=self.clock.sleep)
        return self.limiters.get(system, "tenant", quota)


def client_for(app: Any, faults: Faults) -> tuple[httpx.Client, RecordingTransport]:
    # Faults hit the accounting API only: a lost answer from the OAuth token endpoint would
    # lose a rotated refresh token, which no client can recover from (see the report).
    faulty = FaultyTransport(AppTransport(app), faults, lambda r: "oauth-v1" not in r.url.path)
    recorder = RecordingTransport(faulty)
    return httpx.Client(transport=recorder, timeout=5.0), recorder


def retry_policy(clock: FakeClock) -> RetryPolicy:
    return RetryPolicy(attempts=4, sleep=clock.sleep, rng=random.Random(3))


def tripletex_connector(rig: Rig) -> TripletexConnector:
    fake = rig.fake
    return TripletexConnector(
        rig.client,
        TripletexCredentials(fake.consumer_token, fake.employee_token, base_url=TRIPLETEX_URL),
        retry=retry_policy(rig.clock),
        limiter=rig.limiter("tripletex", (100, 1.0)),
    )


def tripletex_rig(faults: Faults | None = None, fake: FakeTripletex | None = None) -> Rig:
    clock = FakeClock()
    faults = faults or Faults()
    fake = fake or FakeTripletex()
    fake.quota.clock = clock
    client, recorder = client_for(fake, faults)
    rig = Rig(fake, None, recorder, faults, clock, client)
    rig.connector = tripletex_connector(rig)
    return rig


def fortnox_connector(rig: Rig, mode: FortnoxMode = FortnoxMode.VOUCHER) -> FortnoxConnector:
    clock = rig.clock
    assert rig.store is not None
    api = ApiClient(rig.client, system="Fortnox", retry=retry_policy(clock))
    tokens = TokenManager(api, FORTNOX_APP, rig.store, now=lambda: _wall(clock))
    return FortnoxConnector(
        rig.client,
        tokens,
        FortnoxSettings(mode=mode, base_url=FORTNOX_URL),
        retry=retry_policy(clock),
        limiter=rig.limiter("fortnox", FORTNOX_QUOTA),
    )


def fortnox_rig(
    faults: Faults | None = None,
    fake: FakeFortnox | None = None,
    mode: FortnoxMode = FortnoxMode.VOUCHER,
) -> Rig:
    clock = FakeClock()
    faults = faults or Faults()
    fake = fake or FakeFortnox(clock=clock)
    fake.clock = fake.quota.clock = clock
    client, recorder = client_for(fake, faults)
    store = MemoryTokenStore()
    api = ApiClient(client, system="Fortnox", retry=retry_policy(clock))
    store.save(exchange_code(api, FORTNOX_APP, "auth-code-1", now=lambda: _wall(clock)))
    recorder.requests.clear()
    rig = Rig(fake, None, recorder, faults, clock, client, store)
    rig.connector = fortnox_connector(rig, mode)
    return rig


POWEROFFICE_URL = "https://goapi.poweroffice.net/v2"


def poweroffice_connector(rig: Rig) -> PowerOfficeConnector:
    fake, clock = rig.fake, rig.clock
    credentials = PowerOfficeCredentials(
        fake.application_key, fake.client_key, fake.subscription_key
    )
    return PowerOfficeConnector(
        rig.client,
        credentials,
        retry=retry_policy(clock),
        limiter=rig.limiter("poweroffice", POWEROFFICE_QUOTA),
        now=lambda: _wall(clock),
        clock_skew=timedelta(0),  # the fake and the client read the same clock
        request_timeout=timedelta(seconds=1),  # the fake answers at once
    )


def poweroffice_rig(faults: Faults | None = None, fake: FakePowerOffice | None = None) -> Rig:
    clock = FakeClock()
    faults = faults or Faults()
    fake = fake or FakePowerOffice(clock=clock)
    fake.clock = fake.quota.clock = clock
    client, recorder = client_for(fake, faults)
    rig = Rig(fake, None, recorder, faults, clock, client)
    rig.connector = poweroffice_connector(rig)
    return rig


def _wall(clock: FakeClock) -> datetime:
    return datetime(2026, 11, 22, tzinfo=UTC) + timedelta(seconds=clock.now)


# -- fault campaigns --------------------------------------------------------------------

NO_LINES = [("25", "6300"), ("15", "4000"), ("12", "7140"), ("0", "6800"), ("25", "6540")]
SE_LINES = [("25", "5410"), ("12", "5460"), ("6", "6110"), ("25", "6540")]
SE_CODES = {"25": "SE25", "12": "SE12", "6": "SE6", "0": "SE0"}


def campaign_work(count: int, country: str, seed: int) -> list[tuple[str, Voucher, AttachmentFile]]:
    """`count` approved invoices with 1–4 random lines each, as (key, voucher, PDF)."""
    rng = random.Random(seed)
    work = []
    for n in range(count):
        choices = NO_LINES if country == "NO" else SE_LINES
        picked = [rng.choice(choices) for _ in range(rng.randint(1, 4))]
        lines = [
            (str(Decimal(rng.randint(100, 500_000)) / 100), rate, acct) for rate, acct in picked
        ]
        credit = rng.random() < 0.1
        invoice, approved = _invoice(lines, country, credit, n)
        options = VoucherOptions.for_country(country)
        voucher = build_voucher(invoice, approved, options)
        pdf = render_pdf(f"Faktura {n}")
        work.append(
            (
                f"kontera-{seed}-{n}",
                voucher,
                AttachmentFile(pdf, f"faktura-{n}.pdf", "application/pdf"),
            )
        )
    return work


def _invoice(
    lines: list[tuple[str, str, str]], country: str, credit: bool, n: int
) -> tuple[Any, list[ApprovedPosting]]:
    if country == "NO":
        org = "923609016" if n % 2 else "974760673"
        return make_invoice(lines, credit=credit, number=str(n), org=org)
    se_lines = [
        (net, "25" if rate == "6" else rate, acct) for net, rate, acct in lines
    ]  # conftest knows 25/12/0
    invoice, approved = make_invoice(
        se_lines, credit=credit, currency="SEK", number=str(n), org="5560360793"
    )
    return invoice, [
        ApprovedPosting(
            p.account, {"1": "SE25", "13": "SE12", "0": "SE0"}[p.vat_code or "0"], p.amount
        )
        for p in approved
    ]


def tripletex_campaign(count: int, rate: float, crash_rate: float, seed: int) -> Outcome:
    faults = Faults(rate=rate, crash_rate=crash_rate, rng=random.Random(seed))
    rig = tripletex_rig(faults)
    fake: FakeTripletex = rig.fake

    def count_vouchers() -> tuple[int, int, Counter[int]]:
        keys = {v["externalVoucherNumber"] for v in fake.vouchers.values()}
        per_voucher = Counter(len(fake.attachments.get(i, [])) for i in fake.vouchers)
        return len(fake.vouchers), len(keys), per_voucher

    outcome = run_campaign("tripletex", lambda: tripletex_connector(rig), count_vouchers,
                           campaign_work(count, "NO", seed), faults,
                           now=lambda: _wall(rig.clock))  # fmt: skip
    outcome.requests = len(rig.recorder.requests)
    return outcome


def fortnox_campaign(
    count: int, rate: float, crash_rate: float, seed: int, mode: FortnoxMode = FortnoxMode.VOUCHER
) -> Outcome:
    faults = Faults(rate=rate, crash_rate=crash_rate, rng=random.Random(seed))
    rig = fortnox_rig(faults, mode=mode)
    rig.fake.max_page_size = 20  # 200 vouchers span 10 pages: lookups must read them all
    fake: FakeFortnox = rig.fake
    kind = "invoice" if mode is FortnoxMode.SUPPLIER_INVOICE else "voucher"

    def count_vouchers() -> tuple[int, int, Counter[int]]:
        if kind == "invoice":
            keys = {v["ExternalInvoiceNumber"] for v in fake.invoices.values()}
            per = Counter(fake.attachments_of(kind, n) for n in fake.invoices)
            return len(fake.invoices), len(keys), per
        keys = {v["Comments"] for v in fake.vouchers.values()}
        per = Counter(fake.attachments_of(kind, n) for n in fake.vouchers)
        return len(fake.vouchers), len(keys), per

    outcome = run_campaign(f"fortnox-{mode}", lambda: fortnox_connector(rig, mode), count_vouchers,
                           campaign_work(count, "SE", seed), faults,
                           now=lambda: _wall(rig.clock))  # fmt: skip
    outcome.requests = len(rig.recorder.requests)
    return outcome


def poweroffice_campaign(count: int, rate: float, crash_rate: float, seed: int) -> Outcome:
    faults = Faults(rate=rate, crash_rate=crash_rate, rng=random.Random(seed))
    rig = poweroffice_rig(faults)
    fake: FakePowerOffice = rig.fake

    def count_vouchers() -> tuple[int, int, Counter[int]]:
        keys = {v["Description"].rsplit("[", 1)[-1] for v in fake.vouchers.values()}
        per_voucher = Counter(len(fake.pages.get(i, [])) for i in fake.vouchers)
        return len(fake.vouchers), len(keys), per_voucher

    outcome = run_campaign("poweroffice", lambda: poweroffice_connector(rig), count_vouchers,
                           campaign_work(count, "NO", seed), faults,
                           now=lambda: _wall(rig.clock))  # fmt: skip
    outcome.requests = len(rig.recorder.requests)
    return outcome
