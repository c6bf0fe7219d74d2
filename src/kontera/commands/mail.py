"""`kontera smtp`, `kontera imap poll`, `kontera mailbox …`, `kontera mail …`: e-mail in.

Documents received here are handed to the job queue. Commands may not import `kontera.jobs`
(architecture rule), so `cli.py` supplies the queue with `set_queue_attacher`; without it the
documents wait in `received` until a worker starts (its start-up requeues them).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from kontera.config import Settings
from kontera.domain.errors import KonteraError
from kontera.ingest.settings import MailSettings
from kontera.logs import configure_logging
from kontera.services.admin.companies import find_company
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.receive import email_senders
from kontera.services.receive.email_imap import PollReport
from kontera.services.receive.email_imap import add_mailbox
from kontera.services.receive.email_imap import mailboxes
from kontera.services.receive.email_imap import poll_all
from kontera.services.receive.email_imap import poll_company
from kontera.services.receive.email_in import resume_unfinished_mail
from kontera.services.receive.email_smtp import start_smtp_in_background

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Overrides KONTERA_DATA_DIR.", show_default=False)
]
Company = Annotated[str, typer.Option("--company", help="Company name or slug.")]

_attach: Callable[[AppContext], AppContext] = lambda ctx: ctx  # noqa: E731


def set_queue_attacher(attach: Callable[[AppContext], AppContext]) -> None:
    """Called by `cli.py` with `lambda ctx: attach_queue(ctx)[0]`."""
    global _attach
    _attach = attach


def _context(data_dir: Path | None) -> AppContext:
    settings = Settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    configure_logging(settings.log_level, json_format=settings.log_json)
    return _attach(build_context(settings))


def _fail(error: KonteraError) -> typer.Exit:
    typer.echo(f"Error: {error.message}", err=True)
    return typer.Exit(code=1)


def smtp(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 2525,
    data_dir: DataDir = None,
) -> None:
    """Receive supplier mail for <company-slug>@KONTERA_MAIL_DOMAIN until stopped."""
    ctx = _context(data_dir)
    mail = MailSettings()
    finished = resume_unfinished_mail(ctx, mail)
    if finished:
        typer.echo(f"Finished {finished} message(s) left over from the last run.")
    receiver = start_smtp_in_background(ctx, host, port, mail)
    typer.echo(f"Receiving mail for *@{ctx.settings.mail_domain} on {host}:{receiver.port}")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        receiver.stop()


def imap_poll(
    company: Annotated[str | None, typer.Option(help="Only this company (name or slug).")] = None,
    every: Annotated[
        int, typer.Option(help="Poll again every N seconds; 0 polls once.", min=0)
    ] = 0,
    data_dir: DataDir = None,
) -> None:
    """Import new mail from the companies' own mailboxes."""
    ctx = _context(data_dir)
    try:
        company_id = find_company(ctx, company).id if company else None
    except KonteraError as e:
        raise _fail(e) from e
    while True:
        reports = poll_company(ctx, company_id) if company_id else poll_all(ctx)
        for report in reports:
            typer.echo(_describe(report))
        if not every:
            break
        time.sleep(every)


def _describe(report: PollReport) -> str:
    if report.error:
        return f"mailbox {report.mailbox_id}: failed: {report.error}"
    return (
        f"mailbox {report.mailbox_id}: {report.fetched} fetched, {report.imported} imported, "
        f"{report.duplicates} already known, {report.documents} documents"
    )


def mailbox_add(
    company: Company,
    host: Annotated[str, typer.Option(help="IMAP server.")],
    user: Annotated[str, typer.Option(help="Login name.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, help="Stored sealed.")],
    port: Annotated[int, typer.Option(help="993 for ssl, 143 otherwise.")] = 993,
    security: Annotated[str, typer.Option(help="ssl, starttls or none.")] = "ssl",
    folder: Annotated[str, typer.Option(help="Folder to read.")] = "INBOX",
    after: Annotated[str, typer.Option(help="move or flag imported mail.")] = "move",
    processed_folder: Annotated[str, typer.Option(help="Where 'move' puts it.")] = "Kontera",
    data_dir: DataDir = None,
) -> None:
    """Poll an external mailbox for this company."""
    ctx = _context(data_dir)
    try:
        found = find_company(ctx, company)
        created = add_mailbox(
            ctx,
            company_id=found.id,
            host=host,
            username=user,
            password=password,
            port=port,
            security=security,
            folder=folder,
            after_import=after,
            processed_folder=processed_folder,
        )
    except KonteraError as e:
        raise _fail(e) from e
    typer.echo(f"Added mailbox {created.id}: {user}@{host}:{port}/{folder} for {found.name}")


def mailbox_list(data_dir: DataDir = None) -> None:
    """List polled mailboxes with their state."""
    ctx = _context(data_dir)
    for box in mailboxes(ctx):
        state = box.last_error or f"last UID {box.last_uid}"
        typer.echo(f"{box.id}  {box.username}@{box.host}/{box.folder}  {state}")


def mail_trust(address: str, company: Company, data_dir: DataDir = None) -> None:
    """Trust a sender address (or @domain): their mail skips the quarantine."""
    ctx = _context(data_dir)
    try:
        released = email_senders.release_sender(
            ctx, find_company(ctx, company).id, address, actor="cli"
        )
    except KonteraError as e:
        raise _fail(e) from e
    typer.echo(f"Trusted {address}; released {released} held document(s).")


def mail_quarantine(company: Company, data_dir: DataDir = None) -> None:
    """List documents held because their sender is not trusted yet."""
    ctx = _context(data_dir)
    try:
        held = email_senders.quarantined(ctx, find_company(ctx, company).id)
    except KonteraError as e:
        raise _fail(e) from e
    for item in held:
        typer.echo(
            f"{item.document_id}  {item.sender}  {item.filename}  {item.subject or ''}"
            f"  [{item.authentication or 'not checked'}]"
        )
    typer.echo(f"{len(held)} document(s) held.")


def register(app: typer.Typer) -> None:
    app.command("smtp")(smtp)
    imap_app = typer.Typer(no_args_is_help=True, help="Poll external mailboxes.")
    imap_app.command("poll")(imap_poll)
    app.add_typer(imap_app, name="imap")
    mailbox_app = typer.Typer(no_args_is_help=True, help="External mailboxes (IMAP).")
    mailbox_app.command("add")(mailbox_add)
    mailbox_app.command("list")(mailbox_list)
    app.add_typer(mailbox_app, name="mailbox")
    mail_app = typer.Typer(no_args_is_help=True, help="Senders and the mail quarantine.")
    mail_app.command("trust")(mail_trust)
    mail_app.command("quarantine")(mail_quarantine)
    app.add_typer(mail_app, name="mail")
