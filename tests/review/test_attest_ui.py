"""Attestation in a real browser (Debian's Chromium), in Norwegian.

GIVEN a company whose invoices with the buyer's reference DEMO go to Kari for attestation
WHEN Kari signs in, opens "Til attestering" and attests with a comment
THEN the invoice goes back to the bookkeeper, whose page shows the attestation, and the
     bookkeeper approves it; and where two people must act, the bookkeeper's second approval
     is refused on the page in words.
"""

from __future__ import annotations

from typing import Any

import pytest

from kontera.services.admin import users
from kontera.services.attest import settings as attest_settings
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from tests.conftest import FIXTURES
from tests.review.conftest import PASSWORD
from tests.review.conftest import Bureau
from tests.review.conftest import LiveServer
from tests.review.conftest import make_bureau
from tests.review.test_acceptance_ui import sign_in
from tests.review.test_acceptance_ui import upload

pytestmark = pytest.mark.live
EHF = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()  # buyer's reference DEMO, 6 848,75 NOK


def bureau_with_attestant(ctx: AppContext) -> tuple[Bureau, str]:
    fjord = make_bureau(
        ctx, bureau="Fjordbyrå", company="Demo Regnskap AS", org="999999905", email="anne@fjord.no"
    )
    kari = users.create_user(
        ctx,
        email="kari@demo.no",
        password=PASSWORD,
        role="attestant",
        locale="nb",
        company_ids=[fjord.company.id],
    )
    return fjord, kari.id


def status_of(ctx: AppContext, bureau: Bureau, document_id: str) -> str:
    with session_scope(ctx.engine) as session:
        found = repo.get_document(session, company_id=bureau.company.id, document_id=document_id)
        return found.status


def test_routed_to_the_attestant_attested_in_the_browser_then_approved(
    ctx: AppContext, live_server: LiveServer, chromium: Any
) -> None:
    fjord, kari = bureau_with_attestant(ctx)
    attest_settings.save(ctx, company_id=fjord.company.id, values={"enabled": True}, actor="t")
    attest_settings.add_rule(
        ctx, company_id=fjord.company.id, kind="buyer_reference", value="DEMO",
        attestant_id=kari, actor="test",
    )  # fmt: skip
    document_id = upload(live_server, fjord, EHF, "ehf-01.xml")
    assert status_of(ctx, fjord, document_id) == "attesting"

    page = sign_in(chromium, live_server, "kari@demo.no")
    page.get_by_role("link", name="Til attestering").click()
    row = page.locator("table.attest-list tr.row")
    assert row.count() == 1
    assert "kjøpers referanse er DEMO" in row.inner_text()
    row.get_by_role("link").click()
    page.wait_for_url(f"**/d/{document_id}/attest")
    assert "6\u00a0848,75" in page.locator("#attest-amount").inner_text()
    page.fill("#attest-comment", "Bestilt av meg")
    page.click("#attest")
    page.wait_for_url(f"{live_server.url}/attest")
    assert "Ingenting venter på din attestering." in page.inner_text("main")
    assert status_of(ctx, fjord, document_id) in ("suggested", "needs_review")

    bookkeeper = sign_in(chromium, live_server, fjord.user_email)
    bookkeeper.goto(f"{live_server.url}/c/{fjord.company.id}/d/{document_id}")
    section = bookkeeper.locator("section.attestation").inner_text()
    assert "Attestert" in section and "kari@demo.no: Bestilt av meg" in section
    bookkeeper.click("#approve")
    bookkeeper.wait_for_url(lambda url: f"/d/{document_id}" not in url)
    assert status_of(ctx, fjord, document_id) in ("approved", "posting", "posted")


def test_the_attestant_refuses_with_a_comment(
    ctx: AppContext, live_server: LiveServer, chromium: Any
) -> None:
    fjord, kari = bureau_with_attestant(ctx)
    attest_settings.save(
        ctx, company_id=fjord.company.id, values={"enabled": True, "default_attestant": kari},
        actor="test",
    )  # fmt: skip
    document_id = upload(live_server, fjord, EHF, "ehf-01.xml")
    page = sign_in(chromium, live_server, "kari@demo.no")
    page.goto(f"{live_server.url}/c/{fjord.company.id}/d/{document_id}/attest")
    page.click("#refuse")  # without a comment: refused in words, nothing changes
    assert "Si hvorfor du avviser fakturaen" in page.inner_text("main")
    assert status_of(ctx, fjord, document_id) == "attesting"
    page.go_back()
    page.fill("#attest-comment", "Ikke bestilt av oss")
    page.click("#refuse")
    page.wait_for_url(f"{live_server.url}/attest")
    assert status_of(ctx, fjord, document_id) == "needs_review"


def test_the_same_person_cannot_approve_twice_over_the_limit_on_the_page(
    ctx: AppContext, live_server: LiveServer, chromium: Any
) -> None:
    fjord, _ = bureau_with_attestant(ctx)
    attest_settings.save(
        ctx, company_id=fjord.company.id, values={"two_person_limit": "5000"}, actor="test"
    )
    document_id = upload(live_server, fjord, EHF, "ehf-01.xml")
    page = sign_in(chromium, live_server, fjord.user_email)
    url = f"{live_server.url}/c/{fjord.company.id}/d/{document_id}"
    page.goto(url)
    page.click("#approve")  # Anne's approval stands as her attestation
    page.wait_for_url(lambda u: f"/d/{document_id}" not in u)
    assert status_of(ctx, fjord, document_id) in ("suggested", "needs_review")
    page.goto(url)
    assert "Attestert" in page.locator("section.attestation").inner_text()
    page.click("#approve")
    page.locator("#live").wait_for()
    assert "en annen person må godkjenne den" in page.inner_text("#live")
    assert status_of(ctx, fjord, document_id) in ("suggested", "needs_review")
