"""Mail settings (`KONTERA_MAIL_*`), read once at the edge like `kontera.config.Settings`.

The inbound domain itself is `Settings.mail_domain` (`KONTERA_MAIL_DOMAIN`).
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings
from pydantic_settings import SettingsConfigDict

from kontera.ingest.limits import MailLimits


class MailSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KONTERA_MAIL_", extra="ignore")

    max_message_bytes: int = Field(
        default=50 * 1024 * 1024,
        description="Largest message the SMTP receiver accepts (552 above it).",
    )
    reply_when_empty: bool = Field(
        default=False, description="Answer the sender when a message held no usable document."
    )
    relay_host: str | None = Field(default=None, description="SMTP relay for those replies.")
    relay_port: int = Field(default=25, description="Port of the SMTP relay.")
    reply_from: str | None = Field(
        default=None, description="From address of replies; default no-reply@<mail domain>."
    )
    imap_timeout_seconds: float = Field(default=30.0, description="IMAP connection timeout.")
    min_image_bytes: int = Field(default=8 * 1024, description="Smaller images are logos.")
    min_image_side: int = Field(default=300, description="Images narrower are logos (px).")
    dns_server: str | None = Field(
        default=None,
        description="DNS server (host[:port]) for SPF, DKIM and DMARC; default: the system's.",
    )
    dns_timeout_seconds: float = Field(default=5.0, description="Per DNS lookup.")
    tls_cert_file: str | None = Field(
        default=None, description="PEM certificate (chain) for STARTTLS on the SMTP receiver."
    )
    tls_key_file: str | None = Field(default=None, description="Its private key (PEM).")
    require_tls: bool = Field(
        default=False, description="Refuse mail from senders that do not use STARTTLS."
    )

    def limits(self, *, max_document_bytes: int) -> MailLimits:
        return MailLimits(
            max_document_bytes=max_document_bytes,
            min_image_bytes=self.min_image_bytes,
            min_image_side=self.min_image_side,
        )
