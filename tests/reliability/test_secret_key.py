"""The secret key: required outside the demo, rotatable without losing a stored secret.

GIVEN an installation whose stored secrets (accounting credentials and tokens, webhook
      secrets, mailbox passwords, some still in the older PBKDF2 form) were encrypted under
      one key
WHEN  the operator starts without a key, or moves to a new key with the old one in
      KONTERA_SECRET_KEY_PREVIOUS and runs `kontera rotate-secrets`
THEN  the start is refused with a message that says what to do; during the rotation the old
      values still decrypt; afterwards every value is under the new key and the old key can
      go; a value no configured key opens is named, not lost.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from kontera.config import Settings
from kontera.ingest import sealing
from kontera.services.admin import companies
from kontera.services.admin import secrets
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.ops import webhooks
from kontera.services.post import connections
from kontera.services.receive import email_imap
from kontera.store.db import session_scope
from kontera.store.tables_mail import ImapMailbox
from kontera.store.tables_post import AccountingConnection
from kontera.store.tables_post import WebhookEndpoint

KONTERA = str(Path(sys.executable).parent / "kontera")
OLD_KEY = "the-old-secret-key-0123456789abcdef"
NEW_KEY = "the-new-secret-key-fedcba9876543210"


def env_without_key(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KONTERA_")}
    return {**env, "KONTERA_DATA_DIR": str(tmp_path / "data")}


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["worker"]])
def test_starting_without_a_secret_key_is_refused_with_the_reason(
    tmp_path: Path, command: list[str]
) -> None:
    done = subprocess.run(
        [KONTERA, *command],
        env=env_without_key(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: KONTERA_SECRET_KEY is not set.")
    assert "kontera serve --demo" in done.stderr


def test_a_short_key_is_refused_too(tmp_path: Path) -> None:
    env = {**env_without_key(tmp_path), "KONTERA_SECRET_KEY": "short"}
    done = subprocess.run([KONTERA, "worker"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "at least 16 characters" in done.stderr


def test_the_demo_makes_itself_a_private_key_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", secret_key=None)
    first = secrets.demo_settings(settings)
    again = secrets.demo_settings(settings)
    key_file = tmp_path / "data" / secrets.DEMO_KEY_FILE
    assert first.secret_key and first.secret_key == again.secret_key
    assert len(first.secret_key) >= 48
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # A configured key always wins.
    assert secrets.demo_settings(Settings(secret_key=NEW_KEY)).secret_key == NEW_KEY


def installation(tmp_path: Path) -> AppContext:
    ctx = build_context(Settings(data_dir=tmp_path / "data", secret_key=OLD_KEY, log_json=False))
    companies.create_company(ctx, name="Nøkkel AS", org_number="923609016")
    connections.connect(
        ctx,
        company_name="Nøkkel AS",
        system="tripletex",
        secret="employee-token-1",
        consumer_token="consumer-token-1",
    )
    with session_scope(ctx.engine) as session:
        row = session.exec(select(AccountingConnection)).one()
        row.tokens = connections.cipher(ctx.settings).encrypt('{"session": "s-1"}')
        session.add(row)
    company_id = companies.find_company(ctx, "Nøkkel AS").id
    webhooks.add_endpoint(
        ctx, company_id=company_id, url="https://hooks.example/k", secret="whsec-1-0123456789"
    )
    email_imap.add_mailbox(
        ctx, company_id=company_id, host="imap.example", username="a", password="pw-new-form"
    )
    legacy = email_imap.add_mailbox(
        ctx, company_id=company_id, host="imap.example", username="b", password="x"
    )
    with session_scope(ctx.engine) as session:  # as Kontera stored it before this change
        row = session.get(ImapMailbox, legacy.id)
        assert row is not None
        row.password_sealed = sealing.seal(OLD_KEY, "pw-old-form")
        session.add(row)
    return ctx


def plaintexts(ctx: AppContext) -> dict[str, str]:
    tokens, mailbox = connections.cipher(ctx.settings), secrets.mailbox_cipher(ctx.settings)
    with session_scope(ctx.engine) as session:
        connection = session.exec(select(AccountingConnection)).one()
        endpoint = session.exec(select(WebhookEndpoint)).one()
        boxes = session.exec(select(ImapMailbox).order_by(ImapMailbox.username)).all()
        assert connection.secret and connection.tokens
        return {
            "secret": tokens.decrypt(connection.secret),
            "tokens": tokens.decrypt(connection.tokens),
            "webhook": tokens.decrypt(endpoint.secret),
            **{f"mailbox_{box.username}": mailbox.decrypt(box.password_sealed) for box in boxes},
        }


EXPECTED = {
    "secret": '{"secret": "employee-token-1", "consumer_token": "consumer-token-1"}',
    "tokens": '{"session": "s-1"}',
    "webhook": "whsec-1-0123456789",
    "mailbox_a": "pw-new-form",
    "mailbox_b": "pw-old-form",
}


def with_keys(ctx: AppContext, current: str, previous: list[str]) -> AppContext:
    settings = ctx.settings.model_copy(
        update={"secret_key": current, "secret_key_previous": previous}
    )
    return AppContext(settings, ctx.engine, ctx.blobs, ctx.queue, ctx.limiters, ctx.stopping)


def test_rotation_reencrypts_everything_and_the_old_key_can_go(tmp_path: Path) -> None:
    old = installation(tmp_path)
    assert plaintexts(old) == EXPECTED

    rotating = with_keys(old, NEW_KEY, [OLD_KEY])
    assert plaintexts(rotating) == EXPECTED  # old values still decrypt during the rotation
    with pytest.raises(Exception, match="cannot be read"):
        plaintexts(with_keys(old, NEW_KEY, []))  # …and only thanks to the previous key

    report = secrets.rotate_secrets(rotating)

    assert report.unreadable == []
    assert report.rotated == {
        "connection_secret": 1,
        "connection_tokens": 1,
        "webhook_secret": 1,
        "mailbox_password": 2,
    }
    assert plaintexts(with_keys(old, NEW_KEY, [])) == EXPECTED
    again = secrets.rotate_secrets(with_keys(old, NEW_KEY, []))
    assert again.rotated == {} and sum(again.current.values()) == 5


def test_rotate_secrets_names_what_no_key_opens(tmp_path: Path) -> None:
    installation(tmp_path)
    env = {"KONTERA_SECRET_KEY": NEW_KEY, "KONTERA_SECRET_KEY_PREVIOUS": ""}
    from kontera import cli

    cli._register_areas()
    result = CliRunner().invoke(
        cli.app, ["rotate-secrets", "--data-dir", str(tmp_path / "data")], env=env
    )

    assert result.exit_code == 1
    assert "cannot be read with any configured key: connection tripletex of company" in (
        result.output
    )
    assert "mailbox b@imap.example" in result.output
