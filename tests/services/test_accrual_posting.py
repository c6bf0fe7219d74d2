"""An accrual's release vouchers are posted exactly once, whatever happens in between.

GIVEN an annual subscription approved as Kontera suggested it (twelve monthly releases), with
      the outbox's task held back so the test runs it by hand
WHEN  the worker dies right after a release voucher reached the ledger (its answer lost), and
      the posting runs again — or the ledger refuses a release (the coming year is not open
      yet) and, once it is, the invoice is approved again
THEN  the ledger holds the invoice's voucher once and each month's release once: the runs
      after the crash and after the refusal look each voucher up before sending it.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from huey import Huey

from kontera.config import Settings
from kontera.domain.accrual import month_end
from kontera.jobs.queue import attach_queue
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.pipeline.recovery import unfinished_vouchers
from kontera.services.post import posting
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Document
from tests.acceptance.test_accruals import connect
from tests.acceptance.test_accruals import country_of
from tests.acceptance.test_accruals import ledger_rows
from tests.acceptance.test_accruals import make_fake
from tests.acceptance.test_accruals import subscription_ehf
from tests.fakes.fortnox import FakeFortnox
from tests.fakes.poweroffice import FakePowerOffice
from tests.fakes.transport import Crash
from tests.fakes.tripletex import FakeTripletex
from tests.reliability.test_recovery import run_all
from tests.reliability.test_recovery import status
from tests.servers import asgi_server

MONTHS = [month_end(2027, m) for m in range(1, 13)]


@dataclasses.dataclass
class Held:
    """A company on a ledger fake, with a queue whose tasks the test runs by hand."""

    ctx: AppContext
    huey: Huey
    ledger: str
    fake: Any
    url: str


@pytest.fixture
def held(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Held]:
    ledger = request.param
    fake = make_fake(ledger)
    with asgi_server(fake) as url:
        settings = Settings(
            data_dir=tmp_path / "data",
            log_json=False,
            tripletex_consumer_token=FakeTripletex().consumer_token,
            poweroffice_application_key=FakePowerOffice().application_key,
            poweroffice_subscription_key=FakePowerOffice().subscription_key,
            fortnox_client_id=FakeFortnox().client_id,
            fortnox_client_secret=FakeFortnox().client_secret,
            fortnox_auth_url=f"{url}/oauth-v1",
        )
        ctx, huey = attach_queue(build_context(settings))
        yield Held(ctx, huey, ledger, fake, url)
        ctx.engine.dispose()


class CrashAfterCreate(httpx.BaseTransport):
    """The real connection, except that the worker dies just after the `n`-th request that
    creates a voucher reached the ledger (the ledger acted; nobody heard its answer)."""

    def __init__(self, n: int) -> None:
        self.inner = httpx.HTTPTransport()
        self.n, self.seen = n, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if creates_voucher(request):
            self.seen += 1
            if self.seen == self.n:
                response.read()
                raise Crash(f"after create {self.n}")
        return response


def creates_voucher(request: httpx.Request) -> bool:
    path = request.url.path
    if request.method != "POST":
        return False
    return (
        path.endswith("/ledger/voucher")
        or (path.startswith("/v2/JournalEntryVouchers/") and not path.endswith("VoucherPages"))
        or path in ("/3/vouchers", "/3/supplierinvoices")
    )


def approve_as_suggested(held: Held) -> tuple[str, str]:
    """Upload and approve through the API with no body; the posting task stays queued."""
    from kontera.api.app import create_app

    with TestClient(create_app(held.ctx)) as client:
        api = connect(held.ctx, client, held.ledger, held.fake, held.url)
        created = api.upload(subscription_ehf(country_of(held.ledger)), "arsavgift.xml")
        run_all(held.huey)  # read and suggested
        response = api.http.post(f"/v1/documents/{created['id']}/approve", headers=api.headers)
        assert response.status_code == 200, response.text
    held.huey.flush()  # the posting task is run by hand below
    with session_scope(held.ctx.engine) as session:
        record = repo.voucher_for(session, document_id=created["id"])
        assert record is not None
        return created["id"], record.id


def release_days(held: Held, cost_account: str) -> Counter[date]:
    rows = ledger_rows(held.ledger, held.fake)
    return Counter(day for _, day, account, _ in rows if account == cost_account and day in MONTHS)


def voucher_count(held: Held) -> int:
    return len({vid for vid, *_ in ledger_rows(held.ledger, held.fake)})


@pytest.mark.parametrize(
    ("held", "crash_at"),
    [("tripletex", 6), ("poweroffice", 6), ("fortnox_vouchers", 6), ("fortnox_vouchers", 13)],
    indirect=["held"],
)
def test_a_crash_after_a_release_reached_the_ledger_does_not_double_it(
    held: Held, crash_at: int
) -> None:
    document_id, voucher_id = approve_as_suggested(held)
    dying = dataclasses.replace(
        held.ctx, http_client=lambda **kw: httpx.Client(transport=CrashAfterCreate(crash_at), **kw)
    )
    with pytest.raises(Crash):
        posting.post_voucher(dying, voucher_id)
    assert status(held.ctx, document_id) == "posting"
    assert voucher_id in unfinished_vouchers(held.ctx)  # the restart sweep finds it
    before = voucher_count(held)
    assert before == crash_at  # the last one sent did reach the ledger

    assert posting.post_voucher(held.ctx, voucher_id) == "posted"

    assert status(held.ctx, document_id) == "posted"
    assert voucher_id not in unfinished_vouchers(held.ctx)
    cost = "6110" if held.ledger.startswith("fortnox") else "6900"
    assert release_days(held, cost) == Counter(MONTHS)  # each month once
    assert voucher_count(held) == 1 + 12
    assert posting.post_voucher(held.ctx, voucher_id) == "posted"  # a late duplicate task
    assert voucher_count(held) == 1 + 12


@pytest.mark.parametrize("held", ["fortnox_vouchers"], indirect=True)
def test_a_refused_release_goes_back_to_review_and_approving_again_finishes_it(
    held: Held,
) -> None:
    fake: FakeFortnox = held.fake
    next_year = fake.years.pop(3)  # the books of 2027 are not open yet
    document_id, voucher_id = approve_as_suggested(held)

    assert posting.post_voucher(held.ctx, voucher_id) == "failed"
    with session_scope(held.ctx.engine) as session:
        document = session.get(Document, document_id)
        assert document is not None and document.status == "needs_review"
        assert "2027-01-31" in (document.status_reason or "")
        company_id = document.company_id
    assert voucher_count(held) == 1  # the invoice's own voucher stands

    fake.years[3] = next_year
    from kontera.api.app import create_app

    with TestClient(create_app(held.ctx)) as client:
        key = _api_key(held.ctx, company_id)
        again = client.post(
            f"/v1/documents/{document_id}/approve", headers={"Authorization": f"Bearer {key}"}
        )
        assert again.status_code == 200, again.text
    run_all(held.huey)

    assert status(held.ctx, document_id) == "posted"
    assert release_days(held, "6110") == Counter(MONTHS)
    assert voucher_count(held) == 13


def _api_key(ctx: AppContext, company_id: str) -> str:
    from kontera.services.admin import companies

    with session_scope(ctx.engine) as session:
        name = repo.get_company(session, company_id=company_id).name
    return companies.create_api_key(ctx, company_name=name).key
