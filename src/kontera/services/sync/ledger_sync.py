"""Connect once, and the ledger keeps Kontera in step: the sync of one company.

    sync_company(ctx, company_id=cid)                 # incremental: what changed since
    sync_company(ctx, company_id=cid, full=True)      # everything again (kontera sync --full)

One run reads, in this order, through the company's connection (and so its shared quota):

1. the chart of accounts and VAT codes → `services.chart` (the ledger is the truth);
2. the supplier register with bank accounts → `supplier` rows (`ledger_records`);
3. departments, projects, cost centres → `dimension` rows;
4. the posting history of supplier invoices, `KONTERA_SYNC_HISTORY_YEARS` back, page by page:
   each page's lines and the cursor after them are stored in one transaction, each line once
   (by its ledger id) — a run killed anywhere resumes from the last page stored;
5. the invoices waiting in the ledger's own inbox, each once, as documents
   (`services.ledger_inbox`; the schedule also runs this step alone, more often);
6. then the model retrains from the history, through the same task as an imported file (and
   suggests again for the invoices waiting for a person); a run that brought no new lines
   but changed what suggestions depend on (an account closed, a VAT code withdrawn, a
   supplier's default account) suggests again for them at once.

Every run is a `sync_run` row: its state, counts, the calls it made, and when it failed the
reason in words ("Tripletex refused the token: reconnect the integration."), shown on the
company's page and printed by `kontera sync`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta

import httpx
from sqlmodel import select

from kontera.domain.chart import ChartSource
from kontera.domain.errors import Conflict
from kontera.domain.errors import InvalidInput
from kontera.domain.messages import Message
from kontera.post.sync import LedgerReader
from kontera.post.sync import SyncWindow
from kontera.post.sync_readers import SYSTEM_NAMES
from kontera.post.sync_readers import reader_for
from kontera.services.context import AppContext
from kontera.services.pipeline import relearn
from kontera.services.post.connections import connection_of
from kontera.services.post.connections import connector_for
from kontera.services.suggest.chart import company_chart
from kontera.services.suggest.chart import store_accounts
from kontera.services.suggest.chart import store_vat_codes
from kontera.services.sync import ledger_history
from kontera.services.sync import ledger_inbox
from kontera.services.sync import sync_runs
from kontera.services.sync.ledger_records import store_dimensions
from kontera.services.sync.ledger_records import store_suppliers
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables_interpret import Supplier
from kontera.store.tables_post import AccountingConnection
from kontera.store.types import utcnow

log = logging.getLogger(__name__)
Progress = Callable[[str, int], None]  # (stage, how many so far)
EVERYTHING = frozenset({"registers", "history", "inbox"})
INBOX_ONLY = frozenset({"inbox"})


@dataclass(slots=True)
class SyncOutcome:
    run_id: str
    system: str
    state: str
    counts: dict[str, int] = field(default_factory=dict)
    calls: int = 0
    error: str | None = None  # English; `error_text` says it in the reader's language
    error_text: Message | None = None


def sync_company(
    ctx: AppContext,
    *,
    company_id: str,
    full: bool = False,
    trigger: str = "cli",
    progress: Progress | None = None,
    client: httpx.Client | None = None,
    today: date | None = None,
    parts: frozenset[str] = EVERYTHING,
) -> SyncOutcome:
    """One sync run. What goes wrong during it is recorded and returned in words, never
    raised; a company without a ledger connection, or with a run already going, raises.

    `parts` narrows a run to some of "registers", "history" and "inbox" (the schedule reads
    the inbox more often than the rest)."""
    system = _system(ctx, company_id)
    run_id = sync_runs.start(ctx, company_id=company_id, system=system, full=full, trigger=trigger)
    outcome = SyncOutcome(run_id, system, "running")
    reader: LedgerReader | None = None
    rules_before = _rules_state(ctx, company_id) if "registers" in parts else None
    try:
        with _http(ctx, client) as http:
            reader = _reader(ctx, company_id, http)
            window = _window(ctx, company_id, full, today or date.today())
            _read_parts(ctx, company_id, run_id, reader, window, outcome, progress, parts)
    except Exception as e:  # recorded for the company's page; the worker goes on
        reason = sync_runs.in_words(e, SYSTEM_NAMES[system])
        outcome.state, outcome.error, outcome.error_text = "failed", str(reason), reason
        if not isinstance(e, Conflict | InvalidInput):
            log.warning("ledger sync failed", extra={"company_id": company_id, "why": str(e)})
    else:
        outcome.state = "succeeded"
    outcome.calls = reader.stats.calls if reader is not None else 0
    sync_runs.finish(
        ctx, outcome.run_id, outcome.state, outcome.counts, outcome.calls, outcome.error_text
    )
    _audit(ctx, company_id, outcome)
    _learn_from(ctx, company_id, outcome, full=full, rules_before=rules_before)
    return outcome


def _read_parts(
    ctx: AppContext,
    company_id: str,
    run_id: str,
    reader: LedgerReader,
    window: SyncWindow,
    outcome: SyncOutcome,
    progress: Progress | None,
    parts: frozenset[str],
) -> None:
    if "registers" in parts:
        _registers(ctx, company_id, reader, window, outcome.counts, progress)
    if "history" in parts:
        ledger_history.sync_history(
            ctx,
            company_id=company_id,
            run_id=run_id,
            reader=reader,
            window=window,
            counts=outcome.counts,
            progress=progress,
        )
    if "inbox" in parts:
        ledger_inbox.take_inbox(
            ctx,
            company_id=company_id,
            run_id=run_id,
            reader=reader,
            counts=outcome.counts,
            progress=progress,
        )


def _learn_from(
    ctx: AppContext,
    company_id: str,
    outcome: SyncOutcome,
    *,
    full: bool,
    rules_before: tuple[object, ...] | None,
) -> None:
    if outcome.counts.get("history_new") or (full and outcome.state == "succeeded"):
        ctx.queue.train_company(company_id)  # which suggests again for the waiting invoices
    elif (
        outcome.state == "succeeded"
        and rules_before is not None
        and _rules_state(ctx, company_id) != rules_before
    ):
        # An account closed, a VAT code withdrawn, a default account changed: a waiting
        # invoice must not keep a suggestion that approval would now refuse.
        relearn.resuggest_waiting(ctx, company_id=company_id)


def _rules_state(ctx: AppContext, company_id: str) -> tuple[object, ...]:
    """What of the ledger's registers the suggestions depend on (`ledger_rules`)."""
    chart = company_chart(ctx, company_id=company_id)
    accounts = sorted(
        (n, a.active, a.supplier_invoices, tuple(sorted(a.vat_codes or ())), a.vat_codes is None)
        for n, a in chart.accounts.items()
    )
    vat_codes = sorted((c, v.active) for c, v in chart.vat_codes.items())
    with session_scope(ctx.engine) as session:
        defaults = sorted(
            (key, account)
            for key, account in session.exec(
                select(Supplier.key, Supplier.default_account).where(
                    Supplier.company_id == company_id, Supplier.source == "ledger"
                )
            ).all()
            if account
        )
    return (chart.complete, tuple(accounts), tuple(vat_codes), tuple(defaults))


