"""The connection test answers in words: reached, refused, or not set up on this Kontera."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kontera.services.context import AppContext
from kontera.services.post import connections
from kontera.services.post.connection_check import check_connection
from tests.conftest import ApiClient
from tests.fakes.tripletex import FakeTripletex
from tests.servers import asgi_server

COMPANY = "Fjordbyrå Kunde AS"


def with_consumer_token(ctx: AppContext, token: str) -> AppContext:
    settings = ctx.settings.model_copy(update={"tripletex_consumer_token": token})
    return replace(ctx, settings=settings)


def test_no_connection_says_so(ctx: AppContext, api: ApiClient) -> None:
    result = check_connection(ctx, company_id=api.company_id, actor="kari")
    assert not result.ok and str(result.message) == "No accounting system is connected yet."


@pytest.mark.parametrize(
    ("employee_token", "ok", "words"),
    [
        ("employee-secret", True, "Kontera reached Tripletex and was let in."),
        ("wrong-token", False, "Tripletex refused the key or token that was saved."),
    ],
)
def test_tripletex_is_reached_or_refuses_the_saved_token(
    ctx: AppContext, api: ApiClient, employee_token: str, ok: bool, words: str
) -> None:
    fake = FakeTripletex()
    with asgi_server(fake) as url:
        connections.connect(
            ctx,
            company_name=COMPANY,
            system="tripletex",
            secret=employee_token,
            settings={"base_url": f"{url}/v2"},
        )
        result = check_connection(
            with_consumer_token(ctx, fake.consumer_token), company_id=api.company_id, actor="k"
        )
    assert result.ok is ok and str(result.message).startswith(words)
    assert fake.vouchers == {}  # the probe writes nothing


def test_a_system_this_kontera_is_not_registered_with_is_explained_to_the_bookkeeper(
    ctx: AppContext, api: ApiClient
) -> None:
    connections.connect(ctx, company_name=COMPANY, system="tripletex", secret="employee")
    result = check_connection(ctx, company_id=api.company_id, actor="kari")
    assert not result.ok
    assert "Ask whoever runs your Kontera" in str(result.message)
    assert "KONTERA_" not in str(result.message)
