"""Polling a real Dovecot IMAP server started by the tests."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from imap_tools import MailBoxUnencrypted

from kontera.ingest.imap import IMPORTED_KEYWORD
from kontera.services.context import AppContext
from kontera.services.receive import email_senders
from kontera.services.receive.email_imap import add_mailbox
from kontera.services.receive.email_imap import poll_company
from kontera.services.receive.email_imap import poll_mailbox
from kontera.store.db import session_scope
from kontera.store.tables import Company
from kontera.store.tables_mail import ImapMailbox
from tests.ingest.dovecot import Dovecot
from tests.ingest.helpers import documents
from tests.ingest.helpers import mail_rows

pytestmark = pytest.mark.live
USER = "acme"


@pytest.fixture
def folder(dovecot: Dovecot) -> str:
    """A fresh folder per test, so tests sharing the server do not see each other's mail."""
    name = f"T{uuid.uuid4().hex[:10]}"
    with login(dovecot) as mailbox:
        mailbox.folder.create(name)
    return name


def login(dovecot: Dovecot) -> Any:
    return MailBoxUnencrypted(dovecot.host, dovecot.port).login(USER, dovecot.users[USER])


def put(dovecot: Dovecot, folder: str, *raws: bytes) -> None:
    with login(dovecot) as mailbox:
        for raw in raws:
            mailbox.append(raw, folder)


def in_folder(dovecot: Dovecot, folder: str) -> list[Any]:
    with login(dovecot) as mailbox:
        mailbox.folder.set(folder)
        return list(mailbox.fetch(mark_seen=False))


def mailbox_for(
    ctx: AppContext, company: Company, dovecot: Dovecot, folder: str, **options: Any
) -> ImapMailbox:
    return add_mailbox(
        ctx,
        company_id=company.id,
        host=dovecot.host,
        port=dovecot.port,
        security="none",
        username=USER,
        password=dovecot.users[USER],
        folder=folder,
        processed_folder=f"{folder}.done",
        **options,
    )


@pytest.fixture
def mails(scenario_mails: dict[str, Any]) -> list[Any]:
    return [scenario_mails[s] for s in ("several", "nested-eml", "zip", "ehf-xml", "garbage")]


def test_poll_imports_each_message_once_and_moves_it(
    ctx: AppContext, company: Company, dovecot: Dovecot, folder: str, mails: list[Any]
) -> None:
    """GIVEN five messages in the mailbox WHEN polled THEN exactly their documents come in,
    the messages move to the processed folder, and a second poll finds nothing new."""
    put(dovecot, folder, *(m.raw for m in mails))
    mailbox = mailbox_for(ctx, company, dovecot, folder)

    (report,) = poll_company(ctx, company.id)
    assert report.error is None
    assert (report.fetched, report.imported, report.duplicates) == (5, 5, 0)
    expected = sorted(sha for m in mails for sha in m.expected)
    assert sorted(d.sha256 for d in documents(ctx, company.id)) == expected
    assert all(d.provenance["channel"] == "imap" for d in documents(ctx, company.id))
    assert in_folder(dovecot, folder) == []
    assert len(in_folder(dovecot, f"{folder}.done")) == 5

    again = poll_mailbox(ctx, mailbox.id)
    assert (again.fetched, again.imported) == (0, 0)


def test_flag_mode_leaves_mail_in_place_and_resumes_after_a_restart(
    ctx: AppContext, company: Company, dovecot: Dovecot, folder: str, mails: list[Any]
) -> None:
    put(dovecot, folder, mails[0].raw, mails[1].raw)
    mailbox = mailbox_for(ctx, company, dovecot, folder, after_import="flag")
    first = poll_mailbox(ctx, mailbox.id)
    assert first.imported == 2
    flagged = in_folder(dovecot, folder)
    assert all("\\Seen" in m.flags and IMPORTED_KEYWORD in m.flags for m in flagged)

    # "Restart": a new poll from stored state only imports what arrived since.
    put(dovecot, folder, mails[3].raw)
    second = poll_mailbox(ctx, mailbox.id)
    assert (second.fetched, second.imported) == (1, 1)

    # Lost state (or a renumbered folder): everything is fetched again, nothing re-imported.
    with session_scope(ctx.engine) as session:
        stored = session.get(ImapMailbox, mailbox.id)
        assert stored is not None
        stored.uidvalidity, stored.last_uid = 1, 0
        session.add(stored)
    count = len(documents(ctx, company.id))
    third = poll_mailbox(ctx, mailbox.id)
    assert (third.fetched, third.imported, third.duplicates) == (3, 0, 3)
    assert len(documents(ctx, company.id)) == count
    assert len(mail_rows(ctx, company.id)) == 3


def test_a_wrong_password_is_reported_not_raised(
    ctx: AppContext, company: Company, dovecot: Dovecot, folder: str
) -> None:
    mailbox = add_mailbox(
        ctx,
        company_id=company.id,
        host=dovecot.host,
        port=dovecot.port,
        security="none",
        username=USER,
        password="wrong",
        folder=folder,
    )
    report = poll_mailbox(ctx, mailbox.id)
    assert report.error is not None and "refused the login" in report.error
    with session_scope(ctx.engine) as session:
        stored = session.get(ImapMailbox, mailbox.id)
        assert stored is not None
        assert stored.last_error == report.error
        assert stored.password_sealed != "wrong"  # sealed at rest


def test_quarantine_applies_to_polled_mail_too(
    ctx: AppContext, company: Company, dovecot: Dovecot, folder: str, mails: list[Any]
) -> None:
    put(dovecot, folder, mails[3].raw)
    mailbox = mailbox_for(ctx, company, dovecot, folder)
    poll_mailbox(ctx, mailbox.id)
    held = email_senders.quarantined(ctx, company.id)
    assert [h.sender for h in held] == [mails[3].sender]  # nobody is trusted here yet


def test_background_polling_picks_up_new_mail(
    ctx: AppContext, company: Company, dovecot: Dovecot, folder: str, mails: list[Any]
) -> None:
    import time

    from kontera.services.receive.email_imap import start_imap_polling_in_background

    mailbox_for(ctx, company, dovecot, folder)
    poller = start_imap_polling_in_background(ctx, every_seconds=0.2)
    try:
        put(dovecot, folder, mails[3].raw)
        deadline = time.monotonic() + 30
        while not documents(ctx, company.id) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        poller.stop()
    assert [d.sha256 for d in documents(ctx, company.id)] == list(mails[3].expected)
