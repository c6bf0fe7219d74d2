"""`kontera folders scan` (once, now) and `kontera folders watch` (until stopped): take new
files from the access point's inbound folder and the scanners' folders
(`KONTERA_INBOUND_FOLDER`, `KONTERA_SCAN_FOLDER`; see `services.folder_intake`).

`kontera serve` and `kontera worker` watch the folders themselves when one is configured;
these commands are for an operator (a file dropped by hand) and for a separate watcher
process. The job queue comes from `cli.py` (commands may not import jobs), as for mail.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from kontera.config import Settings
from kontera.logs import configure_logging
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.receive.folder_intake import FolderReport
from kontera.services.receive.folder_intake import scan_folders

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Overrides KONTERA_DATA_DIR.", show_default=False)
]
_attach: Callable[[AppContext], AppContext] = lambda ctx: ctx  # noqa: E731


def set_queue_attacher(attach: Callable[[AppContext], AppContext]) -> None:
    global _attach
    _attach = attach


def _context(data_dir: Path | None) -> AppContext:
    settings = Settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    configure_logging(settings.log_level, json_format=settings.log_json)
    if settings.inbound_folder is None and settings.scan_folder is None:
        typer.echo(
            "No folder to watch: set KONTERA_INBOUND_FOLDER or KONTERA_SCAN_FOLDER.", err=True
        )
        raise typer.Exit(code=2)
    return _attach(build_context(settings))


def scan(data_dir: DataDir = None) -> None:
    """Take every new file in the watched folders now."""
    _print(scan_folders(_context(data_dir)))


def watch(data_dir: DataDir = None) -> None:
    """Take new files every KONTERA_FOLDER_POLL_SECONDS until SIGTERM or Ctrl-C."""
    ctx = _context(data_dir)
    stop = threading.Event()

    def stopping(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    while not stop.is_set():
        report = scan_folders(ctx)
        if report.taken:
            _print(report)
        stop.wait(ctx.settings.folder_poll_seconds)


def _print(report: FolderReport) -> None:
    typer.echo(
        f"{report.taken} taken, {report.acknowledged} acknowledged, "
        f"{report.waiting} still being written, {len(report.left)} left"
    )
    for why in report.left:
        typer.echo(f"  left: {why}")


def register(app: typer.Typer) -> None:
    folders = typer.Typer(no_args_is_help=True, help="Watched folders (access point, scanners).")
    folders.command("scan")(scan)
    folders.command("watch")(watch)
    app.add_typer(folders, name="folders")
