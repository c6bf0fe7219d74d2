"""Acceptance: approve exactly what Kontera suggests, and every ledger takes it.

GIVEN a Norwegian company on Tripletex, one on PowerOffice Go, a Swedish company on Fortnox
      (vouchers) and one on Fortnox (supplier invoices) — each with ten months of posting
      history, and each again as a new company without any
WHEN each receives an EHF invoice, an EHF credit note, a born-digital PDF, a scan of it, an
     invoice in EUR, a service bought from abroad, an invoice with every VAT rate of its
     country, an invoice from a supplier it knows from history, and (the company without
     history) an invoice it has never seen the like of — through the API, read, suggested,
     approved *as suggested* (`POST /approve` with no body) and posted by the outbox
THEN every document is posted without refusal, each line carries the VAT code its invoice
     line calls for, and the KID/OCR, the bank account and the due date are in the fields
     the ledger's API has for them (docs/ledger-fields.md).

Every service is real except the ledgers and central banks, which are the HTTP fakes of
tests/fakes on loopback ports (they refuse what the real systems refuse). The fakes' charts
hold the accounts a company of that country uses: its history's, and the standard accounts
the cold-start model maps to. The same generated documents go to both ledgers of a country
(each company reads its own copy: interpretation is per company).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlparse

import httpx
import pytest
from fastapi.testclient import TestClient

from kontera.config import Settings
from kontera.services.admin import companies
from kontera.services.admin import users
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.post import connections
from kontera.services.suggest.history_files import import_history_file
from kontera.suggest.lexicon import CONCEPTS
from tests.acceptance.matrix_inputs import KINDS
from tests.acceptance.matrix_inputs import NO
from tests.acceptance.matrix_inputs import SE
from tests.acceptance.matrix_inputs import Cell
from tests.acceptance.matrix_inputs import cells
from tests.acceptance.matrix_inputs import history_csv
from tests.conftest import ApiClient
from tests.fakes.central_banks import FakeCentralBanks
from tests.fakes.fortnox import FakeFortnox
from tests.fakes.poweroffice import FakePowerOffice
from tests.fakes.tripletex import FakeTripletex
from tests.servers import asgi_server

LEDGERS = ("tripletex", "poweroffice", "fortnox_vouchers", "fortnox_supplier_invoices")
COUNTRY = {"tripletex": NO, "poweroffice": NO, "fortnox_vouchers": SE}
COUNTRY["fortnox_supplier_invoices"] = SE


@dataclass
class Outcome:
    """What happened to one cell: the document as the API shows it at the end."""

    ledger: str
    cell: Cell
    document: dict[str, Any]
    approve_status: int
    approve_body: dict[str, Any]


@dataclass
class Matrix:
    fakes: dict[str, Any]
    outcomes: dict[tuple[str, str], Outcome] = field(default_factory=dict)


def _settings(tmp: Path, urls: dict[str, str], fakes: dict[str, Any]) -> Settings:
    fortnox: FakeFortnox = fakes["fortnox_vouchers"]
    po: FakePowerOffice = fakes["poweroffice"]
    return Settings(
        data_dir=tmp / "data",
        immediate_jobs=True,
        log_json=False,
        tripletex_consumer_token=FakeTripletex().consumer_token,
        fortnox_client_id=fortnox.client_id,
        fortnox_client_secret=fortnox.client_secret,
        fortnox_auth_url=f"{urls['fortnox_vouchers']}/oauth-v1",
        poweroffice_application_key=po.application_key,
        poweroffice_subscription_key=po.subscription_key,
        norges_bank_url=f"{urls['banks']}/api",
        riksbank_url=f"{urls['banks']}/swea/v1",
    )


def _known_accounts(fakes: dict[str, Any]) -> None:
    """The ledgers' charts: NS 4102 / BAS standard accounts and the history's accounts."""
    no_accounts = {c.ns4102 for c in CONCEPTS} | {"6300", "6790", NO.account}
    se_accounts = {int(c.bas) for c in CONCEPTS} | {5010, 6540, int(SE.account)}
    for name in ("tripletex", "poweroffice"):
        fake = fakes[name]
        for number in sorted(no_accounts - set(fake.account_ids)):
            fake.account_ids[number] = 20_000 + int(number)
    for name in ("fortnox_vouchers", "fortnox_supplier_invoices"):
        fakes[name].accounts |= se_accounts


def _connect(ctx: AppContext, client: TestClient, ledger: str, name: str, url: str) -> None:
    fake = _FAKES[ledger]
    if ledger == "tripletex":
        connections.connect(
            ctx,
            company_name=name,
            system="tripletex",
            secret=fake.employee_token,
            settings={"base_url": f"{url}/v2"},
        )
    elif ledger == "poweroffice":
        connections.connect(
            ctx,
            company_name=name,
            system="poweroffice",
            secret=fake.client_key,
            settings={"base_url": f"{url}/v2", "token_url": f"{url}/OAuth/Token"},
        )
    else:
        _connect_fortnox(ctx, ledger, name, url)


def _connect_fortnox(ctx: AppContext, ledger: str, name: str, url: str) -> None:
    oauth: FakeFortnox = _FAKES["fortnox_vouchers"]  # Fortnox's one authorization server
    code = f"code-{name}"
    oauth.codes.add(code)
    admin = users.create_user(
        ctx,
        email=f"admin-{abs(hash(name))}@byra.se",
        password="long-enough-1",
        role="admin",
        company_ids=[companies.find_company(ctx, name).id],
    )
    authorize = connections.start_fortnox(ctx, company_name=name, user_id=admin.id)
    mode = "supplier_invoice" if ledger == "fortnox_supplier_invoices" else "voucher"
    connections.update_settings(ctx, company_name=name, settings={"base_url": url, "mode": mode})
    state = parse_qs(urlparse(authorize).query)["state"][0]
    with httpx.Client(timeout=10) as http:
        connections.finish_fortnox(ctx, state=state, code=code, user_id=admin.id, client=http)


_FAKES: dict[str, Any] = {}


def _company(
    ctx: AppContext, client: TestClient, ledger: str, url: str, *, history: bytes | None
) -> ApiClient:
    country = COUNTRY[ledger]
    suffix = "med historikk" if history else "ny"
    name = f"{country.buyer.name} {ledger} {suffix}"
    company = companies.create_company(
        ctx, name=name, org_number=country.buyer.org_number, country=country.code
    )
    key = companies.create_api_key(ctx, company_name=name).key
    if history:
        import_history_file(
            ctx, company_id=company.id, data=history, filename="history.csv", actor="test"
        )
    _connect(ctx, client, ledger, name, url)
    return ApiClient(client, key, company.id)


def _run_cell(api: ApiClient, ledger: str, cell: Cell) -> Outcome:
    created = api.upload(cell.data, cell.filename)
    response = api.http.post(f"/v1/documents/{created['id']}/approve", headers=api.headers)
    document = api.get(f"/v1/documents/{created['id']}")
    return Outcome(ledger, cell, document, response.status_code, response.json())


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    from kontera.api.app import create_app
    from kontera.jobs.queue import attach_queue

    fakes: dict[str, Any] = {
        "tripletex": FakeTripletex(),
        "poweroffice": FakePowerOffice(),
        "fortnox_vouchers": FakeFortnox(),
        "fortnox_supplier_invoices": FakeFortnox(),
        "banks": FakeCentralBanks(),
    }
    _FAKES.update(fakes)
    _known_accounts(fakes)
    documents = {"NO": cells(NO), "SE": cells(SE)}
    with contextlib.ExitStack() as stack:
        urls = {name: stack.enter_context(asgi_server(fake)) for name, fake in fakes.items()}
        # One authorization server for Kontera's one OAuth app; each company its own tenant.
        fakes["fortnox_supplier_invoices"].access = fakes["fortnox_vouchers"].access
        settings = _settings(tmp_path_factory.mktemp("matrix"), urls, fakes)
        ctx, _ = attach_queue(build_context(settings))
        found = Matrix(fakes)
        with TestClient(create_app(ctx)) as client:
            for ledger in LEDGERS:
                _run_ledger(ctx, client, ledger, urls[ledger], documents, found)
        ctx.engine.dispose()
        yield found
    _FAKES.clear()


def _run_ledger(
    ctx: AppContext,
    client: TestClient,
    ledger: str,
    url: str,
    documents: dict[str, dict[str, Cell]],
    found: Matrix,
) -> None:
    country = COUNTRY[ledger]
    mine = documents[country.code]
    extra = [s for cell in mine.values() for s in cell.history_suppliers]
    known = _company(ctx, client, ledger, url, history=history_csv(country, extra))
    fresh = _company(ctx, client, ledger, url, history=None)
    for kind in KINDS:
        api = fresh if kind == "without_history" else known
        found.outcomes[(ledger, kind)] = _run_cell(api, ledger, mine[kind])


CELLS = [(ledger, kind) for ledger in LEDGERS for kind in KINDS]


@pytest.mark.parametrize(("ledger", "kind"), CELLS)
def test_posted_as_suggested(matrix: Matrix, ledger: str, kind: str) -> None:
    outcome = matrix.outcomes[(ledger, kind)]
    document = outcome.document
    assert outcome.approve_status == 200, outcome.approve_body
    assert document["status"] == "posted", document["status_reason"]
    assert document["voucher"]["external_id"]


@pytest.mark.parametrize(("ledger", "kind"), CELLS)
def test_vat_codes_are_the_ones_the_invoice_calls_for(
    matrix: Matrix, ledger: str, kind: str
) -> None:
    outcome = matrix.outcomes[(ledger, kind)]
    suggested = [line["vat_code"] for line in outcome.document["suggestion"]["lines"]]
    assert sorted(suggested) == sorted(outcome.cell.codes)
    assert sorted(_posted_codes(matrix, outcome)) == sorted(outcome.cell.codes)


@pytest.mark.parametrize(("ledger", "kind"), CELLS)
def test_payment_details_land_where_the_ledger_has_a_field(
    matrix: Matrix, ledger: str, kind: str
) -> None:
    outcome = matrix.outcomes[(ledger, kind)]
    invoice = outcome.document["invoice"]
    payment, due = invoice["payment"], invoice["due_date"]
    if kind in ("ehf_invoice", "text_pdf", "mixed_rates"):
        assert payment["kid"] and due, "the document's own payment details were not read"
    CHECKS[ledger](matrix, outcome, payment, due)


# -- what each ledger shows ----------------------------------------------------------------


def _posted_codes(matrix: Matrix, outcome: Outcome) -> list[str]:
    """The VAT code of each cost line, read back from the ledger (Fortnox: from its rows)."""
    external = outcome.document["voucher"]["external_id"]
    fake = matrix.fakes[outcome.ledger]
    if outcome.ledger == "tripletex":
        numbers = {i: n for n, i in fake.vat_ids.items()}
        postings = fake.vouchers[int(external)]["postings"]
        return [
            numbers[p["vatType"]["id"]] for p in postings if "vatType" in p and not _generated(p)
        ]
    if outcome.ledger == "poweroffice":
        codes = {i: c for c, i in fake.vat_ids.items()}
        lines = fake.vouchers[external]["SupplierVoucherLines"]
        side = "Credit" if outcome.cell.credit_note else "Debit"
        return [codes[line[f"{side}VatId"]] for line in lines if not _generated(line)]
    return _fortnox_codes(matrix, outcome)


def _generated(line: dict[str, Any]) -> bool:
    """Rounding and prepayment lines Kontera adds carry no invoice line's code."""
    text = str(line.get("description") or line.get("Description") or "")
    return text in ("Øreavrunding", "Öresavrundning", "Forskuddsbetalt", "Förskottsbetalt")


