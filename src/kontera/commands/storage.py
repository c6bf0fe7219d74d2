"""`kontera storage …`: the document store (originals, models, page images)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kontera.config import Settings
from kontera.logs import configure_logging
from kontera.services.ops.storage_migration import describe
from kontera.services.ops.storage_migration import migrate_storage
from kontera.store.blobs import FileBlobStore
from kontera.store.blobs import open_blob_store
from kontera.store.db import make_engine
from kontera.store.migrate import upgrade

storage_app = typer.Typer(no_args_is_help=True, help="The document store.")


def register(app: typer.Typer) -> None:
    app.add_typer(storage_app, name="storage")


@storage_app.command("migrate")
def migrate(
    source: Annotated[
        Path | None,
        typer.Option("--from", help="The data directory to copy from (default KONTERA_DATA_DIR)."),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option("--to", help="The store to copy into (default KONTERA_STORAGE_URL)."),
    ] = None,
) -> None:
    """Copy originals, models and page images from a data directory into a bucket, then check
    that every file the database names is there. Safe to run again; it copies what is missing."""
    settings = Settings()
    configure_logging("WARNING", json_format=settings.log_json)
    url = target or settings.storage_url
    if not url:
        raise typer.BadParameter("Name the target with --to or KONTERA_STORAGE_URL.")
    destination = open_blob_store(url, settings.data_dir)
    origin = FileBlobStore(source or settings.data_dir)
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
        report = migrate_storage(origin, destination, engine=engine, progress=typer.echo)
    finally:
        engine.dispose()
    typer.echo(describe(report, destination))
    if report.missing:
        raise typer.Exit(1)
