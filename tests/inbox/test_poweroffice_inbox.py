"""PowerOffice Go's Voucher Approval inbox: no role, and what Go refuses.

GIVEN a company connected to a fake PowerOffice Go whose integration lacks the
      `VoucherApproval_Full` role, with EHF waiting for approval
WHEN the company is synced
THEN the 403 is noted on the company (in words), nothing is taken, and the rest of the sync
     succeeds.

GIVEN vouchers Go sent Kontera for approval
WHEN Kontera's PowerOffice connector approves an unknown voucher, approves one twice, approves
     lines that do not add up to the voucher, or adds a line with an unknown account or VAT
     code, a negative amount, or to a posted voucher
THEN each is refused with Go's reason and nothing changes.

GIVEN an EHF waiting for approval in Go
WHEN a person approves Kontera's suggestion with one of the books' departments on its lines
THEN Go's voucher carries the department by Go's id (its write model has no codes).

GIVEN a scanned supplier voucher (two JPEG pages, no EHF) sent for approval
WHEN the inbox is read
THEN it becomes one document: a PDF of both pages.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import httpx
import pytest
from sqlmodel import select

from kontera.config import Settings
from kontera.domain.errors import PermanentError
from kontera.post.http import CredentialsRejected
from kontera.post.http import RemoteNotFound
from kontera.post.poweroffice import PowerOfficeConnector
from kontera.post.poweroffice import PowerOfficeCredentials
from kontera.services.context import AppContext
from kontera.services.review import approvals
from kontera.services.review.approvals import ApprovedLine
from kontera.services.sync.ledger_sync import sync_company
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables_inbox import InboxItem
from tests.fakes.inbox_documents import corpus_invoices
from tests.fakes.ledger_rig import rig_settings
from tests.fakes.poweroffice import DEPARTMENT_IDS
from tests.fakes.tripletex import vat_allowed
from tests.inbox.rig import InboxRig
from tests.inbox.rig import _chosen
from tests.inbox.rig import inbox_rig
from tests.services.test_ledger_sync import books_for

LINES = 600


@pytest.fixture
def settings(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return rig_settings(tmp_path / "data")


def connector(rig: InboxRig, client: httpx.Client) -> PowerOfficeConnector:
    fake = rig.fake
    credentials = PowerOfficeCredentials(
        fake.application_key,
        fake.client_key,
        fake.subscription_key,
        base_url=f"{rig.ledger.base}/v2",
        token_url=f"{rig.ledger.base}/OAuth/Token",
    )
    return PowerOfficeConnector(client, credentials)


def test_without_the_role_the_inbox_is_noted_and_the_rest_of_the_sync_succeeds(
    ctx: AppContext,
) -> None:
    books = books_for("poweroffice", LINES)
    with inbox_rig(ctx, "poweroffice", books) as rig:
        rig.inbox.roles.clear()
        rig.deliver(corpus_invoices(books.country, 2, buyer=rig.buyer, sellers=rig.sellers()))
        outcome = sync_company(ctx, company_id=rig.company_id, client=rig.client)
        assert outcome.state == "succeeded", outcome.error
        assert outcome.counts["inbox_unavailable"] == 1
        assert outcome.counts.get("inbox_new", 0) == 0
        assert rig.ledger.calls > 0  # the registers and history were read
        with session_scope(ctx.engine) as session:
            assert session.exec(select(Document)).all() == []
            noted = [
                e
                for e in repo.company_events(session, company_id=rig.company_id)
                if e.action == "inbox:unavailable"
            ]
            assert len(noted) == 1
            assert noted[0].detail["ledger"] == "PowerOffice Go"
            assert "permission" in noted[0].detail["why"]
        assert rig.inbox.downloads == {}
        assert rig.spec_violations == []


def test_go_refuses_what_it_would_refuse(ctx: AppContext) -> None:
    books = books_for("poweroffice", LINES)
    with inbox_rig(ctx, "poweroffice", books) as rig, httpx.Client(timeout=30) as client:
        invoices = corpus_invoices(books.country, 2, buyer=rig.buyer, sellers=rig.sellers())
        first, second = rig.deliver(invoices)
        go = connector(rig, client)
        path = f"/JournalEntryVouchers/SupplierInvoices/{first}"
        approve = {"VoucherApprovalStatus": "Approve", "Comment": "kontera:test"}

        with pytest.raises(RemoteNotFound):
            go.call("POST", f"/VoucherApproval/{uuid.uuid4()}", json=approve)

        draft = go.call("GET", path)
        assert draft["ApprovalState"] == "Submitted" and draft["OriginatedFromEhf"] is True
        (precoded,) = draft["SupplierVoucherLines"]
        amount = Decimal(str(draft["CurrencyAmount"]))
        go.call("DELETE", f"{path}/VoucherLines/{precoded['Id']}")
        cost, vat = _cost_account(rig)
        refusals = {
            "Kontoen finnes ikke": {"DebitAccountId": 1, "DebitVatId": vat},
            "Mva-kode": {"DebitAccountId": cost, "DebitVatId": -1},
            "feil fortegn": {"DebitAccountId": cost, "DebitVatId": vat, "x": -1},
        }
        for reason, line in refusals.items():
            body = {"CurrencyAmount": -1.0 if line.pop("x", None) else 10.0, **line}
            with pytest.raises(PermanentError, match=reason):
                go.call("POST", f"{path}/VoucherLines", json=body)
        half = {"DebitAccountId": cost, "DebitVatId": vat}
        go.call("POST", f"{path}/VoucherLines", json={**half, "CurrencyAmount": float(amount / 2)})
        with pytest.raises(PermanentError, match="ikke i balanse"):
            go.call("POST", f"/VoucherApproval/{first}", json=approve)
        assert not rig.inbox.approved(first)

        go.call("POST", f"{path}/VoucherLines", json={**half, "CurrencyAmount": float(amount / 2)})
        answer = go.call("POST", f"/VoucherApproval/{first}", json=approve)
        assert answer["IsPosted"] is True and rig.inbox.posted(first)
        with pytest.raises(PermanentError, match="allerede godkjent"):
            go.call("POST", f"/VoucherApproval/{first}", json=approve)
        with pytest.raises(PermanentError, match="bokført"):
            go.call("POST", f"{path}/VoucherLines", json={**half, "CurrencyAmount": 1.0})
        assert rig.inbox.vouchers[first]["_approvals"] == ["Approve"]

        rig.inbox.handle_in_go(second)  # a person posted it: Kontera no longer sees it
        with pytest.raises(RemoteNotFound):
            go.call("POST", f"/VoucherApproval/{second}", json=approve)
        assert rig.inbox.vouchers[second]["_approvals"] == []
        assert rig.spec_violations == []

        rig.inbox.roles.clear()
        with pytest.raises(CredentialsRejected, match="permission"):
            go.call("GET", "/VoucherApproval")


def test_the_gate_refuses_what_the_documentation_does_not_allow(ctx: AppContext) -> None:
    books = books_for("poweroffice", LINES)
    with inbox_rig(ctx, "poweroffice", books) as rig, httpx.Client(timeout=30) as client:
        (voucher,) = rig.deliver(
            corpus_invoices(books.country, 1, buyer=rig.buyer, sellers=rig.sellers())
        )
        go = connector(rig, client)
        with pytest.raises(PermanentError):  # Comment is required
            only_status = {"VoucherApprovalStatus": "Approve"}
            go.call("POST", f"/VoucherApproval/{voucher}", json=only_status)
        with pytest.raises(PermanentError):  # not a VoucherApprovalStatus
            go.call(
                "POST",
                f"/VoucherApproval/{voucher}",
                json={"VoucherApprovalStatus": "Approved", "Comment": "x"},
            )
        assert len(rig.spec_violations) == 2
        assert not rig.inbox.approved(voucher)


def _cost_account(rig: InboxRig) -> tuple[int, int]:
    """An active cost account of the books and a VAT code Go takes on it (ids)."""
    account = next(
        a
        for a in rig.ledger.books.accounts.values()
        if a.active and a.number.startswith("6") and vat_allowed(a.vat_code, a.number)
    )
    return rig.fake.account_ids[account.number], rig.fake.vat_ids[account.vat_code]


def test_a_department_reaches_go_by_its_id(ctx: AppContext) -> None:
    books = books_for("poweroffice", LINES)
    department = next(code for code, d in books.departments.items() if d.active)
    with inbox_rig(ctx, "poweroffice", books) as rig:
        rig.deliver(corpus_invoices(books.country, 1, buyer=rig.buyer, sellers=rig.sellers()))
        assert sync_company(ctx, company_id=rig.company_id, client=rig.client).state == (
            "succeeded"
        )
        with session_scope(ctx.engine) as session:
            (item,) = session.exec(select(InboxItem)).all()
            record = repo.latest_suggestion(session, document_id=str(item.document_id))
            assert record is not None
            suggested = [_chosen(line) for line in record.payload["lines"]]
        lines = [
            ApprovedLine(
                account=line["account"],
                amount=Decimal(line["amount"]) if line.get("amount") is not None else None,
                vat_code=line.get("vat_code"),
                line_index=line.get("line_index"),
                dimensions={"department": department},
            )
            for line in suggested
        ]
        approvals.approve(
            ctx,
            company_id=rig.company_id,
            document_id=str(item.document_id),
            actor="bookkeeper",
            lines=lines,
        )
        voucher_id = item.details["voucher_id"]
        assert rig.inbox.approved(voucher_id), _reason(ctx, str(item.document_id))
        numbers = {ident: number for number, ident in rig.fake.account_ids.items()}
        chosen = {line["account"] for line in suggested}
        on_cost = [
            line
            for line in rig.inbox.lines(voucher_id)
            if numbers[line.get("DebitAccountId") or line.get("CreditAccountId")] in chosen
        ]
        assert on_cost
        wanted = DEPARTMENT_IDS + int(department)
        departments = [line.get("DepartmentId") for line in on_cost]
        # None: a line the voucher builder adds (rounding) carries no department
        assert wanted in departments and set(departments) <= {wanted, None}
        assert all("DepartmentCode" not in line for line in on_cost)
        assert rig.spec_violations == []


def _reason(ctx: AppContext, document_id: str) -> str | None:
    with session_scope(ctx.engine) as session:
        document = session.get(Document, document_id)
        return document.status_reason if document is not None else None


def test_a_scanned_voucher_arrives_as_one_pdf_of_its_pages(ctx: AppContext) -> None:
    from io import BytesIO

    import pikepdf
    from PIL import Image

    def page(shade: int) -> bytes:
        out = BytesIO()
        Image.new("RGB", (320, 450), (shade, shade, shade)).save(out, "JPEG")
        return out.getvalue()

    books = books_for("poweroffice", LINES)
    with inbox_rig(ctx, "poweroffice", books) as rig:
        voucher_id = rig.inbox.scan([page(250), page(240)], Decimal("1250.00"), "2026-12-01")
        outcome = sync_company(ctx, company_id=rig.company_id, client=rig.client)
        assert outcome.state == "succeeded", outcome.error
        assert outcome.counts["inbox_new"] == 1
        with session_scope(ctx.engine) as session:
            (document,) = session.exec(select(Document)).all()
            assert document.source == "ledger"
            assert document.external_id == f"poweroffice:voucher:{voucher_id}"
            assert document.content_type == "application/pdf"
            content = ctx.blobs.get(document.sha256)
        with pikepdf.open(BytesIO(content)) as pdf:
            assert len(pdf.pages) == 2
        assert rig.inbox.downloads == {}  # no EHF to fetch
        assert rig.spec_violations == []
