"""A company's attestation set-up on its settings page, in Chromium, in Norwegian.

GIVEN a bureau administrator and an attestant with access to one company
WHEN the administrator opens the company's attestation page and turns attestation on with a
     default attestant, a two-person limit, reminders, a rule and a personal limit
THEN the services hold exactly that, each change is an audit event, a bookkeeper sees the
     page but cannot change it, and a form posted without the page's CSRF token is refused.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlmodel import select

from kontera.services.admin import users
from kontera.services.attest import settings as attest_settings
from kontera.services.context import AppContext
from kontera.store.db import session_scope
from kontera.store.tables import AuditEvent
from tests.review.conftest import PASSWORD
from tests.review.conftest import LiveServer
from tests.review.conftest import make_bureau
from tests.review.test_acceptance_ui import sign_in

pytestmark = pytest.mark.live


def settings_actions(ctx: AppContext, company_id: str) -> list[str]:
    with session_scope(ctx.engine) as session:
        query = select(AuditEvent.action).where(AuditEvent.company_id == company_id)
        return [action for action in session.exec(query) if action.startswith("settings:attest")]


def test_an_administrator_sets_up_attestation_on_the_page(
    ctx: AppContext, live_server: LiveServer, chromium: Any
) -> None:
    fjord = make_bureau(
        ctx, bureau="Fjordbyrå", company="Demo Regnskap AS", org="999999905",
        email="admin@fjord.no", role="admin", history=False,
    )  # fmt: skip
    company_id = fjord.company.id
    kari = users.create_user(
        ctx, email="kari@demo.no", password=PASSWORD, role="attestant", company_ids=[company_id]
    )
    page = sign_in(chromium, live_server, "admin@fjord.no")
    page.goto(f"{live_server.url}/c/{company_id}/settings")
    page.click("#attestation-settings")
    page.wait_for_url(f"**/c/{company_id}/attestation")

    page.check("#attest-enabled")
    page.select_option("#default_attestant", label="kari@demo.no")
    page.fill("#two_person_limit", "50 000")
    page.check("#two_person_new_supplier")
    page.fill("#remind_days_before_due", "5")
    page.click("#save-attest-switches")
    page.wait_for_url("**/attestation?saved=1")
    assert "Lagret." in page.inner_text("main")
    setup = attest_settings.load(ctx, company_id=company_id)
    assert setup.enabled and setup.default_attestant == kari.id
    assert setup.two_person_limit == Decimal("50000.00")
    assert setup.two_person_new_supplier and not setup.two_person_bank_change
    assert setup.remind_days_before_due == 5

    page.select_option("#rule-kind", "buyer_reference")
    page.fill("#rule-value", "DEMO")
    page.select_option("#rule-attestant", label="kari@demo.no")
    page.click("#add-rule-button")
    page.wait_for_url("**/attestation?saved=1#rules")
    row = page.locator("table.attest-rules tr.row")
    assert row.count() == 1 and "kjøpers referanse er DEMO" in row.inner_text()
    (rule,) = attest_settings.list_rules(ctx, company_id=company_id)
    assert (rule.kind, rule.value, rule.attestant_id) == ("buyer_reference", "DEMO", kari.id)

    page.get_by_label("Grense for kari@demo.no (tomt: ingen grense)").fill("10 000")
    page.get_by_label("Grense for kari@demo.no (tomt: ingen grense)").press("Enter")
    page.wait_for_url("**/attestation?saved=1#limits")
    assert attest_settings.limits(ctx, company_id=company_id) == {kari.id: Decimal("10000.00")}

    row.get_by_role("button", name="Fjern").click()
    page.wait_for_url("**/attestation?saved=1#rules")
    assert "Ingen regler ennå." in page.inner_text("#rules")
    assert attest_settings.list_rules(ctx, company_id=company_id) == []
    assert sorted(set(settings_actions(ctx, company_id))) == [
        "settings:attest_limit",
        "settings:attest_rule_added",
        "settings:attest_rule_removed",
        "settings:attestation",
    ]

    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    forged = httpx.post(
        f"{live_server.url}/c/{company_id}/attestation",
        data={"enabled": "", "remind_days_before_due": "0"},
        cookies=cookies,
        headers={"sec-fetch-mode": "navigate"},
    )
    assert forged.status_code == 403
    assert attest_settings.load(ctx, company_id=company_id).enabled


def test_a_bookkeeper_sees_the_set_up_but_cannot_change_it(
    ctx: AppContext, live_server: LiveServer, chromium: Any
) -> None:
    fjord = make_bureau(
        ctx, bureau="Fjordbyrå", company="Demo Regnskap AS", org="999999905",
        email="anne@fjord.no", role="approver", history=False,
    )  # fmt: skip
    page = sign_in(chromium, live_server, "anne@fjord.no")
    page.goto(f"{live_server.url}/c/{fjord.company.id}/attestation")
    assert page.locator("#attest-enabled").is_disabled()
    assert page.locator("#add-rule").count() == 0
    assert "Bare administratorer kan endre dette." in page.inner_text("main")
