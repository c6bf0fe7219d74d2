"""Operator commands: `kontera backup`, `restore`, `audit export`, `audit verify`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from kontera.config import Settings
from kontera.logs import configure_logging
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.ops.audit_export import ExportFormat

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Overrides KONTERA_DATA_DIR.", show_default=False)
]


def _settings(data_dir: Path | None) -> Settings:
    settings = Settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    configure_logging(settings.log_level, json_format=settings.log_json)
    return settings


def _context(data_dir: Path | None) -> AppContext:
    return build_context(_settings(data_dir))


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD).") from e


def backup(
    dest: Annotated[Path, typer.Argument(help="The .tar.gz file to write.", dir_okay=False)],
    data_dir: DataDir = None,
) -> None:
    """Back up the database, the originals and the models into one tar.gz with sha256s."""
    from kontera.services.ops.backup import create_backup

    manifest = create_backup(_settings(data_dir), dest)
    typer.echo(
        f"Backup written to {dest}: {manifest.database} database, "
        f"{manifest.originals} originals, {manifest.models} model files."
    )


def restore(
    src: Annotated[Path, typer.Argument(help="A backup made by `kontera backup`.", exists=True)],
    force: Annotated[bool, typer.Option(help="Replace a target that holds data.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Verify a backup and restore it. Stop `serve` and workers first."""
    from kontera.services.ops.backup import restore_backup

    manifest = restore_backup(_settings(data_dir), src, force=force)
    typer.echo(
        f"Restored the backup of {manifest.created_at}: {manifest.database} database, "
        f"{manifest.originals} originals, {manifest.models} model files (all sha256 verified)."
    )


def audit_export(
    company: Annotated[str, typer.Option(help="Company name or slug.")],
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD (UTC).")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD (UTC).")],
    fmt: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.CSV,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write; stdout when absent.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Export a company's audit trail for a period as CSV or JSON."""
    from kontera.services.admin.companies import find_company
    from kontera.services.ops import audit_export as service

    ctx = _context(data_dir)
    found = find_company(ctx, company)
    text = service.export(ctx, company_id=found.id, start=_day(start), end=_day(end), fmt=fmt)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {output}.", err=True)


def audit_verify(
    company: Annotated[
        str | None, typer.Option(help="Only this company (name or slug); default: all.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Check the audit hash chains; name the first broken link of each. Exit 1 if any."""
    from kontera.services.ops.audit_verify import verify

    reports = verify(_context(data_dir), company_name=company)
    for report in reports:
        typer.echo(report.describe())
    if any(report.broken for report in reports):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(backup)
    app.command()(restore)
    audit_app = typer.Typer(no_args_is_help=True, help="The audit trail.")
    audit_app.command("export")(audit_export)
    audit_app.command("verify")(audit_verify)
    app.add_typer(audit_app, name="audit")