def _system(ctx: AppContext, company_id: str) -> str:
    with session_scope(ctx.engine) as session:
        row = connection_of(session, company_id)
    if row is None or row.system not in SYSTEM_NAMES:
        raise InvalidInput("The company is not connected to Tripletex, Fortnox or PowerOffice Go.")
    return row.system


def _reader(ctx: AppContext, company_id: str, http: httpx.Client) -> LedgerReader:
    with session_scope(ctx.engine) as session:
        row = connection_of(session, company_id)
    if row is None:
        raise InvalidInput("The company is no longer connected to an accounting system.")
    size = str(row.settings.get("page_size", ""))
    connector = connector_for(ctx, row, client=http, limiters=ctx.limiters)
    return reader_for(connector, int(size) if size.isdigit() else None)


def _window(ctx: AppContext, company_id: str, full: bool, today: date) -> SyncWindow:
    with session_scope(ctx.engine) as session:
        company = repo.get_company(session, company_id=company_id)
    years = int(
        (company.settings.get("sync") or {}).get("history_years") or ctx.settings.sync_history_years
    )
    since = _years_before(today, years) + timedelta(days=1)
    last = None if full else sync_runs.last_success_started(ctx, company_id=company_id)
    return SyncWindow(since=since, today=today, full=full, changed_since=last)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _registers(
    ctx: AppContext,
    company_id: str,
    reader: LedgerReader,
    window: SyncWindow,
    counts: dict[str, int],
    progress: Progress | None,
) -> None:
    accounts = reader.accounts()
    counts["accounts"] = store_accounts(
        ctx, company_id=company_id, accounts=accounts, source=ChartSource.LEDGER, replace=True
    )
    vat_codes = reader.vat_codes()
    if vat_codes:
        counts["vat_codes"] = store_vat_codes(
            ctx,
            company_id=company_id,
            vat_codes=vat_codes,
            source=ChartSource.LEDGER,
            replace=True,
        )
    _note(progress, "chart", len(accounts))
    suppliers = reader.suppliers(window)
    dimensions = reader.dimensions()
    with session_scope(ctx.engine) as session:
        country = repo.get_company(session, company_id=company_id).country.upper()
        counts["suppliers"] = store_suppliers(
            session, company_id=company_id, country=country, suppliers=suppliers
        )
        counts["dimensions"] = store_dimensions(
            session, company_id=company_id, dimensions=dimensions
        )
        for resource in ("chart", "suppliers", "dimensions"):
            sync_runs.save_cursor(
                session, company_id, resource, {"synced_at": utcnow().isoformat()}
            )
    _note(progress, "suppliers", len(suppliers))


