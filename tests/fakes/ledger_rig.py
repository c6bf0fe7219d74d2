"""A company connected to a ledger fake that holds generated books: for tests and benchmarks.

    settings = rig_settings(data_dir)                      # Kontera's app keys the fakes accept
    rig = connect_rig(ctx, company_id, "tripletex", books)  # fake + books + stored connection
    sync_company(ctx, company_id=company_id, client=rig.client)
    rig.calls                                               # read calls the fake answered

The fake runs in-process (`AppTransport`) unless `serve=True`, when it listens on a loopback
port (`tests.servers.asgi_server`) so that other processes can reach it too; the connection
then stores that URL. Tripletex is connected with an employee token, PowerOffice Go with a
client key, Fortnox through its OAuth code flow (`start_fortnox` → the fake's token endpoint).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import httpx

from kontera.config import Settings
from kontera.services.admin import users
from kontera.services.context import AppContext
from kontera.services.post import connections
from kontera.store import repo
from kontera.store.db import session_scope
from tests.fakes import fortnox_sync
from tests.fakes import poweroffice_sync
from tests.fakes import tripletex_sync
from tests.fakes.books import Books
from tests.fakes.fortnox import FakeFortnox
from tests.fakes.poweroffice import FakePowerOffice
from tests.fakes.transport import AppTransport
from tests.fakes.tripletex import FakeTripletex
from tests.servers import asgi_server

URLS = {
    "tripletex": "https://tripletex.no",
    "poweroffice": "https://goapi.poweroffice.net",
    "fortnox": "https://api.fortnox.se",
}
SOURCES = {"tripletex": "harrogate", "poweroffice": "calderdale", "fortnox": "orebro"}


def rig_settings(data_dir: Path, **more: Any) -> Settings:
    """Settings whose application credentials are the ones the fakes accept."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "immediate_jobs": True,
        "log_json": False,
        "tripletex_consumer_token": FakeTripletex().consumer_token,
        "poweroffice_application_key": FakePowerOffice().application_key,
        "poweroffice_subscription_key": FakePowerOffice().subscription_key,
        "fortnox_client_id": FakeFortnox().client_id,
        "fortnox_client_secret": FakeFortnox().client_secret,
    }
    return Settings(**{**values, **more})


@dataclass
class LedgerRig:
    system: str
    books: Books
    fake: Any
    served: Any  # TripletexBooks / PowerOfficeBooks / FortnoxBooks
    client: httpx.Client
    base: str
    stack: ExitStack = field(default_factory=ExitStack)

    @property
    def calls(self) -> int:
        return int(self.served.total_calls)

    @property
    def spec_violations(self) -> list[str]:
        gate = getattr(self.fake, "gate", None)
        return list(gate.violations) if gate is not None else []

    @property
    def spec_checked(self) -> int:
        gate = getattr(self.fake, "gate", None)
        return int(gate.checked) if gate is not None else 0

    def close(self) -> None:
        self.client.close()
        self.stack.close()


def make_fake(system: str, books: Books, *, delay: float = 0.0, check_spec: bool = True) -> Any:
    if system == "tripletex":
        tripletex = FakeTripletex()
        return tripletex, tripletex_sync.serve_books(
            tripletex, books, delay=delay, check_spec=check_spec
        )
    if system == "poweroffice":
        poweroffice = FakePowerOffice()
        return poweroffice, poweroffice_sync.serve_books(
            poweroffice, books, delay=delay, check_spec=check_spec
        )
    fortnox = FakeFortnox()
    return fortnox, fortnox_sync.serve_books(fortnox, books, delay=delay, check_spec=check_spec)


def connect_rig(
    ctx: AppContext,
    company_id: str,
    system: str,
    books: Books,
    *,
    delay: float = 0.0,
    check_spec: bool = True,
    serve: bool = False,
) -> LedgerRig:
    fake, served = make_fake(system, books, delay=delay, check_spec=check_spec)
    stack = ExitStack()
    if serve:
        base = stack.enter_context(asgi_server(fake))
        client = httpx.Client(timeout=60)
    else:
        base = URLS[system]
        client = httpx.Client(transport=AppTransport(fake), timeout=60)
    rig = LedgerRig(system, books, fake, served, client, base, stack)
    _connect(ctx, company_id, rig)
    return rig


@contextmanager
def connected_rig(
    ctx: AppContext, company_id: str, system: str, books: Books, **options: Any
) -> Iterator[LedgerRig]:
    rig = connect_rig(ctx, company_id, system, books, **options)
    try:
        yield rig
    finally:
        rig.close()


def _connect(ctx: AppContext, company_id: str, rig: LedgerRig) -> None:
    with session_scope(ctx.engine) as session:
        slug = repo.get_company(session, company_id=company_id).slug
    if rig.system == "tripletex":
        connections.connect(
            ctx, company_name=slug, system="tripletex", secret=rig.fake.employee_token,
            settings={"base_url": f"{rig.base}/v2"},
        )  # fmt: skip
    elif rig.system == "poweroffice":
        connections.connect(
            ctx,
            company_name=slug,
            system="poweroffice",
            secret=rig.fake.client_key,
            settings={"base_url": f"{rig.base}/v2", "token_url": f"{rig.base}/OAuth/Token"},
        )
    else:
        _connect_fortnox(ctx, slug, rig)


def _company_id(ctx: AppContext, slug: str) -> str:
    from kontera.services.admin.companies import find_company

    return find_company(ctx, slug).id


def _connect_fortnox(ctx: AppContext, slug: str, rig: LedgerRig) -> None:
    oauth = ctx.settings.model_copy(update={"fortnox_auth_url": f"{rig.base}/oauth-v1"})
    context = AppContext(oauth, ctx.engine, ctx.blobs, ctx.queue, ctx.limiters)
    user = users.create_user(
        ctx, email=f"sync-{slug}@kontera.test", password="kontera-sync-test", role="admin",
        company_ids=[_company_id(ctx, slug)],
    )  # fmt: skip
    url = connections.start_fortnox(context, company_name=slug, user_id=user.id)
    state = parse_qs(urlsplit(url).query)["state"][0]
    code = sorted(rig.fake.codes)[0]
    connections.finish_fortnox(context, state=state, code=code, user_id=user.id, client=rig.client)
    connections.update_settings(ctx, company_name=slug, settings={"base_url": rig.base})
