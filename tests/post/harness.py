"""Wire a connector to its fake: recorder → faults → in-process app, with a shared fake clock."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import httpx

from kontera.post.fortnox import FortnoxConnector
from kontera.post.fortnox import FortnoxMode
from kontera.post.fortnox import FortnoxSettings
from kontera.post.http import ApiClient
from kontera.post.http import RetryPolicy
from kontera.post.oauth import MemoryTokenStore
from kontera.post.oauth import OAuthApp
from kontera.post.oauth import TokenManager
from kontera.post.oauth import exchange_code
from kontera.post.ratelimit import FORTNOX_QUOTA
from kontera.post.ratelimit import RateLimiter
from kontera.post.tripletex import TripletexConnector
from kontera.post.tripletex import TripletexCredentials
from tests.fakes.common import FakeClock
from tests.fakes.fortnox import FakeFortnox
from tests.fakes.transport import AppTransport
from tests.fakes.transport import Faults
from tests.fakes.transport import FaultyTransport
from tests.fakes.tripletex import FakeTripletex
from tests.post.contract import RecordingTransport

TRIPLETEX_URL = "https://tripletex.no/v2"


@dataclass
class Rig:
    fake: Any
    connector: Any
    recorder: RecordingTransport
    faults: Faults
    clock: FakeClock


def client_for(app: Any, faults: Faults) -> tuple[httpx.Client, RecordingTransport]:
    recorder = RecordingTransport(FaultyTransport(AppTransport(app), faults))
    return httpx.Client(transport=recorder, timeout=5.0), recorder


def retry_policy(clock: FakeClock) -> RetryPolicy:
    return RetryPolicy(attempts=4, sleep=clock.sleep, rng=random.Random(3))


def tripletex_rig(faults: Faults | None = None, fake: FakeTripletex | None = None) -> Rig:
    clock = FakeClock()
    faults = faults or Faults()
    fake = fake or FakeTripletex()
    fake.quota.clock = clock
    client, recorder = client_for(fake, faults)
    connector = TripletexConnector(
        client,
        TripletexCredentials(fake.consumer_token, fake.employee_token, base_url=TRIPLETEX_URL),
        retry=retry_policy(clock),
        limiter=RateLimiter(100, 1.0, clock=clock, sleep=clock.sleep),
    )
    return Rig(fake, connector, recorder, faults, clock)


FORTNOX_URL = "https://api.fortnox.se"
FORTNOX_APP = OAuthApp(
    "kontera-client",
    "client-secret",
    "https://kontera.example/connect/fortnox/callback",
    token_url="https://apps.fortnox.se/oauth-v1/token",
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
    wall = lambda: datetime(2026, 11, 22, tzinfo=UTC) + timedelta(seconds=clock.now)  # noqa: E731
    tokens = TokenManager(
        ApiClient(client, system="Fortnox", retry=retry_policy(clock)), FORTNOX_APP, store, now=wall
    )
    store.save(exchange_code(tokens.api, FORTNOX_APP, "auth-code-1", now=wall))
    recorder.requests.clear()
    connector = FortnoxConnector(
        client,
        tokens,
        FortnoxSettings(mode=mode, base_url=FORTNOX_URL),
        retry=retry_policy(clock),
        limiter=RateLimiter(*FORTNOX_QUOTA, clock=clock, sleep=clock.sleep),
    )
    return Rig(fake, connector, recorder, faults, clock)
