"""`kontera`: the command line. Settings are read here, once, and passed down.

Every command pays for its own imports and no other's: this module imports typer and nothing
heavy, each command imports what it needs in its body, and the areas' command modules load
only when one of their commands runs (`AREA_COMMANDS`). So `kontera --help` answers at once
(benchmarks/cli_start.py measures it).
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Annotated
from typing import Any

import typer
from typer.core import TyperCommand
from typer.core import TyperGroup

from kontera.domain.errors import KonteraError

if TYPE_CHECKING:
    from kontera.config import Settings
    from kontera.services.context import AppContext

# Areas add their own commands through `register(app)`.
COMMAND_MODULES: list[str] = [
    "kontera.commands.ops",
    "kontera.commands.users",
    "kontera.commands.mail",
    "kontera.commands.post",
    "kontera.commands.history",
    "kontera.commands.suggest",
    "kontera.commands.webhooks",
    "kontera.commands.security",
    "kontera.commands.storage",
    "kontera.commands.sync",
    "kontera.commands.folders",
]

# The areas' top-level commands and the first paragraph of their help, so that `kontera --help`
# lists them without importing their modules (each pulls in the database layer, the models …).
# tests/cli/test_cli_start.py holds this against the modules. A module missing here is
# imported at start: correct, only slower.
AREA_COMMANDS: dict[str, dict[str, str]] = {
    "kontera.commands.ops": {
        "backup": "Back up the database, the originals and the models into one tar.gz with "
        "sha256s.",
        "restore": "Verify a backup and restore it. Stop `serve` and workers first.",
        "audit": "The audit trail.",
    },
    "kontera.commands.users": {"user": "Users of the review UI."},
    "kontera.commands.mail": {
        "smtp": "Receive supplier mail for <company-slug>@KONTERA_MAIL_DOMAIN until stopped.",
        "imap": "Poll external mailboxes.",
        "mailbox": "External mailboxes (IMAP).",
        "mail": "Senders and the mail quarantine.",
    },
    "kontera.commands.post": {
        "connect": "Connect a company to its accounting system (secrets are stored encrypted)."
    },
    "kontera.commands.history": {
        "import-history": "Import posting history (SAF-T, SIE4 or CSV) and retrain the "
        "suggestions.",
        "retrain": "Retrain a company's suggestion model from its stored history.",
    },
    "kontera.commands.suggest": {
        "evaluate-suggestions": "Train on the oldest 80 % of FILE, test on the newest 20 %; ends "
        "with one JSON line.",
        "train": "Train a company model from a history file and save it (skipped if unchanged).",
    },
    "kontera.commands.webhooks": {"webhook": "Outbound webhooks for integrators."},
    "kontera.commands.security": {
        "rotate-secrets": "After changing KONTERA_SECRET_KEY (old key in "
        "KONTERA_SECRET_KEY_PREVIOUS): re-encrypt accounting tokens, webhook secrets and "
        "mailbox passwords under the new key."
    },
    "kontera.commands.storage": {"storage": "The document store."},
    "kontera.commands.sync": {
        "sync": "Read chart, VAT codes, suppliers, dimensions and posting history from the ledger."
    },
    "kontera.commands.folders": {"folders": "Watched folders (access point, scanners)."},
}


def _area_of(name: str) -> str | None:
    listed = (m for m in COMMAND_MODULES if name in AREA_COMMANDS.get(m, {}))
    return next(listed, None)


def load_area(group: TyperGroup, module_name: str) -> None:
    """Import one area's command module and add its commands to `group`."""
    area = typer.Typer()
    _register(area, module_name)
    for name, command in typer.main.get_group(area).commands.items():
        group.add_command(command, name)


def _register(target: typer.Typer, module_name: str) -> None:
    module = importlib.import_module(module_name)
    module.register(target)
    if hasattr(module, "set_queue_attacher"):
        # What an area's command receives (mail, webhooks, folders) is queued for the workers.
        module.set_queue_attacher(_attach_queue)


def _attach_queue(ctx: AppContext) -> AppContext:
    from kontera.jobs.queue import attach_queue

    return attach_queue(ctx)[0]


