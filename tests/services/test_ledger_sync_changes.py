"""After the first sync: new postings, renamed and closed accounts, crashes, refused tokens.

- 100 new postings and a renamed account → the next sync reads only what is new (calls
  counted), stores exactly those 100 lines and the model retrains on them;
- a sync killed in the middle of the history (here in-process, between two calls; the
  SIGKILL version is `test_ledger_sync_kill.py`) resumes from its cursor: the synced line
  count equals the ledger's, no line twice;
- the account a supplier's history points to is closed in the ledger → the suggestion names
  the next open account and says why;
- a refused token fails the run with the reason in words.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from kontera.config import Settings
from kontera.services.context import AppContext
from kontera.services.suggest import suggestions
from kontera.services.suggest.chart import company_chart
from kontera.services.sync.ledger_sync import sync_company
from kontera.store.db import session_scope
from kontera.store.tables_sync import SyncRun
from kontera.store.types import utcnow
from tests.fakes.books import Books
from tests.fakes.books_invoices import next_invoice
from tests.fakes.books_invoices import steady_supplier
from tests.fakes.books_invoices import usual_account
from tests.fakes.ledger_rig import connected_rig
from tests.fakes.ledger_rig import rig_settings
from tests.fakes.transport import Crash
from tests.services.test_ledger_sync import ORG
from tests.services.test_ledger_sync import books_for
from tests.services.test_ledger_sync import company_for
from tests.services.test_ledger_sync import history_count
from tests.services.test_ledger_sync import upload

SYSTEMS = ["tripletex", "poweroffice", "fortnox"]
HISTORY_PATHS = ("/ledger/posting", "/AccountTransactions", "/3/sie/")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return rig_settings(tmp_path / "data")


def tomorrow(books: Books) -> object:
    return books.end + timedelta(days=1)


@pytest.mark.parametrize("system", SYSTEMS)
def test_new_postings_and_a_renamed_account_are_all_the_next_sync_reads(
    ctx: AppContext, system: str
) -> None:
    books = books_for(system, lines=1200)
    company_id = company_for(ctx, books)
    with connected_rig(ctx, company_id, system, books) as rig:
        first = sync_company(ctx, company_id=company_id, client=rig.client, today=tomorrow(books))
        assert first.state == "succeeded", first.error
        trained = suggestions.train_company(ctx, company_id)
        assert trained is not None
        renamed = next(n for n, a in books.accounts.items() if a.active and n[0] in "4567")
        books.rename_account(renamed, "Nytt navn fra regnskapet")
        added = books.add_vouchers(100)
        calls_before = rig.calls
        second = sync_company(ctx, company_id=company_id, client=rig.client, today=tomorrow(books))
        calls = rig.calls - calls_before
    assert second.state == "succeeded", second.error
    assert sum(len(v.lines) for v in added) == 100
    assert second.counts["history_new"] == 100
    total, distinct = history_count(ctx, company_id, system)
    assert total == distinct == books.cost_lines
    assert company_chart(ctx, company_id=company_id).accounts[renamed].name == (
        "Nytt navn fra regnskapet"
    )
    # Registers are re-read (a handful of calls); the history costs one or two.
    assert calls <= {"tripletex": 7, "poweroffice": 8, "fortnox": 8}[system], rig.served.calls
    if system == "poweroffice":  # read by voucher number: exactly the new vouchers' entries
        assert second.counts["history_lines"] == 100
    # The sync queued the retraining itself (inline here): the model on disk has the lines.
    retrained = suggestions.train_company(ctx, company_id)
    assert retrained is not None and retrained.skipped
    assert retrained.n_lines == trained.n_lines + 100


class CrashAt(httpx.BaseTransport):
    """The worker dies at the `at`-th history call: before sending it, or after the answer."""

    def __init__(self, inner: httpx.BaseTransport, at: int, after: bool) -> None:
        self.inner, self.at, self.after, self.seen = inner, at, after, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if any(part in request.url.path for part in HISTORY_PATHS):
            self.seen += 1
            if self.seen == self.at and not self.after:
                raise Crash("killed before the call")
            if self.seen == self.at:
                self.inner.handle_request(request)
                raise Crash("killed after the answer came")
        return self.inner.handle_request(request)


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_sync_killed_mid_history_resumes_without_doubling_a_line(
    ctx: AppContext, system: str
) -> None:
    books = books_for(system, lines=1200)
    company_id = company_for(ctx, books)
    rng = random.Random(system)
    with connected_rig(ctx, company_id, system, books) as rig:
        _small_pages(ctx, company_id)
        inner = rig.client._transport  # the fake, in-process
        for attempt in range(3):
            crashing = httpx.Client(
                transport=CrashAt(inner, at=rng.randint(1, 2), after=attempt % 2 == 1)
            )
            with pytest.raises(Crash):
                sync_company(ctx, company_id=company_id, client=crashing, today=tomorrow(books))
            _as_found_after_the_worker_died(ctx, company_id)
        done = sync_company(ctx, company_id=company_id, client=rig.client, today=tomorrow(books))
    assert done.state == "succeeded", done.error
    total, distinct = history_count(ctx, company_id, system)
    assert total == distinct == books.cost_lines


def _small_pages(ctx: AppContext, company_id: str) -> None:
    """PowerOffice pages hold 5 000 entries: smaller ones make the history several pages."""
    from kontera.services.post import connections
    from kontera.store import repo

    with session_scope(ctx.engine) as session:
        slug = repo.get_company(session, company_id=company_id).slug
    connections.update_settings(ctx, company_name=slug, settings={"page_size": "500"})


def _as_found_after_the_worker_died(ctx: AppContext, company_id: str) -> None:
    """The killed run's row, as the next worker finds it once its heartbeat is stale."""
    with session_scope(ctx.engine) as session:
        for run in session.exec(select(SyncRun).where(SyncRun.state == "running")).all():
            run.heartbeat_at = utcnow() - timedelta(hours=1)
            session.add(run)


def test_a_closed_account_is_passed_over_for_the_next_open_one(ctx: AppContext) -> None:
    books = books_for("tripletex", lines=2500)
    company_id = company_for(ctx, books)
    supplier = steady_supplier(books, share=0.6)
    usual = usual_account(books, supplier)
    with connected_rig(ctx, company_id, "tripletex", books) as rig:
        assert sync_company(ctx, company_id=company_id, client=rig.client).state == "succeeded"
        books.deactivate_account(usual)
        again = sync_company(ctx, company_id=company_id, client=rig.client)
        assert again.state == "succeeded", again.error
    document = upload(ctx, company_id, next_invoice(books, supplier, ORG["NO"]))
    line = document["suggestion"]["lines"][0]
    chart = company_chart(ctx, company_id=company_id)
    assert line["account"] not in (None, usual)
    assert chart.accounts[line["account"]].active
    assert f"usual account {usual}" in line["reason"] and "closed" in line["reason"]
    assert all(a["account"] != usual for a in line["alternatives"])


def test_a_refused_token_fails_the_run_in_words(ctx: AppContext) -> None:
    books = books_for("tripletex", lines=300)
    company_id = company_for(ctx, books)
    with connected_rig(ctx, company_id, "tripletex", books) as rig:
        rig.fake.employee_token = "revoked"
        outcome = sync_company(ctx, company_id=company_id, client=rig.client)
    assert outcome.state == "failed"
    assert outcome.error == "Tripletex refused the token: reconnect the integration."
    with session_scope(ctx.engine) as session:
        run = session.get(SyncRun, outcome.run_id)
        assert run is not None and run.error == outcome.error and run.finished_at
