"""`kontera import-history` and `kontera retrain`: a company's past postings into its model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kontera.config import Settings
from kontera.services.admin.companies import find_company
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.pipeline.relearn import resuggest_waiting
from kontera.services.suggest.history import import_history_file
from kontera.services.suggest.suggestions import train_company
from kontera.suggest.csv_history import parse_mapping


def import_history(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    company: Annotated[str, typer.Option(help="Company name or slug.")],
    history_format: Annotated[
        str | None, typer.Option("--format", help="saft, sie or csv (default: detected).")
    ] = None,
    maps: Annotated[
        list[str] | None,
        typer.Option("--map", help="column=name for CSV files, e.g. account=Konto."),
    ] = None,
    train: Annotated[bool, typer.Option(help="Retrain the company's model afterwards.")] = True,
    force: Annotated[
        bool,
        typer.Option("--force", help="Import even if the file names another company's org. no."),
    ] = False,
) -> None:
    """Import posting history (SAF-T, SIE4 or CSV) and retrain the suggestions."""
    ctx = build_context(Settings())
    target = find_company(ctx, company)
    with typer.progressbar(length=0, label="Importing", show_pos=True) as bar:

        def progress(count: int) -> None:
            bar.update(count - bar.pos)

        report = import_history_file(
            ctx,
            company_id=target.id,
            path=file,
            history_format=history_format,
            mapping=parse_mapping(maps or []),
            progress=progress,
            force=force,
        )
    typer.echo(f"Imported {report.imported} lines into {target.name}.")
    for problem in report.problems[:20]:
        typer.echo(f"  not imported: {problem}")
    if len(report.problems) > 20:
        typer.echo(f"  … and {len(report.problems) - 20} more problems")
    if train:
        info = train_company(ctx, target.id)
        typer.echo(
            "Model: too little history to train yet."
            if info is None
            else f"Model: {'unchanged' if info.skipped else 'trained'} on {info.n_lines} lines."
        )
    _resuggest(ctx, target.id)


def retrain(
    company: Annotated[str, typer.Option(help="Company name or slug.")],
    force: Annotated[bool, typer.Option(help="Retrain even if nothing changed.")] = False,
) -> None:
    """Retrain a company's suggestion model from its stored history."""
    ctx = build_context(Settings())
    target = find_company(ctx, company)
    info = train_company(ctx, target.id, force=force)
    typer.echo("Too little history to train." if info is None else f"Trained: {info.path}")
    _resuggest(ctx, target.id)


def _resuggest(ctx: AppContext, company_id: str) -> None:
    changed = resuggest_waiting(ctx, company_id=company_id)
    if changed:
        typer.echo(f"Suggested again for {changed} waiting invoices.")


def register(app: typer.Typer) -> None:
    app.command("import-history")(import_history)
    app.command("retrain")(retrain)
