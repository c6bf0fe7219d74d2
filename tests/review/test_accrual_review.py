"""The accrual and the split line on the review page, posted into the ledger fakes.

GIVEN a company on a ledger fake (loopback port) and a bookkeeper signed in (nb)
WHEN  an annual subscription's page is opened, and its form sent as it is shown, or with the
      schedule changed (first month July, six months) or switched off; and when an invoice's
      one line is split across two accounts on the page
THEN  the page shows why the line is accrued, the prepaid account and every release; the form
      sent as shown is an unedited approval; a changed schedule posts its own releases; a
      line switched off posts straight to the cost account; and the split line arrives in
      the ledger as two postings with the amounts typed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kontera.config import Settings
from kontera.domain.accrual import month_end
from kontera.services.admin import users
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from tests.acceptance.matrix_inputs import NO
from tests.acceptance.matrix_inputs import SE
from tests.acceptance.matrix_inputs import Line
from tests.acceptance.matrix_inputs import Spec
from tests.acceptance.matrix_inputs import ubl
from tests.acceptance.test_accruals import ISSUED
from tests.acceptance.test_accruals import NET
from tests.acceptance.test_accruals import connect
from tests.acceptance.test_accruals import country_of
from tests.acceptance.test_accruals import ledger_rows
from tests.acceptance.test_accruals import make_fake
from tests.acceptance.test_accruals import subscription_ehf
from tests.conftest import ApiClient
from tests.fakes.fortnox import FakeFortnox
from tests.fakes.poweroffice import FakePowerOffice
from tests.fakes.tripletex import FakeTripletex
from tests.review.conftest import PASSWORD
from tests.review.ui_client import UiClient
from tests.servers import asgi_server


class ApproveForm(HTMLParser):
    """The approve form's fields as the browser would send them (checked boxes only)."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == "approve-form"
        elif tag == "input" and self.inside and a.get("name"):
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def approve_form(page: str) -> dict[str, str]:
    parser = ApproveForm()
    parser.feed(page)
    parser.fields.pop("csrf_token", None)
    return parser.fields


@pytest.fixture(params=["tripletex", "poweroffice", "fortnox_vouchers"])
def ledger(request: pytest.FixtureRequest) -> Iterator[tuple[str, Any, str]]:
    fake = make_fake(request.param)
    with asgi_server(fake) as url:
        yield request.param, fake, url


@pytest.fixture
def settings(tmp_path: Path, ledger: tuple[str, Any, str]) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        immediate_jobs=True,
        log_json=False,
        tripletex_consumer_token=FakeTripletex().consumer_token,
        poweroffice_application_key=FakePowerOffice().application_key,
        poweroffice_subscription_key=FakePowerOffice().subscription_key,
        fortnox_client_id=FakeFortnox().client_id,
        fortnox_client_secret=FakeFortnox().client_secret,
        fortnox_auth_url=f"{ledger[2]}/oauth-v1",
        posting_delay_seconds=0,
    )


@pytest.fixture
def signed_in(
    ctx: AppContext, ledger: tuple[str, Any, str]
) -> Iterator[tuple[ApiClient, UiClient]]:
    from kontera.web import create_web_app

    name, fake, url = ledger
    with TestClient(create_web_app(ctx)) as http:
        api = connect(ctx, http, name, fake, url)
        users.create_user(ctx, email="per@byra.no", password=PASSWORD, role="approver",
                          locale="nb", company_ids=[api.company_id])  # fmt: skip
        yield api, UiClient(http, "per@byra.no", PASSWORD)


