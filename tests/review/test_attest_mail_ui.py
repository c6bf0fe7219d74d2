"""Attestation from the e-mailed link, in a real browser, posted into all three ledgers.

GIVEN a company connected to Tripletex, PowerOffice Go or Fortnox (each fake on a loopback
      port), whose invoices with the buyer's reference DEMO go to Kari for attestation, and
      Kontera's outgoing mail going to the test's own SMTP server (aiosmtpd)
WHEN the invoice arrives
THEN Kari gets an e-mail; following its link in Chromium she signs in, lands on the attest
     page and attests; the bookkeeper opens it in the review page, picks department 20 (a
     cost centre in Fortnox) and project 1001 from the ledger's dimensions and approves; and
     the voucher reaches the ledger with them in that ledger's own fields.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kontera.config import Settings
from kontera.domain.ledger import DimensionKind
from kontera.domain.ledger import LedgerDimension
from kontera.services.admin import users
from kontera.services.attest import settings as attest_settings
from kontera.services.context import AppContext
from kontera.services.sync.ledger_records import store_dimensions
from kontera.store import repo
from kontera.store.db import session_scope
from tests.mailsink import MailSink
from tests.mailsink import link_in
from tests.mailsink import mail_sink
from tests.review.conftest import PASSWORD
from tests.review.conftest import LiveServer
from tests.review.test_acceptance_ui import sign_in
from tests.servers import asgi_server
from tests.servers import free_port
from tests.services.test_dimension_posting import FAKES
from tests.services.test_dimension_posting import NOK_EHF
from tests.services.test_dimension_posting import SEK_EHF
from tests.services.test_dimension_posting import SYSTEMS
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


def ledger_dimensions(ctx: AppContext, company_id: str, system: str) -> None:
    """The departments (Fortnox: cost centres) and projects the ledger sync reads."""
    unit = DimensionKind.COST_CENTRE if system == "fortnox" else DimensionKind.DEPARTMENT
    with session_scope(ctx.engine) as session:
        store_dimensions(
            session,
            company_id=company_id,
            dimensions=[
                LedgerDimension(unit, "10", "Salg"),
                LedgerDimension(unit, "20", "Drift"),
                LedgerDimension(DimensionKind.PROJECT, "1001", "Fiber"),
            ],
        )


def bookkeeper_approves_with_dimensions(
    ctx: AppContext, chromium: Any, server: LiveServer, company_id: str, document_id: str
) -> None:
    anne = users.create_user(
        ctx, email="anne@kunde.no", password=PASSWORD, role="approver", locale="nb",
        company_ids=[company_id],
    )  # fmt: skip
    page = sign_in(chromium, server, anne.email)
    page.goto(f"{server.url}/c/{company_id}/d/{document_id}")
    assert (
        "kari@kunde.no: Bestilt av avdeling 20" in page.locator("section.attestation").inner_text()
    )
    swedish = "Svensk" in page.inner_text("main")
    unit = "cost_centre" if swedish else "department"
    accounts = page.locator("input[name^='account_']")  # an account the ledger's fake keeps
    for i in range(accounts.count()):
        accounts.nth(i).fill("6212" if swedish else "6900")
    for kind, code in ((unit, "20"), ("project", "1001")):
        pickers = page.locator(f"select[data-name='dim_{kind}']")
        assert pickers.count() >= 1
        for i in range(pickers.count()):
            pickers.nth(i).select_option(code)
    page.click("#approve")
    page.wait_for_url(lambda url: f"/d/{document_id}" not in url)
    page.context.close()
    deadline = time.monotonic() + 30
    while status_of(ctx, company_id, document_id) in ("approved", "posting"):
        assert time.monotonic() < deadline
        time.sleep(0.2)


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
        ledger_dimensions(ctx, api.company_id, system)

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

        bookkeeper_approves_with_dimensions(ctx, chromium, server, api.company_id, document_id)
        document = api.get(f"/v1/documents/{document_id}")
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
