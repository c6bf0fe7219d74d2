"""The mail commands, run as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from imap_tools import MailBoxUnencrypted

from kontera.config import Settings
from kontera.services.admin import companies
from kontera.services.context import build_context
from tests.conftest import FIXTURES
from tests.ingest.dovecot import Dovecot
from tests.ingest.helpers import as_bytes
from tests.ingest.helpers import documents
from tests.ingest.helpers import message
from tests.ingest.helpers import send
from tests.servers import free_port
from tests.servers import wait_for_port

EHF = (FIXTURES / "demo" / "ehf-03.xml").read_bytes()


def cli(data_dir: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "kontera.cli", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KONTERA_LOG_JSON": "false"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def invoice() -> bytes:
    mail = message(sender="ap@lev.example")
    mail.add_attachment(EHF, "application", "xml", filename="ehf.xml")
    return as_bytes(mail)


def test_kontera_smtp_receives_until_stopped(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, log_json=False)
    ctx = build_context(settings)
    company = companies.create_company(ctx, name="Cli Mottak AS")
    port = free_port()
    env = {**os.environ, "KONTERA_DATA_DIR": str(tmp_path), "KONTERA_LOG_JSON": "false"}
    server = subprocess.Popen(
        [sys.executable, "-m", "kontera.cli", "smtp", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, timeout=60)
        send(port, invoice(), f"{company.slug}@{settings.mail_domain}")
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert "Receiving mail for" in output
    assert server.returncode in (0, -15)
    assert [d.filename for d in documents(ctx, company.id)] == ["ehf.xml"]


@pytest.mark.live
@pytest.mark.slow  # four CLI processes
def test_mailbox_add_then_imap_poll(tmp_path: Path, dovecot: Dovecot) -> None:
    ctx = build_context(Settings(data_dir=tmp_path, log_json=False))
    company = companies.create_company(ctx, name="Cli Postkasse AS")
    with MailBoxUnencrypted(dovecot.host, dovecot.port).login("other", "pw2") as mailbox:
        mailbox.append(invoice(), "INBOX")
    cli(
        tmp_path,
        "mailbox", "add", "--company", company.slug, "--host", dovecot.host,
        "--port", str(dovecot.port), "--security", "none", "--user", "other",
        "--password", "pw2", "--after", "flag",
    )  # fmt: skip
    polled = cli(tmp_path, "imap", "poll", "--company", company.slug)
    assert "1 fetched, 1 imported, 0 already known, 1 documents" in polled
    held = cli(tmp_path, "mail", "quarantine", "--company", company.slug)
    assert "ap@lev.example" in held and "1 document(s) held." in held
    trusted = cli(tmp_path, "mail", "trust", "ap@lev.example", "--company", company.slug)
    assert "released 1 held document(s)" in trusted
