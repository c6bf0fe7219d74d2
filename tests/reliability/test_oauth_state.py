"""The Fortnox sign-in cannot be replayed, reused late, or finished by someone else.

GIVEN an admin who starts connecting a company to Fortnox (a fake on a loopback port)
WHEN  the callback comes back without a session, with another user's session, a second
      time, after ten minutes, or with a state Kontera did not sign
THEN  it is refused before Kontera asks Fortnox for tokens, and the company stays unbound;
      only the user who started it, once, in time, connects the company.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from kontera.api.app import create_app
from kontera.config import Settings
from kontera.post.oauth import make_state
from kontera.post.oauth import read_state
from kontera.services.admin import companies
from kontera.services.admin import users
from kontera.services.admin.secrets import oauth_signing_keys
from kontera.services.context import AppContext
from kontera.services.post import connections
from kontera.store.db import session_scope
from kontera.store.tables import User
from kontera.store.tables_post import AccountingConnection
from tests.fakes.fortnox import FakeFortnox
from tests.servers import asgi_server

COMPANY = "Svensk Kund AB"
CALLBACK = "/connect/fortnox/callback"


@pytest.fixture
def fortnox() -> Iterator[tuple[FakeFortnox, str]]:
    fake = FakeFortnox(codes={"code-1", "code-2", "code-3"})
    with asgi_server(fake) as url:
        yield fake, url


@pytest.fixture
def settings(tmp_path: Path, fortnox: tuple[FakeFortnox, str]) -> Settings:
    fake, url = fortnox
    return Settings(
        data_dir=tmp_path / "data",
        immediate_jobs=True,
        log_json=False,
        fortnox_client_id=fake.client_id,
        fortnox_client_secret=fake.client_secret,
        fortnox_auth_url=f"{url}/oauth-v1",
    )


@pytest.fixture
def people(ctx: AppContext) -> tuple[User, User]:
    company = companies.create_company(ctx, name=COMPANY, org_number="5560360793", country="SE")
    made = [
        users.create_user(
            ctx, email=email, password="long-enough-1", role="admin", company_ids=[company.id]
        )
        for email in ("anna@byra.se", "olle@byra.se")
    ]
    return made[0], made[1]


@pytest.fixture
def client(ctx: AppContext) -> Iterator[TestClient]:
    with TestClient(create_app(ctx), follow_redirects=False) as test_client:
        yield test_client


def start(ctx: AppContext, user: User) -> str:
    url = connections.start_fortnox(ctx, company_name=COMPANY, user_id=user.id)
    return parse_qs(urlparse(url).query)["state"][0]


def call_back(client: TestClient, ctx: AppContext, user: User | None, state: str, code: str):  # type: ignore[no-untyped-def]
    client.cookies.clear()
    if user is not None:
        client.cookies.set(users.SESSION_COOKIE, users.start_session(ctx, user=user).token)
    return client.get(CALLBACK, params={"state": state, "code": code})


def stored_tokens(ctx: AppContext) -> str | None:
    with session_scope(ctx.engine) as session:
        row = session.exec(select(AccountingConnection)).one()
        return row.tokens


def test_the_user_who_started_it_connects_once(
    ctx: AppContext, client: TestClient, people: tuple[User, User], fortnox: tuple[FakeFortnox, str]
) -> None:
    anna, _ = people
    state = start(ctx, anna)

    first = call_back(client, ctx, anna, state, "code-1")
    assert first.status_code == 200, first.text
    assert stored_tokens(ctx) is not None

    replay = call_back(client, ctx, anna, state, "code-2")
    assert replay.status_code == 403
    assert "already used" in replay.text
    assert "code-2" in fortnox[0].codes  # Kontera never asked Fortnox


def test_another_users_session_is_refused(
    ctx: AppContext, client: TestClient, people: tuple[User, User], fortnox: tuple[FakeFortnox, str]
) -> None:
    anna, olle = people
    state = start(ctx, anna)

    refused = call_back(client, ctx, olle, state, "code-1")

    assert refused.status_code == 403
    assert "started by another user" in refused.text
    assert stored_tokens(ctx) is None and "code-1" in fortnox[0].codes
    # Anna can still finish her own flow.
    assert call_back(client, ctx, anna, state, "code-1").status_code == 200


def test_no_session_means_sign_in_first_and_come_back(
    ctx: AppContext, client: TestClient, people: tuple[User, User]
) -> None:
    anna, _ = people
    state = start(ctx, anna)

    answer = call_back(client, ctx, None, state, "code-1")

    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=/connect/fortnox/callback%3F")
    assert stored_tokens(ctx) is None


def test_a_state_older_than_ten_minutes_is_refused(
    ctx: AppContext, client: TestClient, people: tuple[User, User], fortnox: tuple[FakeFortnox, str]
) -> None:
    anna, _ = people
    keys = oauth_signing_keys(ctx.settings)
    claimed = read_state(keys, start(ctx, anna))
    stale = make_state(keys, claimed, issued_at=int(time.time()) - 11 * 60)

    refused = call_back(client, ctx, anna, stale, "code-1")

    assert refused.status_code == 403 and "expired" in refused.text
    assert stored_tokens(ctx) is None and "code-1" in fortnox[0].codes


def test_a_state_kontera_did_not_sign_or_a_replaced_one_is_refused(
    ctx: AppContext, client: TestClient, people: tuple[User, User]
) -> None:
    anna, _ = people
    first = start(ctx, anna)
    claimed = read_state(oauth_signing_keys(ctx.settings), first)
    forged = make_state([b"someone-elses-key-0123456789"], claimed)
    assert call_back(client, ctx, anna, forged, "code-1").status_code == 403

    start(ctx, anna)  # starting again replaces the pending flow: the first link is dead
    replaced = call_back(client, ctx, anna, first, "code-1")
    assert replaced.status_code == 403 and "already used or replaced" in replaced.text