def _fortnox_codes(matrix: Matrix, outcome: Outcome) -> list[str]:
    """Fortnox rows carry no VAT code: a code shows as its VAT account rows. Reverse charge
    books output VAT (2614) and the same input VAT (2645); domestic VAT is the input VAT row
    (2641) for exactly the invoice's VAT. With the rows right, the cost rows are at the codes
    the suggestion gave (which the other assertion holds to the invoice)."""
    rows = _fortnox_rows(matrix, outcome)
    accounts: dict[int, Decimal] = {}
    for row in rows:
        accounts[row["Account"]] = accounts.get(row["Account"], Decimal(0)) + _signed(row)
    if 2614 in accounts or 2645 in accounts:
        assert accounts[2645] == -accounts[2614] != 0
        assert 2641 not in accounts
    else:
        document_vat = Decimal(str(outcome.document["invoice"]["totals"]["vat"]))
        assert accounts.get(2641, Decimal(0)) == _in_sek(outcome, document_vat)
    return [line["vat_code"] for line in outcome.document["suggestion"]["lines"]]


def _fortnox_rows(matrix: Matrix, outcome: Outcome) -> list[dict[str, Any]]:
    fake: FakeFortnox = matrix.fakes[outcome.ledger]
    external = outcome.document["voucher"]["external_id"]
    if outcome.ledger == "fortnox_supplier_invoices":
        return list(fake.invoices[external]["SupplierInvoiceRows"])
    return list(fake.vouchers[external]["VoucherRows"])