def settled(api: ApiClient, document_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while (document := api.get(f"/v1/documents/{document_id}"))["status"] in (
        "approved",
        "posting",
        "received",
        "interpreted",
    ):
        assert time.monotonic() < deadline, document
        time.sleep(0.1)
    return document


def open_page(api: ApiClient, web: UiClient, document_id: str) -> str:
    settled(api, document_id)
    page = web.http.get(f"/c/{api.company_id}/d/{document_id}")
    assert page.status_code == 200, page.text
    return page.text


def approve(api: ApiClient, web: UiClient, document_id: str, form: dict[str, str]) -> None:
    sent = web.post(f"/c/{api.company_id}/d/{document_id}/approve", form)
    assert sent.status_code == 303, sent.text
    document = settled(api, document_id)
    assert document["status"] == "posted", document["status_reason"]


def edited(ctx: AppContext, document_id: str) -> bool:
    with session_scope(ctx.engine) as session:
        record = repo.voucher_for(session, document_id=document_id)
        assert record is not None
        return bool(record.payload["edited"])


def cost_account(ledger: str) -> str:
    return SE.account if ledger.startswith("fortnox") else NO.account


def test_the_schedule_is_shown_and_approved_as_shown_or_as_changed(
    ctx: AppContext, ledger: tuple[str, Any, str], signed_in: tuple[ApiClient, UiClient]
) -> None:
    name, fake, _ = ledger
    api, web = signed_in
    country = country_of(name)
    first = api.upload(subscription_ehf(country), "arsavgift.xml")["id"]
    page = open_page(api, web, first)
    assert "Periodiser over perioden" in page
    assert "Fakturaen gjelder" in page and "(fakturaperioden)" in page
    assert "Kostnadsføringer (12)" in page
    form = approve_form(page)
    assert form["accrual_on_0"] == "1" and form["accrual_months_0"] == "12"
    assert form["accrual_start_0"] == "2027-01"

    approve(api, web, first, form)  # as shown
    assert not edited(ctx, first)

    second_ehf = subscription_ehf(country, "AB-2027-B", Decimal("6000.00"))
    second = api.upload(second_ehf, "arsavgift-b.xml")["id"]
    form = approve_form(open_page(api, web, second))
    form.update({"accrual_start_0": "2027-07", "accrual_months_0": "6"})
    approve(api, web, second, form)
    assert edited(ctx, second)

    cost = cost_account(name)
    by_day: dict[date, list[Decimal]] = {}
    for _, day, account, amount in ledger_rows(name, fake):
        if account == cost and day > ISSUED:
            by_day.setdefault(day, []).append(amount)
    # The first invoice's twelve releases, and the second's six from July on.
    months = [month_end(2027, m) for m in range(1, 13)]
    assert {day: len(v) for day, v in by_day.items()} == {
        day: 1 if day.month < 7 else 2 for day in months
    }
    assert by_day[months[6]] == [Decimal("1000.00"), Decimal("1000.00")]
    assert sum((sum(v) for v in by_day.values()), Decimal(0)) == NET + Decimal("6000.00")


def test_an_accrual_switched_off_posts_the_line_to_its_cost_account(
    ctx: AppContext, ledger: tuple[str, Any, str], signed_in: tuple[ApiClient, UiClient]
) -> None:
    name, fake, _ = ledger
    api, web = signed_in
    document_id = api.upload(subscription_ehf(country_of(name)), "arsavgift.xml")["id"]
    form = approve_form(open_page(api, web, document_id))
    del form["accrual_on_0"]  # the box unticked: a browser sends nothing for it
    approve(api, web, document_id, form)

    rows = ledger_rows(name, fake)
    prepaid = "1790" if name.startswith("fortnox") else "1700"
    assert [r for r in rows if r[2] == prepaid] == []
    assert len({vid for vid, *_ in rows}) == 1


def test_a_split_line_posts_as_two_postings(
    ctx: AppContext, ledger: tuple[str, Any, str], signed_in: tuple[ApiClient, UiClient]
) -> None:
    name, fake, _ = ledger
    api, web = signed_in
    country = country_of(name)
    spec = Spec(
        number="DEL-1",
        seller=country.supplier,
        buyer=country.buyer,
        lines=[Line("Kontormøbler og rekvisita", Decimal("10000.00"))],
        currency="NOK" if country.code == "NO" else "SEK",
        payment=country.payment,
    )
    document_id = api.upload(ubl(spec), "del.xml")["id"]
    form = approve_form(open_page(api, web, document_id))
    assert form["lines"] == "1"
    other = "6540" if country.code == "NO" else "5410"
    if name.startswith("fortnox"):
        fake.accounts.add(int(other))
    # What the split dialog leaves in the form: 60 % on the line's account, the rest on another.
    form.update({"lines": "2", "amount_0": "6 000,00", "account_1": other, "amount_1": "4 000,00"})
    for name_ in ("vat_code", "description", "line_index"):
        form[f"{name_}_1"] = form[f"{name_}_0"]
    approve(api, web, document_id, form)

    cost = cost_account(name)
    rows = ledger_rows(name, fake)
    gross = name != "fortnox_vouchers"  # Tripletex and Go take gross lines
    factor = Decimal("1.25") if gross else Decimal(1)
    assert [a for _, _, acc, a in rows if acc == cost] == [Decimal("6000.00") * factor]
    assert [a for _, _, acc, a in rows if acc == other] == [Decimal("4000.00") * factor]
