"""Settings, read once at the edge (CLI / app factory) from `KONTERA_*` variables.

No module-level instance: callers build `Settings()` and pass it (or values from it) down.
Every variable is documented in docs/configuration.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field
from pydantic import field_validator
from pydantic_settings import BaseSettings
from pydantic_settings import NoDecode
from pydantic_settings import SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KONTERA_", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Originals, models, queue, SQLite.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite in the data directory."
    )
    storage_url: str | None = Field(
        default=None,
        description="file:///path or s3://bucket/prefix for originals, models, pages; "
        "default the data directory.",
    )
    redis_url: str | None = Field(default=None, description="Use Redis for the job queue.")
    max_upload_bytes: int = Field(default=25 * 1024 * 1024, description="Upload size limit.")
    in_process_worker: bool = Field(default=True, description="`serve` runs a job consumer.")
    worker_threads: int = Field(default=2, description="Consumer threads per worker process.")
    requeue_interval_minutes: int = Field(
        default=1, description="Workers requeue stale work every N minutes (0: only at start)."
    )
    immediate_jobs: bool = Field(default=False, description="Run jobs inline (tests only).")
    posting_delay_seconds: float = Field(
        default=10.0, ge=0, description="A person's approval posts this much later (undo window)."
    )
    secret_key: str | None = Field(
        default=None,
        description="Derives the keys that encrypt stored secrets and sign OAuth states. "
        "Required outside `serve --demo`.",
    )
    secret_key_previous: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Earlier secret keys (comma-separated), still accepted while rotating.",
    )
    session_max_age_seconds: int = Field(default=8 * 3600, description="UI session lifetime.")
    mail_domain: str = Field(default="inbox.kontera.local", description="Inbound mail domain.")
    mail_relay_host: str | None = Field(
        default=None,
        description="SMTP server for Kontera's outgoing mail (attestation requests, reminders).",
    )
    mail_relay_port: int = Field(default=25, description="Port of that SMTP server.")
    mail_relay_starttls: bool = Field(default=False, description="STARTTLS towards the relay.")
    mail_relay_username: str | None = Field(default=None, description="Relay sign-in, if any.")
    mail_relay_password: str | None = Field(default=None, description="Its password.")
    mail_from: str | None = Field(
        default=None, description="From address of Kontera's mail; default kontera@<mail domain>."
    )
    attest_link_days: int = Field(
        default=14, ge=1, description="How long the link in an attestation e-mail works."
    )
    attest_mail_interval_minutes: int = Field(
        default=10, description="Workers send reminders and retry attestation mail this often."
    )
    attest_mail_max_attempts: int = Field(
        default=10, ge=1, description="Attempts per attestation e-mail before it is given up."
    )
    metrics_token: str | None = Field(
        default=None, description="When set, /metrics wants `Authorization: Bearer <token>`."
    )
    metrics_port: int = Field(
        default=0, description="`kontera worker` serves /metrics, /healthz, /readyz here (0: off)."
    )
    shutdown_grace_seconds: float = Field(
        default=25.0, description="How long a stopping worker may finish its tasks."
    )
    log_level: str = Field(default="INFO")
    log_json: bool = Field(default=True, description="Structured JSON logs on stderr.")
    ocr_languages: str = Field(default="swe+nor+eng")
    coldstart_model: Path = Field(
        default=Path(__file__).resolve().parents[2] / "models" / "coldstart",
        description="The shipped cross-company model for companies without history.",
    )
    max_pages: int = Field(default=200, description="Pages per document before it is refused.")
    tripletex_consumer_token: str | None = None
    tripletex_base_url: str = "https://tripletex.no/v2"
    fortnox_client_id: str | None = None
    fortnox_client_secret: str | None = None
    fortnox_base_url: str = "https://api.fortnox.se"
    fortnox_auth_url: str = "https://apps.fortnox.se/oauth-v1"
    poweroffice_application_key: str | None = None
    poweroffice_subscription_key: str | None = None
    poweroffice_base_url: str = "https://goapi.poweroffice.net/v2"
    norges_bank_url: str = Field(
        default="https://data.norges-bank.no/api",
        description="Norges Bank's open data API: NOK rates for Tripletex and PowerOffice Go.",
    )
    riksbank_url: str = Field(
        default="https://api.riksbank.se/swea/v1",
        description="The Riksbank's SWEA API: SEK rates for Fortnox.",
    )
    riksbank_api_key: str | None = Field(
        default=None, description="Optional SWEA key: more calls than the anonymous quota."
    )
    exchange_rate_timeout_seconds: float = Field(
        default=20.0, description="Per-request timeout towards the central banks."
    )
    api_rate_limit_per_minute: int = Field(
        default=1200, description="Requests per API key in any minute (0: no limit)."
    )
    webhook_max_attempts: int = Field(
        default=10, description="Attempts per webhook delivery before it goes to the dead letters."
    )
    webhook_retry_seconds: float = Field(
        default=30.0, description="Wait before the first retry; it doubles after each failure."
    )
    webhook_timeout_seconds: float = Field(default=10.0, description="Per webhook request.")
    public_url: str = Field(default="http://127.0.0.1:8000", description="For OAuth redirects.")
    sync_history_years: int = Field(
        default=3, description="Years of posting history the ledger sync reads on connect."
    )
    sync_interval_minutes: int = Field(
        default=60, description="Workers sync every connected company this often (0: never)."
    )
    inbox_interval_minutes: int = Field(
        default=10, description="Workers read every connected ledger's inbox this often (0: never)."
    )
    inbound_folder: Path | None = Field(
        default=None, description="A Peppol access point's inbound folder (Oxalis layout)."
    )
    scan_folder: Path | None = Field(
        default=None, description="Scanners' folders: one subfolder per company (slug or org.nr)."
    )
    folder_poll_seconds: float = Field(
        default=5.0, description="Workers look for new files in the watched folders this often."
    )
    folder_settle_seconds: float = Field(
        default=2.0, description="A file must be unchanged this long before it is taken."
    )

    @field_validator("secret_key_previous", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kontera.db').resolve()}"

    @property
    def originals_dir(self) -> Path:
        return self.data_dir / "originals"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"