def _signed(row: dict[str, Any]) -> Decimal:
    return Decimal(str(row.get("Debit", 0))) - Decimal(str(row.get("Credit", 0)))


def _in_sek(outcome: Outcome, amount: Decimal) -> Decimal:
    if outcome.document["invoice"]["currency"] == "SEK":
        return amount
    rate = Decimal("10.9760")  # the fake Riksbank's EUR rate for 2026-11-02
    return (amount * rate).quantize(Decimal("0.01"))


def _check_tripletex(matrix: Matrix, o: Outcome, payment: dict[str, Any], due: str) -> None:
    fake: FakeTripletex = matrix.fakes["tripletex"]
    voucher = fake.vouchers[int(o.document["voucher"]["external_id"])]
    payable = next(p for p in voucher["postings"] if p.get("supplier"))
    assert payable["invoiceNumber"] == o.document["invoice"]["invoice_number"]
    if due:
        assert payable["termOfPayment"] == due
    if payment["kid"]:
        assert f"KID {payment['kid']}" in payable["description"]  # no writable KID field
    supplier = fake.suppliers[payable["supplier"]["id"]]
    assert _account_registered(supplier.get("bankAccountPresentation") or [], payment)


def _account_registered(accounts: list[dict[str, str]], payment: dict[str, Any]) -> bool:
    wanted = {_compact(payment.get(k)) for k in ("bank_account", "iban")} - {""}
    have = {_compact(a.get(k)) for a in accounts for k in ("bban", "iban")} - {""}
    return bool(wanted & have)


