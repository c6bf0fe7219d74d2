"""From a company's stored connection to a ready connector: the seam for services and the CLI.

A `Connection` is what `kontera connect COMPANY <system> …` and the settings page store for a
company: the system, its non-secret settings (base URL, bureau company id, Fortnox mode …)
and the company's own secret (Tripletex employee token, PowerOffice client key), which the
store keeps encrypted with `kontera.post.crypto.TokenCipher`. Fortnox keeps OAuth tokens
instead, behind a `TokenStore`. Application-level secrets (`KONTERA_*`) arrive as `AppSecrets`.

Every connector gets the central bank of its base currency for foreign-currency invoices:
Norges Bank for Tripletex and PowerOffice Go (NOK), the Riksbank for Fortnox (SEK).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from pathlib import Path

import httpx

from kontera.domain.errors import InvalidInput
from kontera.domain.messages import msg
from kontera.post.connector import Connector
from kontera.post.exchange_rates import CentralBankRates
from kontera.post.exchange_rates import RateObserver
from kontera.post.exchange_rates import RateSources
from kontera.post.export import Company
from kontera.post.export import ExportFolder
from kontera.post.export import ExportFormat
from kontera.post.export import FileExportConnector
from kontera.post.fortnox import FortnoxConnector
from kontera.post.fortnox import FortnoxMode
from kontera.post.fortnox import FortnoxSettings
from kontera.post.http import ApiClient
from kontera.post.http import CallObserver
from kontera.post.oauth import OAuthApp
from kontera.post.oauth import TokenManager
from kontera.post.oauth import TokenStore
from kontera.post.poweroffice import PowerOfficeConnector
from kontera.post.poweroffice import PowerOfficeCredentials
from kontera.post.ratelimit import FORTNOX_QUOTA
from kontera.post.ratelimit import POWEROFFICE_QUOTA
from kontera.post.ratelimit import TRIPLETEX_QUOTA
from kontera.post.ratelimit import LimiterSource
from kontera.post.tripletex import TripletexConnector
from kontera.post.tripletex import TripletexCredentials

log = logging.getLogger(__name__)


class NotSetUp(InvalidInput):
    """Kontera itself is not registered with this accounting system yet.

    The bookkeeper reads `message` (what to do, in words); `setting` names the environment
    variable the operator must set, which is logged, never shown to the bookkeeper."""

    code = "system_not_set_up"
    status = 409

    def __init__(self, system: str, setting: str) -> None:
        super().__init__(
            f"Kontera is not set up for {system} yet. Ask whoever runs your Kontera to "
            f"register it with {system}; then connect again."
        )
        self.system, self.setting = system, setting
        log.warning("operator setting missing", extra={"system": system, "setting": setting})


class System(StrEnum):
    TRIPLETEX = "tripletex"
    FORTNOX = "fortnox"
    POWEROFFICE = "poweroffice"
    EXPORT = "export"


@dataclass(frozen=True, slots=True)
class AppSecrets:
    """Kontera's own credentials per system, from KONTERA_* environment variables."""

    tripletex_consumer_token: str = ""
    fortnox_client_id: str = ""
    fortnox_client_secret: str = ""
    fortnox_redirect_uri: str = ""
    poweroffice_application_key: str = ""
    poweroffice_subscription_key: str = ""
    fortnox_oauth_url: str = "https://apps.fortnox.se/oauth-v1"

    def __repr__(self) -> str:
        return "AppSecrets(***)"

    def fortnox_app(self) -> OAuthApp:
        if not (self.fortnox_client_id and self.fortnox_client_secret):
            raise NotSetUp("Fortnox", "KONTERA_FORTNOX_CLIENT_ID/SECRET")
        base = self.fortnox_oauth_url.rstrip("/")
        return OAuthApp(
            self.fortnox_client_id,
            self.fortnox_client_secret,
            self.fortnox_redirect_uri,
            auth_url=f"{base}/auth",
            token_url=f"{base}/token",
        )


@dataclass(frozen=True, slots=True)
class Connection:
    """One company's link to one system. `secret` is stored encrypted by the lead's store."""

    company: str
    system: System
    settings: Mapping[str, str] = field(default_factory=dict)
    secret: str | None = None

    def __repr__(self) -> str:
        return f"Connection({self.company!r}, {self.system}, {dict(self.settings)!r})"


@dataclass(frozen=True, slots=True)
class ConnectorParts:
    """What every connector is built from: the company's connection and the process's shared
    parts (HTTP client, rate limiters, audit hooks, central banks)."""

    connection: Connection
    secrets: AppSecrets
    client: httpx.Client
    limiters: LimiterSource
    token_store: TokenStore | None
    observer: CallObserver | None
    sources: RateSources
    on_rate: RateObserver | None
    bucket_folder: Callable[[str], ExportFolder] | None

    @property
    def settings(self) -> Mapping[str, str]:
        return self.connection.settings

    def exchange_rate(self, base_currency: str) -> CentralBankRates:
        return self.sources.rates(
            self.client, base_currency, observer=self.observer, on_rate=self.on_rate
        )


