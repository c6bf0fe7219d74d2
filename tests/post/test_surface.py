"""The public surface of kontera.post, and connectors built from stored connections."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import kontera.post as post
from kontera.domain.errors import InvalidInput
from kontera.post import AppSecrets
from kontera.post import Connection
from kontera.post import Connector
from kontera.post import RateLimiters
from kontera.post import System
from kontera.post import make_connector
from kontera.post.connections import NotSetUp
from kontera.post.fortnox import FortnoxConnector
from kontera.post.oauth import MemoryTokenStore
from kontera.post.tripletex import TripletexConnector


def test_all_lists_exactly_the_public_names() -> None:
    public = {name for name in vars(post) if not name.startswith("_")}
    modules = {name for name, value in vars(post).items() if type(value).__name__ == "module"}
    assert set(post.__all__) == public - modules - {"annotations"}


def test_connectors_are_built_from_connections_and_satisfy_the_protocol(tmp_path: Path) -> None:
    secrets = AppSecrets(
        tripletex_consumer_token="consumer-xyz",
        fortnox_client_id="fortnox-id",
        fortnox_client_secret="fortnox-xyz",
        poweroffice_application_key="po-app-xyz",
        poweroffice_subscription_key="po-sub-xyz",
    )
    limiters = RateLimiters()

    def build(connection: Connection) -> Connector:
        store = MemoryTokenStore()
        return make_connector(
            connection, secrets, client=httpx.Client(), limiters=limiters, token_store=store
        )

    built = [
        build(Connection("acme", System.TRIPLETEX, {"company_id": "42"}, "employee-xyz")),
        build(Connection("acme", System.FORTNOX, {"mode": "supplier_invoice"})),
        build(Connection("acme", System.POWEROFFICE, {}, "client-xyz")),
        build(Connection("acme", System.EXPORT, {"folder": str(tmp_path)})),
    ]

    assert all(isinstance(c, Connector) for c in built)
    assert isinstance(built[0], TripletexConnector) and built[0].credentials.company_id == 42
    assert isinstance(built[1], FortnoxConnector) and built[1].settings.mode == "supplier_invoice"
    shown = (
        repr(built[0].credentials)
        + repr(secrets)
        + repr(Connection("a", System.POWEROFFICE, {}, "client-xyz"))
    )
    assert "xyz" not in shown


def test_a_missing_operator_secret_is_named_for_the_operator_and_worded_for_the_bookkeeper() -> (
    None
):
    with pytest.raises(InvalidInput) as raised:
        connection = Connection("acme", System.TRIPLETEX, {}, "employee")
        make_connector(connection, AppSecrets(), client=httpx.Client(), limiters=RateLimiters())
    assert isinstance(raised.value, NotSetUp)
    assert raised.value.setting == "KONTERA_TRIPLETEX_CONSUMER_TOKEN"
    assert "KONTERA_" not in raised.value.message
    assert "Ask whoever runs your Kontera" in raised.value.message


def test_every_system_has_a_connector_in_the_registry() -> None:
    from kontera.post.connections import CONNECTORS

    assert set(CONNECTORS) == set(System)
