"""`kontera rotate-secrets`: re-encrypt every stored secret under the current secret key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kontera.config import Settings
from kontera.services.admin import secrets
from kontera.services.context import build_context

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Overrides KONTERA_DATA_DIR.", show_default=False)
]


def rotate_secrets(data_dir: DataDir = None) -> None:
    """After changing KONTERA_SECRET_KEY (old key in KONTERA_SECRET_KEY_PREVIOUS): re-encrypt
    accounting tokens, webhook secrets and mailbox passwords under the new key."""
    settings = Settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    secrets.require_secret_key(settings)
    report = secrets.rotate_secrets(build_context(settings))
    for kind in sorted({*report.rotated, *report.current}):
        rotated, current = report.rotated.get(kind, 0), report.current.get(kind, 0)
        typer.echo(f"{kind}: {rotated} re-encrypted, {current} already under the current key")
    for where in report.unreadable:
        typer.echo(f"cannot be read with any configured key: {where}", err=True)
    if report.unreadable:
        typer.echo(
            "Keep the old key in KONTERA_SECRET_KEY_PREVIOUS until these are entered again.",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo("Every stored secret is under the current key; KONTERA_SECRET_KEY_PREVIOUS")
    typer.echo("can be removed once every Kontera process runs with the new key.")


def register(app: typer.Typer) -> None:
    app.command("rotate-secrets")(rotate_secrets)
