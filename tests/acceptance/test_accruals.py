"""Acceptance: an annual subscription is booked to prepaid expenses and released monthly.

GIVEN a company on Tripletex, on PowerOffice Go or on Fortnox (vouchers or supplier
      invoices), each with ten months of history for the supplier, and the ledger's chart
      holding the prepaid-expenses account (1700 NS 4102 / 1790 BAS)
WHEN an EHF for a year's subscription (invoice period 2027-01-01…2027-12-31, BT-73/74),
     issued in December 2026, is uploaded, and approved exactly as Kontera suggests it
     (`POST /approve` with no body)
THEN the suggestion proposes the accrual with its reason and twelve monthly releases; the
     invoice's voucher puts the net amount on prepaid expenses; twelve release vouchers
     follow, one per month, each dated the last day of its month and moving that month's
     share from prepaid expenses to the cost account; prepaid expenses end at zero and the
     cost account at the net amount.

The ledgers are the HTTP fakes of tests/fakes on loopback ports (they refuse what the real
systems refuse); the EHF is made by the project's own generator (fixtures/ehf_invoice.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from kontera.config import Settings
from kontera.domain.accrual import month_end
from kontera.services.admin import companies
from kontera.services.admin import users
from kontera.services.context import AppContext
from kontera.services.post import connections
from kontera.services.suggest.history_files import import_history_file
from kontera.store.db import session_scope
from kontera.store.tables import VoucherRecord
from tests.acceptance.matrix_inputs import NO
from tests.acceptance.matrix_inputs import SE
from tests.acceptance.matrix_inputs import Country
from tests.acceptance.matrix_inputs import Line  # the generator in fixtures/ehf_invoice.py
from tests.acceptance.matrix_inputs import Spec
from tests.acceptance.matrix_inputs import history_csv
from tests.acceptance.matrix_inputs import ubl
from tests.conftest import ApiClient
from tests.fakes.fortnox import FakeFortnox
from tests.fakes.poweroffice import EPOCH as PO_EPOCH
from tests.fakes.poweroffice import FakePowerOffice
from tests.fakes.tripletex import FakeTripletex
from tests.servers import asgi_server

LEDGERS = ("tripletex", "poweroffice", "fortnox_vouchers", "fortnox_supplier_invoices")
NET = Decimal("11999.99")  # a year that does not divide evenly: the last month takes the cent
PERIOD = (date(2027, 1, 1), date(2027, 12, 31))
ISSUED = date(2026, 12, 14)


def country_of(ledger: str) -> Country:
    return SE if ledger.startswith("fortnox") else NO


def subscription_ehf(country: Country, number: str = "AB-2027", net: Decimal = NET) -> bytes:
    item = "Programvarelisens årsabonnement" if country.code == "NO" else "Programvarulicens år"
    spec = Spec(
        number=number,
        seller=country.supplier,
        buyer=country.buyer,
        lines=[Line(item, net)],
        issue_date=ISSUED,
        currency="NOK" if country.code == "NO" else "SEK",
        payment=country.payment,
        period=PERIOD,
    )
    return ubl(spec)


def make_fake(ledger: str) -> Any:
    if ledger == "tripletex":
        fake: Any = FakeTripletex()
    elif ledger == "poweroffice":
        # Go's timestamps on the real clock: the lookup after a lost answer searches by them.
        fake = FakePowerOffice(clock=lambda: (datetime.now(UTC) - PO_EPOCH).total_seconds())
    else:
        fake = FakeFortnox()
        fake.years[3] = ("2027-01-01", "2027-12-31")  # the books of the coming year are open
        fake.accounts |= {1790, int(SE.account)}
        return fake
    for number in ("1700", NO.account):  # the company's chart (NS 4102)
        fake.account_ids.setdefault(number, 20_000 + int(number))
    return fake


@pytest.fixture(params=LEDGERS)
def ledger(request: pytest.FixtureRequest) -> Iterator[tuple[str, Any, str]]:
    fake = make_fake(request.param)
    with asgi_server(fake) as url:
        yield request.param, fake, url


@pytest.fixture
def settings(tmp_path: Path, ledger: tuple[str, Any, str]) -> Settings:
    _, _, url = ledger
    return Settings(
        data_dir=tmp_path / "data",
        immediate_jobs=True,
        log_json=False,
        tripletex_consumer_token=FakeTripletex().consumer_token,
        poweroffice_application_key=FakePowerOffice().application_key,
        poweroffice_subscription_key=FakePowerOffice().subscription_key,
        fortnox_client_id=FakeFortnox().client_id,
        fortnox_client_secret=FakeFortnox().client_secret,
        fortnox_auth_url=f"{url}/oauth-v1",
    )


def connect(ctx: AppContext, client: TestClient, ledger: str, fake: Any, url: str) -> ApiClient:
    country = country_of(ledger)
    name = f"{country.buyer.name} {ledger}"
    company = companies.create_company(
        ctx, name=name, org_number=country.buyer.org_number, country=country.code
    )
    key = companies.create_api_key(ctx, company_name=name).key
    import_history_file(
        ctx, company_id=company.id, data=history_csv(country, []), filename="h.csv", actor="test"
    )
    if ledger.startswith("fortnox"):
        admin = users.create_user(
            ctx, email="anna@byra.se", password="long-enough-1", role="admin",
            company_ids=[company.id],
        )  # fmt: skip
        authorize = connections.start_fortnox(ctx, company_name=name, user_id=admin.id)
        mode = "supplier_invoice" if ledger == "fortnox_supplier_invoices" else "voucher"
        options = {"base_url": url, "mode": mode}
        connections.update_settings(ctx, company_name=name, settings=options)
        state = parse_qs(urlparse(authorize).query)["state"][0]
        client.cookies.set(users.SESSION_COOKIE, users.start_session(ctx, user=admin).token)
        answer = client.get(
            "/connect/fortnox/callback", params={"state": state, "code": "auth-code-1"}
        )
        assert answer.status_code == 200, answer.text
        client.cookies.clear()
    else:
        settings = {"base_url": f"{url}/v2"}
        if ledger == "poweroffice":
            settings["token_url"] = f"{url}/OAuth/Token"
        secret = fake.employee_token if ledger == "tripletex" else fake.client_key
        connections.connect(ctx, company_name=name, system=ledger, secret=secret, settings=settings)
    return ApiClient(client, key, company.id)


def wait_until_settled(ctx: AppContext, api: ApiClient, document_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while (document := api.get(f"/v1/documents/{document_id}"))["status"] in (
        "approved",
        "posting",
    ):
        assert time.monotonic() < deadline, posting_state(ctx, document)
        time.sleep(0.1)
    return document


def posting_state(ctx: AppContext, document: dict[str, Any]) -> str:
    """Why a voucher is still posting: its outbox row and every call it made."""
    with session_scope(ctx.engine) as session:
        record = session.exec(select(VoucherRecord)).one()
        row = (record.state, record.attempts, record.last_error, record.next_attempt_at)
    calls = [
        (e["detail"].get("method"), e["detail"].get("url"), e["detail"].get("outcome"))
        for e in document["events"]
        if e["action"] == "outbound:call"
    ]
    return f"voucher {row}; calls {calls}"


def ledger_rows(ledger: str, fake: Any) -> list[tuple[str, date, str, Decimal]]:
    """Every row the fake holds as (voucher id, date, account, signed amount), VAT rows and
    the supplier's row included."""
    rows: list[tuple[str, date, str, Decimal]] = []
    if ledger == "tripletex":
        accounts = {i: n for n, i in fake.account_ids.items()}
        for vid, v in fake.vouchers.items():
            day = date.fromisoformat(v["date"])
            for p in v["postings"]:
                amount = Decimal(str(p["amountGross"]))
                rows.append((str(vid), day, accounts[p["account"]["id"]], amount))
        return rows
    if ledger == "poweroffice":
        accounts = {i: n for n, i in fake.account_ids.items()}
        for vid, v in fake.vouchers.items():
            day = date.fromisoformat(v["VoucherDate"])
            for line in v.get("VoucherLines") or []:
                rows.append((vid, day, accounts[line["AccountId"]],
                             Decimal(str(line["CurrencyAmount"]))))  # fmt: skip
            for line in v.get("SupplierVoucherLines") or []:  # each line's side by its fields
                side = "Debit" if "DebitAccountId" in line else "Credit"
                amount = Decimal(str(line["CurrencyAmount"])) * (1 if side == "Debit" else -1)
                rows.append((vid, day, accounts[line[f"{side}AccountId"]], amount))
                rows.append((vid, day, "supplier", -amount))
        return rows
    for vid, v in {**fake.vouchers, **fake.invoices}.items():
        day = date.fromisoformat(v.get("TransactionDate") or v["InvoiceDate"])
        for r in v.get("VoucherRows") or v.get("SupplierInvoiceRows") or []:
            amount = Decimal(str(r.get("Debit", 0))) - Decimal(str(r.get("Credit", 0)))
            rows.append((vid, day, str(r["Account"]), amount))
    return rows