ConnectorFactory = Callable[[ConnectorParts], Connector]
# One entry a system: adding a ledger is a module with a connector and one `@connector_for`.
CONNECTORS: dict[System, ConnectorFactory] = {}


def connector_for(system: System) -> Callable[[ConnectorFactory], ConnectorFactory]:
    def register(factory: ConnectorFactory) -> ConnectorFactory:
        CONNECTORS[system] = factory
        return factory

    return register


def make_connector(
    connection: Connection,
    secrets: AppSecrets,
    *,
    client: httpx.Client,
    limiters: LimiterSource,
    token_store: TokenStore | None = None,
    observer: CallObserver | None = None,
    rates: RateSources | None = None,
    on_rate: RateObserver | None = None,
    bucket_folder: Callable[[str], ExportFolder] | None = None,
) -> Connector:
    """The connector for this company, sharing the process-wide rate limiters.

    `observer` sees every outbound HTTP attempt (secrets masked), the central banks' included:
    the audit trail's hook. `on_rate` sees each exchange rate a voucher is booked at.
    `bucket_folder` opens an export folder named `s3://bucket/prefix`."""
    factory = CONNECTORS[connection.system]  # every System has one (tests/post/test_surface.py)
    parts = ConnectorParts(
        connection, secrets, client, limiters, token_store, observer,
        rates or RateSources(), on_rate, bucket_folder,
    )  # fmt: skip
    return factory(parts)


@connector_for(System.TRIPLETEX)
def _tripletex(parts: ConnectorParts) -> Connector:
    s, secrets = parts.settings, parts.secrets
    credentials = TripletexCredentials(
        consumer_token=_operator(
            secrets.tripletex_consumer_token, "Tripletex", "KONTERA_TRIPLETEX_CONSUMER_TOKEN"
        ),
        employee_token=_required(parts.connection.secret, "the employee token"),
        company_id=int(s.get("company_id", "0")),
        base_url=s.get("base_url", "https://tripletex.no/v2"),
    )
    return TripletexConnector(
        parts.client,
        credentials,
        limiter=parts.limiters.get("tripletex", parts.connection.company, TRIPLETEX_QUOTA),
        observer=parts.observer,
        exchange_rate=parts.exchange_rate("NOK"),
    )


@connector_for(System.FORTNOX)
def _fortnox(parts: ConnectorParts) -> Connector:
    if parts.token_store is None:
        raise InvalidInput("The company has not connected Fortnox yet.")
    s = parts.settings
    token_api = ApiClient(parts.client, system="Fortnox", observer=parts.observer)
    tokens = TokenManager(token_api, parts.secrets.fortnox_app(), parts.token_store)
    settings = FortnoxSettings(
        mode=FortnoxMode(s.get("mode", FortnoxMode.VOUCHER)),
        voucher_series=s.get("voucher_series", "A"),
        base_url=s.get("base_url", "https://api.fortnox.se"),
        bookkeep=s.get("bookkeep", "true").strip().lower() not in ("false", "0", "no"),
    )
    return FortnoxConnector(
        parts.client,
        tokens,
        settings,
        limiter=parts.limiters.get("fortnox", parts.connection.company, FORTNOX_QUOTA),
        observer=parts.observer,
        exchange_rate=parts.exchange_rate("SEK"),
    )


@connector_for(System.POWEROFFICE)
def _poweroffice(parts: ConnectorParts) -> Connector:
    s, secrets = parts.settings, parts.secrets
    credentials = PowerOfficeCredentials(
        application_key=_operator(
            secrets.poweroffice_application_key,
            "PowerOffice Go",
            "KONTERA_POWEROFFICE_APPLICATION_KEY",
        ),
        client_key=_required(parts.connection.secret, "the client key"),
        subscription_key=_operator(
            secrets.poweroffice_subscription_key,
            "PowerOffice Go",
            "KONTERA_POWEROFFICE_SUBSCRIPTION_KEY",
        ),
        base_url=s.get("base_url", "https://goapi.poweroffice.net/v2"),
        token_url=s.get("token_url", "https://goapi.poweroffice.net/OAuth/Token"),
    )
    return PowerOfficeConnector(
        parts.client,
        credentials,
        limiter=parts.limiters.get("poweroffice", parts.connection.company, POWEROFFICE_QUOTA),
        observer=parts.observer,
        exchange_rate=parts.exchange_rate("NOK"),
    )


@connector_for(System.EXPORT)
def _export(parts: ConnectorParts) -> Connector:
    s, name = parts.settings, parts.connection.company
    company = Company(s.get("company_name", name), s.get("org_number"), s.get("currency", "SEK"))
    fmt = ExportFormat(s.get("format", ExportFormat.SIE4))
    folder = _required(s.get("folder"), "the export folder")
    if folder.startswith("s3://") and parts.bucket_folder is not None:
        return FileExportConnector(parts.bucket_folder(folder), company, fmt)
    return FileExportConnector(Path(folder), company, fmt)


def _operator(value: str | None, system: str, setting: str) -> str:
    if not value:
        raise NotSetUp(system, setting)
    return value


def _required(value: str | None, what: str) -> str:
    if not value:
        raise InvalidInput(msg("The connection is missing {what}.", what=what))
    return value
