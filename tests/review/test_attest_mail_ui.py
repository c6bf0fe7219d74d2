"""Attestation from the e-mailed link, in a real browser, posted into all three ledgers.

GIVEN a company connected to Tripletex, PowerOffice Go or Fortnox (each fake on a loopback
      port), whose invoices with the buyer's reference DEMO go to Kari for attestation, and
      Kontera's outgoing mail going to the test's own SMTP server (aiosmtpd)
WHEN the invoice arrives
THEN Kari gets an e-mail; following its link in Chromium she signs in, lands on the attest
     page and attests; the bookkeeper approves it with department 20 and project 1001; and
     the voucher reaches the ledger with them in that ledger's own fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kontera.config import Settings
from kontera.services import attest_settings
from kontera.services import users
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from tests.mailsink import MailSink
from tests.mailsink import link_in
from tests.mailsink import mail_sink
from tests.review.conftest import PASSWORD
from tests.review.conftest import LiveServer
from tests.servers import asgi_server
from tests.servers import free_port
from tests.services.test_dimension_posting import FAKES
from tests.services.test_dimension_posting import NOK_EHF
from tests.services.test_dimension_posting import SEK_EHF
from tests.services.test_dimension_posting import SYSTEMS
from tests.services.test_dimension_posting import approve_with
from tests.services.test_dimension_posting import connect
from tests.services.test_dimension_posting import cost_lines
from tests.services.test_dimension_posting import ledger_settings

pytestmark = pytest.mark.live
SECRET = "attest-mail-browser-secret-key-0123456789"


@pytest.fixture(params=SYSTEMS)
def ledger(request: pytest.FixtureRequest) -> Iterator[tuple[str, Any, str]]:
    fake = FAKES[request.param]()
    with asgi_server(fake) as url:
        yield request.param, fake, url


@pytest.fixture
def sink() -> Iterator[tuple[int, MailSink]]:
    with mail_sink() as found:
        yield found


@pytest.fixture
def web_port() -> int:
    return free_port()


@pytest.fixture
def settings(
    tmp_path: Path, ledger: tuple[str, Any, str], sink: tuple[int, MailSink], web_port: int
) -> Settings:
    return ledger_settings(tmp_path, ledger).model_copy(
        update={
            "secret_key": SECRET,
            "mail_relay_host": "127.0.0.1",
            "mail_relay_port": sink[0],
            "public_url": f"http://127.0.0.1:{web_port}",
        }
    )


def status_of(ctx: AppContext, company_id: str, document_id: str) -> str:
    with session_scope(ctx.engine) as session:
        return repo.get_document(session, company_id=company_id, document_id=document_id).status


def test_attested_from_the_mailed_link_then_approved_and_posted_with_its_dimensions(
    ctx: AppContext,
    ledger: tuple[str, Any, str],
    sink: tuple[int, MailSink],
    web_port: int,
    chromium: Any,
) -> None:
    from kontera.api.app import create_app

    system, fake, url = ledger
    _, inbox = sink
    with TestClient(create_app(ctx)) as client, LiveServer(ctx, port=web_port) as server:
        api = connect(ctx, client, system, fake, url)
        kari = users.create_user(
            ctx, email="kari@kunde.no", password=PASSWORD, role="attestant", locale="nb",
            company_ids=[api.company_id],
        )  # fmt: skip
        attest_settings.save(ctx, company_id=api.company_id, values={"enabled": True}, actor="t")
        attest_settings.add_rule(
            ctx, company_id=api.company_id, kind="buyer_reference", value="DEMO",
            attestant_id=kari.id, actor="test",
        )  # fmt: skip
        document_id = api.upload(SEK_EHF if system == "fortnox" else NOK_EHF)["id"]
        assert status_of(ctx, api.company_id, document_id) == "attesting"

        (mail,) = inbox.wait_for(1)
        assert mail["To"] == "kari@kunde.no"
        link = link_in(mail)
        assert link.startswith(f"{server.url}/attest/link/")

        page = chromium.new_context(locale="nb-NO").new_page()
        page.goto(link)
        assert "/login" in page.url  # the link signs nobody in
        page.fill("#email", "kari@kunde.no")
        page.fill("#password", PASSWORD)
        page.press("#password", "Enter")
        page.wait_for_url(f"**/d/{document_id}/attest")
        assert "kjøpers referanse er DEMO" in page.inner_text("main")
        page.fill("#attest-comment", "Bestilt av avdeling 20")
        page.click("#attest")
        page.wait_for_url(f"{server.url}/attest")
        page.context.close()
        assert status_of(ctx, api.company_id, document_id) in ("suggested", "needs_review")

        document = approve_with(api, document_id, system, {"department": "20", "project": "1001"})
    assert document["status"] == "posted", document["status_reason"]
    assert document["attestation"]["acted_by"] == "kari@kunde.no"
    lines = cost_lines(system, fake)
    assert lines
    for line in lines:
        if system == "tripletex":
            assert (line["department"]["id"], line["project"]["id"]) == (30_020, 41_001)
        elif system == "poweroffice":
            assert (line["DepartmentId"], line["ProjectId"]) == (10_020, 21_001)
        else:
            assert (line["CostCenter"], line["Project"]) == ("20", "1001")
