"""E-mails to attestants through a real SMTP server (aiosmtpd on a loopback port).

GIVEN a company whose invoices with the buyer's reference DEMO go to Kari for attestation
WHEN such an invoice arrives
THEN Kari gets an e-mail in her language with a signed link that leads her — once signed in,
     and nobody else — to the attest page; an SMTP server that refuses keeps the mail, which
     is retried and shown until it goes; and a request still waiting near its due date gets
     one reminder a day, never two.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col
from sqlmodel import select

from kontera.config import Settings
from kontera.services.admin import users
from kontera.services.attest import links as attest_links
from kontera.services.attest import mail_status as attest_mail_status
from kontera.services.attest import reminders as attest_reminders
from kontera.services.attest import settings as attest_settings
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables_attest import AttestMail
from tests.conftest import FIXTURES
from tests.conftest import ApiClient
from tests.mailsink import MailSink
from tests.mailsink import body_of
from tests.mailsink import link_in
from tests.mailsink import mail_sink

EHF = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()  # buyer's reference DEMO, due 16.11.2026
DUE = datetime(2026, 11, 16, 11, 0, tzinfo=UTC)
PASSWORD = "korrekt-hest-batteri"
SECRET = "attest-mail-test-secret-key-0123456789"


@pytest.fixture
def sink() -> Iterator[tuple[int, MailSink]]:
    with mail_sink() as found:
        yield found


@pytest.fixture
def settings(tmp_path: Path, sink: tuple[int, MailSink]) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        immediate_jobs=True,
        log_json=False,
        secret_key=SECRET,
        mail_relay_host="127.0.0.1",
        mail_relay_port=sink[0],
        mail_from="kontera@byraa.example",
        public_url="https://kontera.example",
    )


def kari_attests_demo(ctx: AppContext, api: ApiClient, **values: Any) -> str:
    kari = users.create_user(
        ctx, email="kari@demo.no", password=PASSWORD, role="attestant", locale="nb",
        company_ids=[api.company_id],
    )  # fmt: skip
    attest_settings.save(
        ctx, company_id=api.company_id, values={"enabled": True, **values}, actor="test"
    )
    attest_settings.add_rule(
        ctx, company_id=api.company_id, kind="buyer_reference", value="DEMO",
        attestant_id=kari.id, actor="test",
    )  # fmt: skip
    return kari.id


def actions(ctx: AppContext, document_id: str) -> list[str]:
    with session_scope(ctx.engine) as session:
        return [e.action for e in repo.document_events(session, document_id=document_id)]


def mails(ctx: AppContext) -> list[AttestMail]:
    with session_scope(ctx.engine) as session:
        found = list(session.exec(select(AttestMail).order_by(col(AttestMail.created_at))))
        for mail in found:
            session.expunge(mail)
        return found


def at(ctx: AppContext, moment: datetime) -> AppContext:
    return dataclasses.replace(ctx, clock=lambda: moment)


def test_the_attestant_gets_a_mail_whose_link_leads_only_her_to_the_attest_page(
    ctx: AppContext, api: ApiClient, sink: tuple[int, MailSink]
) -> None:
    _, inbox = sink
    kari_attests_demo(ctx, api)
    document = api.upload(EHF)
    assert api.get(f"/v1/documents/{document['id']}")["status"] == "attesting"
    (mail,) = inbox.wait_for(1)
    assert mail["To"] == "kari@demo.no" and mail["From"] == "kontera@byraa.example"
    assert "venter på din attestering" in mail["Subject"]
    text = body_of(mail)
    assert "6\u00a0848,75 NOK" in text and "16.11.2026" in text
    assert "kjøpers referanse er DEMO" in text
    link = link_in(mail)
    assert link.startswith("https://kontera.example/attest/link/")
    assert "attest:mailed" in actions(ctx, document["id"])
    assert api.get(f"/v1/documents/{document['id']}")["attestation"]["mail"]["state"] == "sent"

    from kontera.web import create_web_app

    path = link.removeprefix("https://kontera.example")
    with TestClient(create_web_app(ctx), follow_redirects=False) as browser:
        assert browser.get(path).headers["location"].startswith("/login?next=")
        ola = users.create_user(
            ctx, email="ola@demo.no", password=PASSWORD, role="approver", locale="nb",
            company_ids=[api.company_id],
        )  # fmt: skip
        browser.cookies.set(users.SESSION_COOKIE, users.start_session(ctx, user=ola).token)
        refused = browser.get(path)
        assert refused.status_code == 403 and "kari@demo.no" in refused.text
        browser.cookies.set(
            users.SESSION_COOKIE,
            users.start_session(ctx, user=users.find_user(ctx, email="kari@demo.no")).token,
        )
        opened = browser.get(path)
        assert opened.status_code == 303
        assert opened.headers["location"] == f"/c/{api.company_id}/d/{document['id']}/attest"
        assert browser.get(path[:-3] + "xyz").status_code == 403  # a changed token
        old = attest_links.make_link(
            ctx.settings, mail_request(ctx), issued_at=int(time.time()) - 15 * 86400
        ).removeprefix("https://kontera.example")
        expired = browser.get(old)
        assert expired.status_code == 403 and "utløpt" in expired.text
    assert "attest:link_opened" in actions(ctx, document["id"])


def mail_request(ctx: AppContext) -> str:
    (mail,) = mails(ctx)
    return mail.request_id


def test_a_refusing_smtp_server_keeps_the_mail_which_is_retried_and_shown(
    ctx: AppContext, api: ApiClient, sink: tuple[int, MailSink]
) -> None:
    _, inbox = sink
    inbox.refuse = True
    kari_attests_demo(ctx, api)
    document = api.upload(EHF)
    assert (
        api.get(f"/v1/documents/{document['id']}")["status"] == "attesting"
    )  # the request stands whatever the mail does
    (mail,) = mails(ctx)
    assert (mail.state, mail.attempts) == ("pending", 1)
    assert mail.last_error is not None and mail.last_error.startswith("451")
    assert "attest:mail_failed" in actions(ctx, document["id"])
    shown = api.get(f"/v1/documents/{document['id']}")["attestation"]["mail"]
    assert shown["state"] == "pending" and shown["last_error"].startswith("451")
    (listed,) = attest_mail_status.undelivered(ctx, company_id=api.company_id)
    assert listed.recipient == "kari@demo.no" and listed.attempts == 1

    assert attest_reminders.run_schedule(ctx) == 0  # not due again yet: nothing is hammered
    inbox.refuse = False
    later = at(ctx, mail.next_attempt_at + timedelta(seconds=1))
    assert attest_reminders.run_schedule(later) == 1
    (delivered,) = inbox.wait_for(1)
    assert delivered["To"] == "kari@demo.no"
    (mail,) = mails(ctx)
    assert (mail.state, mail.attempts, mail.last_error) == ("sent", 2, None)
    assert attest_mail_status.undelivered(ctx, company_id=api.company_id) == []


def test_a_mail_is_given_up_after_the_last_attempt_and_can_be_sent_again(
    ctx: AppContext, api: ApiClient, sink: tuple[int, MailSink]
) -> None:
    _, inbox = sink
    inbox.refuse = True
    limited = dataclasses.replace(
        ctx, settings=ctx.settings.model_copy(update={"attest_mail_max_attempts": 2})
    )
    kari_attests_demo(ctx, api)
    api.upload(EHF)
    (mail,) = mails(ctx)
    assert attest_reminders.run_schedule(at(limited, mail.next_attempt_at)) == 1
    (mail,) = mails(ctx)
    assert (mail.state, mail.attempts) == ("failed", 2)
    assert attest_reminders.run_schedule(at(limited, mail.next_attempt_at + timedelta(days=1))) == 0
    inbox.refuse = False
    attest_mail_status.send_again(ctx, company_id=api.company_id, mail_id=mail.id, actor="anne")
    inbox.wait_for(1)
    assert mails(ctx)[0].state == "sent"


def test_a_waiting_request_is_reminded_once_a_day_never_twice(
    ctx: AppContext, api: ApiClient, sink: tuple[int, MailSink]
) -> None:
    _, inbox = sink
    kari_attests_demo(ctx, api, remind_days_before_due=3)
    document = api.upload(EHF)
    inbox.wait_for(1)  # the request itself

    assert attest_reminders.run_schedule(at(ctx, DUE - timedelta(days=4))) == 0
    assert attest_reminders.queue_reminders(at(ctx, DUE - timedelta(days=4))) == []
    three_days_before = at(ctx, DUE - timedelta(days=3))
    attest_reminders.run_schedule(three_days_before)
    attest_reminders.run_schedule(three_days_before)
    attest_reminders.run_schedule(at(ctx, DUE - timedelta(days=3) + timedelta(hours=5)))
    received = inbox.wait_for(2)
    time.sleep(0.3)  # a second reminder, if one were sent, would have arrived by now
    assert len(inbox.messages) == 2
    reminder = received[1]
    assert reminder["Subject"].startswith("Påminnelse")
    assert link_in(reminder).startswith("https://kontera.example/attest/link/")
    assert actions(ctx, document["id"]).count("attest:reminded") == 1

    attest_reminders.run_schedule(at(ctx, DUE - timedelta(days=2)))  # the next day: one more
    inbox.wait_for(3)
    assert actions(ctx, document["id"]).count("attest:reminded") == 2


def test_no_reminder_once_the_invoice_is_attested(
    ctx: AppContext, api: ApiClient, sink: tuple[int, MailSink]
) -> None:
    from kontera.services.attest import attestation

    _, inbox = sink
    kari_attests_demo(ctx, api, remind_days_before_due=3)
    document = api.upload(EHF)
    inbox.wait_for(1)
    attestation.attest(
        ctx, company_id=api.company_id, document_id=document["id"], actor="kari@demo.no"
    )
    assert attest_reminders.queue_reminders(at(ctx, DUE)) == []
    assert attest_reminders.run_schedule(at(ctx, DUE)) == 0
    assert len(inbox.messages) == 1
