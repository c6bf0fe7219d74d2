"""`kontera sync COMPANY [--full]`: read the company's ledger now, with a progress bar."""

from __future__ import annotations

from typing import Annotated

import typer

from kontera.config import Settings
from kontera.services.admin.companies import find_company
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.sync.ledger_sync import SyncOutcome
from kontera.services.sync.ledger_sync import sync_company

STAGES = {"chart": "chart of accounts", "suppliers": "suppliers", "history": "posting lines"}


def sync(
    company: Annotated[str, typer.Argument(help="Company name or slug.")],
    full: Annotated[
        bool, typer.Option(help="Read everything again, not only what changed.")
    ] = False,
) -> None:
    """Read chart, VAT codes, suppliers, dimensions and posting history from the ledger."""
    ctx = build_context(Settings())
    outcome = run_with_progress(ctx, find_company(ctx, company).id, full=full)
    if outcome.state != "succeeded":
        raise typer.Exit(code=1)


def run_with_progress(ctx: AppContext, company_id: str, *, full: bool) -> SyncOutcome:
    with typer.progressbar(length=0, label="Syncing", show_pos=True) as bar:

        def progress(stage: str, done: int) -> None:
            bar.label = f"Syncing {STAGES.get(stage, stage)}"
            bar.update(max(0, done - bar.pos) if stage == "history" else 0)

        outcome = sync_company(ctx, company_id=company_id, full=full, progress=progress)
    report(outcome)
    return outcome


def report(outcome: SyncOutcome) -> None:
    counts = outcome.counts
    if outcome.state != "succeeded":
        typer.echo(f"Sync failed: {outcome.error}", err=True)
    typer.echo(
        f"{counts.get('accounts', 0)} accounts, {counts.get('vat_codes', 0)} VAT codes, "
        f"{counts.get('suppliers', 0)} suppliers, {counts.get('dimensions', 0)} dimensions; "
        f"{counts.get('history_new', 0)} new posting lines of {counts.get('history_lines', 0)} "
        f"read, in {outcome.calls} calls."
    )


def register(app: typer.Typer) -> None:
    app.command("sync")(sync)
