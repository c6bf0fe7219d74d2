"""The user's path with a connected ledger, end to end: connect → sync → invoice → suggestion
→ approve as suggested → posted into the ledger; and what happens when the ledger closes the
account the history points to.

GIVEN a new company (no file imported, no history of its own) connected to a fake Tripletex,
PowerOffice Go or Fortnox on a loopback port, holding books generated from real posting
history, WHEN the connection's first sync runs (queued, as the connect button and the Fortnox
callback queue it) and an e-invoice from a supplier of those books arrives through the API,
THEN it is suggested the account that supplier's history uses, and approving exactly that
suggestion posts a voucher the ledger accepts on that account.

WHEN the ledger then closes that account and the next (scheduled) sync runs, THEN the
supplier's next invoice, already waiting, is suggested again with an open account and a reason
that says why, and is posted as suggested; an approval that names the closed account — or an
account the ledger does not have — is refused before anything is sent to the ledger.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col
from sqlmodel import select

from kontera.config import Settings
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import PostingHistory
from kontera.store.tables_sync import SyncRun
from tests.conftest import ApiClient
from tests.fakes.books_invoices import next_invoice
from tests.fakes.books_invoices import steady_supplier
from tests.fakes.books_invoices import usual_account
from tests.fakes.ledger_rig import LedgerRig
from tests.fakes.ledger_rig import connected_rig
from tests.fakes.ledger_rig import rig_settings
from tests.services.test_ledger_sync import ORG
from tests.services.test_ledger_sync import books_for
from tests.services.test_ledger_sync import company_for

SYSTEMS = ["tripletex", "poweroffice", "fortnox"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return rig_settings(tmp_path / "data")


@pytest.mark.parametrize("system", SYSTEMS)
def test_connect_sync_suggest_approve_post(ctx: AppContext, system: str) -> None:
    from kontera.api.app import create_app

    books = books_for(system, lines=1500)
    company_id = company_for(ctx, books)
    supplier = steady_supplier(books, share=0.8)
    usual = usual_account(books, supplier)
    with (
        connected_rig(ctx, company_id, system, books, serve=True) as rig,
        TestClient(create_app(ctx)) as http,
    ):
        api = api_client(ctx, http, company_id)
        ctx.queue.sync_company(company_id, True, "connect")
        assert last_run(ctx, company_id) == ("connect", "succeeded")
        assert history_sources(ctx, company_id) == {system}  # nothing imported by hand

        first = receive(api, next_invoice(books, supplier, ORG[books.country], "K-1"))
        line = first["suggestion"]["lines"][0]
        assert line["account"] == usual, line["reason"]
        posted = approve(api, first["id"])
        assert cost_accounts(rig, posted) == {usual}

        waiting = receive(api, next_invoice(books, supplier, ORG[books.country], "K-2", back=1))
        assert waiting["suggestion"], (waiting["status"], waiting["status_reason"])
        assert waiting["suggestion"]["lines"][0]["account"] == usual
        books.deactivate_account(usual)
        ctx.queue.sync_company(company_id, False, "schedule")
        assert last_run(ctx, company_id) == ("schedule", "succeeded")

        again = api.get(f"/v1/documents/{waiting['id']}")
        line = again["suggestion"]["lines"][0]
        assert line["account"] not in (None, usual), line
        assert f"{usual} is closed for posting" in line["reason"]

        sent = vouchers_in(rig)
        for account in (usual, "9989"):
            status, body = approve_with(api, waiting["id"], account, line["vat_code"])
            assert status == 422 and body["error"] == "voucher_refused", body
            assert account in body["message"]
        assert vouchers_in(rig) == sent  # refused before anything reached the ledger

        posted = approve(api, waiting["id"])
        assert cost_accounts(rig, posted) == {line["account"]}


def api_client(ctx: AppContext, http: TestClient, company_id: str) -> ApiClient:
    with session_scope(ctx.engine) as session:
        slug = repo.get_company(session, company_id=company_id).slug
    return ApiClient(http, companies.create_api_key(ctx, company_name=slug).key, company_id)


def last_run(ctx: AppContext, company_id: str) -> tuple[str, str]:
    with session_scope(ctx.engine) as session:
        run = session.exec(
            select(SyncRun)
            .where(SyncRun.company_id == company_id)
            .order_by(col(SyncRun.started_at).desc())
        ).first()
        assert run is not None
        assert run.error is None, run.error
        return run.trigger, run.state


def history_sources(ctx: AppContext, company_id: str) -> set[str]:
    with session_scope(ctx.engine) as session:
        return set(
            session.exec(
                select(PostingHistory.source)
                .where(PostingHistory.company_id == company_id)
                .distinct()
            ).all()
        )


def receive(api: ApiClient, data: bytes) -> dict[str, Any]:
    return api.get(f"/v1/documents/{api.upload(data, 'invoice.xml')['id']}")


def approve(api: ApiClient, document_id: str) -> dict[str, Any]:
    """`POST /approve` with no body: exactly what Kontera suggested; posted by the outbox."""
    response = api.http.post(f"/v1/documents/{document_id}/approve", headers=api.headers)
    assert response.status_code == 200, response.text
    document = api.get(f"/v1/documents/{document_id}")
    assert document["status"] == "posted", document
    return document


def approve_with(
    api: ApiClient, document_id: str, account: str, vat_code: str | None
) -> tuple[int, dict[str, Any]]:
    postings = [{"account": account, "vat_code": vat_code or ""}]
    response = api.http.post(
        f"/v1/documents/{document_id}/approve", headers=api.headers, json={"postings": postings}
    )
    return response.status_code, response.json()


def vouchers_in(rig: LedgerRig) -> int:
    return len(rig.fake.vouchers) + len(getattr(rig.fake, "invoices", {}))


def cost_accounts(rig: LedgerRig, document: dict[str, Any]) -> set[str]:
    """The accounts of the posted voucher's cost lines, read back from the ledger fake."""
    external = document["voucher"]["external_id"]
    fake = rig.fake
    if rig.system == "tripletex":
        numbers = {i: n for n, i in fake.account_ids.items()}
        postings = fake.vouchers[int(external)]["postings"]
        return {numbers[p["account"]["id"]] for p in postings if _cost(numbers[p["account"]["id"]])}
    if rig.system == "poweroffice":
        numbers = {i: n for n, i in fake.account_ids.items()}
        lines = fake.vouchers[external]["SupplierVoucherLines"]
        ids = [line.get("DebitAccountId") or line.get("CreditAccountId") for line in lines]
        return {numbers[i] for i in ids if i in numbers and _cost(numbers[i])}
    rows = fake.vouchers[external]["VoucherRows"]
    return {str(r["Account"]) for r in rows if _cost(str(r["Account"]))}


def _cost(account: str) -> bool:
    """Not the payable, VAT or rounding postings Kontera adds (class 1–2 and 7990 / 3740)."""
    return account[0] in "45678" and account not in ("7990", "3740")