class AreaGroup(TyperGroup):
    """The top-level group: an area's commands are listed from `AREA_COMMANDS` and loaded
    when one of them is run (or asked for its own help)."""

    # Typer vendors its own click (typer._click), so the contexts are typed loosely here.
    def list_commands(self, ctx: Any) -> list[str]:
        listed = [n for m in COMMAND_MODULES for n in AREA_COMMANDS.get(m, {})]
        return [*super().list_commands(ctx), *(n for n in listed if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        area = _area_of(cmd_name)
        if found is not None or area is None:
            return found
        return TyperCommand(cmd_name, short_help=AREA_COMMANDS[area][cmd_name])

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        area = _area_of(args[0]) if args else None
        if area is not None and args[0] not in self.commands:
            load_area(self, area)
        return super().resolve_command(ctx, args)


app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="`kontera`: the command line. Settings are read here, once, and passed down.",
    cls=AreaGroup,
)
company_app = typer.Typer(no_args_is_help=True, help="Client companies.")
apikey_app = typer.Typer(no_args_is_help=True, help="API keys for scanning tools and integrators.")
app.add_typer(company_app, name="company")
app.add_typer(apikey_app, name="apikey")

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Overrides KONTERA_DATA_DIR.", show_default=False)
]


def load_settings(data_dir: Path | None = None) -> Settings:
    from kontera.config import Settings

    settings = Settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    return settings


def open_context(
    data_dir: Path | None = None,
    *,
    quiet: bool = True,
    demo: bool = False,
    require_secret: bool = False,
) -> AppContext:
    """One-shot commands log only warnings, so their output stays readable.

    Long-running processes (`require_secret`) refuse to start without KONTERA_SECRET_KEY;
    a demo makes itself a key of its own."""
    from kontera.logs import configure_logging
    from kontera.services.admin import secrets
    from kontera.services.context import build_context

    settings = load_settings(data_dir)
    if demo:
        settings = secrets.demo_settings(settings)
    elif require_secret:
        secrets.require_secret_key(settings)
    level = "WARNING" if quiet and settings.log_level.upper() in ("INFO", "DEBUG") else None
    configure_logging(level or settings.log_level, json_format=settings.log_json)
    return build_context(settings)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    data_dir: DataDir = None,
    demo: Annotated[bool, typer.Option(help="Load a demo company and documents.")] = False,
    smtp_port: Annotated[
        int, typer.Option(help="Also receive supplier mail by SMTP on this port (0: off).")
    ] = 0,
    imap_every: Annotated[
        float, typer.Option(help="Poll companies' IMAP mailboxes every N seconds (0: off).")
    ] = 0.0,
) -> None:
    """Run the API and UI, with an in-process job consumer unless told otherwise."""
    import uvicorn

    from kontera.ingest.smtp import SmtpReceiver
    from kontera.jobs.queue import attach_queue
    from kontera.jobs.queue import make_consumer
    from kontera.jobs.queue import requeue_unfinished
    from kontera.services.receive.email_imap import ImapPoller
    from kontera.services.receive.email_imap import start_imap_polling_in_background
    from kontera.services.receive.email_in import resume_unfinished_mail
    from kontera.services.receive.email_smtp import start_smtp_in_background
    from kontera.services.receive.folder_intake import start_watching
    from kontera.web import create_web_app

    ctx, huey = attach_queue(open_context(data_dir, quiet=False, demo=demo, require_secret=True))
    consumer = None
    if ctx.settings.in_process_worker and not ctx.settings.immediate_jobs:
        consumer = make_consumer(ctx, huey, workers=ctx.settings.worker_threads, embedded=True)
    requeue_unfinished(ctx)
    if demo:
        from kontera.services.demo import load_demo

        typer.echo(load_demo(ctx, fixtures=_fixtures_dir()))
    resume_unfinished_mail(ctx)
    receivers: list[SmtpReceiver | ImapPoller] = []
    if smtp_port:
        receivers.append(start_smtp_in_background(ctx, host, smtp_port))
        typer.echo(f"Receiving mail for *@{ctx.settings.mail_domain} on {host}:{smtp_port}")
    if imap_every > 0:
        receivers.append(start_imap_polling_in_background(ctx, every_seconds=imap_every))
    watcher = start_watching(ctx)  # the access point's and scanners' folders, if configured
    typer.echo(f"Kontera listening on http://{host}:{port}  (data: {ctx.settings.data_dir})")
    try:
        uvicorn.run(create_web_app(ctx, consumer=consumer), host=host, port=port, log_config=None)
    finally:
        for receiver in receivers:
            receiver.stop()
        if watcher is not None:
            watcher.stop()


def _fixtures_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "fixtures"


@app.command()
def worker(
    data_dir: DataDir = None,
    threads: Annotated[int | None, typer.Option(help="Consumer threads.")] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Serve /metrics, /healthz, /readyz on this port (KONTERA_METRICS_PORT)."),
    ] = None,
) -> None:
    """Run a standalone job consumer (use with KONTERA_REDIS_URL to share work).

    SIGTERM stops it gracefully: running tasks finish or are handed back within
    KONTERA_SHUTDOWN_GRACE_SECONDS."""
    from kontera.jobs.queue import attach_queue
    from kontera.jobs.queue import make_consumer
    from kontera.jobs.queue import requeue_unfinished
    from kontera.jobs.worker_http import serve_operations
    from kontera.services.receive.folder_intake import start_watching

    ctx, huey = attach_queue(open_context(data_dir, quiet=False, require_secret=True))
    requeue_unfinished(ctx)
    workers = threads or ctx.settings.worker_threads
    port = metrics_port if metrics_port is not None else ctx.settings.metrics_port
    if port:
        serve_operations(ctx, port)
    start_watching(ctx)  # the access point's and scanners' folders, if configured
    make_consumer(ctx, huey, workers=workers, embedded=False).run()