def _compact(value: Any) -> str:
    return "".join(c for c in str(value or "") if c.isalnum()).upper()


def _check_poweroffice(matrix: Matrix, o: Outcome, payment: dict[str, Any], due: str) -> None:
    fake: FakePowerOffice = matrix.fakes["poweroffice"]
    voucher = fake.vouchers[o.document["voucher"]["external_id"]]
    number_field = "CreditNoteNo" if o.cell.credit_note else "InvoiceNo"
    assert voucher[number_field] == o.document["invoice"]["invoice_number"]
    if payment["kid"]:
        assert voucher["Cid"] == payment["kid"]
    if due and not o.cell.credit_note:
        assert voucher["DueDate"] == due
    account = fake.bank_accounts[voucher["SupplierBankAccountId"]]
    wanted = {_compact(payment.get(k)) for k in ("bank_account", "iban")} - {""}
    assert _compact(account["BankAccountNumber"]) in wanted


def _check_fortnox_invoices(matrix: Matrix, o: Outcome, payment: dict[str, Any], due: str) -> None:
    fake: FakeFortnox = matrix.fakes["fortnox_supplier_invoices"]
    invoice = fake.invoices[o.document["voucher"]["external_id"]]
    assert invoice["Booked"] is True
    assert invoice["InvoiceNumber"] == o.document["invoice"]["invoice_number"]
    if due:
        assert invoice["DueDate"] == due
    if payment["kid"]:
        assert invoice["OCR"] == payment["kid"]
    supplier = fake.suppliers[invoice["SupplierNumber"]]
    registered = {_compact(supplier.get(k)) for k in ("BankAccountNumber", "BG", "PG", "IBAN")} - {
        ""
    }
    wanted = {
        _compact(payment.get(k)) for k in ("bank_account", "bankgiro", "plusgiro", "iban")
    } - {""}
    assert wanted & registered


def _check_fortnox_vouchers(matrix: Matrix, o: Outcome, payment: dict[str, Any], due: str) -> None:
    """A Fortnox voucher has no field for payment details (see docs/ledger-fields.md)."""
    fake: FakeFortnox = matrix.fakes["fortnox_vouchers"]
    voucher = fake.vouchers[o.document["voucher"]["external_id"]]
    assert o.document["invoice"]["invoice_number"] in voucher["Description"]


CHECKS = {
    "tripletex": _check_tripletex,
    "poweroffice": _check_poweroffice,
    "fortnox_supplier_invoices": _check_fortnox_invoices,
    "fortnox_vouchers": _check_fortnox_vouchers,
}