def balance(rows: list[tuple[str, date, str, Decimal]], account: str) -> Decimal:
    return sum((amount for _, _, acc, amount in rows if acc == account), Decimal(0))


def test_an_annual_subscription_is_released_month_by_month(
    ctx: AppContext, ledger: tuple[str, Any, str]
) -> None:
    from kontera.api.app import create_app

    name, fake, url = ledger
    country = country_of(name)
    prepaid = "1790" if country.code == "SE" else "1700"
    with TestClient(create_app(ctx)) as client:
        api = connect(ctx, client, name, fake, url)
        created = api.upload(subscription_ehf(country), "arsabonnement.xml")
        suggested = api.get(f"/v1/documents/{created['id']}")["suggestion"]["lines"]
        response = api.http.post(f"/v1/documents/{created['id']}/approve", headers=api.headers)
        assert response.status_code == 200, response.text
        document = wait_until_settled(ctx, api, created["id"])

    assert document["status"] == "posted", document["status_reason"]
    (line,) = suggested
    accrual = line["accrual"]
    assert accrual["account"] == prepaid and accrual["source"] == "invoice_period"
    assert len(accrual["releases"]) == 12
    assert sum(Decimal(r["amount"]) for r in accrual["releases"]) == NET

    rows = ledger_rows(name, fake)
    cost = line["account"]
    months = [month_end(2027, m) for m in range(1, 13)]
    releases = [(day, amount) for _, day, acc, amount in rows if acc == cost and day in months]
    assert sorted(day for day, _ in releases) == months  # one release in each month
    assert {amount for _, amount in releases[:-1]} == {Decimal("1000.00")}
    assert sorted(amount for _, amount in releases)[0] == Decimal("999.99")
    # Prepaid expenses filled on the invoice's date and emptied by the twelfth release.
    filled = [a for _, day, acc, a in rows if acc == prepaid and day == ISSUED]
    assert filled == [NET]
    assert balance(rows, prepaid) == 0
    # Tripletex and Go take gross cost lines (they split the VAT out); Fortnox has VAT rows.
    vat = Decimal("3000.00") if name in ("tripletex", "poweroffice") else Decimal(0)
    assert balance(rows, cost) == NET + vat
    vouchers = {vid for vid, *_ in rows}
    assert len(vouchers) == 1 + 12