@company_app.command("create")
def company_create(
    name: str,
    org_number: Annotated[str | None, typer.Option(help="Organisation number.")] = None,
    country: Annotated[str, typer.Option(help="NO or SE.")] = "NO",
    data_dir: DataDir = None,
) -> None:
    """Create a client company; prints its id and inbound mail address."""
    from kontera.services.admin import companies

    ctx = open_context(data_dir)
    company = companies.create_company(ctx, name=name, org_number=org_number, country=country)
    typer.echo(f"Created company {company.name} (id {company.id}, slug {company.slug})")
    typer.echo(f"Inbound mail: {company.slug}@{ctx.settings.mail_domain}")


@company_app.command("list")
def company_list(data_dir: DataDir = None) -> None:
    """List companies."""
    from kontera.store import repo
    from kontera.store.db import session_scope

    ctx = open_context(data_dir)
    with session_scope(ctx.engine) as session:
        for company in repo.list_companies(session):
            typer.echo(f"{company.slug}\t{company.name}\t{company.org_number or ''}")


@apikey_app.command("create")
def apikey_create(
    company: Annotated[str, typer.Option(help="Company name or slug.")],
    name: Annotated[str, typer.Option(help="A label for the key.")] = "default",
    data_dir: DataDir = None,
) -> None:
    """Create an API key. It is printed once and stored only as a hash."""
    from kontera.services.admin import companies

    ctx = open_context(data_dir)
    created = companies.create_api_key(ctx, company_name=company, name=name)
    typer.echo(created.key)


@apikey_app.command("list")
def apikey_list(
    company: Annotated[str, typer.Option(help="Company name or slug.")],
    data_dir: DataDir = None,
) -> None:
    """The company's API keys: id, name, prefix, created, and whether revoked."""
    from kontera.services.admin import api_keys
    from kontera.services.admin import companies

    ctx = open_context(data_dir)
    found = companies.find_company(ctx, company)
    for key in api_keys.list_keys(ctx, company_id=found.id):
        state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        typer.echo(f"{key.id}\t{key.prefix}…\t{key.name}\t{key.created_at:%Y-%m-%d}\t{state}")


@apikey_app.command("revoke")
def apikey_revoke(
    key: Annotated[str, typer.Argument(help="The key's id, or the prefix `list` shows.")],
    company: Annotated[str, typer.Option(help="Company name or slug.")],
    data_dir: DataDir = None,
) -> None:
    """Revoke an API key: from the next request on it gets 401."""
    from kontera.services.admin import api_keys
    from kontera.services.admin import companies

    ctx = open_context(data_dir)
    found = companies.find_company(ctx, company)
    target = api_keys.find_key(ctx, company_id=found.id, id_or_prefix=key.rstrip("…"))
    api_keys.revoke(ctx, company_id=found.id, key_id=target.id, actor="cli")
    typer.echo(f"Revoked API key {target.name} ({target.prefix}…)")


@app.command()
def interpret(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the interpretation JSON.")] = False,
) -> None:
    """Interpret a file without touching the database."""
    from kontera.domain.codec import invoice_to_json
    from kontera.interpret import InterpretContext
    from kontera.interpret import interpret_bytes

    # Nothing here shows a rendered view, so none is drawn (reportlab and pdfium stay unloaded).
    result = interpret_bytes(path.read_bytes(), InterpretContext(render_missing=False))
    data = invoice_to_json(result.invoice)
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    totals = data["totals"]
    typer.echo(f"{data['document_type']} {data['invoice_number']} from {data['seller']['name']}")
    typer.echo(f"  issued {data['issue_date']}, due {data['due_date']}")
    typer.echo(f"  payable {totals['payable']} {data['currency']} (VAT {totals['vat']})")
    for note in data["notes"]:
        typer.echo(f"  [{note['severity']}] {note['message']}")


def _register_areas() -> None:
    """Areas not listed in `AREA_COMMANDS` are registered now; the listed ones load lazily."""
    for module_name in COMMAND_MODULES:
        if module_name not in AREA_COMMANDS:
            _register(app, module_name)


def main() -> None:
    _register_areas()
    try:
        app()
    except KonteraError as e:
        typer.echo(f"error: {e.message}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