def _note(progress: Progress | None, stage: str, done: int) -> None:
    if progress is not None:
        progress(stage, done)


@contextmanager
def _http(ctx: AppContext, client: httpx.Client | None) -> Iterator[httpx.Client]:
    if client is not None:
        yield client
        return
    with ctx.http_client(timeout=httpx.Timeout(60.0, connect=10.0)) as own:
        yield own


def _audit(ctx: AppContext, company_id: str, outcome: SyncOutcome) -> None:
    with session_scope(ctx.engine) as session:
        repo.add_event(
            session,
            company_id=company_id,
            document_id=None,
            actor=f"sync:{outcome.system}",
            action=f"ledger_sync:{outcome.state}",
            detail={
                "run": outcome.run_id,
                "counts": outcome.counts,
                "calls": outcome.calls,
                "error": outcome.error,
            },
        )


def sync_quietly(
    ctx: AppContext,
    company_id: str,
    *,
    full: bool,
    trigger: str,
    parts: frozenset[str] = EVERYTHING,
) -> str:
    """The job's entry: a company no longer connected, or already syncing, is not an error."""
    try:
        return sync_company(
            ctx, company_id=company_id, full=full, trigger=trigger, parts=parts
        ).state
    except (Conflict, InvalidInput) as e:
        log.info("ledger sync skipped", extra={"company_id": company_id, "why": e.message})
        return "skipped"


def connected_companies(ctx: AppContext) -> list[str]:
    """Companies whose ledger can be read: Tripletex, PowerOffice Go, or Fortnox once authorised."""
    with session_scope(ctx.engine) as session:
        rows = session.exec(select(AccountingConnection)).all()
    return [
        row.company_id
        for row in rows
        if row.system in SYSTEM_NAMES and (row.system != "fortnox" or row.tokens)
    ]
