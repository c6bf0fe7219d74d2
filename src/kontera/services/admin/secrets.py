"""Kontera's secret key: required, rotatable, and the only source of every derived key.

- `keyring(settings)` refuses to work without `KONTERA_SECRET_KEY` (a clear error, never a
  silent default); `KONTERA_SECRET_KEY_PREVIOUS` adds older keys that are still accepted.
- `token_cipher` / `mailbox_cipher` encrypt what is stored (see `kontera.post.crypto` for the
  purposes); `oauth_signing_keys` sign the Fortnox sign-in state, `attest_link_keys` the
  links in attestation e-mails.
- `rotate_secrets` re-encrypts every stored secret under the current key, so the previous
  keys can then be dropped (the procedure is in docs/operations.md).
- `demo_settings` gives `kontera serve --demo` a random key of its own, kept in the data
  directory, so a trial needs no configuration and no two demos share a key.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from sqlmodel import select

from kontera.config import Settings
from kontera.domain.errors import ConfigurationError
from kontera.domain.errors import KonteraError
from kontera.domain.errors import PermanentError
from kontera.domain.messages import msg
from kontera.ingest import sealing
from kontera.post.crypto import ATTEST_LINK
from kontera.post.crypto import MAILBOX
from kontera.post.crypto import MIN_SECRET_LENGTH
from kontera.post.crypto import OAUTH_STATE
from kontera.post.crypto import TOKENS
from kontera.post.crypto import Keyring
from kontera.post.crypto import TokenCipher
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables_mail import ImapMailbox
from kontera.store.tables_post import AccountingConnection
from kontera.store.tables_post import WebhookEndpoint

log = logging.getLogger(__name__)

MISSING_KEY = (
    "KONTERA_SECRET_KEY is not set. Kontera encrypts accounting-system tokens, mailbox "
    "passwords and webhook secrets with keys derived from it, and signs sign-in links with it. "
    "Set it to a long random value, e.g. the output of "
    "python3 -c 'import secrets; print(secrets.token_urlsafe(48))', and keep it safe "
    "(see docs/operations.md). For a local trial run `kontera serve --demo`."
)
DEMO_KEY_FILE = "demo-secret-key"


def keyring(settings: Settings) -> Keyring:
    if not settings.secret_key:
        raise ConfigurationError(MISSING_KEY)
    for key in (settings.secret_key, *settings.secret_key_previous):
        if len(key) < MIN_SECRET_LENGTH:
            raise ConfigurationError(
                msg(
                    "KONTERA_SECRET_KEY (and each KONTERA_SECRET_KEY_PREVIOUS) must be at least "
                    "{length} characters long.",
                    length=MIN_SECRET_LENGTH,
                )
            )
    return Keyring(settings.secret_key, settings.secret_key_previous)


def require_secret_key(settings: Settings) -> None:
    """What `serve`, `worker` and the mail receivers check before they start."""
    keyring(settings)


def token_cipher(settings: Settings) -> TokenCipher:
    """Accounting credentials and tokens, webhook signing secrets."""
    return keyring(settings).cipher(TOKENS)


def oauth_signing_keys(settings: Settings) -> list[bytes]:
    return keyring(settings).signing_keys(OAUTH_STATE)


def attest_link_keys(settings: Settings) -> list[bytes]:
    return keyring(settings).signing_keys(ATTEST_LINK)


class MailboxCipher:
    """Mailbox passwords. Reads the older PBKDF2-derived form too, until rotated away."""

    def __init__(self, ring: Keyring) -> None:
        self._cipher = ring.cipher(MAILBOX)
        self._secrets = [s if isinstance(s, str) else s.decode() for s in ring.secrets]

    def encrypt(self, password: str) -> str:
        return self._cipher.encrypt(password)

    def decrypt(self, sealed: str) -> str:
        try:
            return self._cipher.decrypt(sealed)
        except KonteraError:
            pass
        for secret in self._secrets:
            try:
                return sealing.unseal(secret, sealed)
            except PermanentError:
                continue
        raise PermanentError(
            "The stored mailbox password cannot be read with the current or a previous "
            "secret key; enter the password again."
        )

    def is_current(self, sealed: str) -> bool:
        return self._cipher.is_current(sealed)


def mailbox_cipher(settings: Settings) -> MailboxCipher:
    return MailboxCipher(keyring(settings))


def demo_settings(settings: Settings) -> Settings:
    """`serve --demo` without a key: a random one, made once and kept in the data directory."""
    if settings.secret_key:
        return settings
    path = settings.data_dir / DEMO_KEY_FILE
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        _write_private(path, secrets.token_urlsafe(48))
    key = path.read_text(encoding="utf-8").strip()
    return settings.model_copy(update={"secret_key": key})


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")


# --- rotation ---------------------------------------------------------------------------------


@dataclass(slots=True)
class RotationReport:
    rotated: dict[str, int] = field(default_factory=dict)
    current: dict[str, int] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)

    def count(self, kind: str, *, rotated: bool) -> None:
        bucket = self.rotated if rotated else self.current
        bucket[kind] = bucket.get(kind, 0) + 1


def rotate_secrets(ctx: AppContext, *, actor: str = "cli") -> RotationReport:
    """Re-encrypt every stored secret under the current key; report what could not be read."""
    report = RotationReport()
    tokens, mailbox = token_cipher(ctx.settings), mailbox_cipher(ctx.settings)
    with session_scope(ctx.engine) as session:
        for connection in session.exec(select(AccountingConnection)).all():
            for column in ("secret", "tokens"):
                value = getattr(connection, column)
                if value:
                    where = f"connection {connection.system} of company {connection.company_id}"
                    new = _rotated(tokens, value, f"connection_{column}", where, report)
                    setattr(connection, column, new)
            session.add(connection)
        for endpoint in session.exec(select(WebhookEndpoint)).all():
            where = f"webhook {endpoint.id} of company {endpoint.company_id}"
            endpoint.secret = _rotated(tokens, endpoint.secret, "webhook_secret", where, report)
            session.add(endpoint)
        for box in session.exec(select(ImapMailbox)).all():
            where = f"mailbox {box.username}@{box.host} of company {box.company_id}"
            box.password_sealed = _rotated_mailbox(mailbox, box.password_sealed, where, report)
            session.add(box)
        repo.add_event(
            session,
            company_id=None,
            document_id=None,
            actor=actor,
            action="secrets:rotated",
            detail={"rotated": report.rotated, "unreadable": len(report.unreadable)},
        )
    return report


def _rotated(cipher: TokenCipher, value: str, kind: str, where: str, report: RotationReport) -> str:
    if cipher.is_current(value):
        report.count(kind, rotated=False)
        return value
    try:
        new = cipher.rotate(value)
    except KonteraError:
        report.unreadable.append(where)
        return value
    report.count(kind, rotated=True)
    return new


def _rotated_mailbox(cipher: MailboxCipher, value: str, where: str, report: RotationReport) -> str:
    if cipher.is_current(value):
        report.count("mailbox_password", rotated=False)
        return value
    try:
        new = cipher.encrypt(cipher.decrypt(value))
    except KonteraError:
        report.unreadable.append(where)
        return value
    report.count("mailbox_password", rotated=True)
    return new
